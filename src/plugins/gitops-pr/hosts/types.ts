/**
 * What deckhand needs from a Git host (GitHub, GitLab): read a repository's files at a ref, put
 * one commit with several files on a new branch, and manage the pull (merge) request for it.
 * Each provider turns its API's refusals into deckhand errors that say what the host said.
 */
export interface FileTree {
  /** File content at the tree's ref, or undefined when there is no such file. */
  read(path: string): Promise<string | undefined>;
  /** Entries directly under a directory ('' for the root): file and directory names. */
  list(dir: string): Promise<string[]>;
}

export interface FileChange {
  path: string;
  /** New content; null deletes the file. */
  content: string | null;
}

export type PullState = 'open' | 'closed' | 'merged';

export interface PullRequest {
  number: number;
  url: string;
  title: string;
  body?: string;
  state: PullState;
  headBranch: string;
  baseBranch: string;
  headSha: string;
  author?: string;
  /** true/false once the host has computed it; null while it is still computing. */
  mergeable?: boolean | null;
  /** Why it cannot be merged, in the host's words, when known. */
  blockedReason?: string;
  mergeSha?: string;
  /** Who merged it, when it is merged and the host says. */
  mergedBy?: string;
  labels?: string[];
  createdAt?: string;
}

export interface CommitInfo {
  sha: string;
  message: string;
  author: string;
  date: string;
  parents: string[];
}

/** A file a commit changed (against its first parent). */
export interface ChangedFile {
  path: string;
  status: 'added' | 'modified' | 'removed' | 'renamed' | 'other';
  /** Where a renamed file was before. */
  previousPath?: string;
}

/** One check on a pull request's head: a commit status or check run, or a required one not yet reported. */
export interface CheckResult {
  name: string;
  /** `expected`: required by the base branch's protection, and nothing has reported it yet. */
  state: 'expected' | 'pending' | 'success' | 'failure';
  /** Whether the host holds the merge back until it passes (branch protection, "pipelines must succeed"). */
  required: boolean;
  url?: string;
}

/** The order checks are shown in: those that hold the merge first, then by name. */
export const byRequiredThenName = (a: CheckResult, b: CheckResult): number =>
  Number(b.required) - Number(a.required) || a.name.localeCompare(b.name);

/** What stands between a pull request and its merge, as the host says. */
export interface MergeReadiness {
  /** The head the answer is about. */
  headSha: string;
  checks: CheckResult[];
  /** Why the host will not merge besides checks (conflicts, a review it wants, a draft), in words. */
  blocked?: string;
  /** The host is still working out whether it can merge: ask again shortly. */
  computing?: boolean;
}

export interface GitHost {
  readonly kind: 'github' | 'gitlab';
  /** The configured name of this host entry, for messages. */
  readonly name: string;
  /** Whether this host serves the repository (by URL). */
  serves(repoURL: string): boolean;
  /** The web URL of the repository (for links). */
  webUrl(repoURL: string): string;
  /**
   * The same host, whose requests stop once `signal` fires: in flight where the client allows it,
   * and none starts after. For work whose caller has stopped waiting (a diagnosis past its budget).
   */
  withSignal(signal: AbortSignal): GitHost;
  branchHead(repoURL: string, branch: string): Promise<string>;
  tree(repoURL: string, ref: string): Promise<FileTree>;
  /**
   * One commit with all changes on top of `baseSha`, on `branch`. The branch is created; or kept
   * as it is when it already holds this very change (same files on the same base: a second
   * proposer of the same change pushes nothing); or moved when it holds something else and no
   * open pull request uses it (a leftover). A branch an open pull request uses is never moved:
   * that throws BranchInUseError.
   */
  commitFiles(
    repoURL: string,
    opts: {
      branch: string;
      baseSha: string;
      message: string;
      changes: FileChange[];
      author?: { name: string; email: string };
    },
  ): Promise<{ sha: string; branch: 'created' | 'kept' | 'moved' }>;
  /** Remove a branch deckhand made (a proposal whose pull request could not be opened). */
  deleteBranch(repoURL: string, branch: string): Promise<void>;
  findOpenPullRequest(repoURL: string, headBranch: string): Promise<PullRequest | undefined>;
  listPullRequests(
    repoURL: string,
    opts: { state: 'open' | 'all'; headPrefix?: string },
  ): Promise<PullRequest[]>;
  openPullRequest(
    repoURL: string,
    opts: { head: string; base: string; title: string; body: string; labels?: string[] },
  ): Promise<PullRequest>;
  getPullRequest(repoURL: string, number: number): Promise<PullRequest>;
  /** Merge at exactly `sha` (the head that was approved); the host refuses if the branch moved. */
  mergePullRequest(
    repoURL: string,
    number: number,
    /** `message`: the merge commit's body (its trailers name who asked and who approved). */
    opts: { sha: string; method: 'merge' | 'squash'; title?: string; message?: string },
  ): Promise<{ sha: string }>;
  closePullRequest(repoURL: string, number: number): Promise<void>;
  comment(repoURL: string, number: number, body: string): Promise<void>;
  pullRequestDiff(repoURL: string, number: number): Promise<{ path: string; patch: string }[]>;
  commit(repoURL: string, sha: string): Promise<CommitInfo>;
  /** The files a commit changed, against its first parent. */
  changedFiles(repoURL: string, sha: string): Promise<ChangedFile[]>;
  /** Commits reachable from `ref` that touch `path` (a file or a directory), newest first. */
  commitsTouching(repoURL: string, opts: { ref: string; path: string; limit: number }): Promise<CommitInfo[]>;
  /** The checks on an open pull request's head and what else holds its merge back. */
  mergeReadiness(repoURL: string, number: number): Promise<MergeReadiness>;
}
