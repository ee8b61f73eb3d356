/**
 * Cron for declared jobs. node-cron parses and validates the expressions; the firing times are
 * computed here, in the job's time zone, and a clock (`Timers`) drives them, so tests move time
 * instead of waiting. Each run goes through the JobRunner, which refuses overlapping runs of the
 * same job and logs them. Jobs marked leaderOnly run only on the elected leader, so several
 * replicas post one digest.
 *
 * Daylight saving time, as cron daemons (Vixie cron, cronie) handle it:
 * - a local time that does not exist (the hour skipped in spring) fires when the clock jumps,
 *   so a 02:30 digest runs at 03:00 that day instead of being skipped;
 * - a local time that occurs twice (the hour repeated in autumn) fires once, the first time —
 *   unless the hour field is `*`: then the job follows real time and fires in both passes, so a
 *   sweep every 15 minutes has no hour-long hole.
 * node-cron's own timer does neither (it skips the day, and drops the repeated hour), and it
 * drops a run that fires more than a second late; here a late run runs once, with a warning.
 */
import { parse, validateDetailed, type ParsedFields } from 'node-cron';
import { BootError } from './errors.ts';
import type { JobRunner, RegisteredJob } from './jobs.ts';
import type { Leader } from './leader.ts';
import type { Logger } from './logging.ts';

/** Time and timers for the scheduler: the system's by default, a fake clock in tests. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The global timers, looked up at each call (so vitest's fake timers apply too). */
export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Offsets lie within UTC-12..UTC+14; a little more covers historic local mean times. */
const MAX_OFFSET = 15 * HOUR;
/** How far ahead to look for a match (Feb 29 on a Monday is ~28 years away at worst). */
const SEARCH_DAYS = 366 * 30;

const partsFormatters = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsFormatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time of an instant in a time zone, as milliseconds of a UTC date with those fields. */
function wallOf(t: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const { type, value } of partsFormatter(timeZone).formatToParts(t)) p[type] = Number(value);
  const s = Math.floor(t / 1000) * 1000;
  return Date.UTC(p.year as number, (p.month as number) - 1, p.day, p.hour, p.minute, p.second) + (t - s);
}

/** The zone's UTC offset at an instant (wall minus UTC). */
const offsetAt = (t: number, timeZone: string) => wallOf(t, timeZone) - t;

const lastDayOfMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The weekday nearest to a day of the month, within the month (the `W` of `15W`). */
function nearestWeekday(year: number, month: number, target: number): number {
  const last = lastDayOfMonth(year, month);
  if (target < 1 || target > last) return -1;
  const weekday = new Date(Date.UTC(year, month - 1, target)).getUTCDay();
  if (weekday === 6) return target === 1 ? target + 2 : target - 1;
  if (weekday === 0) return target === last ? target - 2 : target + 1;
  return target;
}

/** node-cron's day rules: day of month AND day of week (with L, W, L-n, n#k and nL). */
function dayMatches(f: ParsedFields, year: number, month: number, day: number): boolean {
  if (!f.month.includes(month)) return false;
  const last = lastDayOfMonth(year, month);
  const dom = f.dayOfMonth.some((v) => {
    if (v === day) return true;
    if (typeof v !== 'string') return false;
    if (v === 'L') return day === last;
    const w = /^(\d{1,2}|L)W$/.exec(v);
    if (w) return nearestWeekday(year, month, w[1] === 'L' ? last : Number(w[1])) === day;
    const off = /^L-(\d{1,2})$/.exec(v);
    return !!off && last - Number(off[1]) >= 1 && last - Number(off[1]) === day;
  });
  if (!dom) return false;
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return f.dayOfWeek.some((v) => {
    if (v === weekday) return true;
    if (typeof v !== 'string') return false;
    const nth = /^([0-7])#([1-5])$/.exec(v);
    if (nth) return Number(nth[1]) % 7 === weekday && Math.floor((day - 1) / 7) + 1 === Number(nth[2]);
    const lastOf = /^([0-7])L$/.exec(v);
    return !!lastOf && Number(lastOf[1]) % 7 === weekday && day + 7 > last;
  });
}

