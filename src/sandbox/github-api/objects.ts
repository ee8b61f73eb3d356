/**
 * Looking things up in the bare repository: refs with their object types, object types, the tree
 * of a tree-ish, and tree listings with blob sizes.
 */
import { git } from '../gitrepo/git.ts';
import type { Ctx } from './api.ts';
import type { TreeItem } from './shapes-git.ts';

export interface RefInfo {
  ref: string;
  sha: string;
  type: string;
}

export async function listRefs(c: Ctx): Promise<RefInfo[]> {
  const out = await git(c.repo.git.dir, [
    'for-each-ref',
    '--format=%(refname)%09%(objectname)%09%(objecttype)',
    'refs/',
  ]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [r, sha, type] = l.split('\t') as [string, string, string];
      return { ref: r, sha, type };
    });
}

export const findRef = async (c: Ctx, full: string): Promise<RefInfo | undefined> =>
  (await listRefs(c)).find((r) => r.ref === full);

/** The type of an object (`commit`, `tree`, `blob`, `tag`), or undefined when absent. */
export async function objectType(c: Ctx, sha: string): Promise<string | undefined> {
  if (!/^[0-9a-f]{4,40}$/i.test(sha)) return undefined;
  try {
    return (await git(c.repo.git.dir, ['cat-file', '-t', sha])).trim();
  } catch {
    return undefined;
  }
}

/** The tree a tree-ish names (a tree, a commit, a branch), or undefined. */
export async function treeOf(c: Ctx, rev: string): Promise<string | undefined> {
  try {
    return (
      (await git(c.repo.git.dir, ['rev-parse', '--verify', '--quiet', `${rev}^{tree}`])).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/** `git ls-tree -l`: entries with sizes; recursive lists subtrees too, as GitHub does. */
export async function lsTree(c: Ctx, treeSha: string, recursive: boolean, path = ''): Promise<TreeItem[]> {
  const args = [
    'ls-tree',
    '-l',
    '-z',
    ...(recursive ? ['-r', '-t'] : []),
    treeSha,
    ...(path ? ['--', path] : []),
  ];
  const out = await git(c.repo.git.dir, args);
  return out
    .split('\0')
    .filter(Boolean)
    .map((e) => {
      const tab = e.indexOf('\t');
      const [mode, type, sha, size] = e.slice(0, tab).split(/\s+/) as [string, string, string, string];
      return { path: e.slice(tab + 1), mode, type, sha, ...(type === 'blob' ? { size: Number(size) } : {}) };
    });
}
