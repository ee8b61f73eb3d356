/**
 * What the workflow's tests against the GitLab fake share: an app `web` whose source is a GitLab
 * repository, the people who ask and approve, and a planner that changes its replicas.
 */
import type { Actor } from '../../core/access.ts';
import type { ResolvedApp } from '../argocd/index.ts';
import type { Planner } from './changes.ts';

export const GITLAB_REPO = 'https://gitlab.example.com/platform/infra.git';

export const who = (id: string): Actor => ({
  id,
  name: id,
  platform: 'slack',
  platformUserId: id,
  groups: [],
  known: true,
});

export const conversation = { platform: 'slack', channel: 'C0OPS' };

export const webApp = {
  instance: 'default',
  ref: 'web',
  locator: { name: 'web' },
  client: { appUrl: () => 'https://argocd.example.com/applications/web' },
  app: {
    metadata: { name: 'web', namespace: 'argocd' },
    spec: { project: 'default', source: { repoURL: GITLAB_REPO, path: 'apps/web', targetRevision: 'main' } },
    status: {},
  },
} as unknown as ResolvedApp;

/** Only replica changes, on apps/web/deployment.yaml. */
export const replicasPlanner: Planner = async (_r, files, intent) => {
  if (intent.kind !== 'replicas') throw new Error('only replicas here');
  const before = (await files.read('apps/web/deployment.yaml')) as string;
  const after = before.replace(/replicas: \d+/, `replicas: ${intent.replicas}`);
  return { changes: [{ path: 'apps/web/deployment.yaml', before, after }], summary: ['replicas'] };
};
