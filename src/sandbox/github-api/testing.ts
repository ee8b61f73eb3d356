/**
 * Test fixture for the sandbox GitHub: a scenario repository seeded into a temporary data dir,
 * the server on an ephemeral port, and the two clients that must work against it — octokit
 * itself and deckhand's GitHubHost. Also reads the required fields of a response schema from
 * @octokit/openapi-types, so tests check answers against GitHub's own description.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { GitHubHost } from '../../plugins/gitops-pr/hosts/github.ts';
import { GitRepos, type BranchMoved } from '../gitrepo/repos.ts';
import type { SandboxServer } from '../http.ts';
import type { GitHubApp } from './app-auth.ts';
import { parseScenario } from '../scenario.ts';
import { createGitHubServer, type GitHubServerOptions } from './server.ts';

export const TOKEN = 'ghp_sandbox_token';
export const REVIEWER_TOKEN = 'ghp_sandbox_reviewer';
export const REPO_URL = 'https://github.com/acme/infra';
export const R = { owner: 'acme', repo: 'infra' } as const;
/** Each request runs several git processes; on a busy machine one test can take many seconds. */
export const SLOW = { timeout: 90_000 };

const DEPLOYMENT = (image: string, replicas: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: ${replicas}\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ${image}\n`;
export const deployment = DEPLOYMENT;

const SCENARIO = {
  apiVersion: 'deckhand.dev/v1alpha1',
  kind: 'Scenario',
  metadata: { name: 'github-sandbox' },
  git: [
    {
      url: REPO_URL,
      branch: 'main',
      history: [
        {
          message: 'web: first deployment',
          author: 'Alice <alice@example.com>',
          date: '2026-01-05T10:00:00Z',
          files: { 'apps/web/deployment.yaml': DEPLOYMENT('ghcr.io/acme/web:1.0', 2) },
        },
      ],
      files: {
        'apps/web/deployment.yaml': DEPLOYMENT('ghcr.io/acme/web:1.1', 2),
        'apps/web/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n',
        'README.md': '# infra\n',
      },
    },
  ],
};

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export interface Fixture {
  dir: string;
  repos: GitRepos;
  server: SandboxServer & { app?: GitHubApp };
  url: string;
  octokit: Octokit;
  reviewer: Octokit;
  host: GitHubHost;
  moves: BranchMoved[];
  /** Stop the server (the data dir stays, for restarts). */
  stop(): Promise<void>;
  /** A new server on the same data dir and state file, as after a sandbox restart. */
  restart(): Promise<Fixture>;
  cleanup(): Promise<void>;
}

export async function start(
  dir = mkdtempSync(join(tmpdir(), 'deckhand-gh-')),
  extra: Partial<GitHubServerOptions> = {},
): Promise<Fixture> {
  const repos = new GitRepos(dir);
  await repos.seed(parseScenario(JSON.stringify(SCENARIO)).git);
  const moves: BranchMoved[] = [];
  repos.on('branch-moved', (m: BranchMoved) => moves.push(m));
  let t = Date.parse('2026-03-01T12:00:00Z');
  const server = createGitHubServer(repos, {
    token: TOKEN,
    users: { [REVIEWER_TOKEN]: 'reviewer' },
    stateFile: join(dir, 'github-state.json'),
    // Each reading moves a second on, so creation order is visible in timestamps.
    clock: () => (t += 1000),
    ...extra,
  });
  const url = await server.listen(0);
  const client = (auth: string) => new Octokit({ auth, baseUrl: url, log: silent });
  const f: Fixture = {
    dir,
    repos,
    server,
    url,
    octokit: client(TOKEN),
    reviewer: client(REVIEWER_TOKEN),
    host: new GitHubHost({
      name: 'github',
      host: 'github.com',
      apiUrl: url,
      token: TOKEN,
      timeoutMs: 10_000,
    }),
    moves,
    stop: () => server.close(),
    restart: async () => {
      await server.close();
      return start(dir, extra);
    },
    cleanup: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return f;
}

let typesText: string | undefined;

/** The required (non-optional) top-level fields of `components["schemas"][name]`. */
export function requiredFields(name: string): string[] {
  typesText ??= readFileSync(
    createRequire(import.meta.url).resolve('@octokit/openapi-types/types.d.ts'),
    'utf8',
  );
  const start = typesText.indexOf('\n  schemas: {\n');
  const key = /^[a-z0-9_]+$/.test(name) ? name : `"${name}"`;
  const at = typesText.indexOf(`\n    ${key}: {\n`, start);
  if (start < 0 || at < 0) throw new Error(`schema ${name} not found in @octokit/openapi-types`);
  const end = typesText.indexOf('\n    }', at + 1);
  return typesText
    .slice(at, end)
    .split('\n')
    .flatMap((l) => {
      const m = /^ {6}"?([\w-]+)"?(\?)?:/.exec(l);
      return m && !m[2] ? [m[1] as string] : [];
    });
}

/** Required fields of the schema that `value` lacks. */
export const missingFields = (name: string, value: unknown): string[] =>
  requiredFields(name).filter((k) => !(k in (value as object)));

/** A branch with one commit on top of `from` changing `files` (null deletes), made through the API. */
export async function branchWith(
  f: Fixture,
  name: string,
  files: Record<string, string | null>,
  from = 'main',
  message = `change ${Object.keys(files).join(', ')}`,
): Promise<string> {
  const parent = (await f.octokit.git.getRef({ ...R, ref: `heads/${from}` })).data.object.sha;
  const base = await f.octokit.git.getCommit({ ...R, commit_sha: parent });
  const tree = await f.octokit.git.createTree({
    ...R,
    base_tree: base.data.tree.sha,
    tree: Object.entries(files).map(([path, content]) =>
      content === null
        ? { path, mode: '100644' as const, type: 'blob' as const, sha: null }
        : { path, mode: '100644' as const, type: 'blob' as const, content },
    ),
  });
  const commit = await f.octokit.git.createCommit({ ...R, message, tree: tree.data.sha, parents: [parent] });
  await f.octokit.git.createRef({ ...R, ref: `refs/heads/${name}`, sha: commit.data.sha });
  return commit.data.sha;
}