/** A cron expression in a time zone: when it fires next. */
export class CronSchedule {
  readonly expression: string;
  readonly timeZone: string;
  private readonly f: ParsedFields;
  private readonly seconds: number[];
  private readonly minutes: number[];
  private readonly hours: number[];
  /** `*` hours: the job follows real time through a repeated hour. */
  private readonly everyHour: boolean;

  constructor(expression: string, timeZone = 'UTC') {
    this.expression = expression;
    this.timeZone = timeZone;
    this.f = parse(expression);
    const asc = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);
    this.seconds = asc(this.f.second);
    this.minutes = asc(this.f.minute);
    this.hours = asc(this.f.hour);
    this.everyHour = this.hours.length === 24;
  }

  /** The first instant strictly after `after` (epoch ms) at which it fires; null if it never does. */
  next(after: number): number | null {
    const startDay = Math.floor(wallOf(after, this.timeZone) / DAY) * DAY - DAY;
    let best: number | null = null;
    for (let i = 0, day = startDay; i < SEARCH_DAYS; i++, day += DAY) {
      // Nothing on this or a later local day can come before an instant already found.
      if (best !== null && day - MAX_OFFSET > best) break;
      const d = new Date(day);
      if (!dayMatches(this.f, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())) continue;
      const found = this.firstOnDay(day, after, best);
      if (found !== null && (best === null || found < best)) best = found;
    }
    return best;
  }

  /**
   * The earliest firing after `after` among the wall times of one local day (`day`: its midnight
   * as a UTC date). A day holds at most one offset change, found to the second.
   */
  private firstOnDay(day: number, after: number, bound: number | null): number | null {
    const tz = this.timeZone;
    const before = offsetAt(day - MAX_OFFSET, tz);
    const afterward = offsetAt(day + DAY + MAX_OFFSET, tz);
    let change = Infinity;
    if (before !== afterward) {
      let lo = day - MAX_OFFSET;
      let hi = day + DAY + MAX_OFFSET;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (offsetAt(mid, tz) === before) lo = mid;
        else hi = mid;
      }
      change = hi;
    }
    const minOff = Math.min(before, afterward);
    const maxOff = Math.max(before, afterward);
    let best = bound;
    for (const h of this.hours) {
      const hourWall = day + h * HOUR;
      if (hourWall + HOUR - 1 - minOff <= after) continue;
      if (best !== null && hourWall - maxOff > best) break;
      for (const m of this.minutes) {
        const minuteWall = hourWall + m * 60_000;
        if (minuteWall + 59_999 - minOff <= after) continue;
        if (best !== null && minuteWall - maxOff > best) break;
        for (const s of this.seconds) {
          const wall = minuteWall + s * 1000;
          // Every instant of this wall time (and of the later ones) lies in [wall - maxOff, wall - minOff].
          if (wall - minOff <= after) continue;
          if (best !== null && wall - maxOff > best) break;
          for (const t of this.instantsOf(wall, before, afterward, change))
            if (t > after && (best === null || t < best)) best = t;
        }
      }
    }
    return best === bound ? null : best;
  }

  /** When a wall time fires: once normally, at the jump in a gap, once or twice in an overlap. */
  private instantsOf(wall: number, before: number, afterward: number, change: number): number[] {
    if (change === Infinity) return [wall - before];
    const first = wall - before;
    const second = wall - afterward;
    const firstValid = first < change;
    const secondValid = second >= change;
    if (firstValid && secondValid) return this.everyHour ? [first, second] : [first];
    if (firstValid) return [first];
    if (secondValid) return [second];
    return [change];
  }
}

