/**
 * GitHub-shaped JSON for Git data (refs, commits, trees, blobs), the contents API, branches,
 * changed files, commit statuses and check runs.
 */
import type { CommitInfo } from '../gitrepo/git.ts';
import type { FileDiff } from './diff.ts';
import { hashId, nodeId, user, type Links, type S } from './shapes.ts';
import type { CheckRunRecord, StatusRecord } from './state.ts';

/** GitHub sends base64 in lines of 60 characters, each ending in a newline. */
export const base64Lines = (b: Buffer): string =>
  (b.toString('base64').match(/.{1,60}/g) ?? []).map((x) => x + '\n').join('');

const unsigned = {
  verified: false,
  reason: 'unsigned',
  signature: null,
  payload: null,
  verified_at: null,
};

/**
 * GitHub signs the commits it makes itself (merges, an App's API commits without a custom author
 * or committer) and reports them verified. The sandbox writes no signature into the commit; it
 * reports what GitHub would.
 */
const verificationOf = (c: CommitInfo, signed: boolean) =>
  signed
    ? {
        verified: true,
        reason: 'valid',
        signature: '-----BEGIN PGP SIGNATURE-----\n(made by the sandbox GitHub)\n-----END PGP SIGNATURE-----',
        payload: `tree ${c.tree}\n`,
        verified_at: c.committer.date,
      }
    : unsigned;

export function ref(name: string, sha: string, type: string, l: Links): S['git-ref'] {
  const kind = type === 'tag' ? 'tags' : `${type}s`;
  return {
    ref: name,
    node_id: nodeId('REF', hashId(`${l.full}:${name}`)),
    url: `${l.repoApi}/git/${name}`,
    object: { type, sha, url: `${l.repoApi}/git/${kind}/${sha}` },
  };
}

export function gitCommit(c: CommitInfo, l: Links, signed = false): S['git-commit'] {
  return {
    sha: c.sha,
    node_id: nodeId('C', parseInt(c.sha.slice(0, 8), 16)),
    url: `${l.repoApi}/git/commits/${c.sha}`,
    html_url: `${l.repoWeb}/commit/${c.sha}`,
    author: c.author,
    committer: c.committer,
    message: c.message,
    tree: { sha: c.tree, url: `${l.repoApi}/git/trees/${c.tree}` },
    parents: c.parents.map((p) => ({
      sha: p,
      url: `${l.repoApi}/git/commits/${p}`,
      html_url: `${l.repoWeb}/commit/${p}`,
    })),
    verification: verificationOf(c, signed),
  };
}

/** The commit as the repos API shows it (GET /commits/{ref}, a branch's commit). */
export function repoCommit(c: CommitInfo, l: Links, signed = false): S['commit'] {
  return {
    url: `${l.repoApi}/commits/${c.sha}`,
    sha: c.sha,
    node_id: nodeId('C', parseInt(c.sha.slice(0, 8), 16)),
    html_url: `${l.repoWeb}/commit/${c.sha}`,
    comments_url: `${l.repoApi}/commits/${c.sha}/comments`,
    commit: {
      url: `${l.repoApi}/git/commits/${c.sha}`,
      author: c.author,
      committer: c.committer,
      message: c.message,
      comment_count: 0,
      tree: { sha: c.tree, url: `${l.repoApi}/git/trees/${c.tree}` },
      verification: verificationOf(c, signed),
    },
    // Commit authors are names and emails; the sandbox has no accounts to link them to.
    author: null,
    committer: null,
    parents: c.parents.map((p) => ({
      sha: p,
      url: `${l.repoApi}/commits/${p}`,
      html_url: `${l.repoWeb}/commit/${p}`,
    })),
  };
}

export interface TreeItem {
  path: string;
  mode: string;
  type: string;
  sha: string;
  size?: number;
}

export function tree(sha: string, items: TreeItem[], l: Links): S['git-tree'] {
  return {
    sha,
    url: `${l.repoApi}/git/trees/${sha}`,
    truncated: false,
    tree: items.map((i) => ({
      ...i,
      url: `${l.repoApi}/git/${i.type === 'tree' ? 'trees' : 'blobs'}/${i.sha}`,
    })),
  };
}

