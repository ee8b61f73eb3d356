/** The digest plugin's configuration: scheduled digests and sweeps per channel, transition alerts, history. */
import { z } from 'zod';
import { labelSelector } from '../../core/labels.ts';
import { Duration } from '../../core/approvals.ts';

export const SelectionSchema = z.strictObject({
  projects: z.array(z.string()).optional().describe('Argo CD project globs'),
  apps: z.array(z.string()).optional().describe('application name globs'),
  labels: labelSelector().optional().describe('a label selector on the Applications, e.g. team=payments'),
  instances: z.array(z.string()).optional().describe('Argo CD instances'),
});

export const ScheduleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase words with dashes'),
  channel: z
    .string()
    .min(1)
    .describe(
      'where it posts: slack:C0123, discord:<channel id>, console:console. A sweep posts here the alerts it raises',
    ),
  cron: z.string().describe('cron expression, e.g. "0 9 * * 1-5"'),
  timeZone: z.string().default('UTC'),
  kind: z
    .enum(['digest', 'sweep'])
    .default('digest')
    .describe(
      'digest: a summary; sweep: checks the selected apps and posts an alert to `channel` for each newly Degraded, Missing, failed or lasting OutOfSync one (nothing when none is new)',
    ),
  select: SelectionSchema.default({}),
  chart: z.boolean().default(true).describe('attach the 7-day health chart'),
  delivery: z
    .number()
    .int()
    .min(0)
    .max(365)
    .default(30)
    .describe(
      'days of delivery figures (the four keys, with their weekly chart) a digest shows when the delivery plugin runs; 0 for none',
    ),
});

export const DigestConfigSchema = z.strictObject({
  schedules: z.array(ScheduleSchema).default([]),
  transitions: z
    .strictObject({
      enabled: z.boolean().default(true),
      routes: z
        .array(z.strictObject({ select: SelectionSchema.default({}), channel: z.string() }))
        .default([])
        .describe('first matching route wins'),
      defaultChannel: z.string().optional().describe('for apps no route matches; no alert when absent'),
      outOfSyncGrace: Duration.default(10 * 60_000).describe('how long OutOfSync must last before it alerts'),
    })
    .default({ enabled: true, routes: [], outOfSyncGrace: 10 * 60_000 }),
  history: z
    .strictObject({
      sampleMinutes: z.number().int().min(1).default(15),
      retentionDays: z.number().int().min(1).max(90).default(14),
    })
    .default({ sampleMinutes: 15, retentionDays: 14 }),
});

export type DigestConfig = z.output<typeof DigestConfigSchema>;
export type Selection = z.output<typeof SelectionSchema>;
export type Schedule = z.output<typeof ScheduleSchema>;
