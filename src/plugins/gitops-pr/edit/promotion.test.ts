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

const promotion = (over: Partial<Extract<ChangeIntent, { kind: 'promote' }>> = {}): ChangeIntent => ({
  kind: 'promote',
  from: 'staging',
  images: ['ghcr.io/acme/shop-web:1.5.0', 'ghcr.io/acme/shop-worker:2.1.0'],
  keys: [
    { file: VALUES, key: 'config.flags', value: { checkout: true, search: true } },
    { file: VALUES, key: 'config.regions', value: ['kr', 'jp'] },
  ],
  ...over,
});

describe('a promotion', () => {
  it("writes both images and the keys in prod's values file, and nothing else", async () => {
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
      '+13     checkout: true',
      '+14     search: true',
      '+15   regions:',
      '+16     - kr',
      '+17     - jp',
    ]);
    expect(() => checkScope(intent, p, 'shop-prod')).not.toThrow();
    // Asked again on the result, there is nothing left to do.
    await expect(plan(shopProd, memoryTree(applyPlan(shop, p)), intent)).rejects.toThrow(NoChangeError);
  });

  it('adds a key the target does not have yet, nested where its parent is', async () => {
    const intent = promotion({ images: [], keys: [{ file: VALUES, key: 'config.limits.cart', value: 50 }] });
    const p = await plan(shopProd, memoryTree(shop), intent);
    expect(changesOf(p, VALUES)).toEqual(['+15   limits:', '+16     cart: 50']);
    expect(() => checkScope(intent, p, 'shop-prod')).not.toThrow();
  });

  it('refuses keys it cannot copy: outside the app, in a missing file, through a scalar, or empty', async () => {
    const refused = (keys: Extract<ChangeIntent, { kind: 'promote' }>['keys']) =>
      plan(shopProd, memoryTree(shop), promotion({ images: [], keys })).catch((e: unknown) => e);
    expect(await refused([{ file: 'charts/other/values.yaml', key: 'a', value: 1 }])).toBeInstanceOf(
      InputError,
    );
    expect(String(await refused([{ file: 'charts/shop/values-qa.yaml', key: 'a', value: 1 }]))).toContain(
      'does not exist in the target environment',
    );
    expect(String(await refused([{ file: VALUES, key: 'replicaCount.x', value: 1 }]))).toContain(
      'replicaCount is not a mapping',
    );
    expect(String(await refused([{ file: VALUES, key: 'config.flags', value: null }]))).toContain(
      'does not remove keys',
    );
  });

  it('is refused by the guard when it writes a key nobody asked to copy, or another value', async () => {
    const intent = promotion({
      images: [],
      keys: [{ file: VALUES, key: 'config.flags', value: { checkout: true } }],
    });
    const before = shop[VALUES] as string;
    const extra = {
      changes: [
        {
          path: VALUES,
          before,
          after: before
            .replace('replicaCount: 3', 'replicaCount: 1')
            .replace('checkout: false', 'checkout: true'),
        },
      ],
      summary: [],
    };
    expect(() => checkScope(intent, extra, 'shop-prod')).toThrow(UnintendedEditError);
    const wrong = {
      changes: [{ path: VALUES, before, after: before.replace('checkout: false', 'checkout: "yes"') }],
      summary: [],
    };
    expect(() => checkScope(intent, wrong, 'shop-prod')).toThrow(/would not write config.flags/);
    const image = {
      changes: [{ path: VALUES, before, after: before.replace('tag: 1.4.0', 'tag: 9.9.9') }],
      summary: [],
    };
    expect(() => checkScope(promotion({ keys: [] }), image, 'shop-prod')).toThrow(UnintendedEditError);
  });
});
