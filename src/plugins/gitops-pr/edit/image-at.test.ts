/** The tag an app's files gave an image at a revision: override files first, then the app's own files. */
import { describe, expect, it } from 'vitest';
import { tagAt } from './image-at.ts';
import { app, git, memoryTree } from './testing.ts';

const web = 'ghcr.io/acme/web';
const r = app('web', git('apps/web'));
const paths = { dirs: ['apps/web'], files: [] };
const base = {
  'apps/web/kustomization.yaml': `resources: [deploy.yaml]\nimages:\n  - name: ${web}\n    newTag: 1.0.0\n`,
  'apps/web/deploy.yaml': `kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ${web}\n        - name: sidecar\n          image: ghcr.io/acme/proxy:9.9.9\n`,
};

describe('tagAt', () => {
  it("takes the .argocd-source file's entry over the manifests (Argo CD merges it last)", async () => {
    const files = {
      ...base,
      'apps/web/.argocd-source-web.yaml': `kustomize:\n  images:\n  - ${web}:1.2.0\n`,
    };
    expect(await tagAt(r, memoryTree(files), paths, 'apps/web', web)).toBe('1.2.0');
  });

  it('reads a Helm override file as Image Updater writes it (name + tag parameters)', async () => {
    const files = {
      ...base,
      'apps/web/.argocd-source-web.yaml': `helm:\n  parameters:\n  - name: image.name\n    value: ${web}\n    forcestring: true\n  - name: image.tag\n    value: 1.3.0\n    forcestring: true\n`,
    };
    expect(await tagAt(r, memoryTree(files), paths, 'apps/web', web)).toBe('1.3.0');
  });

  it("falls back to the one tag the app's files name, and to nothing when they name two", async () => {
    expect(await tagAt(r, memoryTree(base), paths, 'apps/web', web)).toBe('1.0.0');
    const two = {
      ...base,
      'apps/web/job.yaml': `kind: Job\nspec:\n  template:\n    spec:\n      containers:\n        - image: ${web}:0.9.0\n`,
    };
    expect(await tagAt(r, memoryTree(two), paths, 'apps/web', web)).toBeUndefined();
    expect(await tagAt(r, memoryTree(base), paths, 'apps/web', 'ghcr.io/acme/other')).toBeUndefined();
  });
});
