/** Where an app's environment comes from: a configured label, an overlays/<env> path, a -<env> name. */
import { describe, expect, it } from 'vitest';
import type { Application } from '../argocd/index.ts';
import { familyOf, placeApp } from './environments.ts';

const app = (name: string, path: string, labels: Record<string, string> = {}) =>
  ({
    metadata: { name, namespace: 'argocd', labels },
    spec: { project: 'default', destination: {}, source: { repoURL: 'https://git/x', path } },
  }) as unknown as Application;
const cfg = { order: ['dev', 'staging', 'prod'] };

describe('environments', () => {
  it('reads the -<env> name, the overlays/<env> path and the configured label', () => {
    expect(placeApp(cfg, 'default', app('api-prod', 'api'))).toMatchObject({ env: 'prod', family: 'api' });
    expect(placeApp(cfg, 'default', app('api', 'apps/overlays/staging/api'))).toMatchObject({
      env: 'staging',
      family: 'apps/overlays/*/api',
    });
    const labelled = app('payments-eu', 'payments', { 'team.io/env': 'dev' });
    expect(placeApp({ ...cfg, label: 'team.io/env' }, 'default', labelled)).toMatchObject({ env: 'dev' });
    expect(placeApp(cfg, 'default', labelled)).toBeUndefined();
    expect(placeApp(cfg, 'default', app('api-qa', 'api'))).toBeUndefined();
  });

  it("reads the environment of a Helm app's values-<env>.yaml, the same chart in each", () => {
    const helm = (name: string, file: string) =>
      ({
        metadata: { name, namespace: 'argocd' },
        spec: {
          project: 'default',
          destination: {},
          source: {
            repoURL: 'https://git/x',
            path: 'charts/shop',
            helm: { valueFiles: ['values.yaml', file] },
          },
        },
      }) as unknown as Application;
    expect(placeApp(cfg, 'a', helm('shop', 'values-staging.yaml'))).toMatchObject({
      env: 'staging',
      family: 'shop',
    });
    expect(placeApp(cfg, 'b', helm('shop', 'envs/values-prod.yml'))).toMatchObject({
      env: 'prod',
      family: 'shop',
    });
    expect(placeApp(cfg, 'a', helm('shop', 'values-qa.yaml'))).toBeUndefined();
    // Signs that disagree place the app nowhere: a prod app is never taken for dev.
    expect(placeApp(cfg, 'a', helm('shop-prod', 'values-dev.yaml'))).toBeUndefined();
    const labelled = { ...app('api-prod', 'api', { 'team.io/env': 'production' }) };
    expect(placeApp({ ...cfg, label: 'team.io/env' }, 'a', labelled)).toBeUndefined();
  });

  it('groups a family by environment, across instances', () => {
    const f = familyOf(
      cfg,
      [
        { instance: 'a', app: app('api-dev', 'api') },
        { instance: 'b', app: app('api-prod', 'api') },
        { instance: 'b', app: app('web-prod', 'web') },
      ],
      'api',
    );
    expect(
      [...f!.members.entries()].map(([env, list]) => [env, list.map((e) => `${e.view.name}@${e.instance}`)]),
    ).toEqual([
      ['dev', ['api-dev@a']],
      ['prod', ['api-prod@b']],
    ]);
    expect(familyOf(cfg, [], 'api')).toBeUndefined();
  });
});
