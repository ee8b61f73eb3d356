import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ResolvedApp } from '../../argocd/index.ts';
import { checkScope } from '../guard/scope.ts';
import {
  findApplicationManifest,
  imageOnApplication,
  parentOf,
  pinFor,
  planOnApplication,
  planUnpin,
} from './application-manifest.ts';
import { EditSet } from './edit-set.ts';
import { applyPlan, memoryTree, resolved } from './testing.ts';

const IU = 'argocd-image-updater.argoproj.io';
const IMAGE = 'ghcr.io/acme/api';

/** The api Application as Argo CD returns it: Image Updater wrote its image to the live object. */
function liveApp(annotations: Record<string, string> = {}): ResolvedApp {
  const raw = {
    metadata: {
      name: 'api',
      namespace: 'argocd',
      labels: { 'app.kubernetes.io/instance': 'apps' },
      annotations: { [`${IU}/image-list`]: `api=${IMAGE}`, ...annotations },
    },
    spec: {
      project: 'default',
      source: {
        repoURL: 'https://github.com/acme/infra',
        path: 'api',
        kustomize: { images: [`${IMAGE}:1.5.0`] },
      },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'api' },
    },
    status: { summary: { images: [`${IMAGE}:1.5.0`] }, sourceType: 'Kustomize' },
  };
  return resolved(raw);
}

const manifest = (extra = '') => `# The api service.
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: api
  namespace: argocd
  annotations:
    ${IU}/image-list: api=${IMAGE}
${extra}spec:
  project: default
  source:
    repoURL: https://github.com/acme/infra
    path: api
    kustomize:
      images:
        - ${IMAGE}:1.5.0
  destination:
    server: https://kubernetes.default.svc
    namespace: api
`;

const files = (text: string): Record<string, string> => ({
  'apps/kustomization.yaml': 'resources: [team/api.yaml, web.yaml]\n',
  'apps/web.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: web }\n',
  'apps/team/api.yaml': text,
  'api/kustomization.yaml': 'resources: [deployment.yaml]\n',
});

async function plan(
  text: string,
  run: (set: EditSet, where: { path: string; doc: number }) => Promise<unknown>,
) {
  const tree = files(text);
  const set = new EditSet(memoryTree(tree), '');
  const where = await findApplicationManifest(
    memoryTree(tree),
    { path: 'apps', recurse: true },
    { name: 'api', namespace: 'argocd' },
    (p) => set.open(p),
  );
  await run(set, where);
  const p = await set.plan();
  return { plan: p, after: applyPlan(tree, p)['apps/team/api.yaml'] as string, where };
}

