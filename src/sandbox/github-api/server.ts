/**
 * The sandbox's GitHub: the REST subset deckhand's GitHubHost (octokit) uses, over real bare
 * repositories — branches, commits, trees, merges are real git — with GitHub's shapes, status codes
 * and messages (contracts api-notes §3), token auth, and SandboxServer's fault knobs. Pull requests
 * and their comments, labels, reviews and statuses live in a JSON state file, so they survive a
 * restart like the repositories on disk do.
 *
 *   const gh = createGitHubServer(repos, { token, stateFile });
 *   const url = await gh.listen();   // octokit baseUrl; gh.close() stops it
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GitRepos, SandboxRepo } from '../gitrepo/repos.ts';
import { SandboxServer, json, type FaultSource } from '../http.ts';
import { FaultsSchema } from '../scenario.ts';
import { GitHubError, match, notFound, sendError, type Ctx, type RepoCtx } from './api.ts';
import { ciRoutes, SandboxCi, type CiCheck } from './ci.ts';
import { GitHubApp, type GitHubAppOptions } from './app-auth.ts';
import { checkRoutes } from './routes-checks.ts';
import { gitRoutes } from './routes-git.ts';
import { hookRoutes } from './routes-hooks.ts';
import { issueRoutes } from './routes-issues.ts';
import { protectionRoutes } from './protection.ts';
import { pullRoutes } from './routes-pulls.ts';
import { repoRoutes } from './routes-repo.ts';
import { Links, user } from './shapes.ts';
import { Store } from './state.ts';

export interface GitHubServerOptions {
  /** The token deckhand is configured with (`Authorization: token X` or `Bearer X`). */
  token: string;
  /** Where pull requests and the rest are kept between runs; in memory only when absent. */
  stateFile?: string;
  /** Milliseconds since the epoch; the sandbox's clock, so timestamps follow the world's time. */
  clock?: () => number;
  /** Base of html_url links (default https://github.com). */
  webBase?: string;
  /** The login `token` belongs to (default deckhand-bot). */
  login?: string;
  /** More accounts as token → login, e.g. a reviewer who may approve what the bot opened. */
  users?: Record<string, string>;
  /** Fault knobs (latency, error rate, down); none by default. */
  faults?: FaultSource;
  /** A GitHub App the bot may authenticate as instead of with `token` (app-auth.ts). */
  app?: GitHubAppOptions;
  /** The sandbox's CI: check runs reported on every push, by repository URL (ci.ts). */
  ci?: Map<string, CiCheck[]>;
}

const API_HEADERS = {
  'x-github-api-version-selected': '2022-11-28',
  'x-github-media-type': 'github.v3; format=json',
};

function tokenOf(req: IncomingMessage): string | undefined {
  return /^(?:token|bearer)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
}

export function createGitHubServer(
  repos: GitRepos,
  opts: GitHubServerOptions,
): SandboxServer & { app?: GitHubApp; ci?: SandboxCi } {
  const store = new Store(opts.stateFile);
  const clock = opts.clock ?? Date.now;
  const now = () => new Date(clock()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const web = (opts.webBase ?? 'https://github.com').replace(/\/+$/, '');
  const accounts = new Map<string, string>([
    [opts.token, opts.login ?? 'deckhand-bot'],
    ...Object.entries(opts.users ?? {}),
  ]);
  // Protection before the repository's routes: `/branches/:branch+` would take `main/protection`.
  const routes = [
    ...protectionRoutes,
    ...repoRoutes,
    ...gitRoutes,
    ...pullRoutes,
    ...issueRoutes,
    ...checkRoutes,
    ...hookRoutes,
  ];
  const app = opts.app ? new GitHubApp(opts.app) : undefined;
  let ci: SandboxCi | undefined;
  routes.push(...ciRoutes(() => ci));
  // A repository's context outside a request (CI, pushes): once the server has an address.
  const contextOf = (repo: SandboxRepo, login: string): RepoCtx | undefined =>
    server.url
      ? {
          repo,
          state: store.repo(`${repo.path.owner}/${repo.path.name}`, now()),
          store,
          links: new Links(server.url, web, repo.path.owner, repo.path.name),
          login,
          now,
        }
      : undefined;

  const send =
    (res: ServerResponse) =>
    (status: number, body: unknown, headers: Record<string, string> = {}) =>
      json(res, status, body, { ...API_HEADERS, ...headers });

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const token = tokenOf(req);
    const api = server.url;
    const method = req.method ?? 'GET';
    // The app itself (a JWT) may only use the app's routes; its installation tokens act as the
    // app's bot on the installation account's repositories.
    if (app && token && GitHubApp.isJwt(token)) {
      app.verifyJwt(token);
      const answer = app.route(method, url.pathname, web, api);
      if (!answer) throw new GitHubError(401, 'A JSON web token could not be decoded');
      return send(res)(answer.status, answer.body);
    }
    const installed = app && token ? app.installationOf(token) : undefined;
    const login = installed ? app?.login : token === undefined ? undefined : accounts.get(token);
    if (!login) throw new GitHubError(401, 'Bad credentials');
    if (url.pathname === '/user' && method === 'GET')
      return send(res)(200, user(login, new Links(api, web, '', '')));
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const repo = m
      ? repos.byOwnerName(decodeURIComponent(m[1] as string), decodeURIComponent(m[2] as string))
      : undefined;
    if (!m || !repo) throw notFound();
    if (installed && repo.path.owner.toLowerCase() !== installed.account.toLowerCase()) throw notFound();
    const hit = match(routes, method, m[3] ?? '');
    if (!hit) throw notFound();
    const ctx: Ctx = {
      req,
      res,
      url,
      repo,
      state: store.repo(`${repo.path.owner}/${repo.path.name}`, now()),
      store,
      // Canonical spelling of owner and name, as GitHub answers whatever case was asked.
      links: new Links(api, web, repo.path.owner, repo.path.name),
      login,
      now,
      send: send(res),
    };
    await hit.r.handle(ctx, hit.p);
  }

  const handler = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    try {
      await handle(req, res, url);
    } catch (e) {
      if (res.headersSent) return void res.destroy();
      sendError(
        res,
        e instanceof GitHubError ? e : new GitHubError(500, `sandbox GitHub: ${(e as Error).message}`),
      );
    }
  };

  const server: SandboxServer = new SandboxServer({
    name: 'github',
    handler,
    faults: opts.faults ?? { faults: FaultsSchema.parse({}) },
    unavailable: (res) => sendError(res, new GitHubError(503, 'Service Unavailable')),
  });
  if (opts.ci?.size) {
    ci = new SandboxCi(repos, opts.ci, contextOf);
    const close = server.close.bind(server);
    server.close = async () => {
      ci?.close();
      await close();
    };
  }
  return Object.assign(server, app ? { app } : {}, ci ? { ci } : {});
}
