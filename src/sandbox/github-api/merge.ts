/**
 * Whether a pull request can merge, and merging it for real: `git merge-tree` decides conflicts,
 * the merge (two parents) or squash (one parent) commit is written with git plumbing, and the
 * base branch moves with compare-and-swap through moveBranch, so the reconciler follows and a
 * base that moved meanwhile is refused rather than overwritten.
 */
import { GitHubError, identity, invalid, type Ctx, type RepoCtx } from './api.ts';
import { commitCount, pullFiles } from './diff.ts';
import { PASSING, protectionRefusal } from './protection.ts';
import { checkRuns, combined } from './routes-checks.ts';
import type { PullDetail } from './shapes-pulls.ts';
import type { PullRecord } from './state.ts';

export const NOT_MERGEABLE = 'Pull Request is not mergeable';

/** An open pull request follows its branches; a closed one keeps the tips it had when it closed. */
export async function refresh(c: RepoCtx, pr: PullRecord, known?: Map<string, string>): Promise<void> {
  if (pr.state !== 'open') return;
  const branches = known ?? (await c.repo.git.branches());
  pr.headSha = branches.get(pr.head) ?? pr.headSha;
  pr.baseSha = branches.get(pr.base) ?? pr.baseSha;
}

export async function detail(c: RepoCtx, pr: PullRecord): Promise<PullDetail> {
  await refresh(c, pr);
  const dir = c.repo.git.dir;
  const open = pr.state === 'open';
  // Independent git runs, in parallel: this answers every pull request read.
  const [files, commits, merge] = await Promise.all([
    pullFiles(dir, pr.baseSha, pr.headSha),
    commitCount(dir, pr.baseSha, pr.headSha),
    open ? c.repo.git.mergeTree(pr.baseSha, pr.headSha) : undefined,
  ]);
  let mergeable: boolean | null = null;
  let state = 'unknown';
  if (merge) {
    mergeable = merge.conflicts.length === 0;
    // GitHub's mergeable_state: conflicts, a draft, protection not met (blocked), other checks
    // not passing (unstable), else clean.
    const statuses = combined(c, pr.headSha);
    const runs = checkRuns(c, pr.headSha);
    const othersOpen =
      (statuses.latest.length > 0 && statuses.state !== 'success') ||
      runs.some((r) => r.status !== 'completed' || !PASSING.has(r.conclusion ?? ''));
    state = !mergeable
      ? 'dirty'
      : pr.draft
        ? 'draft'
        : protectionRefusal(c, pr, pr.headSha)
          ? 'blocked'
          : othersOpen
            ? 'unstable'
            : 'clean';
  }
  return {
    mergeable,
    mergeableState: state,
    commits,
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
    changedFiles: files.length,
    comments: c.state.comments.filter((x) => x.issue === pr.number).length,
  };
}

export interface MergeRequest {
  sha?: string;
  merge_method?: string;
  commit_title?: string;
  commit_message?: string;
}

async function squashMessage(c: RepoCtx, pr: PullRecord, from: string): Promise<string> {
  const shas = await c.repo.git.log(`${from}..${pr.headSha}`, undefined, 250);
  const messages = await Promise.all(
    shas.reverse().map(async (s) => (await c.repo.git.commit(s))?.message ?? ''),
  );
  return messages.map((m) => `* ${m.trim()}`).join('\n\n');
}

/** Merge under the repository lock; returns the new base tip. */
export function mergePull(c: Ctx, pr: PullRecord, req: MergeRequest): Promise<string> {
  return c.store.lock(c.links.full.toLowerCase(), async () => {
    const method = req.merge_method ?? 'merge';
    if (!['merge', 'squash', 'rebase'].includes(method))
      throw invalid({ resource: 'PullRequest', field: 'merge_method', code: 'invalid' });
    if (method === 'rebase') throw new GitHubError(405, 'Rebase merges are not allowed on this repository.');
    if (pr.state !== 'open' || pr.draft) throw new GitHubError(405, NOT_MERGEABLE);
    const branches = await c.repo.git.branches();
    const head = branches.get(pr.head);
    const base = branches.get(pr.base);
    if (!head || !base) throw new GitHubError(405, NOT_MERGEABLE);
    if (req.sha !== undefined && req.sha !== head)
      throw new GitHubError(409, 'Head branch was modified. Review and try the merge again.');
    const { tree, conflicts } = await c.repo.git.mergeTree(base, head);
    if (!tree || conflicts.length) throw new GitHubError(405, NOT_MERGEABLE);
    const held = protectionRefusal(c, pr, head);
    if (held) throw new GitHubError(405, held);
    const now = c.now();
    const githubCommitter = { name: 'GitHub', email: 'noreply@github.com', date: now };
    pr.headSha = head;
    let title: string;
    let message: string;
    let parents: string[];
    let author = identity(c.login, now);
    if (method === 'squash') {
      title = req.commit_title ?? `${pr.title} (#${pr.number})`;
      message = req.commit_message ?? (await squashMessage(c, pr, base));
      parents = [base];
      // A squash commit is credited to the pull request's author, as on GitHub.
      author = identity(pr.user, now);
    } else {
      title =
        req.commit_title ?? `Merge pull request #${pr.number} from ${c.links.full.split('/')[0]}/${pr.head}`;
      message = req.commit_message ?? pr.title;
      parents = [base, head];
    }
    const sha = await c.repo.git.commitTree(
      tree,
      parents,
      message ? `${title}\n\n${message}` : title,
      author,
      githubCommitter,
    );
    if (!(await c.repo.moveBranch(pr.base, sha, base)))
      throw new GitHubError(405, 'Base branch was modified. Review and try the merge again.');
    // GitHub signs the merge commits it writes.
    (c.state.signed ??= []).push(sha);
    Object.assign(pr, {
      state: 'closed',
      baseSha: base,
      mergedAt: now,
      closedAt: now,
      updatedAt: now,
      mergeCommitSha: sha,
      mergedBy: c.login,
    } satisfies Partial<PullRecord>);
    c.store.save();
    return sha;
  });
}
