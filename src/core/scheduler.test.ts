import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BootError } from './errors.ts';
import { JobRunner } from './jobs.ts';
import { SingleProcessLeader, type Leader } from './leader.ts';
import { createLogger } from './logging.ts';
import { CronScheduler } from './scheduler.ts';
import { EventEmitter } from 'node:events';

const quietLog = () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(c: Buffer, _e, cb) {
      for (const l of c.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: createLogger({ stream, level: 'debug' }), lines };
};

afterEach(() => {
  vi.useRealTimers();
});

describe('cron scheduling', () => {
  it('refuses a malformed expression or time zone at registration, naming the job', () => {
    const jobs = new JobRunner(quietLog().log);
    expect(() => jobs.add('digest', { id: 'digest.bad', cron: '61 * * * *', run: async () => {} })).toThrow(
      BootError,
    );
    expect(() =>
      jobs.add('digest', {
        id: 'digest.tz',
        cron: '0 9 * * *',
        timeZone: 'Mars/Olympus',
        run: async () => {},
      }),
    ).toThrow(/unknown time zone 'Mars\/Olympus'/);
  });

  it('fires at 09:00 local time on both sides of a DST change', async () => {
    // Europe/Berlin leaves summer time on Sunday 25 October 2026: 09:00 is 07:00Z before, 08:00Z after.
    vi.useFakeTimers({
      now: new Date('2026-10-24T06:00:00Z'),
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    const { log } = quietLog();
    const jobs = new JobRunner(log);
    const fired: string[] = [];
    jobs.add('digest', {
      id: 'digest.morning',
      cron: '0 9 * * *',
      timeZone: 'Europe/Berlin',
      run: async () => {
        fired.push(new Date().toISOString());
      },
    });
    const scheduler = new CronScheduler(jobs, new SingleProcessLeader(), log);
    scheduler.start();
    expect(scheduler.next('digest.morning')?.toISOString()).toBe('2026-10-24T07:00:00.000Z');
    await vi.advanceTimersByTimeAsync(3 * 24 * 3600_000);
    await scheduler.stop();
    expect(fired.map((t) => t.slice(0, 16))).toEqual([
      '2026-10-24T07:00',
      '2026-10-25T08:00',
      '2026-10-26T08:00',
    ]);
  });

  it('skips a run while the previous one is still going, and logs it', async () => {
    const { log, lines } = quietLog();
    const jobs = new JobRunner(log);
    let release: () => void = () => {};
    jobs.add('digest', { id: 'digest.slow', run: () => new Promise<void>((r) => (release = r)) });
    const first = jobs.runNow('digest.slow');
    expect(await jobs.runNow('digest.slow')).toBe('skipped-overlap');
    release();
    expect(await first).toBe('ok');
    expect(
      lines.some((l) => l.job === 'digest.slow' && String(l.msg).includes('previous run still in progress')),
    ).toBe(true);
  });

  it('runs leader-only jobs on the leader only', async () => {
    vi.useFakeTimers({
      now: new Date('2026-11-24T08:59:00Z'),
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    const { log } = quietLog();
    const jobs = new JobRunner(log);
    let runs = 0;
    jobs.add('digest', { id: 'digest.x', cron: '0 9 * * *', timeZone: 'UTC', run: async () => void runs++ });
    const follower = Object.assign(new EventEmitter(), {
      identity: 'b',
      isLeader: () => false,
      start: async () => {},
      stop: async () => {},
    }) as unknown as Leader;
    const scheduler = new CronScheduler(jobs, follower, log);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    await scheduler.stop();
    expect(runs).toBe(0);
  });
});
