/**
 * The Git data API (refs, commits, trees, blobs) on the bare repository. Every branch move goes
 * through SandboxRepo.moveBranch with compare-and-swap, so the reconciler hears about it and a
 * concurrent writer is refused instead of overwritten.
 */
import { git, type Person } from '../gitrepo/git.ts';
import {
  body,
  GitHubError,
  identity,
  invalid,
  isSigned,
  notFound,
  route,
  type Ctx,
  type Route,
} from './api.ts';
import { findRef, listRefs, lsTree, objectType, treeOf } from './objects.ts';
import { blob, gitCommit, ref, tree } from './shapes-git.ts';
import { createTree } from './trees.ts';

const ZERO = '0'.repeat(40);

const branchOf = (full: string): string | undefined =>
  full.startsWith('refs/heads/') ? full.slice('refs/heads/'.length) : undefined;

async function createRef(c: Ctx): Promise<void> {
  const b = await body<{ ref: string; sha: string }>(c);
  if (typeof b.ref !== 'string' || !b.ref.startsWith('refs/') || b.ref.split('/').length < 3)
    throw new GitHubError(422, "Reference name must start with 'refs/' and have at least two slashes.");
  await git(c.repo.git.dir, ['check-ref-format', b.ref]).catch(() => {
    throw new GitHubError(422, `${b.ref} is not a valid ref name.`);
  });
  const branch = branchOf(b.ref);
  const type = typeof b.sha === 'string' ? await objectType(c, b.sha) : undefined;
  // A branch must name a commit; a tag ref may name any object.
  if (!type || (branch && type !== 'commit')) throw new GitHubError(422, 'Object does not exist');
  const sha = (await git(c.repo.git.dir, ['rev-parse', b.sha as string])).trim();
  // "Must not exist yet" is the all-zero expected value of git's compare-and-swap.
  const ok = branch ? await c.repo.moveBranch(branch, sha, ZERO) : await c.repo.git.updateRef(b.ref, sha);
  if (!ok) throw new GitHubError(422, 'Reference already exists');
  c.send(201, ref(b.ref, sha, type, c.links));
}

async function updateRef(c: Ctx, name: string): Promise<void> {
  const full = `refs/${name}`;
  const b = await body<{ sha: string; force: boolean }>(c);
  const cur = await findRef(c, full);
  if (!cur) throw new GitHubError(422, 'Reference does not exist');
  if (typeof b.sha !== 'string' || (await objectType(c, b.sha)) !== 'commit')
    throw new GitHubError(422, 'Object does not exist');
  const sha = (await git(c.repo.git.dir, ['rev-parse', b.sha])).trim();
  if (b.force !== true && !(await c.repo.git.isAncestor(cur.sha, sha)))
    throw new GitHubError(422, 'Update is not a fast forward');
  const branch = branchOf(full);
  const ok = branch
    ? await c.repo.moveBranch(branch, sha, cur.sha)
    : await c.repo.git.updateRef(full, sha, cur.sha);
  if (!ok) throw new GitHubError(422, 'Reference cannot be updated');
  c.send(200, ref(full, sha, 'commit', c.links));
}

async function deleteRef(c: Ctx, name: string): Promise<void> {
  const full = `refs/${name}`;
  const cur = await findRef(c, full);
  if (!cur) throw new GitHubError(422, 'Reference does not exist');
  const branch = branchOf(full);
  if (branch === c.repo.defaultBranch) throw new GitHubError(422, 'Cannot delete the default branch');
  // moveBranch cannot delete: a deleted branch is not a move the reconciler follows.
  if (!(await c.repo.git.deleteRef(full))) throw new GitHubError(422, 'Reference cannot be deleted');
  if (branch) {
    // GitHub closes the open pull requests that came from (or went into) a deleted branch.
    for (const p of c.state.pulls) {
      if (p.state !== 'open' || (p.head !== branch && p.base !== branch)) continue;
      if (p.head === branch) p.headSha = cur.sha;
      p.state = 'closed';
      p.closedAt = p.updatedAt = c.now();
    }
    c.store.save();
  }
  c.res.writeHead(204).end();
}

