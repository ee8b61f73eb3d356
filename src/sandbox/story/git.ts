/**
 * A story's Git repository kept as files a person reads: the tree at the branch head as a
 * directory beside the story, and the history as commits that say only what changed — the paths a
 * commit added and a unified diff of the files it modified. The diffs are applied backwards from
 * the head, so each commit's tree (and the scenario's `git` section, which holds the files each
 * commit wrote) follows from the head and the changes alone.
 */
import { join, relative, resolve } from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import { z } from 'zod';
import type { CiSchema } from '../ci-schema.ts';
import { StoryProblem } from './containers.ts';
import { listDir, readText } from './files.ts';

const CommitSchema = z.strictObject({
  message: z.string(),
  author: z.string(),
  date: z.string(),
  /** Files the commit created (their content is what later commits leave of them). */
  added: z.array(z.string()).default([]),
  /** Files the commit deleted, with the content they had. */
  deleted: z.record(z.string(), z.string()).default({}),
  /** A unified diff of the files the commit changed. */
  patch: z.string().optional(),
});
const HistorySchema = z.array(CommitSchema).min(1);
type Commit = z.output<typeof CommitSchema>;
type Tree = Record<string, string>;

export interface GitOrder {
  url: string;
  branch: string;
  /** The head's files and the history file, relative to `base` (the story's folder). */
  files: string;
  history: string;
  ci?: z.output<typeof CiSchema>;
  base: string;
  path: string;
}

/** Every file under a directory, by its path relative to it. */
function readTree(dir: string): Tree {
  const out: Tree = {};
  const walk = (d: string) => {
    for (const e of listDir(d).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p).split('\\').join('/')] = readText(p);
    }
  };
  walk(dir);
  return out;
}

interface FilePatch {
  path: string;
  hunks: { newStart: number; old: string[]; new: string[] }[];
}

function parsePatch(text: string, where: string): FilePatch[] {
  const out: FilePatch[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let file: FilePatch | undefined;
  let hunk: FilePatch['hunks'][number] | undefined;
  for (const [i, line] of lines.entries()) {
    const header = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (line.startsWith('--- ')) continue;
    if (line.startsWith('+++ ')) {
      file = { path: line.slice(4), hunks: [] };
      out.push(file);
    } else if (header && file) {
      hunk = { newStart: Number(header[1]) - (header[2] === '0' ? 0 : 1), old: [], new: [] };
      file.hunks.push(hunk);
    } else if (hunk && /^[ +-]|^$/.test(line)) {
      // An empty line is an empty context line whose leading space an editor trimmed.
      const body = line.slice(1);
      if (line[0] !== '+') hunk.old.push(body);
      if (line[0] !== '-') hunk.new.push(body);
    } else throw new StoryProblem(where, `line ${i + 1} of the patch is not part of a unified diff`);
  }
  return out;
}

/** A file as it was before a patch changed it into `now`. */
function unapply(now: string, p: FilePatch, where: string): string {
  const lines = now.split('\n');
  for (const h of [...p.hunks].reverse()) {
    const at = lines.slice(h.newStart, h.newStart + h.new.length);
    if (at.join('\n') !== h.new.join('\n'))
      throw new StoryProblem(where, `the patch does not match ${p.path} at line ${h.newStart + 1}`);
    lines.splice(h.newStart, h.new.length, ...h.old);
  }
  return lines.join('\n');
}

/** The tree before a commit, from the tree it left. */
function before(tree: Tree, c: Commit, where: string): Tree {
  const out = { ...tree, ...c.deleted };
  for (const f of c.added) {
    if (tree[f] === undefined) throw new StoryProblem(`${where}.added`, `${f} is not in the tree it left`);
    delete out[f];
  }
  for (const p of parsePatch(c.patch ?? '', `${where}.patch`)) {
    const now = tree[p.path];
    if (now === undefined) throw new StoryProblem(`${where}.patch`, `${p.path} is not in the tree it left`);
    out[p.path] = unapply(now, p, `${where}.patch`);
  }
  return out;
}

/** What a commit wrote: the new content of each file it added or changed, null for each it deleted. */
function written(tree: Tree, c: Commit, first: boolean): Record<string, string | null> {
  if (first) return { ...tree };
  const paths = [...c.added, ...parsePatch(c.patch ?? '', '').map((p) => p.path)];
  return {
    ...Object.fromEntries(paths.map((f) => [f, tree[f] as string])),
    ...Object.fromEntries(Object.keys(c.deleted).map((f) => [f, null])),
  };
}

/** The scenario's `git` entry for a repository kept on disk. */
export function gitRepository(o: GitOrder) {
  const head = readTree(resolve(o.base, o.files));
  const raw = load(readText(resolve(o.base, o.history)), { schema: CORE_SCHEMA });
  const parsed = HistorySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StoryProblem(`${o.path}.history`, `${o.history}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const commits = parsed.data;
  const trees: Tree[] = [head];
  for (let i = commits.length - 1; i > 0; i--)
    trees.unshift(before(trees[0] as Tree, commits[i] as Commit, `${o.path}.history(${o.history}).${i}`));
  return {
    url: o.url,
    branch: o.branch,
    history: commits.map((c, i) => ({
      message: c.message,
      author: c.author,
      date: c.date,
      files: written(trees[i] as Tree, c, i === 0),
    })),
    files: head,
    ...(o.ci ? { ci: o.ci } : {}),
  };
}
