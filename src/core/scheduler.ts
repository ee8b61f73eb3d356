/**
 * Cron for declared jobs, on node-cron: each job with a cron expression (and optional time zone)
 * fires its run through the JobRunner, which refuses overlapping runs and logs them. Jobs marked
 * leaderOnly run only on the elected leader, so several replicas post one digest.
 */
import { createTask, validateDetailed, type ScheduledTask } from 'node-cron';
import { BootError } from './errors.ts';
import type { JobRunner, RegisteredJob } from './jobs.ts';
import type { Leader } from './leader.ts';
import type { Logger } from './logging.ts';

/** Refuse a bad expression or time zone at registration, naming the job and the field. */
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
}

export class CronScheduler {
  private readonly tasks = new Map<string, ScheduledTask>();
  private readonly jobs: JobRunner;
  private readonly leader: Leader;
  private readonly log: Logger;

  constructor(jobs: JobRunner, leader: Leader, log: Logger) {
    this.jobs = jobs;
    this.leader = leader;
    this.log = log;
  }

  start(): void {
    for (const job of this.jobs.all()) if (job.cron) this.schedule(job);
  }

  private schedule(job: RegisteredJob): void {
    const task = createTask(
      job.cron as string,
      async () => {
        if ((job.leaderOnly ?? true) && !this.leader.isLeader()) {
          this.log.debug({ job: job.id }, 'not the leader; scheduled run skipped');
          return;
        }
        await this.jobs.runNow(job.id, 'schedule');
      },
      { timezone: job.timeZone, name: job.id, suppressMissedWarning: true },
    );
    void task.start();
    this.tasks.set(job.id, task);
  }

  /** When the job fires next (for `/schedules`). */
  next(id: string): Date | null {
    return this.tasks.get(id)?.getNextRun() ?? null;
  }

  async stop(): Promise<void> {
    for (const t of this.tasks.values()) await t.destroy();
    this.tasks.clear();
  }
}
