/** The delivery plugin's configuration: how long deployments are kept and what counts as a failure. */
import { z } from 'zod';
import { labelSelector } from '../../core/labels.ts';

/** A team's apps, chosen as digests choose theirs. */
const TeamSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase words with dashes'),
  projects: z.array(z.string()).optional().describe('Argo CD project globs'),
  apps: z.array(z.string()).optional().describe('application name globs'),
  labels: labelSelector().optional().describe('a label selector on the Applications, e.g. team=payments'),
  instances: z.array(z.string()).optional().describe('Argo CD instances'),
});

export const DeliveryConfigSchema = z.strictObject({
  teams: z
    .array(TeamSchema)
    .default([])
    .describe('the teams `/argo dora --team` knows, each by the apps it owns'),
  retentionDays: z
    .number()
    .int()
    .min(1)
    .max(3_650)
    .default(180)
    .describe(
      'how long deployment records are kept (Argo CD itself keeps only revisionHistoryLimit entries)',
    ),
  failureWindowHours: z
    .number()
    .positive()
    .max(24 * 30)
    .default(24)
    .describe(
      'a deployment counts as failed when, within this many hours and before the next one starts, it is rolled back, an incident of its app starts or the app turns Degraded',
    ),
  settleSeconds: z
    .number()
    .min(0)
    .max(300)
    .default(5)
    .describe(
      'how long after Argo CD adds a deployment to its history deckhand records it from the watch and counts it on /metrics (a merge it made is written down by then)',
    ),
  recordCron: z
    .string()
    .default('*/10 * * * *')
    .describe("when Argo CD's history is read into deckhand's record (besides every /argo dora)"),
});

export type DeliveryConfig = z.output<typeof DeliveryConfigSchema>;
export type Team = z.output<typeof TeamSchema>;
