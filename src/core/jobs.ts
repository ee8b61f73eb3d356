/**
 * Scheduled and on-demand jobs declared by plugins. The host owns them: it prevents overlapping
 * runs of the same job, gives each run a logger and an abort signal, and stops them on shutdown.
 * Tests run a job directly with `runNow`.
 */
import { randomUUID } from 'node:crypto';
import { BootError, NotFoundError } from './errors.ts';
import type { Logger } from './logging.ts';
import { validateSchedule } from './scheduler.ts';

export interface JobRunContext {
  log: Logger;
  signal: AbortSignal;
  /** Why it runs: `schedule`, `manual`, or the name of what asked. */
  trigger: string;
}

export interface JobSpec {
  /** `<plugin>.<what>`, e.g. `digest.morning-payments`. */
  id: string;
  /** A cron expression (5 or 6 fields); absent for jobs that only run on demand. */
  cron?: string;
  timeZone?: string;
  timeoutMs?: number;
  /** Run only on the elected leader when several replicas run. Default true. */
  leaderOnly?: boolean;
  run(ctx: JobRunContext): Promise<void>;
}

export interface RegisteredJob extends JobSpec {
  plugin: string;
}

export type JobOutcome = 'ok' | 'failed' | 'skipped-overlap' | 'timeout';

export class JobRunner {
  private readonly jobs = new Map<string, RegisteredJob>();
  private readonly running = new Map<string, AbortController>();
  private stopped = false;

  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
  }

  add(plugin: string, job: JobSpec): void {
    if (this.jobs.has(job.id)) throw new BootError(`Plugin ${plugin}: job ${job.id} is declared twice`);
    validateSchedule(job);
    this.jobs.set(job.id, { ...job, plugin });
  }

  all(): RegisteredJob[] {
    return [...this.jobs.values()];
  }

  get(id: string): RegisteredJob | undefined {
    return this.jobs.get(id);
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  async runNow(id: string, trigger = 'manual'): Promise<JobOutcome> {
    const job = this.jobs.get(id);
    if (!job) throw new NotFoundError(`No job ${id}.`);
    const log = this.log.child({ job: id, run: randomUUID().slice(0, 8), trigger });
    if (this.stopped) return 'skipped-overlap';
    if (this.running.has(id)) {
      log.warn('previous run still in progress; this run is skipped');
      return 'skipped-overlap';
    }
    const ctrl = new AbortController();
    this.running.set(id, ctrl);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(
          () => {
            ctrl.abort(new Error(`job ${id} timed out`));
            resolve('timeout');
          },
          job.timeoutMs ?? 5 * 60_000,
        );
      });
      const outcome = await Promise.race([
        job.run({ log, signal: ctrl.signal, trigger }).then(() => 'ok' as const),
        timeout,
      ]);
      log[outcome === 'ok' ? 'info' : 'warn']({ ms: Date.now() - started, outcome }, 'job finished');
      return outcome;
    } catch (err) {
      log.error({ err, ms: Date.now() - started }, 'job failed');
      return 'failed';
    } finally {
      clearTimeout(timer);
      this.running.delete(id);
    }
  }

  /** Abort running jobs; new runs are refused from now on. */
  stop(): void {
    this.stopped = true;
    for (const c of this.running.values()) c.abort(new Error('shutting down'));
  }
}
