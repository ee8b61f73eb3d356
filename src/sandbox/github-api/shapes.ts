/**
 * GitHub-shaped JSON for users, repositories and labels (pull requests are in shapes-pulls.ts),
 * typed by @octokit/openapi-types so a field GitHub requires cannot be forgotten. `url` fields point at
 * this server, `html_url` fields at the web address the bot links to in chat.
 */
import { createHash } from 'node:crypto';
import type { components } from '@octokit/openapi-types';
import type { SandboxRepo } from '../gitrepo/repos.ts';
import type { LabelRecord } from './state.ts';

export type S = components['schemas'];
export type RepoShape = S['full-repository'] & S['repository'];

/** Where things live: the API base of this server and the web base for html_url. */
export class Links {
  readonly api: string;
  readonly web: string;
  readonly full: string;
  constructor(api: string, web: string, owner: string, name: string) {
    this.api = api;
    this.web = web;
    this.full = `${owner}/${name}`;
  }
  get repoApi(): string {
    return `${this.api}/repos/${this.full}`;
  }
  get repoWeb(): string {
    return `${this.web}/${this.full}`;
  }
}

/** A stable numeric id for things that have no record (users, repositories). */
export const hashId = (s: string): number =>
  parseInt(createHash('sha1').update(s).digest('hex').slice(0, 7), 16);
export const nodeId = (prefix: string, id: number): string =>
  `${prefix}_${Buffer.from(`0:${id}`).toString('base64url')}`;

export function user(login: string, l: Links): S['simple-user'] {
  const id = hashId(`user:${login.toLowerCase()}`);
  const u = `${l.api}/users/${login}`;
  return {
    login,
    id,
    node_id: nodeId('U', id),
    avatar_url: `${l.web}/${login}.png`,
    gravatar_id: '',
    url: u,
    html_url: `${l.web}/${login}`,
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type: 'User',
    site_admin: false,
    user_view_type: 'public',
  };
}

export function repository(
  repo: SandboxRepo,
  l: Links,
  info: { createdAt: string; pushedAt: string; openIssues: number },
): RepoShape {
  const r = l.repoApi;
  const id = hashId(`repo:${l.full.toLowerCase()}`);
  return {
    id,
    node_id: nodeId('R', id),
    name: repo.path.name,
    full_name: l.full,
    owner: user(repo.path.owner, l),
    private: false,
    html_url: l.repoWeb,
    description: null,
    fork: false,
    url: r,
    archive_url: `${r}/{archive_format}{/ref}`,
    assignees_url: `${r}/assignees{/user}`,
    blobs_url: `${r}/git/blobs{/sha}`,
    branches_url: `${r}/branches{/branch}`,
    collaborators_url: `${r}/collaborators{/collaborator}`,
    comments_url: `${r}/comments{/number}`,
    commits_url: `${r}/commits{/sha}`,
    compare_url: `${r}/compare/{base}...{head}`,
    contents_url: `${r}/contents/{+path}`,
    contributors_url: `${r}/contributors`,
    deployments_url: `${r}/deployments`,
    downloads_url: `${r}/downloads`,
    events_url: `${r}/events`,
    forks_url: `${r}/forks`,
    git_commits_url: `${r}/git/commits{/sha}`,
    git_refs_url: `${r}/git/refs{/sha}`,
    git_tags_url: `${r}/git/tags{/sha}`,
    git_url: `git://${repo.path.host}/${l.full}.git`,
    issue_comment_url: `${r}/issues/comments{/number}`,
    issue_events_url: `${r}/issues/events{/number}`,
    issues_url: `${r}/issues{/number}`,
    keys_url: `${r}/keys{/key_id}`,
    labels_url: `${r}/labels{/name}`,
    languages_url: `${r}/languages`,
    merges_url: `${r}/merges`,
    milestones_url: `${r}/milestones{/number}`,
    notifications_url: `${r}/notifications{?since,all,participating}`,
    pulls_url: `${r}/pulls{/number}`,
    releases_url: `${r}/releases{/id}`,
    ssh_url: `git@${repo.path.host}:${l.full}.git`,
    stargazers_url: `${r}/stargazers`,
    statuses_url: `${r}/statuses/{sha}`,
    subscribers_url: `${r}/subscribers`,
    subscription_url: `${r}/subscription`,
    tags_url: `${r}/tags`,
    teams_url: `${r}/teams`,
    trees_url: `${r}/git/trees{/sha}`,
    clone_url: `${l.repoWeb}.git`,
    mirror_url: null,
    hooks_url: `${r}/hooks`,
    svn_url: l.repoWeb,
    homepage: null,
    language: null,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 0,
    default_branch: repo.defaultBranch,
    open_issues_count: info.openIssues,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'public',
    pushed_at: info.pushedAt,
    created_at: info.createdAt,
    updated_at: info.pushedAt,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    // Rebase merges would need a cherry-pick merge-tree newer than the git the sandbox may find.
    allow_rebase_merge: false,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_update_branch: false,
    allow_forking: true,
    web_commit_signoff_required: false,
    subscribers_count: 0,
    network_count: 0,
    license: null,
    forks: 0,
    open_issues: info.openIssues,
    watchers: 0,
  };
}

export function label(rec: LabelRecord, l: Links): S['label'] {
  return {
    id: rec.id,
    node_id: nodeId('LA', rec.id),
    url: `${l.repoApi}/labels/${encodeURIComponent(rec.name)}`,
    name: rec.name,
    description: rec.description,
    color: rec.color,
    default: false,
  };
}
