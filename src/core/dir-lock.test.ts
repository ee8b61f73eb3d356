import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirLockedError, LOCK_FILE, lockDir } from './dir-lock.ts';

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'deckhand-lock-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('lockDir', () => {
  it('refuses a directory another live process holds, naming it, and touches nothing', () => {
    const dir = fresh();
    // The test runner's parent is alive for as long as this test runs.
    const other = { pid: process.ppid, what: 'deckhand start', since: '2026-12-06T08:00:00.000Z' };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(other));
    let err: unknown;
    try {
      lockDir(dir, 'deckhand start', 'Run a second demo with --data-dir.');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DirLockedError);
    expect((err as Error).message).toContain(`process ${process.ppid} (deckhand start`);
    expect((err as DirLockedError).hint).toBe('Run a second demo with --data-dir.');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toEqual(other);
  });

  it('takes over the lock of a process that is gone, and gives it back on release', () => {
    const dir = fresh();
    // A pid that existed and ended: a finished child process's.
    const gone = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']));
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: gone, what: 'old', since: 'then' }));
    const lock = lockDir(dir, 'deckhand start', '');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    expect(() => lockDir(dir, 'again', '')).not.toThrow(); // the same process may take it again
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});
