/**
 * GitHub (and GitHub Enterprise) through @octokit/rest: the git data API for one commit with all
 * files, pull requests for review and merge.
 */
import type { Octokit } from '@octokit/rest';
import { InputError } from '../../../core/errors.ts';
import { BranchInUseError, HeadMovedError, NotMergeableError, hostError, type HostIdent } from './errors.ts';
import { parseRepoUrl } from './repo-url.ts';
import { byRequiredThenName } from './types.ts';
import type {
  ChangedFile,
  CheckResult,
  CommitInfo,
  FileChange,
  FileTree,
  GitHost,
  MergeReadiness,
  PullRequest,
} from './types.ts';

export interface GitHubHostConfig {
  name: string;
  /** Host name in repository URLs, e.g. github.com or github.example.com. */
  host: string;
  apiUrl?: string;
  /** A personal access token, or `app` to act as a GitHub App. */
  token?: string;
  app?: { id: number; privateKey: string; installationId?: number };
  timeoutMs: number;
  /** The configuration key of the token, for messages about a refused credential. */
  credential?: string;
}

type Pull = Awaited<ReturnType<Octokit['pulls']['get']>>['data'];

const toPull = (p: Pull | Awaited<ReturnType<Octokit['pulls']['list']>>['data'][number]): PullRequest => ({
  number: p.number,
  url: p.html_url,
  title: p.title,
  body: p.body ?? undefined,
  state: p.merged_at ? 'merged' : p.state === 'open' ? 'open' : 'closed',
  headBranch: p.head.ref,
  baseBranch: p.base.ref,
  headSha: p.head.sha,
  author: p.user?.login,
  mergeable: 'mergeable' in p ? p.mergeable : undefined,
  blockedReason: 'mergeable_state' in p && p.mergeable_state !== 'clean' ? p.mergeable_state : undefined,
  mergeSha: p.merged_at ? (p.merge_commit_sha ?? undefined) : undefined,
  mergedBy: 'merged_by' in p ? (p.merged_by?.login ?? undefined) : undefined,
  labels: p.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))),
  createdAt: p.created_at,
});

/**
 * A client acting as a GitHub App's installation on a repository's owner, through the Octokit
 * auth strategy made for it (@octokit/auth-app): it signs the app's JWT, trades it for
 * installation tokens and sends each request with one. Its token cache keeps each token until
 * shortly before GitHub says it expires, not the fixed 59 minutes of the default cache.
 */
async function installationClient(
  options: ConstructorParameters<typeof Octokit>[0],
  app: NonNullable<GitHubHostConfig['app']>,
  r: { owner: string; repo: string },
  signal: AbortSignal,
): Promise<Octokit> {
  const [{ Octokit }, { createAppAuth }] = await Promise.all([
    import('@octokit/rest'),
    import('@octokit/auth-app'),
  ]);
  const auth = { appId: app.id, privateKey: app.privateKey };
  let installationId = app.installationId;
  if (installationId === undefined) {
    const asApp = new Octokit({ ...options, authStrategy: createAppAuth, auth });
    const { data } = await asApp.apps.getRepoInstallation({ ...r, request: { signal } });
    installationId = data.id;
  }
  return new Octokit({
    ...options,
    authStrategy: createAppAuth,
    auth: { ...auth, installationId, cache: tokenCache() },
  });
}

/**
 * @octokit/auth-app's cache interface (get/set of a string per key). Its value is
 * `token|createdAt|expiresAt|…` (auth-app dist-src/cache.js); a token is given out until a tenth
 * of its life, or five minutes, before it expires, so no request is sent with one about to lapse.
 */
export function tokenCache(now: () => number = Date.now): {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
} {
  const kept = new Map<string, { value: string; until: number }>();
  return {
    get(key) {
      const hit = kept.get(key);
      if (hit && hit.until > now()) return hit.value;
      kept.delete(key);
      return undefined;
    },
    set(key, value) {
      const [, created, expires] = value.split('|');
      const from = Date.parse(created ?? '');
      const to = Date.parse(expires ?? '');
      // An unreadable value is not kept: a fresh token is asked for next time.
      if (!Number.isFinite(to)) return;
      const life = Number.isFinite(from) ? to - from : 3_600_000;
      kept.set(key, { value, until: to - Math.min(5 * 60_000, life / 10) });
    },
  };
}

