/** The delivery plugin's configuration: how long deployments are kept and what counts as a failure. */
import { z } from 'zod';

export const DeliveryConfigSchema = z.strictObject({
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
      'a deployment counts as failed when, within this many hours and before the next one, it is rolled back or an incident of its app starts',
    ),
  recordCron: z
    .string()
    .default('*/10 * * * *')
    .describe("when Argo CD's history is read into deckhand's record (besides every /argo dora)"),
});

export type DeliveryConfig = z.output<typeof DeliveryConfigSchema>;
