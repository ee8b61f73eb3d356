/**
 * One process per directory. A lock file created exclusively (O_EXCL) names the process that
 * holds the directory and what it runs, so a second start can say who is there and refuse before
 * it touches anything. A lock whose process is gone is taken over: a crash must not block the
 * next start.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeckError } from './errors.ts';

export const LOCK_FILE = 'deckhand.lock';

export interface Holder {
  pid: number;
  what: string;
  since: string;
}

export class DirLockedError extends DeckError {
  readonly holder: Holder;
  constructor(dir: string, holder: Holder, hint: string) {
    super(
      'DECK_DIR_LOCKED',
      `${dir} is in use by process ${holder.pid} (${holder.what}, since ${holder.since}).`,
      {
        hint,
      },
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

/**
 * Take the directory for this process, or throw DirLockedError naming who has it. `hint` tells
 * the person how to run a second one. The lock goes when `release` is called or the process exits.
 */
export function lockDir(dir: string, what: string, hint: string): { release(): void } {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const me: Holder = { pid: process.pid, what, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(me) + '\n', { flag: 'wx' });
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        process.off('exit', release);
        if (holderOf(file)?.pid === process.pid) rmSync(file, { force: true });
      };
      process.on('exit', release);
      return { release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = holderOf(file);
      if (holder && holder.pid !== process.pid && alive(holder.pid))
        throw new DirLockedError(dir, holder, hint);
      // A stale lock (its process is gone, or unreadable): take it over once.
      rmSync(file, { force: true });
    }
  }
  throw new DeckError('DECK_DIR_LOCKED', `Could not take ${dir}: its lock file keeps coming back.`);
}

/** Who holds the directory now, if a live process does: to say so before trying anything else. */
export function lockHolder(dir: string): Holder | undefined {
  const holder = holderOf(join(dir, LOCK_FILE));
  return holder && holder.pid !== process.pid && alive(holder.pid) ? holder : undefined;
}
