/**
 * A promotion as one change: the images that differ, each planned as its own bump on top of the
 * ones before it, and named config keys copied whole — and the scope guard holding it to that.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/errors.ts';
import { NoChangeError } from '../changes.ts';
import { checkScope, UnintendedEditError } from '../guard/scope.ts';
import type { ChangeIntent } from '../intents.ts';
import { createPlanner } from './index.ts';
import { readKey } from './promotion.ts';
import { app, applyPlan, changesOf, git, memoryTree } from './testing.ts';

const plan = createPlanner();

/** A chart in Git with a values file per environment, two images and some config (prod's copy). */
const shop: Record<string, string> = {
  'charts/shop/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.1.0\n',
  'charts/shop/values.yaml': 'web:\n  image:\n    repository: ghcr.io/acme/shop-web\n    tag: 1.0.0\n',
  'charts/shop/values-prod.yaml': [
    '# prod: three replicas, its own flags',
    'web:',
    '  image:',
    '    repository: ghcr.io/acme/shop-web',
    '    tag: 1.4.0',
    'worker:',
    '  image:',
    '    repository: ghcr.io/acme/shop-worker',
    '    tag: 2.0.1 # pinned by hand once',
    'replicaCount: 3',
    'config:',
    '  flags:',
    '    checkout: false',
    '  regions: [kr]',
    '',
  ].join('\n'),
  'charts/shop/templates/deploy.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: {name: web}',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          image: "{{ .Values.web.image.repository }}:{{ .Values.web.image.tag }}"',
    '        - name: worker',
    '          image: "{{ .Values.worker.image.repository }}:{{ .Values.worker.image.tag }}"',
    '',
  ].join('\n'),
};
const shopProd = app(
  'shop-prod',
  git('charts/shop', { helm: { valueFiles: ['values.yaml', 'values-prod.yaml'] } }),
  [{ kind: 'Deployment', name: 'web', group: 'apps', version: 'v1', namespace: 'shop' }],
);
const VALUES = 'charts/shop/values-prod.yaml';

/** Staging's copy, as its deployed revision writes it: what the keys are copied from. */
const STAGING = [
  'config:',
  '  flags:',
  '    checkout: true   # on since 1.5',
  '    search: yes',
  '  mode: 0644',
  '  ratio: 1.0',
  '  regions: [kr, jp]',
  '  banner: |',
  '    Welcome',
  '      to the shop',
  '',
].join('\n');
const key = (k: string, file = VALUES) => ({
  file,
  key: k,
  ...readKey('charts/shop/values-staging.yaml', STAGING, k)!,
});

const promotion = (over: Partial<Extract<ChangeIntent, { kind: 'promote' }>> = {}): ChangeIntent => ({
  kind: 'promote',
  from: 'staging',
  images: ['ghcr.io/acme/shop-web:1.5.0', 'ghcr.io/acme/shop-worker:2.1.0'],
  keys: [key('config.flags'), key('config.regions')],
  ...over,
});

