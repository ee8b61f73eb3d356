/**
 * Issue 17, "nothing unintended is written to Git", against the sandbox GitHub holding the home-lab
 * repository the planner tests use: every kind of intent, with the values a person, a diagnosis
 * fix or a remediation rule really gives (one resource, the other, requests, limits and requests),
 * goes through the real planner and ChangeService to a pull request; what Git then holds — title,
 * body, commit message, branch name — is read back and scanned for what a missing value leaves
 * behind. And a planner that writes one line too many is refused before anything is pushed.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../core/access.ts';
import { ManualClock } from '../../../core/clock.ts';
import { SqliteStore } from '../../../core/store/sqlite.ts';
import { createGitHubServer } from '../../../sandbox/github-api/server.ts';
import { GitRepos } from '../../../sandbox/gitrepo/repos.ts';
import type { SandboxServer } from '../../../sandbox/http.ts';
import { parseScenario } from '../../../sandbox/scenario.ts';
import { readApplication, type ApplicationSource, type ResolvedApp } from '../../argocd/index.ts';
import { ChangeService, type Change, type Planner } from '../changes.ts';
import { resourcesIntent, revertIntent } from '../commands/changes.ts';
import { GitOpsConfigSchema } from '../config.ts';
import { createPlanner } from '../edit/index.ts';
import { loadCorpus } from '../edit/testing.ts';
import { GitHubHost } from '../hosts/github.ts';
import type { Intent } from '../intents.ts';
import { UnintendedEditError } from './scope.ts';
import { BadWordingError } from './wording.ts';
import { tempDir } from '../../../../test/support/temp.ts';

const REPO = 'https://github.com/sijunkim/infra';
const TOKEN = 'ghp_every_intent';
const KUSTOMIZATION = 'k8s/apps/naver-news/kustomization.yaml';
const DIGEST = `sha256:${'4f'.repeat(32)}`;
const homeLab = loadCorpus('home-lab.txtar');
const alice: Actor = {
  id: 'alice',
  name: 'Alice',
  platform: 'slack',
  platformUserId: 'U1',
  groups: [],
  known: true,
};
const conversation = { platform: 'slack', channel: 'C0OPS' };

/**
 * The repository's history: naver-news deployed at an older tag, then bumped (a commit to revert
 * and a revision to restore to); the head is the home-lab corpus itself.
 */
const SCENARIO = {
  apiVersion: 'deckhand.dev/v1alpha1',
  kind: 'Scenario',
  metadata: { name: 'every-intent' },
  git: [
    {
      url: REPO,
      branch: 'master',
      history: [
        {
          message: 'home lab',
          author: 'Sijun Kim <sijun@example.com>',
          date: '2026-08-20T10:00:00Z',
          files: {
            ...homeLab,
            [KUSTOMIZATION]: homeLab[KUSTOMIZATION]!.replace('master-3f9c2e1', 'master-1a2b3c4'),
          },
        },
        {
          message: 'naver-news: bump image to master-3f9c2e1',
          author: 'Sijun Kim <sijun@example.com>',
          date: '2026-08-21T10:00:00Z',
          files: { [KUSTOMIZATION]: homeLab[KUSTOMIZATION]! },
        },
      ],
      files: homeLab,
    },
  ],
};

/** An Application as Argo CD returns it, deployed at `deployed` (the head, for "revert the last change"). */
function resolved(name: string, source: ApplicationSource, deployed?: string): ResolvedApp {
  const raw = {
    metadata: { name, namespace: 'argocd' },
    spec: { project: 'default', destination: { server: 'https://kubernetes.default.svc' }, source },
    status: {
      sync: { status: 'Synced', ...(deployed ? { revision: deployed } : {}) },
      history: deployed ? [{ id: 1, revision: deployed, deployedAt: '2026-08-22T10:00:00Z' }] : [],
      resources: [],
    },
  };
  return {
    instance: 'default',
    ref: name,
    locator: { name },
    cached: true,
    client: { appUrl: () => `https://argocd.example.com/applications/argocd/${name}` },
    app: raw,
    view: readApplication(raw),
  } as unknown as ResolvedApp;
}
const at = (path: string, extra: Partial<ApplicationSource> = {}): ApplicationSource => ({
  repoURL: REPO,
  targetRevision: 'master',
  path,
  ...extra,
});

const dir = tempDir('deckhand-every-intent-');
let repos: GitRepos;
let server: SandboxServer;
let host: GitHubHost;
let history: string[];

const serviceWith = (plan: Planner) => {
  const clock = new ManualClock();
  return new ChangeService({
    hosts: [host],
    store: new SqliteStore(':memory:', clock),
    plan,
    config: GitOpsConfigSchema.parse({}),
    clock,
  });
};

