/**
 * The sandbox's Git repositories, one bare repository per scenario `git` entry under the data dir,
 * identified by their URL. Seeding replays the scenario's history (oldest first, dates honoured,
 * so shas are the same on every machine) and then its `files` as the branch head; a repository
 * already on disk is kept, so a restarted sandbox keeps its pull requests' commits. Branch moves
 * are events: the reconciler follows them.
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../scenario.ts';
import { BareRepo, git, parsePerson, type Person } from './git.ts';

export interface RepoPath {
  host: string;
  owner: string;
  name: string;
}

/**
 * Any repository URL form Argo CD accepts (argo-cd util/git: https with a port or on an IP,
 * `ssh://`, scp-like `git@host:org/repo`, with or without `.git`) → host, owner, name. The owner is
 * the first path segment and the name the rest (GitLab groups nest), or the host and the one
 * segment when the path has only one (`http://10.42.0.1:30002/testdata.git`).
 */
export function parseRepoURL(url: string): RepoPath | undefined {
  const u = url.trim();
  let host: string;
  let path: string;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(u);
  if (scp && !/^[a-z][a-z+.-]*:\/\//i.test(u)) {
    host = scp[1] as string;
    path = scp[2] as string;
  } else {
    const m = /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.+)$/i.exec(u);
    if (!m) return undefined;
    host = m[1] as string;
    path = m[2] as string;
  }
  const parts = path
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  const h = host.toLowerCase();
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return { host: h, owner: h, name: parts[0] as string };
  return { host: h, owner: parts[0] as string, name: parts.slice(1).join('/') };
}

export const repoKey = (p: RepoPath): string => `${p.owner}/${p.name}`.toLowerCase();

export interface BranchMoved {
  url: string;
  branch: string;
  from?: string;
  to: string;
}

const SANDBOX: Omit<Person, 'date'> = { name: 'deckhand-sandbox', email: 'sandbox@deckhand.dev' };

export class SandboxRepo {
  readonly url: string;
  readonly path: RepoPath;
  readonly git: BareRepo;
  readonly defaultBranch: string;
  private readonly host: GitRepos;

  constructor(host: GitRepos, url: string, path: RepoPath, dir: string, defaultBranch: string) {
    this.host = host;
    this.url = url;
    this.path = path;
    this.git = new BareRepo(dir);
    this.defaultBranch = defaultBranch;
  }

  /** Move a branch with compare-and-swap, announcing the move. */
  async moveBranch(branch: string, to: string, expected?: string | null): Promise<boolean> {
    this.moving++;
    try {
      const before = (await this.git.branches()).get(branch);
      const ok = await this.git.updateRef(
        `refs/heads/${branch}`,
        to,
        expected === undefined ? (before ?? undefined) : expected,
      );
      if (ok) this.seen?.set(branch, to);
      if (ok && before !== to)
        this.host.emit('branch-moved', { url: this.url, branch, from: before, to } satisfies BranchMoved);
      return ok;
    } finally {
      this.moving--;
      this.moves++;
    }
  }

  /** Branch heads as last announced; undefined until the first look (nothing to compare with). */
  private seen?: Map<string, string>;
  /** Moves made here (under way, and done), so that a look that overlapped one is not taken as the truth. */
  private moving = 0;
  private moves = 0;

  /**
   * Announce the branches that moved since the last look without going through moveBranch: a
   * `git push` into the repository from outside. The first look only takes note. Cheap when
   * nothing moved: the branch list is answered from the read cache until a ref file changes.
   */
  async notice(): Promise<BranchMoved[]> {
    if (this.moving) return [];
    const moves = this.moves;
    const now = await this.git.branches();
    // A move made here while the list was read announces itself: look again next time.
    if (this.moving || moves !== this.moves) return [];
    const seen = this.seen;
    this.seen = new Map(now);
    if (!seen) return [];
    const found: BranchMoved[] = [];
    for (const [branch, to] of now) {
      const from = seen.get(branch);
      if (from === to) continue;
      const e: BranchMoved = { url: this.url, branch, ...(from ? { from } : {}), to };
      found.push(e);
      // A listener that throws must not keep the other moves from being heard.
      try {
        this.host.emit('branch-moved', e);
      } catch {
        /* the listener's own failure */
      }
    }
    return found;
  }
}

export class GitRepos extends EventEmitter {
  private readonly byKey = new Map<string, SandboxRepo>();
  readonly dataDir: string;

  constructor(dataDir: string) {
    super();
    this.setMaxListeners(0);
    this.dataDir = dataDir;
  }

  all(): SandboxRepo[] {
    return [...this.byKey.values()];
  }

