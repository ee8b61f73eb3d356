/**
 * Real git repositories for the sandbox, driven through the git CLI's plumbing (execFile with an
 * argument array, no shell, no working tree): objects, trees built in a temporary index, commits
 * with explicit authors and dates (so seeded shas are deterministic), refs updated with
 * compare-and-swap, and merges computed by `git merge-tree --write-tree`.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoundedMap, cachedGit, forgetRepo, type Outcome } from './read-cache.ts';

export interface Person {
  name: string;
  email: string;
  date: string;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: Person;
  committer: Person;
  message: string;
}

export interface TreeChange {
  path: string;
  /** A blob sha to put there, or null to delete the path. */
  sha: string | null;
  mode?: string;
}

export class GitError extends Error {
  readonly stderr: string;
  readonly stdout: string;
  readonly exitCode: number;
  constructor(message: string, out: { stderr: string; stdout: string; exitCode: number }) {
    super(message);
    this.stderr = out.stderr;
    this.stdout = out.stdout;
    this.exitCode = out.exitCode;
  }
}

const isolated = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};

/**
 * Run git against a bare repository; resolves with stdout. Reads answered since the refs last
 * moved are answered from memory (read-cache.ts).
 */
export async function git(
  dir: string,
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string> } = {},
): Promise<string> {
  const o = await cachedGit(dir, args, opts, () => run(dir, args, opts));
  if (o.ok) return o.stdout;
  throw new GitError(o.message, o);
}

function run(
  dir: string,
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string> },
): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = execFile(
      'git',
      ['-c', 'core.autocrlf=false', '-c', 'init.defaultBranch=master', ...args],
      {
        env: { ...process.env, ...isolated, GIT_DIR: dir, ...opts.env },
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'buffer',
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, stdout: stdout.toString('utf8') });
        resolve({
          ok: false,
          message: `git ${args[0]} failed: ${stderr.toString().trim() || err.message}`,
          stderr: stderr.toString(),
          stdout: stdout.toString(),
          exitCode: typeof err.code === 'number' ? err.code : -1,
        });
      },
    );
    writeInput(child, opts.input);
  });
}

/**
 * Feeds a git child its stdin. A git that exits before reading it all (its repository removed
 * under it, a bad object name) makes the write fail with EPIPE on the pipe, not on the child: with
 * no listener that is an uncaught exception. The exit itself reaches the caller through execFile's
 * callback, so the pipe's error carries nothing more.
 */
function writeInput(child: ChildProcess, input: string | Buffer | undefined): void {
  if (input === undefined || !child.stdin) return;
  child.stdin.on('error', () => {});
  child.stdin.end(input);
}

const personEnv = (author: Person, committer: Person = author) => ({
  GIT_AUTHOR_NAME: author.name,
  GIT_AUTHOR_EMAIL: author.email,
  GIT_AUTHOR_DATE: author.date,
  GIT_COMMITTER_NAME: committer.name,
  GIT_COMMITTER_EMAIL: committer.email,
  GIT_COMMITTER_DATE: committer.date,
});

export const parsePerson = (s: string, date: string): Person => {
  const m = /^(.*?)\s*<([^>]*)>\s*$/.exec(s.trim());
  return { name: m?.[1] || s.trim() || 'deckhand-sandbox', email: m?.[2] ?? 'sandbox@deckhand.dev', date };
};

export class BareRepo {
  readonly dir: string;
  /** Blob contents by sha (immutable), so the reconciler's snapshots do not read them again. */
  private readonly blobCache = new BoundedMap<string, Buffer>(32 * 1024 * 1024, (b) => b.length);

  constructor(dir: string) {
    this.dir = dir;
    forgetRepo(dir);
  }

  async init(): Promise<void> {
    await git(this.dir, ['init', '--bare', '--quiet', this.dir], { env: { GIT_DIR: this.dir } });
  }

