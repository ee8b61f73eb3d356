/**
 * What GitHub keeps besides Git: pull requests, comments, labels, reviews, commit statuses and
 * check runs, per repository. It is saved as one JSON file after every change (written to a
 * temporary name and renamed, so a crash never leaves half a file) and read back at start, so
 * pull requests survive a restart of the sandbox just as the bare repositories do.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ProtectionRecord } from './protection.ts';

export interface PullRecord {
  number: number;
  id: number;
  title: string;
  body: string | null;
  /** Branch names in the same repository (the sandbox has no forks). */
  head: string;
  base: string;
  /** Last known tips: refreshed while open, frozen when the pull request is closed or merged. */
  headSha: string;
  baseSha: string;
  state: 'open' | 'closed';
  draft: boolean;
  user: string;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergedBy: string | null;
}

export interface CommentRecord {
  id: number;
  issue: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface LabelRecord {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface ReviewRecord {
  id: number;
  pull: number;
  user: string;
  body: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'PENDING';
  commitId: string;
  submittedAt: string | null;
}

export interface StatusRecord {
  id: number;
  sha: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description: string | null;
  targetUrl: string | null;
  creator: string;
  createdAt: string;
}

export interface CheckRunRecord {
  id: number;
  headSha: string;
  name: string;
  status: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  detailsUrl: string | null;
  externalId: string | null;
  title: string | null;
  summary: string | null;
}

export interface RepoState {
  createdAt: string;
  /** Issues and pull requests share one sequence per repository, as on GitHub. */
  nextNumber: number;
  pulls: PullRecord[];
  comments: CommentRecord[];
  labels: LabelRecord[];
  reviews: ReviewRecord[];
  statuses: StatusRecord[];
  checkRuns: CheckRunRecord[];
  /** Repository webhooks (absent in a state file written before they existed). */
  hooks?: HookRecord[];
  /** Commits GitHub signed (an App's without a custom author or committer, merges): verified. */
  signed?: string[];
  /** Branch protection by branch name (protection.ts). */
  protections?: Record<string, ProtectionRecord>;
}

/** A repository webhook: where deliveries go, signed with its secret, for the events it names. */
export interface HookRecord {
  id: number;
  url: string;
  secret?: string;
  events: string[];
  active: boolean;
  createdAt: string;
}

interface StateFile {
  version: 1;
  nextId: number;
  repos: Record<string, RepoState>;
}

export class Store {
  private readonly file?: string;
  private data: StateFile = { version: 1, nextId: 1, repos: {} };
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(file?: string) {
    this.file = file;
    if (!file || !existsSync(file)) return;
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StateFile>;
    if (parsed.version !== 1 || typeof parsed.repos !== 'object' || !parsed.repos)
      throw new Error(`${file} is not a sandbox GitHub state file (version 1)`);
    this.data = { version: 1, nextId: Number(parsed.nextId) || 1, repos: parsed.repos };
  }

  /** The records of one repository (`owner/name`, case-insensitive), created on first use. */
  repo(key: string, now: string): RepoState {
    const k = key.toLowerCase();
    let r = this.data.repos[k];
    if (!r) {
      r = {
        createdAt: now,
        nextNumber: 1,
        pulls: [],
        comments: [],
        labels: [],
        reviews: [],
        statuses: [],
        checkRuns: [],
        hooks: [],
      };
      this.data.repos[k] = r;
    }
    return r;
  }

  /** Database ids are unique across the whole sandbox, like GitHub's. */
  nextId(): number {
    return this.data.nextId++;
  }

  save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 1));
    renameSync(tmp, this.file);
  }

  /**
   * Run `fn` after every earlier holder of `key` finished. Merges and ref changes check, then
   * write; serialising them per repository keeps two requests from both passing the check.
   */
  async lock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }
}