function person(p: unknown, fallback: Person): Person {
  if (!p || typeof p !== 'object') return fallback;
  const x = p as Partial<Person>;
  if (x.date !== undefined && Number.isNaN(Date.parse(x.date)))
    throw invalid({ resource: 'Commit', field: 'author.date', code: 'invalid' });
  return { name: x.name ?? fallback.name, email: x.email ?? fallback.email, date: x.date ?? fallback.date };
}

async function createCommit(c: Ctx): Promise<void> {
  const b = await body<{
    message: string;
    tree: string;
    parents: string[];
    author: Person;
    committer: Person;
  }>(c);
  if (typeof b.message !== 'string')
    throw invalid({ resource: 'Commit', field: 'message', code: 'missing_field' });
  if (typeof b.tree !== 'string' || (await objectType(c, b.tree)) !== 'tree')
    throw new GitHubError(422, 'Tree SHA does not exist');
  const parents = Array.isArray(b.parents) ? b.parents : [];
  for (const p of parents)
    if (typeof p !== 'string' || (await objectType(c, p)) !== 'commit')
      throw new GitHubError(422, 'Parent SHA does not exist or is not a commit object');
  // An App (a `[bot]` login) that names no author or committer gets a commit GitHub signs, with
  // GitHub as its committer ("Signature verification for bots").
  const signs = c.login.endsWith('[bot]') && b.author === undefined && b.committer === undefined;
  const author = person(b.author, identity(c.login, c.now()));
  const committer = signs
    ? { name: 'GitHub', email: 'noreply@github.com', date: c.now() }
    : person(b.committer, author);
  const sha = await c.repo.git.commitTree(b.tree, parents, b.message, author, committer);
  if (signs) {
    (c.state.signed ??= []).push(sha);
    c.store.save();
  }
  c.send(201, gitCommit((await c.repo.git.commit(sha))!, c.links, signs));
}

export const gitRoutes: Route[] = [
  route('GET', '/git/ref/:ref+', async (c, p) => {
    const r = await findRef(c, `refs/${p.ref}`);
    if (!r) throw notFound();
    c.send(200, ref(r.ref, r.sha, r.type, c.links));
  }),
  route('GET', '/git/matching-refs/:ref+', async (c, p) => {
    const refs = (await listRefs(c)).filter((r) => r.ref.startsWith(`refs/${p.ref}`));
    c.send(
      200,
      refs.map((r) => ref(r.ref, r.sha, r.type, c.links)),
    );
  }),
  route('POST', '/git/refs', createRef),
  route('PATCH', '/git/refs/:ref+', (c, p) => updateRef(c, p.ref as string)),
  route('DELETE', '/git/refs/:ref+', (c, p) => deleteRef(c, p.ref as string)),
  route('GET', '/git/commits/:sha', async (c, p) => {
    const info =
      (await objectType(c, p.sha as string)) === 'commit'
        ? await c.repo.git.commit(p.sha as string)
        : undefined;
    if (!info) throw notFound();
    c.send(200, gitCommit(info, c.links, isSigned(c, info.sha)));
  }),
  route('POST', '/git/commits', createCommit),
  route('GET', '/git/trees/:sha+', async (c, p) => {
    const t = await treeOf(c, p.sha as string);
    if (!t) throw notFound();
    c.send(200, tree(t, await lsTree(c, t, c.url.searchParams.has('recursive')), c.links));
  }),
  route('POST', '/git/trees', createTree),
  route('GET', '/git/blobs/:sha', async (c, p) => {
    const content =
      (await objectType(c, p.sha as string)) === 'blob' ? await c.repo.git.blob(p.sha as string) : undefined;
    if (!content) throw notFound();
    c.send(200, blob(p.sha as string, content, c.links));
  }),
  route('POST', '/git/blobs', async (c) => {
    const b = await body<{ content: string; encoding: string }>(c);
    if (typeof b.content !== 'string')
      throw invalid({ resource: 'Blob', field: 'content', code: 'missing_field' });
    const data = b.encoding === 'base64' ? Buffer.from(b.content, 'base64') : b.content;
    const sha = await c.repo.git.writeBlob(data);
    c.send(201, { url: `${c.links.repoApi}/git/blobs/${sha}`, sha });
  }),
];
