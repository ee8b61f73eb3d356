import { describe, expect, it } from 'vitest';
import { ImageUpdaterSim } from './image-updater.ts';
import { parseScenario } from './scenario.ts';
import { World } from './world.ts';

const IU = 'argocd-image-updater.argoproj.io';
const tags = ['1.4.0', '1.4.2', '1.5.0', '1.6.0-rc.1', 'v2.0.0', 'latest', 'master-aaa', 'master-bbb'];

/** One app watching ghcr.io/acme/api with these annotations; the move Image Updater makes. */
async function move(annotations: Record<string, string>, constraint = '') {
  const scenario = parseScenario(`
apiVersion: deckhand.dev/v1alpha1
kind: Scenario
metadata: { name: iu }
argocd:
  - name: default
    applications:
      - metadata:
          name: api
          namespace: argocd
          annotations: ${JSON.stringify({ [`${IU}/image-list`]: `api=ghcr.io/acme/api${constraint}`, ...annotations })}
        spec:
          project: default
          source: { repoURL: https://github.com/acme/infra, path: api }
          destination: { server: https://kubernetes.default.svc, namespace: api }
        status: { summary: { images: [ghcr.io/acme/api:1.4.0] } }
registries:
  - host: ghcr.io
    images:
      - repository: acme/api
        tags: ${JSON.stringify(tags.map((tag, i) => ({ tag, created: new Date(Date.UTC(2026, 7, 1 + i)).toISOString() })))}
`);
  const world = new World(scenario, { now: () => Date.now() });
  const instance = world.instances[0]!;
  const synced: string[] = [];
  const [m] = await new ImageUpdaterSim(scenario.registries).run(instance, async (a) =>
    synced.push(a.metadata.name),
  );
  const app = instance.get('api', 'argocd') as unknown as {
    spec: { source: { kustomize?: { images: string[] } } };
  };
  return { ...m, synced, images: app.spec.source.kustomize?.images };
}

describe("the sandbox's Image Updater", () => {
  it('follows semver by default: the highest release, pre-releases and v-tags compared as versions', async () => {
    expect(await move({})).toMatchObject({ from: '1.4.0', to: 'v2.0.0', synced: ['api'] });
    expect(await move({}, ':~1.4')).toMatchObject({ to: '1.4.2', images: ['ghcr.io/acme/api:1.4.2'] });
    expect(await move({}, ':^1.4')).toMatchObject({ to: '1.5.0' });
    expect(await move({}, ':1.4.0')).toMatchObject({ from: '1.4.0', synced: [] });
    expect((await move({}, ':>=1.4 <2')).note).toMatch(/beyond what the sandbox plays/);
  });

  it('filters by allow-tags (regexp or any) and ignore-tags (globs) before the strategy picks', async () => {
    const newest = { [`${IU}/api.update-strategy`]: 'newest-build' };
    expect(await move(newest)).toMatchObject({ to: 'master-bbb' });
    expect(await move({ ...newest, [`${IU}/api.allow-tags`]: 'regexp:^1\\.' })).toMatchObject({
      to: '1.6.0-rc.1',
    });
    expect(await move({ ...newest, [`${IU}/api.ignore-tags`]: 'master-*, latest' })).toMatchObject({
      to: 'v2.0.0',
    });
    expect(await move({ ...newest, [`${IU}/api.allow-tags`]: 'regexp:^1\\.4\\.0$' })).toMatchObject({
      from: '1.4.0',
      synced: [],
    });
    expect(
      await move({ [`${IU}/api.update-strategy`]: 'alphabetical', [`${IU}/api.allow-tags`]: 'any' }),
    ).toMatchObject({
      to: 'v2.0.0',
    });
  });

  it('leaves apps with write-back git alone (it commits to Git instead)', async () => {
    expect(await move({ [`${IU}/write-back-method`]: 'git' })).toEqual({ synced: [], images: undefined });
  });
});