beforeAll(async () => {
  repos = new GitRepos(dir);
  await repos.seed(parseScenario(JSON.stringify(SCENARIO)).git);
  server = createGitHubServer(repos, { token: TOKEN });
  const url = await server.listen(0);
  host = new GitHubHost({ name: 'github', host: 'github.com', apiUrl: url, token: TOKEN, timeoutMs: 20_000 });
  history = (await repos.get(REPO)!.git.log('master')).reverse();
}, 60_000);
afterAll(async () => {
  await server?.close();
});

/** What a missing value leaves in a text, as this test reads it (on its own, not through the guard). */
const LEFTOVERS: RegExp[] = [
  /\bundefined\b/,
  /\bnull\b/,
  /\bNaN\b/,
  /\[object \w+\]/,
  /\S {2,}\S/, // `set  to`: an empty value between two words
  /:\s*,|,\s*,|\(\s*\)/, // `: ,`, `, ,`, `()`
  /[:,→]\s*$/m, // a phrase cut off where its value should be
];

/** The title, body and commit message Git holds for a change, and its branch, read back from the host. */
async function written(c: Change) {
  const pr = await host.getPullRequest(REPO, c.pr.number);
  const commit = await host.commit(REPO, c.headSha);
  return { title: pr.title, body: pr.body ?? '', message: commit.message, branch: pr.headBranch };
}

function scan(what: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [key, text] of Object.entries(what))
    for (const re of LEFTOVERS)
      if (re.test(text)) found.push(`${key} matches ${re}: ${JSON.stringify(text)}`);
  try {
    execFileSync('git', ['check-ref-format', '--branch', what.branch!], { stdio: 'pipe' });
  } catch {
    found.push(`branch ${what.branch} is not a valid branch name`);
  }
  return found;
}

