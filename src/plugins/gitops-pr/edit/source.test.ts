import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/errors.ts';
import { EditSet } from './edit-set.ts';
import { createPlanner } from './index.ts';
import { manifestFiles, resolveSource } from './source.ts';
import { app, changesOf, git, loadCorpus, memoryTree } from './testing.ts';

const homeLab = loadCorpus('home-lab.txtar');
const edge = loadCorpus('edge-cases.txtar');
const resolve = (r: ReturnType<typeof app>, files: Record<string, string>) =>
  resolveSource(r, new EditSet(memoryTree(files), ''));

describe('the app source and its layout', () => {
  it('detects kustomize, Helm and plain directories as Argo CD does', async () => {
    expect(await resolve(app('a', git('k8s/apps/naver-news')), homeLab)).toMatchObject({
      layout: 'kustomize',
      path: 'k8s/apps/naver-news',
      kustomization: 'k8s/apps/naver-news/kustomization.yaml',
    });
    expect(await resolve(app('g', git('monitoring/grafana')), homeLab)).toMatchObject({
      layout: 'helm',
      helm: { chartDir: 'monitoring/grafana', valueFiles: ['monitoring/grafana/values.yaml'] },
    });
    expect(await resolve(app('p', git('./plain/')), edge)).toMatchObject({
      layout: 'directory',
      path: 'plain',
    });
    // An explicit directory block wins over a kustomization file.
    const explicit = app('d', git('k8s/apps/mysql', { directory: { recurse: false } }));
    expect((await resolve(explicit, homeLab)).layout).toBe('directory');
  });

  it('orders values files lowest precedence first, values.yaml always first', async () => {
    const r = app(
      'o',
      git('charts/orders', {
        helm: { valueFiles: ['values-prod.yaml', 'values.yaml', '../shared/common.yaml'] },
      }),
    );
    expect((await resolve(r, edge)).helm?.valueFiles).toEqual([
      'charts/orders/values-prod.yaml',
      'charts/orders/values.yaml',
      'charts/shared/common.yaml',
    ]);
  });

  it('refuses sources it cannot edit, saying why', async () => {
    await expect(resolve(app('x', git('nowhere')), edge)).rejects.toThrow("x's path nowhere does not exist");
    await expect(resolve(app('x', git('../outside')), edge)).rejects.toThrow('leaves the repository');
    await expect(resolve(app('x', git('plain', { plugin: { name: 'sops' } })), edge)).rejects.toThrow(
      /config management plugin sops/,
    );
    await expect(resolve(app('x', { sources: [] }), edge)).rejects.toThrow(InputError);
  });

  it('reads a directory app as Argo CD does: recurse, include and exclude', async () => {
    const files = {
      'apps/web/deploy.yaml': 'kind: Deployment\n',
      'apps/web/README.md': '# not a manifest\n',
      'apps/web/extra/cron.yaml': 'kind: CronJob\n',
      'apps/web/extra/test.yml': 'kind: Pod\n',
    };
    const set = new EditSet(memoryTree(files), 'apps/web');
    const src = async (directory: object) => resolveSource(app('w', git('apps/web', { directory })), set);
    expect(await manifestFiles(set, await src({}))).toEqual(['apps/web/deploy.yaml']);
    expect(await manifestFiles(set, await src({ recurse: true }))).toEqual([
      'apps/web/deploy.yaml',
      'apps/web/extra/cron.yaml',
      'apps/web/extra/test.yml',
    ]);
    expect(await manifestFiles(set, await src({ recurse: true, exclude: '{*.yml,deploy.yaml}' }))).toEqual([
      'apps/web/extra/cron.yaml',
    ]);
    expect(await manifestFiles(set, await src({ recurse: true, include: 'extra/*' }))).toEqual([
      'apps/web/extra/cron.yaml',
      'apps/web/extra/test.yml',
    ]);
  });
});

describe('kustomize entries the overlay does not have yet', () => {
  const files = {
    ...edge,
    'shop/base/kustomization.yaml':
      'resources:\n- deployment.yaml\nimages:\n- name: nginx\n  newName: mirror.local/nginx\n  newTag: 1.27.0\n',
    'shop/overlays/staging/kustomization.yaml':
      '# staging\nresources:\n  - ../../base\n  - https://github.com/acme/shared//monitoring?ref=v1\n',
  };
  const staging = app('shop-staging', git('shop/overlays/staging'), [
    { kind: 'Deployment', name: 'web' },
    { kind: 'HorizontalPodAutoscaler', name: 'web' },
  ]);
  const plan = createPlanner();

  it('adds an images entry to the overlay for the name the base already rewrote', async () => {
    const p = await plan(staging, memoryTree(files), { kind: 'image', image: '1.28.0' });
    expect(p.changes.map((c) => c.path)).toEqual(['shop/overlays/staging/kustomization.yaml']);
    expect(changesOf(p, 'shop/overlays/staging/kustomization.yaml')).toEqual([
      '+5 images:',
      '+6   - name: mirror.local/nginx',
      '+7     newTag: 1.28.0',
    ]);
    expect(p.summary).toEqual([
      'shop/overlays/staging/kustomization.yaml: images[nginx] added (newTag 1.28.0; was mirror.local/nginx:1.27.0)',
    ]);
  });

  it('adds a replicas entry to the overlay instead of scaling the shared base, and mentions the autoscaler', async () => {
    const p = await plan(staging, memoryTree(files), { kind: 'replicas', replicas: 2 });
    expect(changesOf(p, 'shop/overlays/staging/kustomization.yaml')).toEqual([
      '+5 replicas:',
      '+6   - name: web',
      '+7     count: 2',
    ]);
    expect(p.summary[1]).toContain('HorizontalPodAutoscaler');
  });
});
