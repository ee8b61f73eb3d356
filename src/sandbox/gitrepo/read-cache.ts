/**
 * Answers of git reads kept in memory, so the sandbox's Git host does not start a git process for
 * a question it already answered. A pull request's life asks the same things dozens of times (the
 * branch list, the head commit, its tree); each git process costs milliseconds of CPU, and the
 * test suite started over a thousand for one file.
 *
 * What makes a kept answer right:
 * - Objects are immutable and a repository never loses one (the sandbox never runs gc), so a read
 *   that succeeded stays right until a ref moves: refs are the only mutable input.
 * - Every ref write through `git()` in this process bumps the repository's generation, which
 *   drops what was read through refs; a read that overlapped a write is not kept. A write from
 *   outside (a `git push` into the directory) is noticed by the directories under refs/ and
 *   packed-refs changing (refsStamp), checked before an answer read through refs is given.
 * - A short sha is not kept: a later object can make it ambiguous.
 * - A read that failed may succeed later (the object it missed gets written), so failures are
 *   not kept, except the exit statuses that answer a question about objects that exist (a merge
 *   with conflicts, "not an ancestor", an invalid ref name).
 * - A batch read that reported a missing object is not kept, for the same reason.
 */
import { type Dirent, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Commands that read refs and objects and write neither. */
const READS = new Set([
  'cat-file',
  'check-ref-format',
  'diff',
  'for-each-ref',
  'log',
  'ls-tree',
  'merge-base',
  'merge-tree', // --write-tree adds objects (deterministically), never a ref
  'rev-list',
  'rev-parse',
  'show',
]);

/**
 * Commands that add objects or work on a throwaway index (GIT_INDEX_FILE) and move no ref: they
 * are not kept (their answer depends on input or an index) but they do not make kept reads stale.
 */
const OBJECT_WRITES = new Set([
  'commit-tree',
  'hash-object',
  'mktree',
  'read-tree',
  'update-index',
  'write-tree',
]);

/** Exit statuses other than 0 that answer the question rather than report a missing object. */
const ANSWERS: Record<string, number[]> = {
  'merge-tree': [1], // conflicts
  'merge-base': [1], // --is-ancestor: no
  'check-ref-format': [1], // not a valid name
};

export type Outcome =
  | { ok: true; stdout: string }
  | { ok: false; stdout: string; stderr: string; exitCode: number; message: string };

const MAX_BYTES = 32 * 1024 * 1024;

interface RepoCache {
  generation: number;
  /** refsStamp() when byRefs was last known right. */
  stamp: string;
  /** Reads that name objects only (full shas): right for the repository's life. */
  byObjects: Map<string, Outcome>;
  /** Reads that name refs (a branch, HEAD~1, the ref list): right until a ref moves. */
  byRefs: Map<string, Outcome>;
  inflight: Map<string, Promise<Outcome>>;
}

const repos = new Map<string, RepoCache>();
let bytes = 0;

const repoOf = (dir: string): RepoCache => {
  let r = repos.get(dir);
  if (!r)
    repos.set(
      dir,
      (r = { generation: 0, stamp: '', byObjects: new Map(), byRefs: new Map(), inflight: new Map() }),
    );
  return r;
};

/** Roughly the bytes an answer holds: its key (which holds a batch's input) and its output. */
const sizeOf = (key: string, o: Outcome) =>
  2 * (key.length + o.stdout.length + (o.ok ? 0 : o.stderr.length)) + 64;

const drop = (answers: Map<string, Outcome>) => {
  for (const [k, o] of answers) bytes -= sizeOf(k, o);
  answers.clear();
};

/** Refs moved, by this process or another: nothing read through them holds. */
function refsMoved(repo: RepoCache): void {
  repo.generation++;
  drop(repo.byRefs);
}

/**
 * The state of a repository's refs as the filesystem shows it, without starting git: git moves a
 * ref by renaming a lock file into its directory (which changes the directory's mtime) or by
 * rewriting packed-refs. A few stat calls, against milliseconds for a git process.
 */
function refsStamp(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    let entries: Dirent[];
    try {
      parts.push(String(statSync(d, { bigint: true }).mtimeNs));
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      parts.push('-');
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(join(d, e.name));
  };
  walk(join(dir, 'refs'));
  for (const f of ['packed-refs', 'HEAD']) {
    try {
      parts.push(String(statSync(join(dir, f), { bigint: true }).mtimeNs));
    } catch {
      parts.push('-');
    }
  }
  return parts.join(',');
}

const OBJECT_NAME = /^[0-9a-f]{40}(\^\{(commit|tree|blob)\})?$/;
const SHORT_NAME = /^[0-9a-f]{4,39}(\^\{\w+\})?$/i;
/** Options that make a read walk refs (or stdin) whatever the arguments name. */
const REF_OPTIONS = /^--(all|branches|tags|remotes|glob|exclude|not|stdin|reflog|bisect)\b/;

/**
 * Where a read's answer may be kept: for the repository's life when every revision it names (in
 * its arguments and input) is a full sha, until refs move when it names refs, and not at all when
 * it names a short sha.
 */
function lifetime(sub: string, rest: string[], input: string): 'objects' | 'refs' | 'none' {
  if (sub === 'check-ref-format') return 'objects'; // a pure function of the name
  if (sub === 'for-each-ref') return 'refs';
  const revs: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === '--') break; // paths follow
    if (REF_OPTIONS.test(a)) return 'refs';
    if (a.startsWith('-')) continue;
    if (sub === 'cat-file' && i === 0 && /^(blob|tree|commit|tag)$/.test(a)) continue;
    revs.push(...a.split(/\.\.\.?/));
  }
  revs.push(...input.split('\n').filter(Boolean));
  if (revs.some((r) => SHORT_NAME.test(r) && !OBJECT_NAME.test(r))) return 'none';
  // No revision at all means HEAD (log, rev-list): that is a ref.
  return revs.length && revs.every((r) => OBJECT_NAME.test(r)) ? 'objects' : 'refs';
}

