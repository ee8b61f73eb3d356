/** Which files a change may edit and still merge without an approval: the app's alone. */
import { describe, expect, it } from 'vitest';
import type { Application } from '../argocd/index.ts';
import { sharedFiles } from './owned-alone.ts';

const REPO = 'https://github.com/acme/infra';
const app = (name: string, path: string, valueFiles?: string[], repoURL = REPO) =>
  ({
    metadata: { name, namespace: 'argocd' },
    spec: {
      project: 'default',
      destination: {},
      source: { repoURL, path, ...(valueFiles ? { helm: { valueFiles } } : {}) },
    },
  }) as unknown as Application;

describe('sharedFiles', () => {
  const dev = app('web-dev', 'apps/overlays/dev/web');
  const all = [dev, app('web-prod', 'apps/overlays/prod/web'), app('root', 'argocd')];

  it("passes an overlay's own files, and names a base or another app's file", () => {
    expect(sharedFiles(dev, `${REPO}.git`, ['apps/overlays/dev/web/kustomization.yaml'], all)).toEqual([]);
    expect(sharedFiles(dev, REPO, ['apps/base/web/deployment.yaml'], all)).toEqual([
      "apps/base/web/deployment.yaml is outside web-dev's own path",
    ]);
    expect(
      sharedFiles(dev, 'https://github.com/acme/other', ['apps/overlays/dev/web/x.yaml'], all),
    ).toHaveLength(1);
  });

  it('names a path another app nests in, or nests under', () => {
    const outer = app('web', 'apps/web');
    const inner = app('web-canary', 'apps/web/canary');
    expect(sharedFiles(outer, REPO, ['apps/web/deployment.yaml'], [outer, inner])).toEqual([
      'apps/web/deployment.yaml is read by web-canary too',
    ]);
    expect(sharedFiles(inner, REPO, ['apps/web/canary/patch.yaml'], [outer, inner])).toEqual([
      'apps/web/canary/patch.yaml is read by web too',
    ]);
  });

  it('in one chart directory, passes the values file only this app lists, and names the shared ones', () => {
    const shopDev = app('shop-dev', 'charts/shop', ['values.yaml', 'values-dev.yaml']);
    const shopProd = app('shop-prod', 'charts/shop', ['values.yaml', 'values-prod.yaml']);
    const apps = [shopDev, shopProd];
    expect(sharedFiles(shopDev, REPO, ['charts/shop/values-dev.yaml'], apps)).toEqual([]);
    expect(
      sharedFiles(shopDev, REPO, ['charts/shop/values.yaml', 'charts/shop/templates/d.yaml'], apps),
    ).toEqual([
      'charts/shop/values.yaml is read by shop-prod too',
      'charts/shop/templates/d.yaml is read by shop-prod too',
    ]);
  });

  it('counts a whole-repository app as reading everything', () => {
    expect(sharedFiles(dev, REPO, ['apps/overlays/dev/web/k.yaml'], [...all, app('everything', '')])).toEqual(
      ['apps/overlays/dev/web/k.yaml is read by everything too'],
    );
  });
});
