import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/errors.ts';
import { NoChangeError } from '../changes.ts';
import type { ChangeIntent } from '../intents.ts';
import { createPlanner } from './index.ts';
import { app, applyPlan, changesOf, git, loadCorpus, memoryTree } from './testing.ts';

const homeLab = loadCorpus('home-lab.txtar');
const edge = loadCorpus('edge-cases.txtar');
const plan = createPlanner();
const AT = '2026-08-24T10:00:00Z';

const naverNews = app('naver-news', git('k8s/apps/naver-news'));
const flashApiProd = app('flash-api-prod', git('flash-tickets/overlays/prod/flash-api'));

/** Plan on `files`, then plan again on the result: the second run must change nothing. */
async function twice(files: Record<string, string>, r: ReturnType<typeof app>, intent: ChangeIntent) {
  const first = await plan(r, memoryTree(files), intent);
  await expect(plan(r, memoryTree(applyPlan(files, first)), intent)).rejects.toThrow(NoChangeError);
  return first;
}

describe('kustomize app whose path is its own base (naver-news)', () => {
  it('bumps the tag in the images entry: one line of kustomization.yaml', async () => {
    const p = await twice(homeLab, naverNews, { kind: 'image', image: 'master-484af0a' });
    expect(p.changes.map((c) => c.path)).toEqual(['k8s/apps/naver-news/kustomization.yaml']);
    expect(changesOf(p, 'k8s/apps/naver-news/kustomization.yaml')).toEqual([
      '-10     newTag: master-3f9c2e1',
      '+10     newTag: master-484af0a',
    ]);
    expect(p.summary).toEqual([
      'k8s/apps/naver-news/kustomization.yaml: images[naver-news-spring].newTag master-3f9c2e1 → master-484af0a',
    ]);
  });

  it('says the files already say so when the tag is the current one', async () => {
    const err = await plan(naverNews, memoryTree(homeLab), {
      kind: 'image',
      image: 'ghcr.io/sijunkim/naver-news-spring:master-3f9c2e1',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(NoChangeError);
    expect(err.message).toContain('k8s/apps/naver-news/kustomization.yaml already sets');
    expect(err.message).toContain('master-3f9c2e1');
  });

  it('moves to another repository with newName, keeping the entry name', async () => {
    const p = await twice(homeLab, naverNews, { kind: 'image', image: 'ghcr.io/acme/news:2.0.0' });
    expect(changesOf(p, 'k8s/apps/naver-news/kustomization.yaml')).toEqual([
      '-10     newTag: master-3f9c2e1',
      '+10     newTag: 2.0.0',
      '+11     newName: ghcr.io/acme/news',
    ]);
  });

  it('scales in the Deployment, since the app owns it', async () => {
    const p = await twice(homeLab, naverNews, { kind: 'replicas', replicas: 2 });
    expect(changesOf(p, 'k8s/apps/naver-news/deployment.yaml')).toEqual([
      '-9   replicas: 1',
      '+9   replicas: 2',
    ]);
    expect(p.summary).toEqual([
      'k8s/apps/naver-news/deployment.yaml: Deployment naver-news spec.replicas 1 → 2',
    ]);
  });

  it('raises the memory limit in the container, one line', async () => {
    const p = await twice(homeLab, naverNews, { kind: 'resources', limits: { memory: '1Gi' } });
    expect(changesOf(p, 'k8s/apps/naver-news/deployment.yaml')).toEqual([
      '-63               memory: 512Mi',
      '+63               memory: 1Gi',
    ]);
    expect(p.summary).toEqual([
      'k8s/apps/naver-news/deployment.yaml: Deployment naver-news containers[naver-news].resources.limits.memory 512Mi → 1Gi',
    ]);
  });

  it('restarts by annotating the pod template, after its labels', async () => {
    const p = await twice(homeLab, naverNews, { kind: 'restart', at: AT });
    expect(changesOf(p, 'k8s/apps/naver-news/deployment.yaml')).toEqual([
      '+21       annotations:',
      `+22         deckhand.dev/restartedAt: "${AT}"`,
    ]);
  });

  it('edits the StatefulSet of mysql', async () => {
    const p = await twice(homeLab, app('mysql', git('k8s/apps/mysql')), { kind: 'replicas', replicas: 3 });
    expect(changesOf(p, 'k8s/apps/mysql/statefulset.yaml')).toEqual(['-9   replicas: 1', '+9   replicas: 3']);
  });
});

describe('kustomize overlays over a shared base (flash-tickets)', () => {
  it('changes the replicas entry of the overlay, never the base', async () => {
    const p = await twice(homeLab, flashApiProd, { kind: 'replicas', replicas: 4 });
    expect(p.changes.map((c) => c.path)).toEqual([
      'flash-tickets/overlays/prod/flash-api/kustomization.yaml',
    ]);
    expect(changesOf(p, 'flash-tickets/overlays/prod/flash-api/kustomization.yaml')).toEqual([
      '-11     count: 3',
      '+11     count: 4',
    ]);
  });

  it('bumps the overlay images entry', async () => {
    const p = await twice(homeLab, flashApiProd, { kind: 'image', image: 'v1.16.0' });
    expect(p.summary).toEqual([
      'flash-tickets/overlays/prod/flash-api/kustomization.yaml: images[flash-api].newTag v1.15.0 → v1.16.0',
    ]);
  });

  it('sets resources through a new patch in the overlay, then edits that patch', async () => {
    const kust = 'flash-tickets/overlays/prod/flash-api/kustomization.yaml';
    const patch = 'flash-tickets/overlays/prod/flash-api/flash-api-resources.yaml';
    const p = await twice(homeLab, flashApiProd, { kind: 'resources', limits: { memory: '1Gi' } });
    expect(p.changes.map((c) => c.path)).toEqual([patch, kust]);
    expect(changesOf(p, kust)).toEqual(['+12 patches:', '+13   - path: flash-api-resources.yaml']);
    const after = applyPlan(homeLab, p);
    expect(after[patch]).toBe(
      [
        '# resources of Deployment flash-api for this overlay; written by deckhand.',
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: flash-api',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: flash-api',
        '          resources:',
        '            limits:',
        '              memory: 1Gi',
        '',
      ].join('\n'),
    );
    const second = await twice(after, flashApiProd, { kind: 'resources', requests: { cpu: '500m' } });
    expect(second.changes.map((c) => c.path)).toEqual([patch]);
    expect(changesOf(second, patch)).toEqual(['+14             requests:', '+15               cpu: 500m']);
  });

  it('says a setting the base already has needs no change, without writing a patch', async () => {
    await expect(
      plan(flashApiProd, memoryTree(homeLab), { kind: 'resources', limits: { memory: '768Mi' } }),
    ).rejects.toThrow(
      /flash-tickets\/base\/flash-api\/deployment.yaml already sets .*limits.memory to 768Mi/,
    );
  });

  it('restarts through a new patch, leaving the unrelated overlay patch alone', async () => {
    const r = app('flash-pay-worker-staging', git('flash-tickets/overlays/staging/flash-pay-worker'));
    const p = await twice(homeLab, r, { kind: 'restart', at: AT });
    expect(p.changes.map((c) => c.path)).toEqual([
      'flash-tickets/overlays/staging/flash-pay-worker/flash-pay-worker-restart.yaml',
      'flash-tickets/overlays/staging/flash-pay-worker/kustomization.yaml',
    ]);
    expect(changesOf(p, 'flash-tickets/overlays/staging/flash-pay-worker/kustomization.yaml')).toEqual([
      '+14   - path: flash-pay-worker-restart.yaml',
    ]);
  });
});

describe('kustomize inline patches, prefixes, digests and unindented lists (shop)', () => {
  const prod = app('shop-prod', git('shop/overlays/prod'), [{ kind: 'Deployment', name: 'prod-web' }]);
  const kust = 'shop/overlays/prod/kustomization.yaml';

  it('scales through the inline JSON 6902 patch that sets replicas', async () => {
    const p = await twice(edge, prod, { kind: 'replicas', replicas: 6 });
    expect(changesOf(p, kust)).toEqual(['-16       value: 4', '+16       value: 6']);
    expect(p.summary).toEqual([`${kust}: Deployment web /spec/replicas 4 → 6`]);
  });

  it('replaces a pinned digest with a tag (and drops the digest)', async () => {
    const p = await twice(edge, prod, { kind: 'image', image: '1.27.1' });
    expect(changesOf(p, kust)).toEqual([
      `-8   digest: ${edge[kust]?.match(/sha256:\w+/)?.[0]}`,
      '+8   newTag: 1.27.1',
    ]);
  });

  it('edits and extends the inline strategic-merge patch', async () => {
    const p = await twice(edge, prod, { kind: 'resources', limits: { memory: '512Mi', cpu: '250m' } });
    expect(changesOf(p, kust)).toEqual([
      '-29                 memory: 256Mi',
      '+29                 memory: 512Mi',
      '+30                 cpu: 250m',
    ]);
  });

  it('adds an images entry in the unindented style of the file when the app is the base', async () => {
    const p = await twice(edge, app('shop-base', git('shop/base')), { kind: 'image', image: 'nginx:1.28.0' });
    expect(changesOf(p, 'shop/base/kustomization.yaml')).toEqual([
      '+3 images:',
      '+4 - name: nginx',
      '+5   newTag: 1.28.0',
    ]);
  });

  it('refuses when the Application overrides the image itself', async () => {
    const r = app('shop-prod', git('shop/overlays/prod', { kustomize: { images: ['nginx:1.26'] } }));
    await expect(plan(r, memoryTree(edge), { kind: 'image', image: '1.27.1' })).rejects.toThrow(
      /spec.source.kustomize.images/,
    );
  });

  it('rejects a negative replica count', async () => {
    await expect(plan(prod, memoryTree(edge), { kind: 'replicas', replicas: -1 })).rejects.toThrow(
      InputError,
    );
  });
});
