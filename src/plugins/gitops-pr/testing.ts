/**
 * What the workflow's tests against the GitLab fake share: an app `web` whose source is a GitLab
 * repository, the people who ask and approve, and a planner that changes its replicas.
 */
import type { Actor } from '../../core/access.ts';
import { ApprovalService, ApprovalsConfigSchema } from '../../core/approvals.ts';
import { ManualClock } from '../../core/clock.ts';
import { SqliteStore } from '../../core/store/sqlite.ts';
import { FakeGitLab } from '../../../test/support/fake-gitlab.ts';
import type { ResolvedApp } from '../argocd/index.ts';
import { ChangeService, type Planner } from './changes.ts';
import { GitOpsConfigSchema } from './config.ts';
import { GitLabHost } from './hosts/gitlab.ts';

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

/** The GitLab fake with web's deployment (started), a store on a manual clock, approvals and changes. */
export async function gitlabWorld(prepare: (fake: FakeGitLab) => void = () => {}) {
  const fake = new FakeGitLab('platform/infra', 'glpat-secret-token', {
    'apps/web/deployment.yaml': 'kind: Deployment\nspec:\n  replicas: 2\n',
  });
  prepare(fake);
  const url = await fake.start();
  const clock = new ManualClock();
  const store = new SqliteStore(':memory:', clock);
  const approvals = new ApprovalService(store, clock, ApprovalsConfigSchema.parse({}));
  const changes = new ChangeService({
    hosts: [
      new GitLabHost({
        name: 'gitlab.example.com',
        host: 'gitlab.example.com',
        apiUrl: url,
        token: 'glpat-secret-token',
        timeoutMs: 5000,
      }),
    ],
    store,
    plan: replicasPlanner,
    config: GitOpsConfigSchema.parse({}),
    clock,
  });
  return { fake, clock, store, approvals, changes };
}
