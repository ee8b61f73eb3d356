import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
    expect((err as DirLockedError).hint).toMatch(
      /^Run a second demo with --data-dir\. If no such process runs any more, delete \S+deckhand\.lock\.$/,
    );
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toEqual(other);
  });

  it('takes over the lock of a process that is gone, and gives it back on release', () => {
    const dir = fresh();
    // A pid that existed and ended: a finished child process's.
    const gone = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']));
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: gone, what: 'old', since: 'then' }));
    const lock = lockDir(dir, 'deckhand start', '');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    // The same process may take it again; the first lock's release leaves the second one's.
    const again = lockDir(dir, 'again', '');
    lock.release();
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).what).toBe('again');
    again.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('never takes a lock that is being written (unreadable and young); takes an abandoned one', () => {
    const dir = fresh();
    writeFileSync(join(dir, LOCK_FILE), '');
    expect(() => lockDir(dir, 'second', '')).toThrow(DirLockedError);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, LOCK_FILE), old, old);
    lockDir(dir, 'third', '').release();
  });

  it('of processes racing for a stale lock, exactly one wins', async () => {
    const lib = join(import.meta.dirname, 'dir-lock.ts');
    // Each racer says it is ready, waits for "go", tries, says how it went, and holds on until
    // "done": nobody lets go before everyone has tried.
    const racer = `
      const { existsSync, writeFileSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { lockDir } = await import(${JSON.stringify(lib)});
      const [dir, signals] = process.argv.slice(1);
      const until = async (f) => { while (!existsSync(join(signals, f))) await new Promise((r) => setTimeout(r, 5)); };
      writeFileSync(join(signals, 'ready-' + process.pid), '');
      await until('go');
      let result = 'lost';
      // Why it lost, for a failure to say: another's lock, or something else (an I/O error).
      try { lockDir(dir, 'racer', ''); result = 'won'; } catch (e) { result = 'lost: ' + (e.code ?? '') + ' ' + e.message; }
      writeFileSync(join(signals, 'result-' + process.pid), result);
      await until('done');`;
    for (let round = 0; round < 3; round++) {
      const dir = fresh();
      const signals = fresh();
      const gone = Number(
        execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']),
      );
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: gone, what: 'crashed', since: 'then' }));
      const racers = Array.from({ length: 4 }, () =>
        promisify(execFile)(process.execPath, ['--input-type=module', '-e', racer, dir, signals]),
      );
      const files = (prefix: string) => readdirSync(signals).filter((f) => f.startsWith(prefix));
      while (files('ready-').length < 4) await new Promise((r) => setTimeout(r, 10));
      writeFileSync(join(signals, 'go'), '');
      while (files('result-').length < 4) await new Promise((r) => setTimeout(r, 10));
      const results = files('result-').map((f) => readFileSync(join(signals, f), 'utf8'));
      writeFileSync(join(signals, 'done'), '');
      await Promise.all(racers);
      expect(
        results.filter((r) => r === 'won'),
        results.join('\n'),
      ).toHaveLength(1);
    }
  }, 30_000);
});
