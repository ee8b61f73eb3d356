import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../core/access.ts';
import { ManualClock } from '../../core/clock.ts';
import { SqliteStore } from '../../core/store/sqlite.ts';
import { FakeGitLab } from '../../../test/support/fake-gitlab.ts';
import type { ResolvedApp } from '../argocd/index.ts';
import { branchName, ChangeService, NoChangeError, trackedBranch, type Planner } from './changes.ts';
import { GitOpsConfigSchema } from './config.ts';
import { GitLabHost } from './hosts/gitlab.ts';

const alice: Actor = {
  id: 'alice',
  name: 'Alice',
  platform: 'slack',
  platformUserId: 'U1',
  groups: [],
  known: true,
};
const conversation = { platform: 'slack', channel: 'C0OPS' };

const resolved = (source: Record<string, unknown>): ResolvedApp =>
  ({
    instance: 'default',
    ref: 'web',
    locator: { name: 'web' },
    client: { appUrl: () => 'https://argocd.example.com/applications/web' },
    app: {
      metadata: { name: 'web', namespace: 'argocd' },
      spec: { project: 'default', source, destination: {} },
      status: { sync: { status: 'Synced', revision: 'x' } },
    },
  }) as unknown as ResolvedApp;

/** Replaces `replicas: N` in the deployment: the manifest planner proper is tested on its own. */
const planner: Planner = async (_r, files, intent) => {
  if (intent.kind !== 'replicas') throw new Error('only replicas here');
  const before = (await files.read('apps/web/deployment.yaml')) as string;
  const after = before.replace(/replicas: \d+/, `replicas: ${intent.replicas}`);
  return before === after
    ? { changes: [], summary: [`web already runs ${intent.replicas} replicas`] }
    : {
        changes: [{ path: 'apps/web/deployment.yaml', before, after }],
        summary: [`replicas ${/replicas: (\d+)/.exec(before)?.[1]} → ${intent.replicas}`],
      };
};

let fake: FakeGitLab;
let svc: ChangeService;
const REPO = 'https://gitlab.example.com/platform/infra.git';

beforeEach(async () => {
  fake = new FakeGitLab('platform/infra', 'glpat-secret-token', {
    'apps/web/deployment.yaml': 'kind: Deployment\nspec:\n  replicas: 2\n',
  });
  const url = await fake.start();
  const clock = new ManualClock();
  svc = new ChangeService({
    hosts: [
      new GitLabHost({
        name: 'gitlab.example.com',
        host: 'gitlab.example.com',
        apiUrl: url,
        token: 'glpat-secret-token',
        timeoutMs: 5000,
      }),
    ],
    store: new SqliteStore(':memory:', clock),
    plan: planner,
    config: GitOpsConfigSchema.parse({}),
    clock,
  });
});
afterEach(async () => fake.stop());

describe('change proposals', () => {
  it('opens one pull request with one commit on a deckhand branch, with who asked and why', async () => {
    const r = resolved({ repoURL: REPO, path: 'apps/web', targetRevision: 'main' });
    const { change, existing } = await svc.propose({
      r,
      intent: { kind: 'replicas', replicas: 3 },
      actor: alice,
      conversation,
      reason: 'traffic',
    });
    expect(existing).toBe(false);
    expect(change.branch).toBe(branchName({ kind: 'replicas', replicas: 3 }, 'web'));
    expect(change.branch).toMatch(/^deckhand\/replicas\/web-[0-9a-f]{7}$/);
    expect(fake.head(change.branch).files.get('apps/web/deployment.yaml')).toBe(
      'kind: Deployment\nspec:\n  replicas: 3\n',
    );
    expect(fake.head(change.branch).parent).toBe(fake.head('main').id);
    expect(fake.mrs[0]).toMatchObject({
      title: 'web: scale to 3 replicas',
      labels: ['deckhand', 'deckhand/replicas'],
    });
    expect(fake.mrs[0]?.description).toMatch(/Asked by \*\*Alice\*\* \(alice\) in slack C0OPS/);
    expect(fake.mrs[0]?.description).toContain('Reason: traffic');
    expect(change.diff).toContain('-  replicas: 2\n+  replicas: 3');
  });

  it('returns the open pull request when the same change is asked twice', async () => {
    const r = resolved({ repoURL: REPO, path: 'apps/web', targetRevision: 'main' });
    const first = await svc.propose({
      r,
      intent: { kind: 'replicas', replicas: 3 },
      actor: alice,
      conversation,
    });
    const again = await svc.propose({
      r,
      intent: { kind: 'replicas', replicas: 3 },
      actor: alice,
      conversation,
    });
    expect(again).toMatchObject({ existing: true, change: { id: first.change.id } });
    expect(fake.mrs).toHaveLength(1);
  });

  it('opens nothing when Git already says what was asked', async () => {
    const r = resolved({ repoURL: REPO, path: 'apps/web', targetRevision: 'main' });
    await expect(
      svc.propose({ r, intent: { kind: 'replicas', replicas: 2 }, actor: alice, conversation }),
    ).rejects.toThrow(NoChangeError);
    expect(fake.mrs).toHaveLength(0);
  });

  it('refuses sources Git cannot change: a Helm chart repository, a pinned commit, an unknown host', async () => {
    expect(() =>
      trackedBranch(
        resolved({
          repoURL: 'https://prometheus-community.github.io/helm-charts',
          chart: 'kube-prometheus-stack',
          targetRevision: '65.1.0',
        }),
      ),
    ).toThrow(/a chart repository, not Git/);
    expect(() =>
      trackedBranch(resolved({ repoURL: REPO, path: 'x', targetRevision: 'a'.repeat(40) })),
    ).toThrow(/pinned to commit/);
    const r = resolved({ repoURL: 'https://bitbucket.org/x/y', path: 'x' });
    await expect(
      svc.propose({ r, intent: { kind: 'replicas', replicas: 3 }, actor: alice, conversation }),
    ).rejects.toThrow(/deckhand has no access to bitbucket.org/);
  });

  it('finds the default branch for apps that track HEAD', async () => {
    const r = resolved({ repoURL: REPO, path: 'apps/web', targetRevision: 'HEAD' });
    const { change } = await svc.propose({
      r,
      intent: { kind: 'replicas', replicas: 4 },
      actor: alice,
      conversation,
    });
    expect(change.base).toBe('main');
  });

  it('reverts a commit through the host as a pull request', async () => {
    const base = fake.head('main').id;
    const host = svc.host(REPO);
    const bump = await host.commitFiles(REPO, {
      branch: 'main',
      baseSha: base,
      message: 'scale web to 5',
      changes: [{ path: 'apps/web/deployment.yaml', content: 'kind: Deployment\nspec:\n  replicas: 5\n' }],
    });
    const r = resolved({ repoURL: REPO, path: 'apps/web', targetRevision: 'main' });
    const { change } = await svc.propose({
      r,
      intent: { kind: 'revert', commit: bump.sha },
      actor: alice,
      conversation,
    });
    expect(change.summary[0]).toMatch(new RegExp(`revert ${bump.sha.slice(0, 7)} "scale web to 5"`));
    expect(fake.head(change.branch).files.get('apps/web/deployment.yaml')).toBe(
      'kind: Deployment\nspec:\n  replicas: 2\n',
    );
  });
});