/** A promise that rejects with the signal's reason when it aborts (and never settles otherwise). */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export class GitHubHost implements GitHost {
  readonly kind = 'github' as const;
  readonly name: string;
  private readonly who: HostIdent;
  private readonly host: string;
  /**
   * @octokit/rest loads on the first call, not at start-up: a bot (or a one-shot exec) that only
   * reads Argo CD never needs it. Shared by the hosts withSignal makes.
   */
  private readonly lazy: {
    client?: Octokit;
    loading?: Promise<Octokit>;
    /** As a GitHub App: one client per repository owner, on that owner's installation. */
    owners: Map<string, Promise<Octokit>>;
  } = { owners: new Map() };
  private readonly app?: GitHubHostConfig['app'];
  private readonly options: ConstructorParameters<typeof Octokit>[0];
  private readonly timeoutMs: number;
  /** Set on a host made by withSignal: the caller's signal, besides each request's own deadline. */
  private signal?: AbortSignal;

  constructor(cfg: GitHubHostConfig) {
    this.name = cfg.name;
    this.who = { name: cfg.name, credential: cfg.credential };
    this.host = cfg.host.toLowerCase();
    this.timeoutMs = cfg.timeoutMs;
    const baseUrl =
      cfg.apiUrl ?? (this.host === 'github.com' ? 'https://api.github.com' : `https://${this.host}/api/v3`);
    this.app = cfg.app;
    this.options = {
      ...(cfg.token ? { auth: cfg.token } : {}),
      baseUrl,
      userAgent: 'deckhand',
      log: { debug() {}, info() {}, warn() {}, error() {} },
    };
  }

  /**
   * The client for a repository: the token's, or as a GitHub App the client of the installation on
   * the repository's owner (found once per owner; a failed lookup is tried again next time).
   */
  private async client(r: { owner: string; repo: string }): Promise<Octokit> {
    const app = this.app;
    if (!app) {
      if (this.lazy.client) return this.lazy.client;
      this.lazy.loading ??= import('@octokit/rest').then(({ Octokit }) => new Octokit(this.options));
      return (this.lazy.client = await this.lazy.loading);
    }
    const owner = r.owner.toLowerCase();
    let client = this.lazy.owners.get(owner);
    if (!client) {
      client = installationClient(this.options, app, r, this.deadline());
      this.lazy.owners.set(owner, client);
      client.catch(() => this.lazy.owners.delete(owner));
    }
    return client;
  }

  serves(repoURL: string): boolean {
    return parseRepoUrl(repoURL)?.host === this.host;
  }

  webUrl(repoURL: string): string {
    const r = parseRepoUrl(repoURL);
    return r ? `https://${r.host}/${r.path}` : repoURL;
  }

  private repo(repoURL: string): { owner: string; repo: string } {
    const r = parseRepoUrl(repoURL);
    const [owner, repo, extra] = r?.path.split('/') ?? [];
    if (!owner || !repo || extra !== undefined)
      throw new InputError(`${repoURL} is not a GitHub repository URL.`);
    return { owner, repo };
  }

  withSignal(signal: AbortSignal): GitHost {
    // The same client and settings; only the signal is this caller's.
    const scoped = Object.create(this) as GitHubHost;
    scoped.signal = signal;
    return scoped;
  }

  /** One request's signal: its deadline, and the caller's signal when there is one. */
  private deadline(): AbortSignal {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    return this.signal ? AbortSignal.any([timeout, this.signal]) : timeout;
  }

  /**
   * One request with its deadline, the deadline holding even while a GitHub App's token is minted
   * on the way (without the request's signal): for the few calls that read the error themselves.
   */
  private async within<T>(
    r: { owner: string; repo: string },
    fn: (octokit: Octokit, request: { signal: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    const signal = this.deadline();
    const octokit = await this.client(r);
    return Promise.race([fn(octokit, { signal }), rejectOnAbort(signal)]);
  }

  private async call<T>(
    r: { owner: string; repo: string },
    what: string,
    fn: (octokit: Octokit, request: { signal: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    const signal = this.deadline();
    try {
      this.signal?.throwIfAborted();
      const octokit = await this.client(r);
      // As a GitHub App, a request may first mint an installation token, which @octokit/auth-app
      // asks for without the request's signal: the deadline holds for the whole call regardless.
      return await Promise.race([fn(octokit, { signal }), rejectOnAbort(signal)]);
    } catch (e) {
      // Credentials refused (the App removed or installed again): the owner's installation is
      // looked up afresh next time.
      const status = (e as { status?: number }).status;
      if (this.app && status === 401) this.lazy.owners.delete(r.owner.toLowerCase());
      throw hostError(this.who, what, e, this.timeoutMs);
    }
  }

  async branchHead(repoURL: string, branch: string): Promise<string> {
    const r = this.repo(repoURL);
    const { data } = await this.call(r, `read branch ${branch}`, (octokit, request) =>
      octokit.git.getRef({ ...r, ref: `heads/${branch}`, request }),
    );
    return data.object.sha;
  }

  /** Every file of the tree at a ref with its blob sha (one recursive call). */
  private async blobIndex(
    repoURL: string,
    ref: string,
  ): Promise<{ blobs: Map<string, string>; dirs: Map<string, Set<string>> }> {
    const r = this.repo(repoURL);
    const { data } = await this.call(r, `read the tree at ${ref.slice(0, 12)}`, (octokit, request) =>
      octokit.git.getTree({ ...r, tree_sha: ref, recursive: 'true', request }),
    );
    const blobs = new Map<string, string>();
    const dirs = new Map<string, Set<string>>([['', new Set()]]);
    for (const e of data.tree) {
      if (!e.path) continue;
      const parent = e.path.includes('/') ? e.path.slice(0, e.path.lastIndexOf('/')) : '';
      const base = e.path.slice(parent ? parent.length + 1 : 0);
      if (!dirs.has(parent)) dirs.set(parent, new Set());
      dirs.get(parent)?.add(base);
      if (e.type === 'blob' && e.sha) blobs.set(e.path, e.sha);
      if (e.type === 'tree') dirs.set(e.path, dirs.get(e.path) ?? new Set());
    }
    return { blobs, dirs };
  }

  async tree(repoURL: string, ref: string): Promise<FileTree> {
    const r = this.repo(repoURL);
    const { blobs, dirs } = await this.blobIndex(repoURL, ref);
    const contents = new Map<string, Promise<string>>();
    const norm = (p: string) =>
      p
        .replace(/^\.?\/+/, '')
        .replace(/\/+$/, '')
        .replace(/\/\.\//g, '/');
    return {
      read: async (path) => {
        const sha = blobs.get(norm(path));
        if (!sha) return undefined;
        let c = contents.get(sha);
        if (!c) {
          c = this.call(r, `read ${path}`, (octokit, request) =>
            octokit.git.getBlob({ ...r, file_sha: sha, request }),
          ).then((b) =>
            Buffer.from(b.data.content, b.data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8'),
          );
          contents.set(sha, c);
        }
        return c;
      },
      list: async (dir) => [...(dirs.get(norm(dir)) ?? [])].sort(),
    };
  }

  async commitFiles(
    repoURL: string,
    opts: {
      branch: string;
      baseSha: string;
      message: string;
      changes: FileChange[];
      author?: { name: string; email: string };
    },
  ): Promise<{ sha: string; branch: 'created' | 'kept' | 'moved' }> {
    const r = this.repo(repoURL);
    const base = await this.call(r, 'read the base commit', (octokit, request) =>
      octokit.git.getCommit({ ...r, commit_sha: opts.baseSha, request }),
    );
    const tree = await this.call(r, 'write the changed files', (octokit, request) =>
      octokit.git.createTree({
        ...r,
        base_tree: base.data.tree.sha,
        tree: opts.changes.map((c) =>
          c.content === null
            ? { path: c.path, mode: '100644' as const, type: 'blob' as const, sha: null }
            : { path: c.path, mode: '100644' as const, type: 'blob' as const, content: c.content },
        ),
        request,
      }),
    );
    const commit = await this.call(r, 'create the commit', (octokit, request) =>
      octokit.git.createCommit({
        ...r,
        message: opts.message,
        tree: tree.data.sha,
        parents: [opts.baseSha],
        // As a GitHub App, no author: GitHub signs a commit an App makes through the API only when
        // it names no author or committer ("Signature verification for bots"), and shows it as
        // verified, authored by <app>[bot]. The message's trailers say who asked.
        ...(opts.author && !this.app ? { author: { ...opts.author, date: new Date().toISOString() } } : {}),
        request,
      }),
    );
    try {
      await this.within(r, (octokit, request) =>
        octokit.git.createRef({ ...r, ref: `refs/heads/${opts.branch}`, sha: commit.data.sha, request }),
      );
      return { sha: commit.data.sha, branch: 'created' };
    } catch (e) {
      if ((e as { status?: number }).status !== 422)
        throw hostError(this.who, `create branch ${opts.branch}`, e);
    }
    // The branch exists: another proposer of the same change (seconds ahead, its pull request
    // maybe not open yet), or a leftover of an attempt whose pull request never opened.
    const current = await this.branchHead(repoURL, opts.branch);
    const there = await this.call(r, 'read the branch head', (octokit, request) =>
      octokit.git.getCommit({ ...r, commit_sha: current, request }),
    );
    // Trees are content-addressed: the same tree on the same parent is the same change.
    if (there.data.tree.sha === tree.data.sha && there.data.parents[0]?.sha === opts.baseSha)
      return { sha: current, branch: 'kept' };
    const open = await this.findOpenPullRequest(repoURL, opts.branch);
    if (open) throw new BranchInUseError(opts.branch, open.number);
    await this.call(r, `update branch ${opts.branch}`, (octokit, request) =>
      octokit.git.updateRef({
        ...r,
        ref: `heads/${opts.branch}`,
        sha: commit.data.sha,
        force: true,
        request,
      }),
    );
    return { sha: commit.data.sha, branch: 'moved' };
  }

  async deleteBranch(repoURL: string, branch: string): Promise<void> {
    const r = this.repo(repoURL);
    await this.call(r, `delete branch ${branch}`, (octokit, request) =>
      octokit.git.deleteRef({ ...r, ref: `heads/${branch}`, request }),
    );
  }

  async findOpenPullRequest(repoURL: string, headBranch: string): Promise<PullRequest | undefined> {
    const r = this.repo(repoURL);
    const { data } = await this.call(r, 'list pull requests', (octokit, request) =>
      octokit.pulls.list({ ...r, state: 'open', head: `${r.owner}:${headBranch}`, request }),
    );
    const p = data.find((x) => x.head.ref === headBranch);
    return p ? toPull(p) : undefined;
  }

  async listPullRequests(
    repoURL: string,
    opts: { state: 'open' | 'all'; headPrefix?: string },
  ): Promise<PullRequest[]> {
    const r = this.repo(repoURL);
    const { data } = await this.call(r, 'list pull requests', (octokit, request) =>
      octokit.pulls.list({
        ...r,
        state: opts.state,
        per_page: 100,
        sort: 'created',
        direction: 'desc',
        request,
      }),
    );
    return data.filter((p) => !opts.headPrefix || p.head.ref.startsWith(opts.headPrefix)).map(toPull);
  }

  async openPullRequest(
    repoURL: string,
    opts: { head: string; base: string; title: string; body: string; labels?: string[] },
  ): Promise<PullRequest> {
    const r = this.repo(repoURL);
    const { data } = await this.call(r, 'open the pull request', (octokit, request) =>
      octokit.pulls.create({
        ...r,
        head: opts.head,
        base: opts.base,
        title: opts.title,
        body: opts.body,
        request,
      }),
    );
    if (opts.labels?.length) {
      // Labels are a convenience: a repository without them must not fail the change.
      await this.within(r, (octokit, request) =>
        octokit.issues.addLabels({ ...r, issue_number: data.number, labels: opts.labels, request }),
      ).catch(() => undefined);
    }
    return toPull(data);
  }

  async getPullRequest(repoURL: string, number: number): Promise<PullRequest> {
    const r = this.repo(repoURL);
    const { data } = await this.call(r, `read pull request #${number}`, (octokit, request) =>
      octokit.pulls.get({ ...r, pull_number: number, request }),
    );
    return toPull(data);
  }

  async mergePullRequest(
    repoURL: string,
    number: number,
    opts: { sha: string; method: 'merge' | 'squash'; title?: string; message?: string },
  ): Promise<{ sha: string }> {
    const r = this.repo(repoURL);
    try {
      const { data } = await this.within(r, (octokit, request) =>
        octokit.pulls.merge({
          ...r,
          pull_number: number,
          sha: opts.sha,
          merge_method: opts.method,
          commit_title: opts.title,
          ...(opts.message ? { commit_message: opts.message } : {}),
          request,
        }),
      );
      return { sha: data.sha };
    } catch (e) {
      const status = (e as { status?: number }).status;
      const msg = (
        (e as { response?: { data?: { message?: string } } }).response?.data?.message ?? ''
      ).trim();
      if (status === 409)
        throw new HeadMovedError(
          `The branch of pull request #${number} moved after it was shown (${msg || 'head changed'}); nothing was merged.`,
        );
      if (status === 405) {
        throw new NotMergeableError(
          `${this.name} will not merge pull request #${number}: ${msg || 'not mergeable'}.`,
          {
            hint: 'Conflicts, failing required checks or branch protection; the pull request page says which.',
          },
        );
      }
      throw hostError(this.who, `merge pull request #${number}`, e);
    }
  }

  async closePullRequest(repoURL: string, number: number): Promise<void> {
    const r = this.repo(repoURL);
    await this.call(r, `close pull request #${number}`, (octokit, request) =>
      octokit.pulls.update({ ...r, pull_number: number, state: 'closed', request }),
    );
  }

  async comment(repoURL: string, number: number, body: string): Promise<void> {
    const r = this.repo(repoURL);
    await this.call(r, `comment on #${number}`, (octokit, request) =>
      octokit.issues.createComment({ ...r, issue_number: number, body, request }),
    );
  }

  async pullRequestDiff(repoURL: string, number: number): Promise<{ path: string; patch: string }[]> {
    const r = this.repo(repoURL);
    const { data } = await this.call(r, `read the files of #${number}`, (octokit, request) =>
      octokit.pulls.listFiles({ ...r, pull_number: number, per_page: 100, request }),
    );
    return data.map((f) => ({ path: f.filename, patch: f.patch ?? '' }));
  }

  async commit(repoURL: string, sha: string): Promise<CommitInfo> {
    const r = this.repo(repoURL);
    const { data } = await this.call(r, `read commit ${sha.slice(0, 7)}`, (octokit, request) =>
      octokit.git.getCommit({ ...r, commit_sha: sha, request }),
    );
    return {
      sha: data.sha,
      message: data.message,
      author: `${data.author.name} <${data.author.email}>`,
      date: data.author.date,
      parents: data.parents.map((p) => p.sha),
    };
  }

  async changedFiles(repoURL: string, sha: string): Promise<ChangedFile[]> {
    const r = this.repo(repoURL);
    const { data } = await this.call(r, `read the files of commit ${sha.slice(0, 7)}`, (octokit, request) =>
      octokit.repos.getCommit({ ...r, ref: sha, request }),
    );
    return (data.files ?? []).map((f) => ({
      path: f.filename,
      status: (['added', 'modified', 'removed', 'renamed'] as const).find((x) => x === f.status) ?? 'other',
      ...(f.previous_filename ? { previousPath: f.previous_filename } : {}),
    }));
  }

  async commitsTouching(
    repoURL: string,
    opts: { ref: string; path: string; limit: number },
  ): Promise<CommitInfo[]> {
    const r = this.repo(repoURL);
    const { data } = await this.call(r, `list the commits of ${opts.path || '/'}`, (octokit, request) =>
      octokit.repos.listCommits({
        ...r,
        sha: opts.ref,
        ...(opts.path ? { path: opts.path } : {}),
        per_page: Math.min(100, opts.limit),
        request,
      }),
    );
    return data.map((c) => ({
      sha: c.sha,
      message: c.commit.message,
      author: `${c.commit.author?.name ?? '?'} <${c.commit.author?.email ?? '?'}>`,
      date: c.commit.author?.date ?? c.commit.committer?.date ?? '',
      parents: c.parents.map((p) => p.sha),
    }));
  }

  /**
   * The head's checks — commit statuses and check runs, newest of each name — with those the base
   * branch's protection requires (readable on the branch with read access: `GET /branches/{b}`'s
   * `protection.required_status_checks.contexts`), and `mergeable_state` for the rest: `dirty`
   * (conflicts), `draft`, `behind`, `blocked` (protection wants more than checks, e.g. reviews).
   */
  async mergeReadiness(repoURL: string, number: number): Promise<MergeReadiness> {
    const r = this.repo(repoURL);
    const { data: pr } = await this.call(r, `read pull request #${number}`, (octokit, request) =>
      octokit.pulls.get({ ...r, pull_number: number, request }),
    );
    const ref = pr.head.sha;
    const [branch, rules, status, runs] = await Promise.all([
      this.call(r, `read branch ${pr.base.ref}`, (octokit, request) =>
        octokit.repos.getBranch({ ...r, branch: pr.base.ref, request }),
      ).catch(() => undefined),
      // Repository rulesets require checks too; classic protection is not among these rules.
      this.call(r, `read the rules of ${pr.base.ref}`, (octokit, request) =>
        octokit.repos.getBranchRules({ ...r, branch: pr.base.ref, per_page: 100, request }),
      ).catch(() => undefined),
      this.call(r, 'read commit statuses', (octokit, request) =>
        octokit.repos.getCombinedStatusForRef({ ...r, ref, per_page: 100, request }),
      ),
      // An App without the checks permission cannot list check runs: statuses are still read.
      this.call(r, 'read check runs', (octokit, request) =>
        octokit.checks.listForRef({ ...r, ref, filter: 'latest', per_page: 100, request }),
      ).catch(() => undefined),
    ]);
    const required = new Set([
      ...(branch?.data.protection?.required_status_checks?.contexts ?? []),
      ...(rules?.data ?? []).flatMap((rule) =>
        rule.type === 'required_status_checks'
          ? (rule.parameters?.required_status_checks.map((c) => c.context) ?? [])
          : [],
      ),
    ]);
    const checks = new Map<string, CheckResult>();
    const add = (name: string, state: CheckResult['state'], url: string | null | undefined) => {
      if (!checks.has(name))
        checks.set(name, { name, state, required: required.has(name), ...(url ? { url } : {}) });
    };
    for (const c of runs?.data.check_runs ?? [])
      add(
        c.name,
        c.status !== 'completed'
          ? 'pending'
          : ['success', 'neutral', 'skipped'].includes(c.conclusion ?? '')
            ? 'success'
            : 'failure',
        c.details_url ?? c.html_url,
      );
    for (const s of status.data.statuses)
      add(
        s.context,
        s.state === 'success' ? 'success' : s.state === 'pending' ? 'pending' : 'failure',
        s.target_url,
      );
    for (const name of required) add(name, 'expected', undefined);
    const all = [...checks.values()].sort(byRequiredThenName);
    const checksHold = all.some((c) => c.required && c.state !== 'success');
    const base = pr.base.ref;
    const blocked =
      pr.mergeable === false || pr.mergeable_state === 'dirty'
        ? `it conflicts with ${base}`
        : pr.draft || pr.mergeable_state === 'draft'
          ? 'it is a draft'
          : pr.mergeable_state === 'behind'
            ? `${base} has moved on and the branch must be brought up to date first`
            : pr.mergeable_state === 'blocked' && !checksHold
              ? `${this.name}'s branch protection or rules hold it (a review they want, or a rule deckhand cannot read)`
              : undefined;
    const computing = pr.state === 'open' && (pr.mergeable === null || pr.mergeable_state === 'unknown');
    return {
      headSha: ref,
      checks: all,
      ...(blocked ? { blocked } : {}),
      ...(computing ? { computing } : {}),
    };
  }
}
