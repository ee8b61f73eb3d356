import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { createTask } from 'node-cron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BootError } from './errors.ts';
import { JobRunner } from './jobs.ts';
import { SingleProcessLeader, type Leader } from './leader.ts';
import { createLogger } from './logging.ts';
import { CronScheduler, CronSchedule, type Timers } from './scheduler.ts';

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

/** A clock the test moves: timers fire in order as time passes, and async work settles between them. */
class FakeClock implements Timers {
  private t: number;
  private seq = 0;
  private queue: { at: number; seq: number; fn: () => void }[] = [];

  constructor(start: string) {
    this.t = Date.parse(start);
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.queue.push(timer);
    return timer;
  }
  clearTimeout(handle: unknown): void {
    this.queue = this.queue.filter((q) => q !== handle);
  }
  /** Move to `to`, firing every timer due on the way at its own time. */
  async advanceTo(to: string): Promise<void> {
    const end = Date.parse(to);
    for (;;) {
      const due = this.queue.filter((q) => q.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.queue = this.queue.filter((q) => q !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
  /** The clock jumps (a suspended VM resumes) without timers firing on the way. */
  jump(ms: number): void {
    this.t += ms;
  }
}

const settle = () => new Promise<void>((r) => setImmediate(r));

/** A scheduler on a fake clock with one job that records the instants it ran at. */
function clockedJob(
  start: string,
  cron: string,
  timeZone: string,
  run?: (clock: FakeClock) => Promise<void>,
) {
  const clock = new FakeClock(start);
  const { log, lines } = quietLog();
  const jobs = new JobRunner(log);
  const fired: string[] = [];
  jobs.add('digest', {
    id: 'digest.team',
    cron,
    timeZone,
    run: async () => {
      fired.push(new Date(clock.now()).toISOString().replace(':00.000Z', 'Z'));
      await run?.(clock);
    },
  });
  const scheduler = new CronScheduler(jobs, new SingleProcessLeader(), log, clock);
  scheduler.start();
  return { clock, scheduler, fired, lines };
}

describe('cron scheduling on a fake clock', () => {
  it('fires a 09:00 Europe/Berlin digest at 09:00 local time across both 2026 DST changes', async () => {
    const spring = clockedJob('2026-03-27T12:00:00Z', '0 9 * * *', 'Europe/Berlin');
    await spring.clock.advanceTo('2026-03-31T12:00:00Z');
    await spring.scheduler.stop();
    // CET (UTC+1) until Sunday 29 March 02:00, then CEST (UTC+2).
    expect(spring.fired).toEqual([
      '2026-03-28T08:00Z',
      '2026-03-29T07:00Z',
      '2026-03-30T07:00Z',
      '2026-03-31T07:00Z',
    ]);

    const autumn = clockedJob('2026-10-23T12:00:00Z', '0 9 * * *', 'Europe/Berlin');
    await autumn.clock.advanceTo('2026-10-27T12:00:00Z');
    await autumn.scheduler.stop();
    expect(autumn.fired).toEqual([
      '2026-10-24T07:00Z',
      '2026-10-25T08:00Z',
      '2026-10-26T08:00Z',
      '2026-10-27T08:00Z',
    ]);
  });

  it('fires a weekday 09:00 America/New_York digest at 09:00 local time across both 2026 DST changes', async () => {
    const spring = clockedJob('2026-03-05T12:00:00Z', '0 9 * * 1-5', 'America/New_York');
    await spring.clock.advanceTo('2026-03-10T14:00:00Z');
    await spring.scheduler.stop();
    // EST (UTC-5) until Sunday 8 March, EDT (UTC-4) after; no digest on the weekend.
    expect(spring.fired).toEqual([
      '2026-03-05T14:00Z',
      '2026-03-06T14:00Z',
      '2026-03-09T13:00Z',
      '2026-03-10T13:00Z',
    ]);

    const autumn = clockedJob('2026-10-29T12:00:00Z', '0 9 * * 1-5', 'America/New_York');
    await autumn.clock.advanceTo('2026-11-03T15:00:00Z');
    await autumn.scheduler.stop();
    expect(autumn.fired).toEqual([
      '2026-10-29T13:00Z',
      '2026-10-30T13:00Z',
      '2026-11-02T14:00Z',
      '2026-11-03T14:00Z',
    ]);
  });

  it('runs a job set inside the skipped hour when the clock jumps, and one inside the repeated hour once', async () => {
    const spring = clockedJob('2026-03-28T00:00:00Z', '30 2 * * *', 'Europe/Berlin');
    await spring.clock.advanceTo('2026-03-30T12:00:00Z');
    await spring.scheduler.stop();
    // 29 March has no 02:30 (02:00 CET becomes 03:00 CEST at 01:00Z): it runs at the jump.
    expect(spring.fired).toEqual(['2026-03-28T01:30Z', '2026-03-29T01:00Z', '2026-03-30T00:30Z']);

    const autumn = clockedJob('2026-10-24T00:00:00Z', '30 2 * * *', 'Europe/Berlin');
    await autumn.clock.advanceTo('2026-10-26T12:00:00Z');
    await autumn.scheduler.stop();
    // 25 October has 02:30 twice (00:30Z in CEST, 01:30Z in CET): it runs the first time only.
    expect(autumn.fired).toEqual(['2026-10-24T00:30Z', '2026-10-25T00:30Z', '2026-10-26T01:30Z']);
  });

  it('keeps a sweep every 30 minutes on real time through the repeated and the skipped hour', async () => {
    const autumn = clockedJob('2026-10-24T23:10:00Z', '*/30 * * * *', 'Europe/Berlin');
    await autumn.clock.advanceTo('2026-10-25T02:40:00Z');
    await autumn.scheduler.stop();
    expect(autumn.fired).toEqual([
      '2026-10-24T23:30Z',
      '2026-10-25T00:00Z', // 02:00 CEST
      '2026-10-25T00:30Z',
      '2026-10-25T01:00Z', // 02:00 CET, the hour again
      '2026-10-25T01:30Z',
      '2026-10-25T02:00Z',
      '2026-10-25T02:30Z',
    ]);
    const spring = clockedJob('2026-03-29T00:10:00Z', '*/30 * * * *', 'America/New_York');
    await spring.clock.advanceTo('2026-03-29T02:10:00Z');
    await spring.scheduler.stop();
    expect(spring.fired).toEqual([
      '2026-03-29T00:30Z',
      '2026-03-29T01:00Z',
      '2026-03-29T01:30Z',
      '2026-03-29T02:00Z',
    ]);
    const ny = clockedJob('2026-03-08T06:10:00Z', '*/30 * * * *', 'America/New_York');
    await ny.clock.advanceTo('2026-03-08T07:40:00Z');
    await ny.scheduler.stop();
    // 01:30 EST, then 03:00 EDT: 30 minutes of real time, no run lost or doubled.
    expect(ny.fired).toEqual(['2026-03-08T06:30Z', '2026-03-08T07:00Z', '2026-03-08T07:30Z']);
  });

  it('skips and logs a scheduled run while the previous run of the same schedule is still going', async () => {
    // Every minute; the first run takes 150 s, so the runs due at 09:01 and 09:02 find it busy.
    let calls = 0;
    const { clock, scheduler, fired, lines } = clockedJob('2026-11-24T08:59:30Z', '* * * * *', 'UTC', (c) =>
      ++calls === 1 ? new Promise<void>((r) => c.setTimeout(r, 150_000)) : Promise.resolve(),
    );
    await clock.advanceTo('2026-11-24T09:04:30Z');
    await scheduler.stop();
    expect(fired).toEqual(['2026-11-24T09:00Z', '2026-11-24T09:03Z', '2026-11-24T09:04Z']);
    const skipped = lines.filter(
      (l) => l.job === 'digest.team' && l.msg === 'previous run still in progress; this run is skipped',
    );
    expect(skipped).toHaveLength(2);
    expect(skipped.every((l) => l.trigger === 'schedule' && l.level === 40)).toBe(true);
  });

  it('runs once, with a warning, when the process wakes up after missing several slots', async () => {
    const { clock, scheduler, fired, lines } = clockedJob('2026-11-24T08:59:30Z', '*/5 * * * *', 'UTC');
    await clock.advanceTo('2026-11-24T09:00:10Z');
    clock.jump(17 * 60_000); // asleep from 09:00:10 to 09:17:10
    await clock.advanceTo('2026-11-24T09:21:00Z');
    await scheduler.stop();
    expect(fired).toEqual(['2026-11-24T09:00Z', '2026-11-24T09:17:10.000Z', '2026-11-24T09:20Z']);
    expect(lines.find((l) => String(l.msg).startsWith('scheduled runs were missed'))).toMatchObject({
      job: 'digest.team',
      missed: 2,
    });
  });

  it('reports the next run, and moves it on after each run', async () => {
    const { clock, scheduler } = clockedJob('2026-10-24T12:00:00Z', '0 9 * * *', 'Europe/Berlin');
    expect(scheduler.next('digest.team')?.toISOString()).toBe('2026-10-25T08:00:00.000Z');
    await clock.advanceTo('2026-10-25T08:00:01Z');
    expect(scheduler.next('digest.team')?.toISOString()).toBe('2026-10-26T08:00:00.000Z');
    expect(scheduler.next('digest.unknown')).toBeNull();
    await scheduler.stop();
  });

  it('refuses an expression that can never fire', () => {
    const jobs = new JobRunner(quietLog().log);
    expect(() =>
      jobs.add('digest', { id: 'digest.never', cron: '0 9 31 * 1#1', run: async () => {} }),
    ).toThrow(/never fires/);
  });
});

describe('CronSchedule', () => {
  const next = (cron: string, tz: string, after: string) =>
    new Date(new CronSchedule(cron, tz).next(Date.parse(after)) as number).toISOString();

  it('understands node-cron extensions: seconds, L, W, L-n, n#k and nL', () => {
    expect(next('*/10 * * * * *', 'UTC', '2026-11-24T09:00:05Z')).toBe('2026-11-24T09:00:10.000Z');
    expect(next('0 18 L * *', 'Asia/Tokyo', '2026-02-01T00:00:00Z')).toBe('2026-02-28T09:00:00.000Z');
    // 15 August 2026 is a Saturday: the nearest weekday is Friday the 14th.
    expect(next('0 9 15W * *', 'UTC', '2026-08-01T00:00:00Z')).toBe('2026-08-14T09:00:00.000Z');
    expect(next('0 9 L-2 * *', 'UTC', '2026-04-01T00:00:00Z')).toBe('2026-04-28T09:00:00.000Z');
    expect(next('0 9 * * 1#2', 'UTC', '2026-11-01T00:00:00Z')).toBe('2026-11-09T09:00:00.000Z');
    expect(next('0 9 * * 5L', 'UTC', '2026-11-01T00:00:00Z')).toBe('2026-11-27T09:00:00.000Z');
    expect(next('0 0 29 2 *', 'UTC', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('agrees with node-cron on when an expression fires, away from DST changes', () => {
    const list = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map(String);
    const field = (lo: number, hi: number) =>
      fc.oneof(
        fc.constant('*'),
        list(lo, hi),
        fc.integer({ min: 2, max: Math.max(2, Math.floor((hi - lo) / 2)) }).map((n) => `*/${n}`),
        fc
          .tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }))
          .map(([a, b]) => (a === b ? String(a) : `${Math.min(a, b)},${Math.max(a, b)}`)),
      );
    // Day of month or day of week is restricted, not both (node-cron requires both to match).
    const days = fc.oneof(
      fc.tuple(fc.oneof(field(1, 28), fc.constantFrom('L', '15W', 'L-3')), fc.constant('*')),
      fc.tuple(fc.constant('*'), fc.oneof(field(0, 6), fc.constantFrom('1#2', '5L', '1-5'))),
    );
    const expr = fc
      .tuple(field(0, 59), field(0, 59), field(0, 23), days, fc.oneof(fc.constant('*'), field(1, 12)))
      .map(([s, m, h, [dom, dow], mon]) => `${s} ${m} ${h} ${dom} ${mon} ${dow}`);
    const zone = fc.constantFrom(
      'UTC',
      'Europe/Berlin',
      'America/New_York',
      'Asia/Kolkata',
      'Australia/Sydney',
    );
    const start = fc.integer({
      min: Date.parse('2026-01-01T00:00:00Z') / 1000,
      max: Date.parse('2027-12-31T00:00:00Z') / 1000,
    });
    const offsets = (tz: string, a: number, b: number) =>
      new Set(
        [a, b, (a + b) / 2].map((t) =>
          new Intl.DateTimeFormat('en', { timeZone: tz, timeZoneName: 'longOffset' }).format(t),
        ),
      ).size;
    vi.useFakeTimers({ toFake: ['Date'] });
    fc.assert(
      fc.property(expr, zone, start, (cron, tz, sec) => {
        const after = sec * 1000;
        vi.setSystemTime(after);
        const task = createTask(cron, () => {}, { timezone: tz });
        const theirs = task.getNextRuns(1)[0]?.getTime() as number;
        void task.destroy();
        const ours = new CronSchedule(cron, tz).next(after) as number;
        // Across an offset change the two differ on purpose (see the DST tests above).
        if (
          offsets(tz, after, Math.max(ours, theirs)) > 1 ||
          Math.max(ours, theirs) - after > 200 * 86_400_000
        )
          return;
        expect(new Date(ours).toISOString()).toBe(new Date(theirs).toISOString());
      }),
      { numRuns: 300, seed: 10 },
    );
  });
});
