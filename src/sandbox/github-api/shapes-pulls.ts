/**
 * GitHub-shaped JSON for pull requests (the full and the list form), issue comments and reviews.
 */
import { label, nodeId, user, type Links, type RepoShape, type S } from './shapes.ts';
import type { CommentRecord, LabelRecord, PullRecord, ReviewRecord } from './state.ts';

export interface PullView {
  rec: PullRecord;
  repo: RepoShape;
  labels: LabelRecord[];
}

type Common = Omit<S['pull-request'], FullOnly>;
type FullOnly =
  | 'merged'
  | 'mergeable'
  | 'rebaseable'
  | 'mergeable_state'
  | 'merged_by'
  | 'comments'
  | 'review_comments'
  | 'maintainer_can_modify'
  | 'commits'
  | 'additions'
  | 'deletions'
  | 'changed_files';

function common(v: PullView, l: Links): Common {
  const { rec } = v;
  const self = `${l.repoApi}/pulls/${rec.number}`;
  const issue = `${l.repoApi}/issues/${rec.number}`;
  const html = `${l.repoWeb}/pull/${rec.number}`;
  const owner = user(v.repo.owner.login, l);
  const side = (ref: string, sha: string) => ({
    label: `${owner.login}:${ref}`,
    ref,
    repo: v.repo,
    sha,
    user: owner,
  });
  return {
    url: self,
    id: rec.id,
    node_id: nodeId('PR', rec.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issue,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${l.repoApi}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`,
    statuses_url: `${l.repoApi}/statuses/${rec.headSha}`,
    number: rec.number,
    state: rec.state,
    locked: false,
    title: rec.title,
    user: user(rec.user, l),
    body: rec.body,
    labels: v.labels.map((x) => label(x, l)),
    milestone: null,
    created_at: rec.createdAt,
    updated_at: rec.updatedAt,
    closed_at: rec.closedAt,
    merged_at: rec.mergedAt,
    merge_commit_sha: rec.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(rec.head, rec.headSha),
    base: side(rec.base, rec.baseSha),
    _links: {
      self: { href: self },
      html: { href: html },
      issue: { href: issue },
      comments: { href: `${issue}/comments` },
      review_comments: { href: `${self}/comments` },
      review_comment: { href: `${l.repoApi}/pulls/comments{/number}` },
      commits: { href: `${self}/commits` },
      statuses: { href: `${l.repoApi}/statuses/${rec.headSha}` },
    },
    author_association: 'OWNER',
    auto_merge: null,
    draft: rec.draft,
  };
}

/** The list form (GET /pulls): no mergeability or size fields. */
export function pullSimple(v: PullView, l: Links): S['pull-request-simple'] {
  const c = common(v, l);
  // The schema types a label description as string, but GitHub sends null for labels without one.
  return { ...c, labels: c.labels as S['pull-request-simple']['labels'], requested_teams: [] };
}

export interface PullDetail {
  mergeable: boolean | null;
  mergeableState: string;
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
  comments: number;
}

export function pull(v: PullView, d: PullDetail, l: Links): S['pull-request'] {
  return {
    ...common(v, l),
    merged: v.rec.mergedAt !== null,
    mergeable: d.mergeable,
    rebaseable: false,
    mergeable_state: d.mergeableState,
    merged_by: v.rec.mergedBy ? user(v.rec.mergedBy, l) : null,
    comments: d.comments,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: d.commits,
    additions: d.additions,
    deletions: d.deletions,
    changed_files: d.changedFiles,
  };
}

export function comment(rec: CommentRecord, l: Links): S['issue-comment'] {
  return {
    id: rec.id,
    node_id: nodeId('IC', rec.id),
    url: `${l.repoApi}/issues/comments/${rec.id}`,
    html_url: `${l.repoWeb}/pull/${rec.issue}#issuecomment-${rec.id}`,
    body: rec.body,
    user: user(rec.user, l),
    created_at: rec.createdAt,
    updated_at: rec.updatedAt,
    issue_url: `${l.repoApi}/issues/${rec.issue}`,
    author_association: 'OWNER',
  };
}

export function review(rec: ReviewRecord, l: Links): S['pull-request-review'] {
  const html = `${l.repoWeb}/pull/${rec.pull}#pullrequestreview-${rec.id}`;
  const pr = `${l.repoApi}/pulls/${rec.pull}`;
  return {
    id: rec.id,
    node_id: nodeId('PRR', rec.id),
    user: user(rec.user, l),
    body: rec.body,
    state: rec.state,
    html_url: html,
    pull_request_url: pr,
    _links: { html: { href: html }, pull_request: { href: pr } },
    // A pending review has not been submitted, so GitHub leaves submitted_at out.
    ...(rec.submittedAt ? { submitted_at: rec.submittedAt } : {}),
    commit_id: rec.commitId,
    author_association: 'OWNER',
  };
}
