/**
 * Work the bot does on its own (sweeps, reactions to Argo CD's watch, retries) never fails into
 * nothing and never floods the log. A loop's failures are one story: the first is logged as a
 * warning with an error id, repeats of it are quiet (debug) while the loop backs off, and the
 * recovery is said once with how long the outage lasted. A database restart then reads as three
 * lines, not one per tick per app.
 */
import { newErrorId } from './errors.ts';
import type { Logger } from './logging.ts';

/** The longest delay setTimeout honours; a longer one fires after 1 ms. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class LoopHealth {
  private readonly what: string;
  private readonly log: Logger;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private failing?: { since: number; errorId: string; count: number };

  /** `baseMs`: the loop's own period; while failing, runs are spaced up to `maxMs` apart. */
  constructor(what: string, log: Logger, opts: { baseMs?: number; maxMs?: number } = {}) {
    this.what = what;
    this.log = log;
    this.baseMs = opts.baseMs ?? 1_000;
    this.maxMs = opts.maxMs ?? 60_000;
    // A period that is not a number (a config section built by hand, missing its field), or one
    // beyond setTimeout's 2^31-1 ms (about 24.8 days), would make the loop run every millisecond:
    // refuse it where the mistake is made.
    const valid = (ms: number) => ms > 0 && ms <= MAX_TIMEOUT_MS;
    if (!valid(this.baseMs) || !valid(this.maxMs))
      throw new RangeError(
        `${what}: the loop's period must be a positive number of ms, not ${this.baseMs}/${this.maxMs}`,
      );
  }

  /** Run one pass of the loop's work; a failure is recorded here and never rethrown. */
  async run(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
      this.ok();
    } catch (err) {
      this.failed(err);
    }
  }

  failed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (!this.failing) {
      this.failing = { since: Date.now(), errorId: newErrorId(), count: 1 };
      this.log.warn(
        { err: message, errorId: this.failing.errorId },
        `${this.what} failed; retrying with backoff`,
      );
      return;
    }
    this.failing.count++;
    this.log.debug(
      { err: message, errorId: this.failing.errorId, failures: this.failing.count },
      `${this.what} failed again`,
    );
  }

  ok(): void {
    if (!this.failing) return;
    const { since, errorId, count } = this.failing;
    this.failing = undefined;
    this.log.info({ errorId, failures: count, outageMs: Date.now() - since }, `${this.what} works again`);
  }

  get healthy(): boolean {
    return !this.failing;
  }

  /** How long to wait before the next pass: the period, doubled per failure, capped. */
  nextDelayMs(): number {
    if (!this.failing) return this.baseMs;
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failing.count, 16));
  }
}

/**
 * A loop that runs `work` every `everyMs`, backing off while it fails, until stopped. Unlike
 * setInterval it never overlaps itself (a slow pass delays the next instead of piling up).
 */
export function startLoop(
  health: LoopHealth,
  work: () => Promise<unknown>,
  opts: { runNow?: boolean } = {},
): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async () => {
    await health.run(work);
    if (stopped) return;
    timer = setTimeout(() => void tick(), health.nextDelayMs());
    timer.unref();
  };
  if (opts.runNow) void tick();
  else {
    timer = setTimeout(() => void tick(), health.nextDelayMs());
    timer.unref();
  }
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
