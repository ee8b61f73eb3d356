import { describe, expect, it } from 'vitest';
import { threeWay } from './controller.ts';

describe("kubectl apply's merge of an Application (threeWay)", () => {
  const git = { source: { repoURL: 'r', path: 'p' }, syncPolicy: { automated: { prune: true } } };
  it('keeps what only the live object has: an override Image Updater wrote', () => {
    const live = { ...git, source: { ...git.source, kustomize: { images: ['ghcr.io/a/b:2'] } } };
    expect(threeWay(live, git, git)).toEqual(live);
  });

  it('takes what Git sets, and removes what Git set before and no longer does', () => {
    const before = { ...git, source: { ...git.source, kustomize: { images: ['ghcr.io/a/b:1'] } } };
    const live = structuredClone(before);
    expect(
      threeWay(live, { ...git, source: { ...git.source, kustomize: { images: ['ghcr.io/a/b:3'] } } }, before),
    ).toEqual({ ...git, source: { ...git.source, kustomize: { images: ['ghcr.io/a/b:3'] } } });
    expect(threeWay(live, git, before)).toEqual(git);
  });

  it('replaces lists whole, as a merge patch does', () => {
    expect(threeWay({ l: [1, 2, 3] }, { l: [4] }, { l: [1] })).toEqual({ l: [4] });
  });
});
