/**
 * An image set by an .argocd-source file (Image Updater's write-back git, or a hand-written
 * override) is changed in that file: Argo CD merges it over the source before rendering, so a
 * change to the kustomization would not take effect.
 */
import { describe, expect, it } from 'vitest';
import { NoChangeError } from '../changes.ts';
import { createPlanner } from './index.ts';
import { app, applyPlan, changesOf, git, loadCorpus, memoryTree } from './testing.ts';

const homeLab = loadCorpus('home-lab.txtar');
const plan = createPlanner();
const naverNews = app('naver-news', git('k8s/apps/naver-news'));

// As Image Updater writes it (pkg/argocd/update.go marshals the kustomize images it sets).
const written = `kustomize:
  images:
  - ghcr.io/sijunkim/naver-news-spring:master-9b1d4a7
`;

describe('.argocd-source files', () => {
  it("bumps the image in the app's own file, not in the kustomization it overrides", async () => {
    const files = { ...homeLab, 'k8s/apps/naver-news/.argocd-source-naver-news.yaml': written };
    const p = await plan(naverNews, memoryTree(files), { kind: 'image', image: 'master-484af0a' });
    expect(p.changes.map((c) => c.path)).toEqual(['k8s/apps/naver-news/.argocd-source-naver-news.yaml']);
    expect(changesOf(p, 'k8s/apps/naver-news/.argocd-source-naver-news.yaml')).toEqual([
      '-3   - ghcr.io/sijunkim/naver-news-spring:master-9b1d4a7',
      '+3   - ghcr.io/sijunkim/naver-news-spring:master-484af0a',
    ]);
    expect(p.summary).toEqual([
      'k8s/apps/naver-news/.argocd-source-naver-news.yaml: kustomize.images[naver-news-spring] ghcr.io/sijunkim/naver-news-spring:master-9b1d4a7 → ghcr.io/sijunkim/naver-news-spring:master-484af0a',
    ]);
    await expect(
      plan(naverNews, memoryTree(applyPlan(files, p)), { kind: 'image', image: 'master-484af0a' }),
    ).rejects.toThrow(NoChangeError);
  });

  it('edits the app file when both set the image (it is merged last), and the shared file otherwise', async () => {
    const both = {
      ...homeLab,
      'k8s/apps/naver-news/.argocd-source.yaml': written,
      'k8s/apps/naver-news/.argocd-source-naver-news.yaml': written,
    };
    const p = await plan(naverNews, memoryTree(both), { kind: 'image', image: 'master-484af0a' });
    expect(p.changes.map((c) => c.path)).toEqual(['k8s/apps/naver-news/.argocd-source-naver-news.yaml']);
    const shared = { ...homeLab, 'k8s/apps/naver-news/.argocd-source.yaml': written };
    const q = await plan(naverNews, memoryTree(shared), { kind: 'image', image: 'master-484af0a' });
    expect(q.changes.map((c) => c.path)).toEqual(['k8s/apps/naver-news/.argocd-source.yaml']);
  });

  it('leaves the manifests in charge when the file sets other images, or another app’s file', async () => {
    const other = {
      ...homeLab,
      'k8s/apps/naver-news/.argocd-source-naver-news.yaml':
        'kustomize:\n  images:\n  - ghcr.io/other/sidecar:1.0\n',
      'k8s/apps/naver-news/.argocd-source-friend-app.yaml': written,
    };
    const p = await plan(naverNews, memoryTree(other), {
      kind: 'image',
      image: 'ghcr.io/sijunkim/naver-news-spring:master-484af0a',
    });
    expect(p.changes.map((c) => c.path)).toEqual(['k8s/apps/naver-news/kustomization.yaml']);
    // The app's own list replaces the shared one whole, so the shared file's entry is not in effect.
    const shadowed = { ...other, 'k8s/apps/naver-news/.argocd-source.yaml': written };
    const q = await plan(naverNews, memoryTree(shadowed), {
      kind: 'image',
      image: 'ghcr.io/sijunkim/naver-news-spring:master-484af0a',
    });
    expect(q.changes.map((c) => c.path)).toEqual(['k8s/apps/naver-news/kustomization.yaml']);
  });

  it('asks which image a bare tag is for when the file sets several', async () => {
    const two = {
      ...homeLab,
      'k8s/apps/naver-news/.argocd-source-naver-news.yaml':
        'kustomize:\n  images:\n  - ghcr.io/sijunkim/naver-news-spring:master-9b1d4a7\n  - ghcr.io/other/sidecar:1.0\n',
    };
    const err = await plan(naverNews, memoryTree(two), { kind: 'image', image: 'master-484af0a' }).catch(
      (e) => e,
    );
    expect(err.message).toBe(
      'k8s/apps/naver-news/.argocd-source-naver-news.yaml overrides the images of naver-news (ghcr.io/sijunkim/naver-news-spring:master-9b1d4a7, ghcr.io/other/sidecar:1.0); say which one the tag is for.',
    );
  });
});