/** Refuse a bad expression, a time zone or a schedule that never fires, naming the job and the field. */
export function validateSchedule(job: { id: string; cron?: string; timeZone?: string }): void {
  if (!job.cron) return;
  const v = validateDetailed(job.cron);
  if (!v.valid) {
    const why = v.errors
      .map((e) => `${e.field}${e.value !== undefined ? ` '${e.value}'` : ''}: ${e.message}`)
      .join('; ');
    throw new BootError(`Job ${job.id}: invalid cron expression '${job.cron}' (${why})`);
  }
  if (job.timeZone) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: job.timeZone });
    } catch {
      throw new BootError(`Job ${job.id}: unknown time zone '${job.timeZone}'`);
    }
  }
  if (new CronSchedule(job.cron, job.timeZone).next(Date.now()) === null)
    throw new BootError(`Job ${job.id}: cron expression '${job.cron}' never fires`);
}

/** Sleep at most this long between looks at the clock, so a clock that jumps is noticed. */
const MAX_SLEEP_MS = 60_000;
/** How many missed slots a late wake-up counts before it stops counting. */
const MISSED_COUNT_LIMIT = 1_000;

interface Armed {
  job: RegisteredJob;
  schedule: CronSchedule;
  /** The slot it waits for (epoch ms); null when the expression never fires again. */
  at: number | null;
  timer?: unknown;
}

export class CronScheduler {
  private readonly armed = new Map<string, Armed>();
  private readonly jobs: JobRunner;
  private readonly leader: Leader;
  private readonly log: Logger;
  private readonly timers: Timers;
  private stopped = false;

  constructor(jobs: JobRunner, leader: Leader, log: Logger, timers: Timers = systemTimers) {
    this.jobs = jobs;
    this.leader = leader;
    this.log = log;
    this.timers = timers;
  }

  start(): void {
    this.stopped = false;
    for (const job of this.jobs.all()) {
      if (!job.cron || this.armed.has(job.id)) continue;
      const schedule = new CronSchedule(job.cron, job.timeZone ?? 'UTC');
      const a: Armed = { job, schedule, at: schedule.next(this.timers.now()) };
      this.armed.set(job.id, a);
      this.arm(a);
    }
  }

  private arm(a: Armed): void {
    if (this.stopped || a.at === null) return;
    const delay = Math.max(0, Math.min(a.at - this.timers.now(), MAX_SLEEP_MS));
    a.timer = this.timers.setTimeout(() => this.wake(a), delay);
  }

  private wake(a: Armed): void {
    if (this.stopped || a.at === null) return;
    const now = this.timers.now();
    if (now < a.at) return this.arm(a);
    const slot = a.at;
    // Slots that passed while the process could not run (suspended, clock jump) run once, now.
    let missed = 0;
    for (let t = a.schedule.next(slot); t !== null && t <= now && missed < MISSED_COUNT_LIMIT;) {
      missed++;
      t = a.schedule.next(t);
    }
    if (missed)
      this.log.warn(
        { job: a.job.id, missed, lateMs: now - slot },
        'scheduled runs were missed (the process could not run); running once now',
      );
    a.at = a.schedule.next(now);
    this.arm(a);
    this.fire(a.job, slot).catch((err: unknown) =>
      this.log.error({ job: a.job.id, err }, 'scheduled run could not start'),
    );
  }

  private async fire(job: RegisteredJob, slot: number): Promise<void> {
    if ((job.leaderOnly ?? true) && !this.leader.isLeader()) {
      this.log.debug(
        { job: job.id, slot: new Date(slot).toISOString() },
        'not the leader; scheduled run skipped',
      );
      return;
    }
    // The JobRunner refuses (and logs) a run while the previous one of the same job still runs.
    await this.jobs.runNow(job.id, 'schedule');
  }

  /** When the job fires next (for `/schedules`). */
  next(id: string): Date | null {
    const at = this.armed.get(id)?.at;
    return at === undefined || at === null ? null : new Date(at);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const a of this.armed.values()) if (a.timer !== undefined) this.timers.clearTimeout(a.timer);
    this.armed.clear();
  }
}