describe('a promotion', () => {
  it("writes both images and the keys in prod's values file as staging writes them, and nothing else", async () => {
    const intent = promotion();
    const p = await plan(shopProd, memoryTree(shop), intent);
    expect(p.changes.map((c) => c.path)).toEqual([VALUES]);
    expect(changesOf(p, VALUES)).toEqual([
      '-5     tag: 1.4.0',
      '+5     tag: 1.5.0',
      '-9     tag: 2.0.1 # pinned by hand once',
      '+9     tag: 2.1.0 # pinned by hand once',
      '-13     checkout: false',
      '-14   regions: [kr]',
      '+13     checkout: true   # on since 1.5',
      '+14     search: yes',
      '+15   regions: [kr, jp]',
    ]);
    expect(() => checkScope(intent, p, 'shop-prod')).not.toThrow();
    // Asked again on the result, there is nothing left to do.
    await expect(plan(shopProd, memoryTree(applyPlan(shop, p)), intent)).rejects.toThrow(NoChangeError);
  });

  it('keeps what YAML 1.1 readers (Helm) would read differently, and block scalars, exactly as written', async () => {
    const intent = promotion({ images: [], keys: [key('config')] });
    const p = await plan(shopProd, memoryTree(shop), intent);
    const after = applyPlan(shop, p)[VALUES] as string;
    expect(after).toContain('  mode: 0644\n  ratio: 1.0\n');
    expect(after).toContain('    search: yes\n');
    expect(after).toContain('  banner: |\n    Welcome\n      to the shop\n');
    expect(() => checkScope(intent, p, 'shop-prod')).not.toThrow();
  });

  it('adds a key the target does not have yet, nested where its parent is', async () => {
    const limits = { file: VALUES, key: 'config.limits.cart', text: ' 50', value: 50 };
    const intent = promotion({ images: [], keys: [limits] });
    const p = await plan(shopProd, memoryTree(shop), intent);
    expect(changesOf(p, VALUES)).toEqual(['+15   limits:', '+16     cart: 50']);
    expect(() => checkScope(intent, p, 'shop-prod')).not.toThrow();
  });

  it('reads a source key only when it is written out in a one-document file', () => {
    expect(() => readKey('v.yaml', 'a: &x {b: 1}\nc: *x\n', 'c')).toThrow(/anchor/);
    expect(() => readKey('v.yaml', 'a: 1\n---\na: 2\n', 'a')).toThrow(/2 YAML documents/);
    expect(() => readKey('v.yaml', 'a: 1\na: 2\n', 'a')).toThrow(/not valid YAML/);
    expect(() => readKey('v.yaml', 'a: 1\n', '__proto__')).toThrow(/not a key/);
    expect(readKey('v.yaml', 'a: 1\n', 'b')).toBeUndefined();
  });

  it('refuses keys it cannot copy: outside the app, in a missing file, through a scalar, or empty', async () => {
    const refused = (keys: Extract<ChangeIntent, { kind: 'promote' }>['keys']) =>
      plan(shopProd, memoryTree(shop), promotion({ images: [], keys })).catch((e: unknown) => e);
    const one = { text: ' 1', value: 1 };
    expect(await refused([{ file: 'charts/other/values.yaml', key: 'a', ...one }])).toBeInstanceOf(
      InputError,
    );
    expect(String(await refused([{ file: 'charts/shop/values-qa.yaml', key: 'a', ...one }]))).toContain(
      'does not exist in the target environment',
    );
    expect(String(await refused([{ file: VALUES, key: 'replicaCount.x', ...one }]))).toContain(
      'replicaCount is not a mapping',
    );
    expect(String(await refused([{ file: VALUES, key: 'config.flags', text: '', value: null }]))).toContain(
      'does not remove keys',
    );
  });

  it('is refused by the guard when it writes a key nobody asked to copy, another value, or an image elsewhere', async () => {
    const intent = promotion({ images: [], keys: [key('config.flags')] });
    const before = shop[VALUES] as string;
    const edit = (after: string) => ({ changes: [{ path: VALUES, before, after }], summary: [] });
    const copied = before.replace(
      '    checkout: false',
      '    checkout: true   # on since 1.5\n    search: yes',
    );
    expect(() => checkScope(intent, edit(copied), 'shop-prod')).not.toThrow();
    expect(() =>
      checkScope(intent, edit(copied.replace('replicaCount: 3', 'replicaCount: 1')), 'shop-prod'),
    ).toThrow(UnintendedEditError);
    expect(() =>
      checkScope(intent, edit(copied.replace('search: yes', 'search: "yes"')), 'shop-prod'),
    ).toThrow(/would not write config.flags/);
    expect(() =>
      checkScope(intent, edit(copied.replace('# prod:', '# on since 1.5 prod:')), 'shop-prod'),
    ).toThrow(UnintendedEditError);
    // An image only where it was: the worker's key set to the web image is refused.
    const images = promotion({ keys: [] });
    expect(() => checkScope(images, edit(before.replace('tag: 1.4.0', 'tag: 9.9.9')), 'shop-prod')).toThrow(
      UnintendedEditError,
    );
    const swapped = before.replace(
      'repository: ghcr.io/acme/shop-worker',
      'repository: ghcr.io/acme/shop-web',
    );
    expect(() => checkScope(images, edit(swapped), 'shop-prod')).toThrow(UnintendedEditError);
  });
});