/** A repository made anew at `dir` (tests reuse paths): nothing known about the old one holds. */
export function forgetRepo(dir: string): void {
  const r = repos.get(dir);
  if (!r) return;
  // The record stays while work on it is in flight (a write's closing bump must reach the record
  // that later reads use); an idle one goes, so a stopped sandbox leaves nothing behind.
  drop(r.byObjects);
  refsMoved(r);
  r.stamp = '';
  if (!r.inflight.size) repos.delete(dir);
}

/**
 * Runs `exec` for a git command in `dir`, answering from memory when the same read was answered
 * since the repository's refs last moved (or ever, for a read of objects by sha).
 */
export async function cachedGit(
  dir: string,
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string> },
  exec: () => Promise<Outcome>,
): Promise<Outcome> {
  // git() puts its own `-c` options before these: the subcommand comes first.
  const [sub = '', ...rest] = args;
  const repo = repoOf(dir);
  // Custom env (an index file, commit dates) makes the answer depend on more than the arguments.
  if (!READS.has(sub) || (opts.env && Object.keys(opts.env).length)) {
    if (OBJECT_WRITES.has(sub)) return exec();
    // A ref may move: what was read through refs is stale from the moment the write starts.
    refsMoved(repo);
    try {
      return await exec();
    } finally {
      refsMoved(repo);
    }
  }
  const input =
    opts.input === undefined ? '' : Buffer.isBuffer(opts.input) ? opts.input.toString('latin1') : opts.input;
  const kept = lifetime(sub, rest, input);
  if (kept === 'none') return exec();
  if (kept === 'refs') {
    const stamp = refsStamp(dir);
    if (stamp !== repo.stamp) {
      refsMoved(repo);
      repo.stamp = stamp;
    }
  }
  const answers = kept === 'objects' ? repo.byObjects : repo.byRefs;
  const key = `${args.join('\0')}\0${input}`;
  const known = answers.get(key);
  if (known) {
    // Most recently used last, so eviction takes the oldest.
    answers.delete(key);
    answers.set(key, known);
    return known;
  }
  const generation = repo.generation;
  const flight = `${generation}\0${key}`;
  const pending = repo.inflight.get(flight);
  if (pending) return pending;
  const run = exec().then((o) => {
    // A read that overlapped a ref write may have seen either side of it: not kept.
    if (keepable(sub, o) && repos.get(dir) === repo && repo.generation === generation)
      remember(answers, key, o);
    return o;
  });
  repo.inflight.set(flight, run);
  try {
    return await run;
  } finally {
    repo.inflight.delete(flight);
  }
}

function keepable(sub: string, o: Outcome): boolean {
  if (!o.ok) return (ANSWERS[sub] ?? []).includes(o.exitCode);
  // `cat-file --batch*` says "<name> missing" for an object that may be written later, and
  // "<name> ambiguous" for a short name that a later object may make so.
  return !(sub === 'cat-file' && / (missing|ambiguous)$/m.test(o.stdout));
}

function remember(answers: Map<string, Outcome>, key: string, o: Outcome): void {
  const before = answers.get(key);
  if (before) bytes -= sizeOf(key, before);
  answers.set(key, o);
  bytes += sizeOf(key, o);
  if (bytes <= MAX_BYTES) return;
  for (const r of repos.values())
    for (const m of [r.byRefs, r.byObjects])
      for (const [k, old] of m) {
        if (bytes <= MAX_BYTES) return;
        m.delete(k);
        bytes -= sizeOf(k, old);
      }
}

/** A map that forgets its least recently used entries beyond a size budget. */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();
  private size = 0;
  private readonly budget: number;
  private readonly sizeOf: (v: V) => number;
  constructor(budget: number, sizeOf: (v: V) => number) {
    this.budget = budget;
    this.sizeOf = sizeOf;
  }

  get(k: K): V | undefined {
    const v = this.entries.get(k);
    if (v !== undefined) {
      this.entries.delete(k);
      this.entries.set(k, v);
    }
    return v;
  }

  set(k: K, v: V): void {
    const old = this.entries.get(k);
    if (old !== undefined) this.size -= this.sizeOf(old);
    this.entries.delete(k);
    this.entries.set(k, v);
    this.size += this.sizeOf(v);
    for (const [key, value] of this.entries) {
      if (this.size <= this.budget) break;
      this.entries.delete(key);
      this.size -= this.sizeOf(value);
    }
  }
}
