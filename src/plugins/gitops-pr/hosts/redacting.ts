/**
 * Git as an exit: what deckhand writes in words — commit messages, pull request titles and bodies,
 * merge titles, comments — passes the one redaction step (core/redact.ts) on its way to the host;
 * a person's `--reason` may hold a pasted token. Branch names are not rewritten (a masked name
 * would not find its pull request again): one that holds a secret is refused.
 */
import { InputError } from '../../../core/errors.ts';
import type { Redactor } from '../../../core/redact.ts';
import type { GitHost } from './types.ts';

/** An HTML comment (not shown on the host) on every comment deckhand writes. */
export const DECKHAND_MARK = '<!-- deckhand -->';

export function redactingHost(host: GitHost, redactor: Redactor): GitHost {
  const text = (s: string) => redactor.text(s);
  const branch = (name: string) => {
    if (redactor.finds(name)) throw new InputError('deckhand refuses a branch name that holds a secret.');
    return name;
  };
  return {
    kind: host.kind,
    name: host.name,
    serves: (repoURL) => host.serves(repoURL),
    webUrl: (repoURL) => host.webUrl(repoURL),
    withSignal: (signal) => redactingHost(host.withSignal(signal), redactor),
    branchHead: (repoURL, b) => host.branchHead(repoURL, b),
    tree: (repoURL, ref) => host.tree(repoURL, ref),
    commitFiles: (repoURL, opts) =>
      host.commitFiles(repoURL, { ...opts, branch: branch(opts.branch), message: text(opts.message) }),
    deleteBranch: (repoURL, b) => host.deleteBranch(repoURL, b),
    findOpenPullRequest: (repoURL, head) => host.findOpenPullRequest(repoURL, head),
    listPullRequests: (repoURL, opts) => host.listPullRequests(repoURL, opts),
    openPullRequest: (repoURL, opts) =>
      host.openPullRequest(repoURL, {
        ...opts,
        head: branch(opts.head),
        title: text(opts.title),
        body: text(opts.body),
        ...(opts.labels ? { labels: opts.labels.map(text) } : {}),
      }),
    getPullRequest: (repoURL, n) => host.getPullRequest(repoURL, n),
    mergePullRequest: (repoURL, n, opts) =>
      host.mergePullRequest(repoURL, n, {
        ...opts,
        ...(opts.title ? { title: text(opts.title) } : {}),
        ...(opts.message ? { message: text(opts.message) } : {}),
      }),
    closePullRequest: (repoURL, n) => host.closePullRequest(repoURL, n),
    // Marked as deckhand's, so the host's webhook telling of it is not taken for a person's.
    comment: (repoURL, n, body) => host.comment(repoURL, n, `${text(body)}\n\n${DECKHAND_MARK}`),
    pullRequestDiff: (repoURL, n) => host.pullRequestDiff(repoURL, n),
    commit: (repoURL, sha) => host.commit(repoURL, sha),
    changedFiles: (repoURL, sha) => host.changedFiles(repoURL, sha),
    commitsTouching: (repoURL, opts) => host.commitsTouching(repoURL, opts),
    mergeReadiness: (repoURL, n) => host.mergeReadiness(repoURL, n),
  };
}