export function blob(sha: string, content: Buffer, l: Links): S['blob'] {
  return {
    sha,
    node_id: nodeId('B', parseInt(sha.slice(0, 8), 16)),
    size: content.length,
    url: `${l.repoApi}/git/blobs/${sha}`,
    content: base64Lines(content),
    encoding: 'base64',
  };
}

type Entry = S['content-directory'][number];

/** One entry of a directory listing; `ref` is what the caller asked for (kept in the urls). */
export function contentEntry(
  item: { path: string; sha: string; type: Entry['type']; size: number },
  ref: string,
  l: Links,
): Entry {
  const self = `${l.repoApi}/contents/${item.path}?ref=${encodeURIComponent(ref)}`;
  const git = `${l.repoApi}/git/${item.type === 'dir' ? 'trees' : 'blobs'}/${item.sha}`;
  const html = `${l.repoWeb}/${item.type === 'dir' ? 'tree' : 'blob'}/${ref}/${item.path}`;
  return {
    type: item.type,
    size: item.size,
    name: item.path.slice(item.path.lastIndexOf('/') + 1),
    path: item.path,
    sha: item.sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: item.type === 'file' ? `${l.web}/raw/${l.full}/${ref}/${item.path}` : null,
    _links: { self, git, html },
  };
}

export function contentFile(
  path: string,
  sha: string,
  content: Buffer,
  ref: string,
  l: Links,
): S['content-file'] {
  const e = contentEntry({ path, sha, type: 'file', size: content.length }, ref, l);
  return { ...e, type: 'file', encoding: 'base64', content: base64Lines(content) };
}

export function branch(
  name: string,
  c: CommitInfo,
  l: Links,
  protection: Pick<S['branch-with-protection'], 'protected' | 'protection'>,
): S['branch-with-protection'] {
  const self = `${l.repoApi}/branches/${encodeURIComponent(name)}`;
  return {
    name,
    commit: repoCommit(c, l),
    _links: { self, html: `${l.repoWeb}/tree/${name}` },
    ...protection,
    protection_url: `${self}/protection`,
  };
}

export function status(rec: StatusRecord, l: Links): S['status'] {
  return {
    url: `${l.repoApi}/statuses/${rec.sha}`,
    avatar_url: null,
    id: rec.id,
    node_id: nodeId('SC', rec.id),
    state: rec.state,
    description: rec.description,
    target_url: rec.targetUrl,
    context: rec.context,
    created_at: rec.createdAt,
    updated_at: rec.createdAt,
    creator: user(rec.creator, l),
  };
}

export function checkRun(rec: CheckRunRecord, l: Links): S['check-run'] {
  const url = `${l.repoApi}/check-runs/${rec.id}`;
  return {
    id: rec.id,
    head_sha: rec.headSha,
    node_id: nodeId('CR', rec.id),
    external_id: rec.externalId,
    url,
    html_url: `${l.repoWeb}/runs/${rec.id}`,
    details_url: rec.detailsUrl,
    status: rec.status,
    conclusion: rec.conclusion as S['check-run']['conclusion'],
    started_at: rec.startedAt,
    completed_at: rec.completedAt,
    output: {
      title: rec.title,
      summary: rec.summary,
      text: null,
      annotations_count: 0,
      annotations_url: `${url}/annotations`,
    },
    name: rec.name,
    check_suite: null,
    app: null,
    pull_requests: [],
  };
}

export function diffEntry(f: FileDiff, ref: string, l: Links): S['diff-entry'] {
  const path = f.filename.split('/').map(encodeURIComponent).join('/');
  return {
    sha: f.sha,
    filename: f.filename,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.additions + f.deletions,
    blob_url: `${l.repoWeb}/blob/${ref}/${path}`,
    raw_url: `${l.repoWeb}/raw/${ref}/${path}`,
    contents_url: `${l.repoApi}/contents/${path}?ref=${ref}`,
    ...(f.patch !== undefined ? { patch: f.patch } : {}),
    ...(f.previous !== undefined ? { previous_filename: f.previous } : {}),
  };
}