describe('every intent kind, as Git receives it', () => {
  const naverNews = () => resolved('naver-news', at('k8s/apps/naver-news'), history.at(-1));
  const flashApiProd = () => resolved('flash-api-prod', at('flash-tickets/overlays/prod/flash-api'));
  const grafana = () =>
    resolved(
      'grafana',
      at('monitoring/grafana', { helm: { releaseName: 'grafana', valueFiles: ['values.yaml'] } }),
    );
  const mysql = () => resolved('mysql', at('k8s/apps/mysql'));
  const payWorker = () => resolved('pay-worker', at('flash-tickets/overlays/staging/flash-pay-worker'));

  /** [app, intent, the title it must have]: the values each kind of asker really gives. */
  const cases = (): [() => ResolvedApp, Intent, string][] => [
    [naverNews, { kind: 'image', image: 'master-484af0a' }, 'naver-news: bump image to master-484af0a'],
    [
      naverNews,
      { kind: 'image', image: `ghcr.io/sijunkim/naver-news-spring@${DIGEST}` },
      'naver-news: bump image to sha256:4f4f4f4',
    ],
    [
      flashApiProd,
      { kind: 'image', image: 'ghcr.io/sijunkim/flash-api:v1.16.0', container: 'flash-api' },
      'flash-api-prod: bump flash-api image to v1.16.0',
    ],
    [grafana, { kind: 'image', image: '12.2.0', container: undefined }, 'grafana: bump image to 12.2.0'],
    [naverNews, { kind: 'replicas', replicas: 2 }, 'naver-news: scale to 2 replicas'],
    [flashApiProd, { kind: 'replicas', replicas: 1 }, 'flash-api-prod: scale to 1 replica'],
    [grafana, { kind: 'replicas', replicas: 3 }, 'grafana: scale to 3 replicas'],
    [mysql, { kind: 'replicas', replicas: 0 }, 'mysql: scale to 0 replicas'],
    // `gitops resources` as the command builds the intent: memory only, cpu only, requests.
    [naverNews, resourcesIntent({ settings: { memory: '768Mi' } }), 'naver-news: set memory limit 768Mi'],
    [naverNews, resourcesIntent({ settings: { cpu: '1' } }), 'naver-news: set cpu limit 1'],
    [
      naverNews,
      resourcesIntent({ settings: { memory: '256Mi' }, requests: true }),
      'naver-news: set memory request 256Mi',
    ],
    [
      naverNews,
      resourcesIntent({ settings: { cpu: '500m' }, requests: true, container: 'naver-news' }),
      'naver-news: set cpu request 500m for naver-news',
    ],
    // Typed values with optional keys present but undefined, as other builders may leave them.
    [
      naverNews,
      {
        kind: 'resources',
        container: undefined,
        limits: { memory: '1Gi', cpu: undefined },
        requests: undefined,
      },
      'naver-news: set memory limit 1Gi',
    ],
    [
      naverNews,
      { kind: 'resources', limits: { memory: '1Gi', cpu: '2' }, requests: { memory: '512Mi', cpu: '250m' } },
      'naver-news: set memory limit 1Gi, cpu limit 2, memory request 512Mi, cpu request 250m',
    ],
    [flashApiProd, { kind: 'resources', limits: { memory: '1Gi' } }, 'flash-api-prod: set memory limit 1Gi'],
    [grafana, { kind: 'resources', requests: { cpu: '200m' } }, 'grafana: set cpu request 200m'],
    [naverNews, { kind: 'restart', at: '2026-08-24T10:00:00Z' }, 'naver-news: restart'],
    [payWorker, { kind: 'restart', at: '2026-08-24T10:00:00Z' }, 'pay-worker: restart'],
  ];

  it('writes each with its values and nothing else', { timeout: 120_000 }, async () => {
    const svc = serviceWith(createPlanner());
    const problems: string[] = [];
    const titles: string[] = [];
    const asked: [() => ResolvedApp, Intent, string | RegExp][] = [
      ...cases(),
      [naverNews, revertIntent(history[1]), /^naver-news: revert [0-9a-f]{7}$/],
      [naverNews, revertIntent(undefined), 'naver-news: revert the last change'],
      [naverNews, { kind: 'revert', toRevision: history[0] }, /^naver-news: roll back to [0-9a-f]{7}$/],
    ];
    for (const [r, intent] of asked) {
      const { change, existing } = await svc.propose({ r: r(), intent, actor: alice, conversation });
      expect(existing, JSON.stringify(intent)).toBe(false);
      const texts = await written(change);
      titles.push(texts.title);
      problems.push(...scan(texts).map((p) => `${JSON.stringify(intent)}: ${p}`));
    }
    expect(problems).toEqual([]);
    expect(titles).toEqual(asked.map(([, , t]) => (typeof t === 'string' ? t : expect.stringMatching(t))));

    // Revert by pull request: the replicas change above, merged, then taken back.
    const merged = (await svc.list((c) => c.intent.kind === 'replicas' && c.app === 'naver-news'))[0]!;
    await host.mergePullRequest(REPO, merged.pr.number, { sha: merged.headSha, method: 'merge' });
    const { change } = await svc.propose({
      r: naverNews(),
      intent: revertIntent(`#${merged.pr.number}`),
      actor: alice,
      conversation,
    });
    const texts = await written(change);
    expect(texts.title).toBe(`naver-news: revert #${merged.pr.number}`);
    expect(scan(texts)).toEqual([]);
  });
});

describe('a change that would write more than asked', () => {
  const naverNews = () => resolved('naver-news', at('k8s/apps/naver-news'));
  const real = createPlanner();

  /** Git as it is: every branch and where it points, and the open pull requests. */
  const snapshot = async () => ({
    branches: Object.fromEntries(await repos.get(REPO)!.git.branches()),
    open: (await host.listPullRequests(REPO, { state: 'open' })).map((p) => p.number),
  });

  it('is refused before anything is pushed when the planner edits one more line', async () => {
    // The real plan, plus a second edit in the same file that no one asked for.
    const stray: Planner = async (r, files, intent) => {
      const plan = await real(r, files, intent);
      return {
        ...plan,
        changes: plan.changes.map((c) => ({
          ...c,
          after:
            c.after?.replace('app.kubernetes.io/component: crawler', 'app.kubernetes.io/component: web') ??
            null,
        })),
      };
    };
    const before = await snapshot();
    const err = await serviceWith(stray)
      .propose({ r: naverNews(), intent: { kind: 'replicas', replicas: 5 }, actor: alice, conversation })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnintendedEditError);
    expect((err as Error).message).toContain('metadata.labels.app.kubernetes.io/component crawler → web');
    expect(await snapshot()).toEqual(before);
  });

  it('is refused before anything is pushed when its words carry a missing value', async () => {
    const leaky: Planner = async (r, files, intent) => {
      const plan = await real(r, files, intent);
      return { ...plan, summary: plan.summary.map((s) => `${s} (was ${String(undefined)})`) };
    };
    const before = await snapshot();
    const err = await serviceWith(leaky)
      .propose({ r: naverNews(), intent: { kind: 'replicas', replicas: 6 }, actor: alice, conversation })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadWordingError);
    expect((err as Error).message).toContain('"undefined"');
    expect(await snapshot()).toEqual(before);
  });
});
