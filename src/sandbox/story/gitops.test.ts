import { describe, expect, it } from 'vitest';
import { appCommits, type GitCommit } from './gitops.ts';

const app = (name: string, path: string) =>
  [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Application',
    `metadata: { name: ${name}, namespace: argocd }`,
    'spec:',
    `  source: { repoURL: https://github.com/example/infra, path: ${path}, targetRevision: HEAD }`,
    `  destination: { server: https://kubernetes.default.svc, namespace: ${name} }`,
    '',
  ].join('\n');
const deployment = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  template: { spec: { containers: [{ name: web, image: ${image} }] } }\n`;
const commit = (message: string, files: GitCommit['files']): GitCommit => ({ message, author: 'x', files });

describe('apps as their Git history makes them', () => {
  it('finds the apps of an app of apps and the commits that changed what each asks to run', () => {
    const history = [
      commit('bootstrap', { 'root.yaml': app('root', 'apps'), 'apps/web.yaml': app('web', 'web') }),
      commit('web 1', { 'web/deployment.yaml': deployment('web:1') }),
      commit('readme', { 'README.md': 'hello\n' }),
      commit('web 2', { 'web/deployment.yaml': deployment('web:2') }),
      commit('api', { 'apps/api.yaml': app('api', 'api'), 'api/deployment.yaml': deployment('api:1') }),
    ];
    const apps = appCommits(history, 'root.yaml', () => []);
    expect(apps.map((a) => [a.app.metadata.name, a.changed])).toEqual([
      ['root', [0, 4]],
      ['web', [1, 3]],
      ['api', [4]],
    ]);
    const web = apps[1]?.manifests[3]?.[0];
    expect(web?.metadata).toEqual({
      name: 'web',
      namespace: 'web',
      labels: { 'app.kubernetes.io/instance': 'web' },
    });
    expect(apps[1]?.app.metadata).toEqual({ name: 'web', namespace: 'argocd' });
  });
});
