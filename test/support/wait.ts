/**
 * Waiting in tests without fixed sleeps. `eventually` polls a check until it holds and, when it
 * does not in time, fails naming what was awaited and the last value or error it saw. `quiet`
 * asserts that something did not happen: it first waits for an event that proves the system has
 * processed the input (a later message, a log line, an audit row), then checks.
 */
import { inspect } from 'node:util';

export interface WaitOptions {
  /** How long to keep trying (default 10 s). */
  timeoutMs?: number;
  /** Between tries (default 20 ms). */
  intervalMs?: number;
  /** Stop waiting at once when this says why it never will (a process that exited, say). */
  abortIf?: () => string | undefined | false;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Calls `check` until it returns a truthy value (returned) or stops throwing and returns no
 * `false`/`undefined`/`null`. A check that throws counts as "not yet": the last error is reported.
 */
export async function eventually<T>(
  what: string,
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 20, abortIf }: WaitOptions = {},
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let last: { value?: unknown; error?: unknown };
    try {
      const value = await check();
      if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
      last = { value };
    } catch (error) {
      last = { error };
    }
    const hopeless = abortIf?.();
    if (hopeless) throw new Error(`gave up waiting for ${what}: ${hopeless}`);
    if (Date.now() >= end) {
      const seen =
        'error' in last
          ? `the last check threw: ${last.error instanceof Error ? last.error.message : inspect(last.error)}`
          : `the last check gave ${inspect(last.value, { depth: 4, breakLength: Infinity })}`;
      const err = new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${seen}`);
      if (last.error instanceof Error) err.cause = last.error;
      throw err;
    }
    await sleep(intervalMs);
  }
}

/**
 * "Nothing happened": waits until `processed` shows the system has dealt with the input, then
 * runs `nothing` (assertions that whatever must not happen did not).
 */
export async function quiet(
  processed: { what: string; check: () => unknown },
  nothing: () => void | Promise<void>,
  opts?: WaitOptions,
): Promise<void> {
  await eventually(processed.what, processed.check, opts);
  await nothing();
}
