/**
 * Repository-level reads: the repository itself, file contents (files base64, directories as
 * listings, the raw media type), branches and commits with their changed files.
 */
import { git } from '../gitrepo/git.ts';
import { GitHubError, isSigned, notFound, route, type Ctx, type RepoCtx, type Route } from './api.ts';
import { EMPTY_TREE, fileDiffs } from './diff.ts';
import { lsTree, treeOf } from './objects.ts';
import { paginate } from './paging.ts';
import { branchProtection } from './protection.ts';
import { repository, type RepoShape } from './shapes.ts';
import { branch, contentEntry, contentFile, diffEntry, repoCommit } from './shapes-git.ts';

/** The repository as pull requests embed it and GET /repos/{o}/{r} answers it. */
export async function repoShape(c: RepoCtx): Promise<RepoShape> {
  // When the default branch last moved: its head's committer date (one git run).
  const pushed = await git(c.repo.git.dir, [
    'log',
    '-1',
    '--format=%ct',
    `refs/heads/${c.repo.defaultBranch}`,
  ]).catch(() => '');
  return repository(c.repo, c.links, {
    createdAt: c.state.createdAt,
    pushedAt: pushed.trim()
      ? new Date(Number(pushed.trim()) * 1000).toISOString().replace('.000Z', 'Z')
      : c.state.createdAt,
    openIssues: c.state.pulls.filter((p) => p.state === 'open').length,
  });
}

/** A commit named by a ref (branch, tag, sha) or GitHub's 404/422 for an unknown one. */
export async function commitFor(c: RepoCtx, ref: string, status = 422): Promise<string> {
  const sha = await c.repo.git.resolve(ref);
  if (!sha) throw new GitHubError(status, `No commit found for SHA: ${ref}`);
  return sha;
}

const wantsRaw = (c: Ctx) => /application\/vnd\.github(\.v3)?\.raw/.test(c.req.headers.accept ?? '');

async function contents(c: Ctx, rawPath: string): Promise<void> {
  const ref = c.url.searchParams.get('ref') || c.repo.defaultBranch;
  const sha = await c.repo.git.resolve(ref);
  if (!sha) throw new GitHubError(404, `No commit found for the ref ${ref}`);
  const path = rawPath.replace(/^\/+|\/+$/g, '');
  const root = (await treeOf(c, sha)) as string;
  const entry = path ? (await lsTree(c, root, false, path)).find((e) => e.path === path) : undefined;
  if (path && !entry) throw notFound();
  if (entry && entry.type === 'blob') {
    const content = (await c.repo.git.blob(entry.sha)) ?? Buffer.alloc(0);
    if (wantsRaw(c)) {
      c.res.writeHead(200, {
        'content-type': 'application/vnd.github.raw; charset=utf-8',
        'content-length': content.length,
      });
      c.res.end(content);
      return;
    }
    return c.send(200, contentFile(path, entry.sha, content, ref, c.links));
  }
  const dir = entry ? entry.sha : root;
  const items = await lsTree(c, dir, false);
  c.send(
    200,
    items.map((i) =>
      contentEntry(
        {
          path: path ? `${path}/${i.path}` : i.path,
          sha: i.sha,
          type: i.type === 'tree' ? 'dir' : i.type === 'commit' ? 'submodule' : 'file',
          size: i.size ?? 0,
        },
        ref,
        c.links,
      ),
    ),
  );
}

/**
 * `GET /repos/{owner}/{repo}/commits`: commits reachable from `sha` (a sha or branch; the default
 * branch when absent), newest first, only those that touch `path` when given (a file or a
 * directory, as `git log -- <path>`), within `since`/`until`, paged (docs.github.com, REST
 * "List commits"). An unknown `sha` is 404 "No commit found for SHA: x".
 */
async function listCommits(c: Ctx): Promise<void> {
  const q = c.url.searchParams;
  const start = await commitFor(c, q.get('sha') || c.repo.defaultBranch, 404);
  const path = q.get('path')?.replace(/^\/+|\/+$/g, '') || undefined;
  const shas = await c.repo.git.log(start, path, 1_000);
  const infos = (await Promise.all(shas.map((sha) => c.repo.git.commit(sha)))).filter(
    (x): x is NonNullable<typeof x> => !!x,
  );
  const since = q.get('since') ? Date.parse(q.get('since') as string) : -Infinity;
  const until = q.get('until') ? Date.parse(q.get('until') as string) : Infinity;
  const inRange = infos.filter((i) => {
    const t = Date.parse(i.committer.date);
    return t >= since && t <= until;
  });
  const page = paginate(inRange, c.url, c.links.api);
  c.send(
    200,
    page.items.map((i) => repoCommit(i, c.links, isSigned(c, i.sha))),
    page.headers,
  );
}

export const repoRoutes: Route[] = [
  route('GET', '/commits', listCommits),
  route('GET', '', async (c) => c.send(200, await repoShape(c))),
  route('GET', '/contents', (c) => contents(c, '')),
  route('GET', '/contents/:path+', (c, p) => contents(c, p.path ?? '')),
  route('GET', '/branches/:branch+', async (c, p) => {
    const name = p.branch as string;
    const sha = (await c.repo.git.branches()).get(name);
    if (!sha) throw new GitHubError(404, 'Branch not found');
    c.send(200, branch(name, (await c.repo.git.commit(sha))!, c.links, branchProtection(c, name)));
  }),
  route('GET', '/commits/:ref', async (c, p) => {
    const sha = await commitFor(c, p.ref as string);
    const info = (await c.repo.git.commit(sha))!;
    const files = await fileDiffs(c.repo.git.dir, [info.parents[0] ?? EMPTY_TREE, sha]);
    const additions = files.reduce((n, f) => n + f.additions, 0);
    const deletions = files.reduce((n, f) => n + f.deletions, 0);
    c.send(200, {
      ...repoCommit(info, c.links, isSigned(c, sha)),
      stats: { additions, deletions, total: additions + deletions },
      files: files.map((f) => diffEntry(f, sha, c.links)),
    });
  }),
];
