/**
 * What a pull request changes, computed the way GitHub shows it: from the merge base of base and
 * head to head (the "three-dot" diff), per file with status, line counts and the patch text
 * starting at the first `@@` hunk header.
 */
import { git } from '../gitrepo/git.ts';
import type { S } from './shapes.ts';

export interface FileDiff {
  filename: string;
  previous?: string;
  status: S['diff-entry']['status'];
  /** The blob after the change (before it, for a removed file). */
  sha: string;
  additions: number;
  deletions: number;
  patch?: string;
}

const STATUS: Record<string, FileDiff['status']> = {
  A: 'added',
  M: 'modified',
  D: 'removed',
  R: 'renamed',
  C: 'copied',
  T: 'changed',
};

export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export async function mergeBase(dir: string, a: string, b: string): Promise<string | undefined> {
  try {
    return (await git(dir, ['merge-base', a, b])).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Commits on `head` that `base` lacks: a pull request's commits. */
export async function commitCount(dir: string, base: string, head: string): Promise<number> {
  return Number((await git(dir, ['rev-list', '--count', `${base}..${head}`])).trim()) || 0;
}

/** What a pull request changes: the three-dot diff, from the merge base of base and head. */
export const pullFiles = (dir: string, base: string, head: string): Promise<FileDiff[]> =>
  fileDiffs(dir, [`${base}...${head}`]);

/** Split `git diff` output into one chunk per file, in output order. */
function patches(text: string): (string | undefined)[] {
  return text
    .split(/^diff --git /m)
    .slice(1)
    .map((chunk) => {
      const at = chunk.search(/^@@/m);
      return at < 0 ? undefined : chunk.slice(at).replace(/\n$/, '');
    });
}

/** `git diff <range>`: `[from, to]`, or `['base...head']` for the diff from their merge base. */
export async function fileDiffs(dir: string, range: string[]): Promise<FileDiff[]> {
  const opts = ['-M', '--no-color', '--no-ext-diff', ...range];
  const [raw, numstat, full] = await Promise.all([
    git(dir, ['diff', '--raw', '-z', '--no-abbrev', ...opts]),
    git(dir, ['diff', '--numstat', '-z', ...opts]),
    git(dir, ['diff', ...opts]),
  ]);
  // --raw -z: ":oldmode newmode oldsha newsha STATUS\0path\0" (a second path for renames and copies).
  const rawParts = raw.split('\0');
  const files: FileDiff[] = [];
  for (let i = 0; i < rawParts.length - 1;) {
    const meta = (rawParts[i++] ?? '').replace(/^:/, '').split(' ');
    const code = (meta[4] ?? 'M').charAt(0);
    const a = rawParts[i++] ?? '';
    const b = code === 'R' || code === 'C' ? (rawParts[i++] ?? '') : undefined;
    files.push({
      filename: b ?? a,
      ...(b ? { previous: a } : {}),
      status: STATUS[code] ?? 'modified',
      sha: (code === 'D' ? meta[2] : meta[3]) ?? '',
      additions: 0,
      deletions: 0,
    });
  }
  // --numstat -z: "add\tdel\tpath\0", or "add\tdel\t\0old\0new\0" for renames; "-" for binary files.
  const ns = numstat.split('\0');
  let f = 0;
  for (let i = 0; i < ns.length - 1 && f < files.length; f++) {
    const [add, del, path] = (ns[i++] ?? '').split('\t');
    if (path === '') i += 2;
    const file = files[f] as FileDiff;
    file.additions = Number(add) || 0;
    file.deletions = Number(del) || 0;
  }
  patches(full).forEach((p, k) => {
    const file = files[k];
    if (file && p !== undefined) file.patch = p;
  });
  return files;
}
