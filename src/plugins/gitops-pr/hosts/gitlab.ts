/**
 * GitLab (gitlab.com and self-managed) through @gitbeaker/rest: one commit with several actions
 * on a new branch, merge requests for review and merge, GitLab's own revert.
 */
import type { Gitlab } from '@gitbeaker/rest';
import { InputError, NotFoundError } from '../../../core/errors.ts';
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

export interface GitLabHostConfig {
  name: string;
  host: string;
  apiUrl: string;
  token: string;
  timeoutMs: number;
  /** The configuration key of the token, for messages about a refused credential. */
  credential?: string;
}

/** The merge request fields deckhand reads (snake_case, as the API sends them). */
interface MR {
  iid: number;
  /** Who merged it (GitLab's merge request API: merged_by, or merge_user on newer versions). */
  merged_by?: { username?: string } | null;
  merge_user?: { username?: string } | null;
  web_url: string;
  title: string;
  description?: string | null;
  state: string;
  source_branch: string;
  target_branch: string;
  sha: string;
  author?: { username?: string };
  merge_status?: string;
  detailed_merge_status?: string;
  merge_commit_sha?: string | null;
  squash_commit_sha?: string | null;
  labels?: string[];
  created_at?: string;
}

const toPull = (m: MR): PullRequest => ({
  number: m.iid,
  url: m.web_url,
  title: m.title,
  body: m.description ?? undefined,
  state: m.state === 'merged' ? 'merged' : m.state === 'opened' ? 'open' : 'closed',
  headBranch: m.source_branch,
  baseBranch: m.target_branch,
  headSha: m.sha,
  author: m.author?.username,
  mergeable:
    m.detailed_merge_status === 'mergeable'
      ? true
      : m.detailed_merge_status === 'checking' || m.detailed_merge_status === 'unchecked'
        ? null
        : m.detailed_merge_status
          ? false
          : m.merge_status === 'can_be_merged'
            ? true
            : null,
  blockedReason:
    m.detailed_merge_status && m.detailed_merge_status !== 'mergeable' ? m.detailed_merge_status : undefined,
  mergeSha: m.state === 'merged' ? (m.merge_commit_sha ?? m.squash_commit_sha ?? undefined) : undefined,
  mergedBy: m.state === 'merged' ? (m.merge_user?.username ?? m.merged_by?.username ?? undefined) : undefined,
  labels: m.labels,
  createdAt: m.created_at,
});

/** gitbeaker errors carry the HTTP response in `cause`; give them the shape hostError reads. */
function normalize(e: unknown): unknown {
  const cause = (e as { cause?: { response?: Response; description?: string } }).cause;
  if (cause?.response instanceof Response) {
    return {
      status: cause.response.status,
      message: cause.description,
      response: { data: { message: cause.description } },
    };
  }
  return e;
}

// gitbeaker's generated types are very wide; deckhand reads the few fields it needs.
type GitlabApi = InstanceType<typeof Gitlab<false>>;

export class GitLabHost implements GitHost {
  readonly kind = 'gitlab' as const;
  readonly name: string;
  private readonly who: HostIdent;
  private readonly host: string;
  private readonly lazy: { client?: GitlabApi; loading?: Promise<GitlabApi> } = {};
  private readonly options: { host: string; token: string; queryTimeout: number };
  private readonly timeoutMs: number;
  /** Set on a host made by withSignal. */
  private signal?: AbortSignal;

  constructor(cfg: GitLabHostConfig) {
    this.name = cfg.name;
    this.who = { name: cfg.name, credential: cfg.credential };
    this.host = cfg.host.toLowerCase();
    this.timeoutMs = cfg.timeoutMs;
    this.options = { host: cfg.apiUrl, token: cfg.token, queryTimeout: cfg.timeoutMs };
  }

  /** The client, once call() has loaded it (@gitbeaker/rest loads on first use, like Octokit). */
  private get api(): GitlabApi {
    if (!this.lazy.client) throw new Error('GitLabHost: the client is used before call() loaded it');
    return this.lazy.client;
  }

  withSignal(signal: AbortSignal): GitHost {
    const scoped = Object.create(this) as GitLabHost;
    scoped.signal = signal;
    return scoped;
  }

  serves(repoURL: string): boolean {
    return parseRepoUrl(repoURL)?.host === this.host;
  }

  webUrl(repoURL: string): string {
    const r = parseRepoUrl(repoURL);
    return r ? `https://${r.host}/${r.path}` : repoURL;
  }

