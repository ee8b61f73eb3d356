import { describe, expect, it } from 'vitest';
import type { ApplicationSource, ResolvedApp } from '../argocd/index.ts';
import { awaitedImage, type ApplicationTarget } from './application-change.ts';
import { resolved } from './edit/testing.ts';

const IU = 'argocd-image-updater.argoproj.io';

function app(source: ApplicationSource): ResolvedApp {
  const raw = {
    metadata: {
      name: 'api',
      namespace: 'argocd',
      annotations: { [`${IU}/image-list`]: 'api=ghcr.io/acme/api' },
    },
    spec: {
      project: 'default',
      source,
      destination: { server: 'https://kubernetes.default.svc', namespace: 'api' },
    },
    status: { summary: { images: ['ghcr.io/acme/api:1.5.0'] } },
  };
  return resolved(raw);
}

const target = (r: ResolvedApp, repoURL: string): ApplicationTarget => ({
  about: { image: r.view.images[0]! },
  parent: r,
  repoURL,
  branch: undefined,
});

describe('what a follow-up waits for after a change to the Application manifest', () => {
  const image = { kind: 'image' as const, image: '1.4.2' };
  it('is the merged commit when the manifest is in the app’s own repository', () => {
    const r = app({
      repoURL: 'https://github.com/acme/infra',
      path: 'api',
      kustomize: { images: ['ghcr.io/acme/api:1.5.0'] },
    });
    expect(awaitedImage(r, image, target(r, 'https://github.com/acme/infra.git'))).toEqual({});
  });

  it('is the image when the manifest is elsewhere, or the app installs a chart (its revision is a version)', () => {
    const git = app({
      repoURL: 'https://github.com/acme/api',
      path: 'deploy',
      kustomize: { images: ['ghcr.io/acme/api:1.5.0'] },
    });
    // …and the image it replaces: the way back sets it again (no commit of the app's own repository to revert).
    expect(awaitedImage(git, image, target(git, 'https://github.com/acme/infra'))).toEqual({
      awaitImage: 'ghcr.io/acme/api:1.4.2',
      previousImage: 'ghcr.io/acme/api:1.5.0',
    });
    const chart = app({
      repoURL: 'https://charts.acme.dev',
      chart: 'api',
      targetRevision: '3.1.0',
      helm: {
        parameters: [
          { name: 'image.name', value: 'ghcr.io/acme/api' },
          { name: 'image.tag', value: '1.5.0' },
        ],
      },
    });
    expect(awaitedImage(chart, image, target(chart, 'https://github.com/acme/infra'))).toEqual({
      awaitImage: 'ghcr.io/acme/api:1.4.2',
      previousImage: 'ghcr.io/acme/api:1.5.0',
    });
    expect(
      awaitedImage(chart, { kind: 'unpin' }, { ...target(chart, 'x'), about: { alias: 'api' } }),
    ).toEqual({});
  });
});
