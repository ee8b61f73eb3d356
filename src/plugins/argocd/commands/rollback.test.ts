/**
 * What `/argo rollback` brings back for an image the Application itself sets (Image Updater's
 * write-back argocd): the kustomize entry, or the Helm parameter group, that deployment had.
 */
import { describe, expect, it } from 'vitest';
import type { Application } from '../types.ts';
import { readApplication } from '../view/app-view.ts';
import { imageToRestore } from './rollback.ts';

const IU = 'argocd-image-updater.argoproj.io';
const helmApp = (tag: string, history: { id: number; tag: string }[]) =>
  readApplication({
    metadata: {
      name: 'shop',
      namespace: 'argocd',
      annotations: { [`${IU}/image-list`]: 'web=ghcr.io/acme/web' },
    },
    spec: {
      project: 'default',
      destination: {},
      source: {
        repoURL: 'https://charts.example.com',
        chart: 'shop',
        targetRevision: '1.0.0',
        helm: {
          parameters: [
            { name: 'image.name', value: 'ghcr.io/acme/web', forceString: true },
            { name: 'image.tag', value: tag, forceString: true },
          ],
        },
      },
    },
    status: {
      summary: { images: [`ghcr.io/acme/web:${tag}`] },
      history: history.map((h) => ({
        id: h.id,
        revision: '1.0.0',
        source: {
          repoURL: 'https://charts.example.com',
          chart: 'shop',
          helm: {
            parameters: [
              { name: 'image.name', value: 'ghcr.io/acme/web' },
              { name: 'image.tag', value: h.tag },
            ],
          },
        },
      })),
    },
  } as unknown as Application);

describe('imageToRestore', () => {
  it("brings back a Helm image's tag from the deployment's parameters", () => {
    const v = helmApp('1.4.0', [
      { id: 2, tag: '1.4.0' },
      { id: 1, tag: '1.3.0' },
    ]);
    expect(v.images[0]).toMatchObject({ origin: 'image-updater', detail: 'Helm parameter image.tag' });
    expect(imageToRestore(v, v.history[0], v.history[1]!)).toBe('ghcr.io/acme/web:1.3.0');
  });

  it('offers nothing when that deployment ran the same image', () => {
    const v = helmApp('1.4.0', [
      { id: 2, tag: '1.4.0' },
      { id: 1, tag: '1.4.0' },
    ]);
    expect(imageToRestore(v, v.history[0], v.history[1]!)).toBeUndefined();
  });
});