  /** The commit a revision expression names (sha, branch, HEAD~2, short sha), or undefined. */
  async resolve(rev: string): Promise<string | undefined> {
    try {
      return (
        (await git(this.dir, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])).trim() || undefined
      );
    } catch {
      return undefined;
    }
  }

  /** Many revision expressions in one `git cat-file --batch-check` run; unknown ones are absent. */
  async resolveMany(revs: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const wanted = revs.filter((r) => r && !r.includes('\n'));
    if (!wanted.length) return out;
    const lines = (
      await git(this.dir, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
        input: wanted.map((r) => `${r}^{commit}`).join('\n') + '\n',
      })
    ).split('\n');
    wanted.forEach((r, i) => {
      const m = /^([0-9a-f]{40}) commit$/.exec(lines[i] ?? '');
      if (m) out.set(r, m[1] as string);
    });
    return out;
  }

  async branches(): Promise<Map<string, string>> {
    const out = await git(this.dir, [
      'for-each-ref',
      '--format=%(refname:strip=2) %(objectname)',
      'refs/heads',
    ]);
    return new Map(
      out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ') as [string, string]),
    );
  }

  async commit(sha: string): Promise<CommitInfo | undefined> {
    let raw: string;
    try {
      raw = await git(this.dir, ['cat-file', 'commit', sha]);
    } catch {
      return undefined;
    }
    const [head, ...rest] = raw.split('\n\n');
    const lines = (head ?? '').split('\n');
    const field = (k: string) => lines.filter((l) => l.startsWith(`${k} `)).map((l) => l.slice(k.length + 1));
    const person = (s: string | undefined): Person => {
      const m = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(s ?? '');
      return {
        name: m?.[1] ?? '',
        email: m?.[2] ?? '',
        date: m ? new Date(Number(m[3]) * 1000).toISOString().replace('.000Z', 'Z') : '',
      };
    };
    return {
      sha: (await this.resolve(sha)) ?? sha,
      tree: field('tree')[0] ?? '',
      parents: field('parent'),
      author: person(field('author')[0]),
      committer: person(field('committer')[0]),
      message: rest.join('\n\n').replace(/\n$/, ''),
    };
  }

  /** Every file of a revision with its blob sha and mode. */
  async tree(rev: string): Promise<Map<string, { sha: string; mode: string }>> {
    const out = await git(this.dir, ['ls-tree', '-r', '-z', rev]);
    const files = new Map<string, { sha: string; mode: string }>();
    for (const entry of out.split('\0').filter(Boolean)) {
      const [meta, path] = entry.split('\t') as [string, string];
      const [mode, , sha] = meta.split(' ') as [string, string, string];
      files.set(path, { sha, mode });
    }
    return files;
  }

  async blob(sha: string): Promise<Buffer | undefined> {
    return (await this.blobs([sha])).get(sha);
  }

  /** Many blobs in one `git cat-file --batch` run (a process per blob is far too slow for a tree). */
  async blobs(shas: string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    const wanted: string[] = [];
    for (const name of new Set(shas)) {
      const known = this.blobCache.get(name);
      if (known) out.set(name, known);
      // A name with a line break would split the batch's input.
      else if (name && !/\s/.test(name)) wanted.push(name);
    }
    if (!wanted.length) return out;
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const child = execFile(
        'git',
        ['cat-file', '--batch'],
        {
          env: { ...process.env, ...isolated, GIT_DIR: this.dir },
          encoding: 'buffer',
          maxBuffer: 512 * 1024 * 1024,
        },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      );
      writeInput(child, wanted.join('\n') + '\n');
    });
    // One answer per name, in order: "<sha> <type> <size>\n<content>\n", or "<name> missing\n"
    // (or "ambiguous"). git answers with the full sha, so the name asked (a short sha) is taken
    // from the question, and the content kept under the full sha.
    let at = 0;
    for (const name of wanted) {
      if (at >= raw.length) break;
      const nl = raw.indexOf(10, at);
      const [sha, type, size] = raw.subarray(at, nl).toString('utf8').split(' ') as [string, string, string?];
      at = nl + 1;
      if (size === undefined) continue;
      const n = Number(size);
      if (type === 'blob') {
        const content = Buffer.from(raw.subarray(at, at + n));
        out.set(name, content);
        if (n <= 1024 * 1024) this.blobCache.set(sha, content);
      }
      at += n + 1;
    }
    return out;
  }

  /** All files of a revision with their content (the reconciler builds manifests from them). */
  async snapshot(rev: string): Promise<Map<string, string>> {
    const files = await this.tree(rev);
    const contents = await this.blobs([...new Set([...files.values()].map((f) => f.sha))]);
    const out = new Map<string, string>();
    for (const [path, f] of files) out.set(path, (contents.get(f.sha) ?? Buffer.alloc(0)).toString('utf8'));
    return out;
  }

  async writeBlob(content: string | Buffer): Promise<string> {
    return (await git(this.dir, ['hash-object', '-w', '--stdin'], { input: content })).trim();
  }

  /** A tree: `base` (a tree or commit, or none) with the changes applied, built in a throwaway index. */
  async writeTree(base: string | undefined, changes: TreeChange[]): Promise<string> {
    const index = join(tmpdir(), `deckhand-index-${randomBytes(6).toString('hex')}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      if (base) await git(this.dir, ['read-tree', base], { env });
      else await git(this.dir, ['read-tree', '--empty'], { env });
      // One `--index-info` run for every change (mode 0 removes a path): `--force-remove` needs a
      // work tree, which a bare repository has not, and a process per file is slow.
      const info = changes
        .map((c) =>
          c.sha === null ? `0 ${'0'.repeat(40)}\t${c.path}` : `${c.mode ?? '100644'} ${c.sha}\t${c.path}`,
        )
        .join('\n');
      if (changes.length) await git(this.dir, ['update-index', '--index-info'], { env, input: info + '\n' });
      return (await git(this.dir, ['write-tree'], { env })).trim();
    } finally {
      rmSync(index, { force: true });
    }
  }

  /**
   * Write a whole linear history in one `git fast-import` run (one process instead of one per
   * object: seeding a scenario's repository takes a fraction of a second). Each commit lists its
   * complete file set; unchanged blobs are stored once. Returns the commit shas, oldest first.
   */
  async importHistory(
    ref: string,
    commits: { message: string; author: Person; committer: Person; files: Map<string, string> }[],
  ): Promise<string[]> {
    const chunks: Buffer[] = [];
    const line = (s: string) => chunks.push(Buffer.from(s + '\n', 'utf8'));
    const data = (content: string) => {
      const b = Buffer.from(content, 'utf8');
      line(`data ${b.length}`);
      chunks.push(b, Buffer.from('\n'));
    };
    const who = (p: Person) => `${p.name} <${p.email}> ${Math.floor(Date.parse(p.date) / 1000)} +0000`;
    commits.forEach((c, i) => {
      line(`commit ${ref}`);
      line(`mark :${i + 1}`);
      line(`author ${who(c.author)}`);
      line(`committer ${who(c.committer)}`);
      data(c.message.endsWith('\n') ? c.message : c.message + '\n');
      if (i > 0) line(`from :${i}`);
      line('deleteall');
      for (const [path, content] of c.files) {
        line(`M 100644 inline ${path}`);
        data(content);
      }
      line('');
    });
    chunks.push(Buffer.from('done\n'));
    const marks = join(tmpdir(), `deckhand-marks-${randomBytes(6).toString('hex')}`);
    try {
      await git(this.dir, ['fast-import', '--quiet', '--done', `--export-marks=${marks}`], {
        input: Buffer.concat(chunks),
      });
      const byMark = new Map(
        readFileSync(marks, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' ') as [string, string]),
      );
      return commits.map((_, i) => byMark.get(`:${i + 1}`) as string);
    } finally {
      rmSync(marks, { force: true });
    }
  }

  async commitTree(
    tree: string,
    parents: string[],
    message: string,
    author: Person,
    committer: Person = author,
  ): Promise<string> {
    const args = ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p])];
    return (
      await git(this.dir, args, {
        input: message.endsWith('\n') ? message : message + '\n',
        env: personEnv(author, committer),
      })
    ).trim();
  }

  /** Point a ref at `sha`, only if it still points at `expected` (undefined: must not exist). */
  async updateRef(ref: string, sha: string, expected?: string | null): Promise<boolean> {
    try {
      const args = ['update-ref', ref, sha];
      if (expected !== null) args.push(expected ?? '0'.repeat(40));
      await git(this.dir, args);
      return true;
    } catch {
      return false;
    }
  }

  async deleteRef(ref: string): Promise<boolean> {
    try {
      await git(this.dir, ['update-ref', '-d', ref]);
      return true;
    } catch {
      return false;
    }
  }

  async isAncestor(a: string, b: string): Promise<boolean> {
    try {
      await git(this.dir, ['merge-base', '--is-ancestor', a, b]);
      return true;
    } catch {
      return false;
    }
  }

  /** The tree merging `theirs` into `ours`, or the conflicting paths. */
  async mergeTree(ours: string, theirs: string): Promise<{ tree?: string; conflicts: string[] }> {
    try {
      const out = await git(this.dir, [
        'merge-tree',
        '--write-tree',
        '--name-only',
        '--no-messages',
        ours,
        theirs,
      ]);
      return { tree: out.split('\n')[0]?.trim(), conflicts: [] };
    } catch (e) {
      // Exit status 1 means conflicts: stdout holds the tree, then the conflicted paths.
      if (!(e instanceof GitError) || e.exitCode !== 1) throw e;
      return { conflicts: e.stdout.split('\n').slice(1).filter(Boolean) };
    }
  }

  async log(rev: string, path?: string, max = 30): Promise<string[]> {
    const out = await git(this.dir, [
      'log',
      '--format=%H',
      `--max-count=${max}`,
      rev,
      ...(path ? ['--', path] : []),
    ]);
    return out.trim().split('\n').filter(Boolean);
  }

  async diff(a: string, b: string): Promise<{ path: string; patch: string; status: string }[]> {
    const names = await git(this.dir, ['diff', '--name-status', '-z', a, b]);
    const parts = names.split('\0').filter(Boolean);
    const files: { path: string; status: string }[] = [];
    for (let i = 0; i < parts.length; i += 2)
      files.push({ status: parts[i] as string, path: parts[i + 1] as string });
    return Promise.all(
      files.map(async (f) => {
        const full = await git(this.dir, ['diff', a, b, '--', f.path]);
        // The patch starts at the first hunk: the headers are 4 lines, 5 for added or deleted files.
        const hunk = full.indexOf('\n@@');
        return { ...f, patch: hunk >= 0 ? full.slice(hunk + 1) : '' };
      }),
    );
  }
}