  /**
   * Look for pushes from outside every `everyMs` (as Argo CD does when the Git host's webhook
   * reaches it: at once; without one it polls every `timeout.reconciliation`, 180 s by default).
   * A failed look is reported to `onError` and the next one tries again.
   */
  watch(everyMs: number, onError: (err: unknown) => void = () => undefined): { stop(): void } {
    let running = false;
    const look = async () => {
      if (running) return;
      running = true;
      try {
        for (const r of this.all())
          await r.notice().catch((err: unknown) => {
            try {
              onError(err);
            } catch {
              /* a failing reporter must not end the watch */
            }
          });
      } finally {
        running = false;
      }
    };
    void look();
    const timer = setInterval(() => void look(), everyMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  get(url: string): SandboxRepo | undefined {
    const p = parseRepoURL(url);
    return p ? this.byKey.get(repoKey(p)) : undefined;
  }

  byOwnerName(owner: string, name: string): SandboxRepo | undefined {
    return this.byKey.get(`${owner}/${name}`.toLowerCase());
  }

  /** Create (or reopen) the repositories of a scenario. `shiftMs` moves history dates like every other time. */
  async seed(entries: Scenario['git'], shiftMs = 0): Promise<void> {
    for (const def of entries) {
      const path = parseRepoURL(def.url);
      if (!path) throw new Error(`git.url ${def.url} is not a repository URL`);
      const dir = join(this.dataDir, 'repos', path.owner, `${path.name}.git`);
      const repo = new SandboxRepo(this, def.url, path, dir, def.branch);
      this.byKey.set(repoKey(path), repo);
      if (existsSync(join(dir, 'HEAD'))) continue;
      mkdirSync(dir, { recursive: true });
      await repo.git.init();
      const date = (d: string | undefined, i: number) =>
        new Date((d ? Date.parse(d) : Date.UTC(2026, 0, 1) + i * 3_600_000) + shiftMs)
          .toISOString()
          .replace('.000Z', 'Z');
      const commits: { message: string; author: Person; committer: Person; files: Map<string, string> }[] =
        [];
      let files = new Map<string, string>();
      for (const [i, h] of def.history.entries()) {
        files = new Map(files);
        for (const [p, content] of Object.entries(h.files)) {
          if (content === null) files.delete(p);
          else files.set(p, content);
        }
        const author = parsePerson(h.author, date(h.date, i));
        commits.push({ message: h.message, author, committer: { ...SANDBOX, date: author.date }, files });
      }
      const wanted = new Map(Object.entries(def.files));
      const same =
        commits.length > 0 && wanted.size === files.size && [...wanted].every(([p, c]) => files.get(p) === c);
      // When the history already ends at the files, that commit is the head (revision expressions rely on it).
      if (!same && (wanted.size || !commits.length)) {
        const at = { ...SANDBOX, date: date(undefined, def.history.length) };
        commits.push({ message: 'Sync working tree', author: at, committer: at, files: wanted });
      }
      await repo.git.importHistory(`refs/heads/${def.branch}`, commits);
      // A bare repository's HEAD names the default branch.
      await git(dir, ['symbolic-ref', 'HEAD', `refs/heads/${def.branch}`]);
    }
  }

  /** A revision expression (HEAD, HEAD~2, a branch, a short sha) as a full sha. */
  async resolve(url: string, rev: string): Promise<string | undefined> {
    const repo = this.get(url);
    if (!repo) return undefined;
    return repo.git.resolve(
      rev === 'HEAD' ? repo.defaultBranch : rev.replace(/^HEAD(?=[~^])/, repo.defaultBranch),
    );
  }

  /** Several revision expressions of one repository at once (one git process). */
  async resolveMany(url: string, revs: string[]): Promise<Map<string, string>> {
    const repo = this.get(url);
    if (!repo) return new Map();
    const expr = (rev: string) =>
      rev === 'HEAD' ? repo.defaultBranch : rev.replace(/^HEAD(?=[~^])/, repo.defaultBranch);
    const found = await repo.git.resolveMany(revs.map(expr));
    return new Map(revs.flatMap((r) => (found.has(expr(r)) ? [[r, found.get(expr(r)) as string]] : [])));
  }

  /** Commit metadata as Argo CD's revision metadata endpoint answers it. */
  async metadata(
    url: string,
    rev: string,
  ): Promise<{ author: string; date: string; message: string; tags?: string[] } | undefined> {
    const repo = this.get(url);
    const sha = repo ? await repo.git.resolve(rev) : undefined;
    const c = sha ? await repo?.git.commit(sha) : undefined;
    return c
      ? { author: `${c.author.name} <${c.author.email}>`, date: c.author.date, message: c.message }
      : undefined;
  }

  async files(url: string, rev: string): Promise<Map<string, string>> {
    const repo = this.get(url);
    if (!repo) throw new Error(`no sandbox repository for ${url}`);
    const sha = await this.resolve(url, rev);
    if (!sha) throw new Error(`revision ${rev} is not in ${url}`);
    return repo.git.snapshot(sha);
  }
}
