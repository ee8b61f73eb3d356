/**
 * Building a tree from a base tree plus changes in a throwaway index. All changes go through one
 * `git update-index --index-info` (mode 0 removes a path): unlike `--force-remove`, it needs no
 * work tree, so deletions work in a bare repository with any git that has `merge-tree --write-tree`.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, GitError, type TreeChange } from '../gitrepo/git.ts';
import { body, GitHubError, invalid, type Ctx } from './api.ts';
import { lsTree, objectType, treeOf } from './objects.ts';
import { tree } from './shapes-git.ts';

const ZERO = '0'.repeat(40);

export async function buildTree(
  dir: string,
  base: string | undefined,
  changes: TreeChange[],
): Promise<string> {
  const index = join(tmpdir(), `deckhand-gh-index-${randomBytes(6).toString('hex')}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    await git(dir, base ? ['read-tree', base] : ['read-tree', '--empty'], { env });
    const input = changes
      .map((c) => (c.sha === null ? `0 ${ZERO}\t${c.path}` : `${c.mode ?? '100644'} ${c.sha}\t${c.path}`))
      .join('\0');
    if (changes.length) await git(dir, ['update-index', '-z', '--index-info'], { env, input: input + '\0' });
    return (await git(dir, ['write-tree'], { env })).trim();
  } finally {
    rmSync(index, { force: true });
  }
}

const MODES = new Set(['100644', '100755', '040000', '160000', '120000']);

interface TreeEntryIn {
  path?: unknown;
  mode?: unknown;
  type?: unknown;
  sha?: unknown;
  content?: unknown;
}

/** POST /git/trees: entries with content, a blob or tree sha, or sha null to delete a path. */
export async function createTree(c: Ctx): Promise<void> {
  const b = await body<{ base_tree: string; tree: TreeEntryIn[] }>(c);
  if (!Array.isArray(b.tree)) throw invalid({ resource: 'Tree', field: 'tree', code: 'missing_field' });
  const base = b.base_tree ? await treeOf(c, b.base_tree) : undefined;
  if (b.base_tree && !base) throw new GitHubError(422, 'Invalid tree info');
  const files = base ? await c.repo.git.tree(base) : new Map<string, { sha: string; mode: string }>();
  const under = (dir: string) => [...files.keys()].filter((p) => p.startsWith(`${dir}/`));
  const changes: TreeChange[] = [];
  for (const e of b.tree) {
    const path = typeof e.path === 'string' ? e.path : '';
    const mode = String(e.mode ?? '100644');
    if (!path || path.split('/').some((s) => s === '' || s === '.' || s === '..') || !MODES.has(mode))
      throw invalid({ resource: 'Tree', field: 'tree', code: 'invalid' });
    if (e.content !== undefined && e.sha !== undefined)
      throw new GitHubError(422, 'Only one of tree.sha or tree.content may be given');
    if (typeof e.content === 'string') {
      changes.push({ path, sha: await c.repo.git.writeBlob(e.content), mode });
    } else if (e.sha === null) {
      // Deleting a path that is not there is an error on GitHub too.
      const gone = files.has(path) ? [path] : under(path);
      if (!gone.length) throw new GitHubError(422, 'GitRPC::BadObjectState');
      changes.push(...gone.map((p) => ({ path: p, sha: null })));
    } else if (typeof e.sha === 'string') {
      const type = await objectType(c, e.sha);
      if (mode === '040000' || e.type === 'tree') {
        if (type !== 'tree') throw new GitHubError(422, 'GitRPC::BadObjectState');
        // An index holds files only: a subtree goes in as its files, replacing what was there.
        changes.push(...under(path).map((p) => ({ path: p, sha: null })));
        for (const [p, f] of await c.repo.git.tree(e.sha))
          changes.push({ path: `${path}/${p}`, sha: f.sha, mode: f.mode });
      } else {
        if (mode !== '160000' && type !== 'blob') throw new GitHubError(422, 'GitRPC::BadObjectState');
        changes.push({ path, sha: e.sha, mode });
      }
    } else throw invalid({ resource: 'Tree', field: 'tree', code: 'invalid' });
  }
  let sha: string;
  try {
    sha = await buildTree(c.repo.git.dir, base, changes);
  } catch (err) {
    if (err instanceof GitError) throw new GitHubError(422, 'GitRPC::BadObjectState');
    throw err;
  }
  c.send(201, tree(sha, await lsTree(c, sha, false), c.links));
}
