/**
 * One process per directory. A lock file names the process that holds the directory and what it
 * runs, so a second start can say who is there and refuse before it touches anything. A lock
 * whose process is gone is taken over: a crash must not block the next start.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeckError } from './errors.ts';

export const LOCK_FILE = 'deckhand.lock';
/** Held only while a stale lock is replaced, so two processes cannot both replace it. */
const TAKEOVER_FILE = 'deckhand.lock.takeover';
/** A lock or takeover file this old whose process is gone (or that cannot be read) is garbage. */
const ABANDONED_MS = 10_000;

export interface Holder {
  pid: number;
  what: string;
  since: string;
  /** This lock's own: release removes the file only if it still holds this token. */
  token?: string;
}

export class DirLockedError extends DeckError {
  readonly holder: Holder;
  constructor(dir: string, holder: Holder, hint: string) {
    super(
      'DECK_DIR_LOCKED',
      `${dir} is in use by process ${holder.pid} (${holder.what}, since ${holder.since}).`,
      { hint: `${hint} If no such process runs any more, delete ${join(dir, LOCK_FILE)}.` },
    );
    this.holder = holder;
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else — still alive.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

function holderOf(file: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Holder;
    return Number.isInteger(h.pid) ? h : undefined;
  } catch {
    return undefined;
  }
}

const ageMs = (file: string): number => {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
};

/** A lock nobody holds: its process is gone (or it is this process's own, from before). */
const stale = (file: string, h: Holder | undefined): boolean =>
  h ? h.pid === process.pid || !alive(h.pid) : ageMs(file) > ABANDONED_MS;

/**
 * Take the directory for this process, or throw DirLockedError naming who has it. `hint` tells
 * the person how to run a second one. The lock goes when `release` is called or the process exits.
 *
 * The record is written to a file of this process's own and hard-linked into place: the link
 * fails when a lock exists, and a lock never exists half-written. A stale lock is replaced only
 * under the takeover file (created exclusively), after reading it again there.
 */
export function lockDir(dir: string, what: string, hint: string): { release(): void } {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const me: Holder = { pid: process.pid, what, since: new Date().toISOString(), token: randomUUID() };
  const mine = join(dir, `.${LOCK_FILE}.${me.token}`);
  writeFileSync(mine, JSON.stringify(me) + '\n');
  try {
    // Racing for a stale lock, a process waits while another replaces it, rather than giving up
    // after a few tries: the one replacing it may be slow (a busy machine) and on its own last try,
    // and then nobody would win. It gives up only when the lock keeps coming back for seconds.
    const until = Date.now() + TAKEOVER_WAIT_MS;
    while (Date.now() < until) {
      try {
        linkSync(mine, file);
        return held(file, me);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = holderOf(file);
      if (!stale(file, holder))
        throw new DirLockedError(dir, holder ?? { pid: 0, what: 'a lock being written', since: 'now' }, hint);
      if (!takeOver(dir, file, holder)) pause(5 + Math.floor(Math.random() * 10));
    }
  } finally {
    rmSync(mine, { force: true });
  }
  throw new DeckError('DECK_DIR_LOCKED', `Could not take ${dir}: its lock file keeps coming back.`);
}

/** How long a process keeps trying to replace a stale lock that others are replacing too. */
const TAKEOVER_WAIT_MS = 5_000;

/** Wait without returning to the event loop: taking the lock is synchronous, at start. */
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Remove a stale lock, unless someone else is replacing it or it changed meanwhile. False when
 * another process holds the takeover: it is worth waiting a moment before looking again.
 */
function takeOver(dir: string, file: string, seen: Holder | undefined): boolean {
  const guard = join(dir, TAKEOVER_FILE);
  // Only a guard that exists and is old: "missing" reads as infinitely old, and removing it then
  // would remove the guard another process creates in between — both would replace the lock, and
  // the second would delete the first's new one (two winners, seen under load).
  const guardAge = ageMs(guard);
  if (Number.isFinite(guardAge) && guardAge > ABANDONED_MS) rmSync(guard, { force: true });
  try {
    writeFileSync(guard, String(process.pid), { flag: 'wx' });
  } catch {
    return false; // another process is replacing it: a later link attempt sees its lock
  }
  try {
    const now = holderOf(file);
    // No file means nothing to replace: the winner's link may land between a check and the rm.
    const unchanged = now ? now.token === seen?.token && now.pid === seen?.pid : !seen && existsSync(file);
    if (unchanged && stale(file, now)) rmSync(file, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
  return true;
}

function held(file: string, me: Holder): { release(): void } {
  let holding = true;
  const release = () => {
    if (!holding) return;
    holding = false;
    process.off('exit', release);
    // Only our own lock: a later one (another process's, or this process's next) stays.
    if (holderOf(file)?.token === me.token) rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { release };
}

/** Who holds the directory now, if a live process does: to say so before trying anything else. */
export function lockHolder(dir: string): Holder | undefined {
  const holder = holderOf(join(dir, LOCK_FILE));
  return holder && holder.pid !== process.pid && alive(holder.pid) ? holder : undefined;
}