describe('an image the Application sets, changed in its manifest', () => {
  it('is found from the app of apps that tracks the Application, in the file that holds it', async () => {
    const r = liveApp();
    expect(parentOf(r.app)).toEqual({ name: 'apps' });
    expect(
      parentOf({
        ...r.app,
        metadata: {
          ...r.app.metadata,
          annotations: { 'argocd.argoproj.io/tracking-id': 'team_apps:argoproj.io/Application:argocd/api' },
        },
      }),
    ).toEqual({ namespace: 'team', name: 'apps' });
    expect(imageOnApplication(r, '1.4.2')).toMatchObject({ origin: 'image-updater', alias: 'api' });
    const tree = memoryTree(files(manifest()));
    const where = await findApplicationManifest(
      tree,
      { path: 'apps', recurse: true },
      { name: 'api', namespace: 'argocd' },
      (p) => new EditSet(tree, '').open(p),
    );
    expect(where).toEqual({ path: 'apps/team/api.yaml', doc: 0 });
    // A plain directory app of apps reads only its own folder.
    await expect(
      findApplicationManifest(
        memoryTree(files(manifest())),
        { path: 'apps', recurse: false },
        { name: 'api', namespace: 'argocd' },
        async () => undefined,
      ),
    ).rejects.toThrow(/not among the manifests under apps/);
  });

  it('sets the image and pins it, keeping the allow-tags it replaced for the unpin', async () => {
    const r = liveApp({ [`${IU}/api.allow-tags`]: 'regexp:^1\\.' });
    const pin = pinFor(r.view.images[0]!, 'alice', 'roll back 1.5.0', Date.parse('2026-12-06T10:00:00Z'));
    const { plan: p, after } = await plan(
      manifest(`    ${IU}/api.allow-tags: regexp:^1\\.\n`),
      (set, where) => planOnApplication(set, r, where, '1.4.2', pin),
    );
    expect(() => checkScope({ kind: 'image', image: '1.4.2' }, p, 'api')).not.toThrow();
    const doc = parse(after);
    expect(doc.spec.source.kustomize.images).toEqual([`${IMAGE}:1.4.2`]);
    expect(doc.metadata.annotations[`${IU}/api.allow-tags`]).toBe('regexp:^1\\.4\\.2$');
    expect(JSON.parse(doc.metadata.annotations['deckhand.dev/pin.api'])).toEqual({
      tag: '1.4.2',
      by: 'alice',
      reason: 'roll back 1.5.0',
      at: '2026-12-06T10:00:00Z',
      replaced: 'regexp:^1\\.',
    });
    expect(after.startsWith('# The api service.\n')).toBe(true);
    // A pin of another tag is not what this intent asks: the guard refuses it.
    expect(() => checkScope({ kind: 'image', image: '1.4.3' }, p, 'api')).toThrow(/does not ask for/);

    const { plan: back, after: unpinned } = await plan(after, (set, where) => planUnpin(set, where, 'api'));
    expect(() => checkScope({ kind: 'unpin' }, back, 'api')).not.toThrow();
    const d = parse(unpinned);
    expect(d.metadata.annotations[`${IU}/api.allow-tags`]).toBe('regexp:^1\\.');
    expect(d.metadata.annotations['deckhand.dev/pin.api']).toBeUndefined();
    expect(d.spec.source.kustomize.images).toEqual([`${IMAGE}:1.4.2`]);
  });

  it('refuses to pin an image Image Updater knows by no alias', () => {
    const r = liveApp();
    const view = { ...r.view.images[0]!, alias: undefined };
    expect(() => pinFor(view, 'alice', 'x', 0)).toThrow(/without an alias/);
  });

  it('leaves a pin someone set by hand since alone, taking out only its own record', async () => {
    const r = liveApp();
    const pin = pinFor(r.view.images[0]!, 'alice', 'x', 0);
    const { after } = await plan(manifest(), (set, where) => planOnApplication(set, r, where, '1.4.2', pin));
    const byHand = after
      .split('\n')
      .map((l) => (l.includes('api.allow-tags') ? l.replace('4', '5').replace(/2(?=\W*$)/, '0') : l))
      .join('\n');
    expect(byHand).not.toBe(after);
    const { after: unpinned } = await plan(byHand, (set, where) => planUnpin(set, where, 'api'));
    const d = parse(unpinned);
    expect(d.metadata.annotations[`${IU}/api.allow-tags`]).toBe('regexp:^1\\.5\\.0$');
    // (the entry Git had before the pin stays: the pin added none)
    expect(d.spec.source.kustomize.images).toEqual([`${IMAGE}:1.4.2`]);
    expect(d.metadata.annotations['deckhand.dev/pin.api']).toBeUndefined();
  });

  it('refuses a change that pins or releases a second image besides the one asked', async () => {
    const r = liveApp();
    const pin = pinFor(r.view.images[0]!, 'alice', 'x', 0);
    const { plan: p } = await plan(manifest(), (set, where) =>
      planOnApplication(set, r, where, '1.4.2', pin),
    );
    const c = p.changes[0]!;
    const sneaky = {
      ...p,
      changes: [
        {
          ...c,
          after: (c.after as string).replace(
            '  annotations:\n',
            `  annotations:\n    ${IU}/web.allow-tags: regexp:^1\\.4\\.2$\n`,
          ),
        },
      ],
    };
    expect(() => checkScope({ kind: 'image', image: '1.4.2' }, sneaky, 'api')).toThrow(/allow-tags/);
  });

  it('writes the record of an alias with a slash under a valid annotation name', async () => {
    const r = liveApp({ [`${IU}/image-list`]: `team/api=${IMAGE}` });
    const pin = pinFor(r.view.images[0]!, 'alice', 'x', 0);
    const { after } = await plan(manifest(), (set, where) => planOnApplication(set, r, where, '1.4.2', pin));
    const keys = Object.keys(parse(after).metadata.annotations);
    expect(keys).toContain('deckhand.dev/pin.team_api');
    expect(keys).toContain(`${IU}/team_api.allow-tags`);
  });

  it('takes the tracking annotation only when it names this Application', () => {
    const r = liveApp();
    const tracked = (id: string) =>
      parentOf({
        ...r.app,
        metadata: { ...r.app.metadata, annotations: { 'argocd.argoproj.io/tracking-id': id } },
      });
    expect(tracked('apps:argoproj.io/Application:argocd/api')).toEqual({ name: 'apps' });
    expect(tracked('apps:argoproj.io/Application:argocd/other')).toBeUndefined();
    expect(tracked('apps:apps/Deployment:argocd/api')).toBeUndefined();
  });

  it('pins a Helm app by its parameters, asked by a bare tag, and an unpin takes the parameters out', async () => {
    const raw = {
      metadata: {
        name: 'api',
        namespace: 'argocd',
        labels: { 'app.kubernetes.io/instance': 'apps' },
        annotations: { [`${IU}/image-list`]: `api=${IMAGE}` },
      },
      spec: {
        project: 'default',
        source: {
          repoURL: 'https://github.com/acme/infra',
          path: 'charts/api',
          helm: {
            parameters: [
              { name: 'image.name', value: IMAGE },
              { name: 'image.tag', value: '1.5.0' },
            ],
          },
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'api' },
      },
      status: { summary: { images: [`${IMAGE}:1.5.0`] }, sourceType: 'Helm' },
    };
    const r = resolved(raw as ResolvedApp['app']);
    const helmManifest = manifest()
      .replace('    path: api\n', '    path: charts/api\n    helm:\n      releaseName: api\n')
      .replace(/ {4}kustomize:\n {6}images:\n {8}- .*\n/, '');
    const pin = pinFor(r.view.images[0]!, 'alice', 'x', 0);
    // As the planner is asked through a proposal: the bare tag said whole (application-change.ts).
    const whole = `${IMAGE}:1.4.2`;
    const { plan: p, after } = await plan(helmManifest, (set, where) =>
      planOnApplication(set, r, where, whole, pin),
    );
    expect(() => checkScope({ kind: 'image', image: whole }, p, 'api')).not.toThrow();
    const d = parse(after);
    expect(d.spec.source.helm.parameters).toEqual([
      { name: 'image.name', value: IMAGE, forcestring: true },
      { name: 'image.tag', value: '1.4.2', forcestring: true },
    ]);
    const { plan: back, after: unpinned } = await plan(after, (set, where) => planUnpin(set, where, 'api'));
    expect(() => checkScope({ kind: 'unpin' }, back, 'api')).not.toThrow();
    expect(parse(unpinned).spec.source.helm).toEqual({ releaseName: 'api' });
  });

  it('refuses an unpin that takes out more than the pin added, or restores another allow-tags', async () => {
    const r = liveApp({ [`${IU}/api.allow-tags`]: 'regexp:^1\\.' });
    const pin = pinFor(r.view.images[0]!, 'alice', 'x', 0);
    // Git had the images entry before the pin: the pin added nothing.
    const { after } = await plan(manifest(`    ${IU}/api.allow-tags: regexp:^1\\.\n`), (set, where) =>
      planOnApplication(set, r, where, '1.4.2', pin),
    );
    const { plan: back } = await plan(after, (set, where) => planUnpin(set, where, 'api'));
    expect(() => checkScope({ kind: 'unpin' }, back, 'api')).not.toThrow();
    const c = back.changes[0]!;
    const alsoEntry = {
      ...back,
      changes: [{ ...c, after: (c.after as string).replace(/ {4}kustomize:\n {6}images:\n {8}- .*\n/, '') }],
    };
    expect(() => checkScope({ kind: 'unpin' }, alsoEntry, 'api')).toThrow(/kustomize/);
    const otherAllow = {
      ...back,
      changes: [{ ...c, after: (c.after as string).replace(/api\.allow-tags: .*$/m, 'api.allow-tags: any') }],
    };
    expect(() => checkScope({ kind: 'unpin' }, otherAllow, 'api')).toThrow(/allow-tags/);
  });
});