  private project(repoURL: string): string {
    const r = parseRepoUrl(repoURL);
    if (!r) throw new InputError(`${repoURL} is not a GitLab repository URL.`);
    return r.path;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      // gitbeaker takes no per-call signal (its own is the query timeout): no request starts
      // once the caller's signal fired, and one in flight is left to its timeout.
      this.signal?.throwIfAborted();
      if (!this.lazy.client) {
        this.lazy.loading ??= import('@gitbeaker/rest').then(({ Gitlab }) => new Gitlab(this.options));
        this.lazy.client = await this.lazy.loading;
      }
      return await fn();
    } catch (e) {
      throw hostError(this.who, what, normalize(e), this.timeoutMs);
    }
  }

  async branchHead(repoURL: string, branch: string): Promise<string> {
    const p = this.project(repoURL);
    const b = (await this.call(`read branch ${branch}`, () => this.api.Branches.show(p, branch))) as {
      commit: { id: string };
    };
    return b.commit.id;
  }

  async tree(repoURL: string, ref: string): Promise<FileTree> {
    const p = this.project(repoURL);
    const entries = (await this.call(`read the tree at ${ref.slice(0, 12)}`, () =>
      this.api.Repositories.allRepositoryTrees(p, { ref, recursive: true, perPage: 100 }),
    )) as { path: string; type: string }[];
    const files = new Set<string>();
    const dirs = new Map<string, Set<string>>([['', new Set()]]);
    for (const e of entries) {
      const parent = e.path.includes('/') ? e.path.slice(0, e.path.lastIndexOf('/')) : '';
      if (!dirs.has(parent)) dirs.set(parent, new Set());
      dirs.get(parent)?.add(e.path.slice(parent ? parent.length + 1 : 0));
      if (e.type === 'blob') files.add(e.path);
      else dirs.set(e.path, dirs.get(e.path) ?? new Set());
    }
    const norm = (x: string) => x.replace(/^\.?\/+/, '').replace(/\/+$/, '');
    const cache = new Map<string, Promise<string>>();
    return {
      read: async (path) => {
        const n = norm(path);
        if (!files.has(n)) return undefined;
        let c = cache.get(n);
        if (!c) {
          c = this.call(`read ${n}`, () => this.api.RepositoryFiles.showRaw(p, n, ref)).then((x) =>
            typeof x === 'string' ? x : Buffer.from(x as unknown as ArrayBuffer).toString('utf8'),
          );
          cache.set(n, c);
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
    const p = this.project(repoURL);
    const base = await this.tree(repoURL, opts.baseSha);
    const actions = await Promise.all(
      opts.changes.map(async (c) => {
        const exists = (await base.read(c.path)) !== undefined;
        if (c.content === null) return { action: 'delete' as const, filePath: c.path };
        return {
          action: exists ? ('update' as const) : ('create' as const),
          filePath: c.path,
          content: c.content,
        };
      }),
    );
    // GitLab's commit API moves an existing branch with `force`; it must not move one an open
    // merge request uses. Without a content-addressed tree to compare at hand, a branch that
    // exists is kept when its head sits on the same base (the same change, proposed twice).
    const current = await this.branchHead(repoURL, opts.branch).catch((e: unknown) => {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    });
    if (current) {
      const open = await this.findOpenPullRequest(repoURL, opts.branch);
      if (open) throw new BranchInUseError(opts.branch, open.number);
      const there = await this.commit(repoURL, current);
      if (there.parents[0] === opts.baseSha && there.message === opts.message)
        return { sha: current, branch: 'kept' };
    }
    const commit = (await this.call('create the commit', () =>
      this.api.Commits.create(p, opts.branch, opts.message, actions, {
        startSha: opts.baseSha,
        force: true,
        ...(opts.author ? { authorName: opts.author.name, authorEmail: opts.author.email } : {}),
      }),
    )) as { id: string };
    return { sha: commit.id, branch: current ? 'moved' : 'created' };
  }

  async deleteBranch(repoURL: string, branch: string): Promise<void> {
    const p = this.project(repoURL);
    await this.call(`delete branch ${branch}`, () => this.api.Branches.remove(p, branch));
  }

  async findOpenPullRequest(repoURL: string, headBranch: string): Promise<PullRequest | undefined> {
    const p = this.project(repoURL);
    const list = (await this.call('list merge requests', () =>
      this.api.MergeRequests.all({ projectId: p, sourceBranch: headBranch, state: 'opened' }),
    )) as MR[];
    const m = list.find((x) => x.source_branch === headBranch);
    return m ? toPull(m) : undefined;
  }

  async listPullRequests(
    repoURL: string,
    opts: { state: 'open' | 'all'; headPrefix?: string },
  ): Promise<PullRequest[]> {
    const p = this.project(repoURL);
    const list = (await this.call('list merge requests', () =>
      this.api.MergeRequests.all({
        projectId: p,
        ...(opts.state === 'open' ? { state: 'opened' as const } : {}),
        perPage: 100,
        maxPages: 1,
      }),
    )) as MR[];
    return list.filter((m) => !opts.headPrefix || m.source_branch.startsWith(opts.headPrefix)).map(toPull);
  }

  async openPullRequest(
    repoURL: string,
    opts: { head: string; base: string; title: string; body: string; labels?: string[] },
  ): Promise<PullRequest> {
    const p = this.project(repoURL);
    const m = (await this.call('open the merge request', () =>
      this.api.MergeRequests.create(p, opts.head, opts.base, opts.title, {
        description: opts.body,
        ...(opts.labels?.length ? { labels: opts.labels.join(',') } : {}),
      }),
    )) as MR;
    return toPull(m);
  }

  async getPullRequest(repoURL: string, number: number): Promise<PullRequest> {
    const p = this.project(repoURL);
    return toPull(
      (await this.call(`read merge request !${number}`, () => this.api.MergeRequests.show(p, number))) as MR,
    );
  }

  async mergePullRequest(
    repoURL: string,
    number: number,
    opts: { sha: string; method: 'merge' | 'squash'; title?: string; message?: string },
  ): Promise<{ sha: string }> {
    const p = this.project(repoURL);
    try {
      const m = (await this.api.MergeRequests.accept(p, number, {
        sha: opts.sha,
        squash: opts.method === 'squash',
        // GitLab takes the whole message: the title, a blank line, the body. A squash makes a
        // merge commit too (unless the project fast-forwards): both carry it.
        ...(opts.title
          ? {
              mergeCommitMessage: opts.message ? `${opts.title}\n\n${opts.message}` : opts.title,
              ...(opts.method === 'squash'
                ? { squashCommitMessage: opts.message ? `${opts.title}\n\n${opts.message}` : opts.title }
                : {}),
            }
          : {}),
      })) as MR;
      return { sha: m.merge_commit_sha ?? m.squash_commit_sha ?? m.sha };
    } catch (e) {
      const n = normalize(e) as { status?: number; message?: string };
      if (n.status === 409)
        throw new HeadMovedError(
          `The branch of merge request !${number} moved after it was shown (${n.message ?? 'SHA does not match'}); nothing was merged.`,
        );
      if (n.status === 405 || n.status === 406 || n.status === 422) {
        throw new NotMergeableError(
          `${this.name} will not merge !${number}: ${n.message ?? 'not mergeable'}.`,
          {
            hint: 'Draft, conflicts, a failing pipeline or missing approvals; the merge request page says which.',
          },
        );
      }
      if (n.status === 401)
        throw new NotMergeableError(
          `${this.name} refused the merge of !${number}: deckhand may not push to the target branch.`,
        );
      throw hostError(this.who, `merge !${number}`, n);
    }
  }

  async closePullRequest(repoURL: string, number: number): Promise<void> {
    const p = this.project(repoURL);
    await this.call(`close !${number}`, () =>
      this.api.MergeRequests.edit(p, number, { stateEvent: 'close' }),
    );
  }

  async comment(repoURL: string, number: number, body: string): Promise<void> {
    const p = this.project(repoURL);
    await this.call(`comment on !${number}`, () => this.api.MergeRequestNotes.create(p, number, body));
  }

  async pullRequestDiff(repoURL: string, number: number): Promise<{ path: string; patch: string }[]> {
    const p = this.project(repoURL);
    const diffs = (await this.call(`read the changes of !${number}`, () =>
      this.api.MergeRequests.allDiffs(p, number),
    )) as {
      new_path: string;
      diff: string;
    }[];
    return diffs.map((d) => ({ path: d.new_path, patch: d.diff }));
  }

  async commit(repoURL: string, sha: string): Promise<CommitInfo> {
    const p = this.project(repoURL);
    const c = (await this.call(`read commit ${sha.slice(0, 7)}`, () => this.api.Commits.show(p, sha))) as {
      id: string;
      message: string;
      author_name: string;
      author_email: string;
      authored_date: string;
      parent_ids: string[];
    };
    return {
      sha: c.id,
      message: c.message,
      author: `${c.author_name} <${c.author_email}>`,
      date: c.authored_date,
      parents: c.parent_ids,
    };
  }

  async changedFiles(repoURL: string, sha: string): Promise<ChangedFile[]> {
    const p = this.project(repoURL);
    const diffs = (await this.call(`read the files of commit ${sha.slice(0, 7)}`, () =>
      this.api.Commits.showDiff(p, sha),
    )) as unknown as {
      new_path: string;
      old_path: string;
      new_file: boolean;
      deleted_file: boolean;
      renamed_file: boolean;
    }[];
    return diffs.map((d) => ({
      path: d.new_path,
      status: d.new_file ? 'added' : d.deleted_file ? 'removed' : d.renamed_file ? 'renamed' : 'modified',
      ...(d.renamed_file ? { previousPath: d.old_path } : {}),
    }));
  }

  async commitsTouching(
    repoURL: string,
    opts: { ref: string; path: string; limit: number },
  ): Promise<CommitInfo[]> {
    const p = this.project(repoURL);
    const list = (await this.call(`list the commits of ${opts.path || '/'}`, () =>
      this.api.Commits.all(p, {
        refName: opts.ref,
        ...(opts.path ? { path: opts.path } : {}),
        perPage: Math.min(100, opts.limit),
        maxPages: 1,
      }),
    )) as unknown as {
      id: string;
      message: string;
      author_name: string;
      author_email: string;
      authored_date: string;
      parent_ids: string[];
    }[];
    return list.map((c) => ({
      sha: c.id,
      message: c.message,
      author: `${c.author_name} <${c.author_email}>`,
      date: c.authored_date,
      parents: c.parent_ids ?? [],
    }));
  }

  /**
   * The head's commit statuses (one per CI job, and external ones), and `detailed_merge_status`
   * for the rest (GitLab's "Merge requests API": `ci_must_pass`/`ci_still_running` when the
   * project's "Pipelines must succeed" holds the merge for them; `conflict`, `draft_status`,
   * `need_rebase`, `not_approved`, `requested_changes`, `discussions_not_resolved`; `checking`,
   * `unchecked`, `preparing` and `approvals_syncing` while it works it out).
   */
  async mergeReadiness(repoURL: string, number: number): Promise<MergeReadiness> {
    const p = this.project(repoURL);
    const mr = (await this.call(`read merge request !${number}`, () =>
      this.api.MergeRequests.show(p, number),
    )) as MR & { head_pipeline?: { status?: string; web_url?: string } | null };
    const [statuses, project] = await Promise.all([
      this.call('read commit statuses', () => this.api.Commits.allStatuses(p, mr.sha)) as Promise<
        { name: string; status: string; target_url?: string | null; id: number; allow_failure?: boolean }[]
      >,
      // A token that may not read the project's settings still reads the rest.
      (
        this.call('read the project', () => this.api.Projects.show(p)) as Promise<{
          only_allow_merge_if_pipeline_succeeds?: boolean;
        }>
      ).catch(() => ({}) as { only_allow_merge_if_pipeline_succeeds?: boolean }),
    ]);
    const detailed = mr.detailed_merge_status ?? '';
    const ciHolds = detailed === 'ci_must_pass' || detailed === 'ci_still_running';
    // "Pipelines must succeed" holds the merge for every job but those allowed to fail.
    const mustPass = project.only_allow_merge_if_pipeline_succeeds === true || ciHolds;
    const checks = new Map<string, CheckResult>();
    // Newest first: a job retried reports again under the same name.
    for (const st of [...statuses].sort((a, b) => b.id - a.id)) {
      if (checks.has(st.name) || st.status === 'manual') continue;
      const state = ['success', 'skipped'].includes(st.status)
        ? 'success'
        : ['failed', 'canceled'].includes(st.status)
          ? 'failure'
          : 'pending';
      const required = mustPass && st.allow_failure !== true;
      checks.set(st.name, {
        name: st.name,
        state,
        required,
        ...(st.target_url ? { url: st.target_url } : {}),
      });
    }
    // GitLab still holds it for CI while every job says it passed (no pipeline yet, or the
    // pipeline's status not caught up with its jobs'): the pipeline itself is what it waits for.
    if (ciHolds && [...checks.values()].every((c) => !c.required || c.state === 'success'))
      checks.set('pipeline', {
        name: 'pipeline',
        // A pipeline that failed, or was canceled or skipped, will not pass by itself.
        state: ['failed', 'canceled', 'skipped'].includes(mr.head_pipeline?.status ?? '')
          ? 'failure'
          : mr.head_pipeline
            ? 'pending'
            : 'expected',
        required: true,
        ...(mr.head_pipeline?.web_url ? { url: mr.head_pipeline.web_url } : {}),
      });
    const words: Record<string, string> = {
      conflict: `it conflicts with ${mr.target_branch}`,
      draft_status: 'it is a draft',
      need_rebase: `${mr.target_branch} has moved on and the branch needs a rebase`,
      not_approved: `${this.name} wants approvals first (the project's approval rules)`,
      requested_changes: `a reviewer requested changes on ${this.name}`,
      discussions_not_resolved: 'its open discussions must be resolved first',
    };
    const computing = ['checking', 'unchecked', 'preparing', 'approvals_syncing'].includes(detailed);
    const blocked =
      words[detailed] ??
      (detailed && !computing && !ciHolds && detailed !== 'mergeable'
        ? `${this.name} will not merge it yet (${detailed.replace(/_/g, ' ')})`
        : undefined);
    return {
      headSha: mr.sha,
      checks: [...checks.values()].sort(byRequiredThenName),
      ...(blocked ? { blocked } : {}),
      ...(computing ? { computing } : {}),
    };
  }
}
