/** The incidents plugin's configuration: the webhook, how alerts map to apps, where threads go. */
import { z } from 'zod';
import { secret } from '../../core/config/secret.ts';

export const IncidentsConfigSchema = z.strictObject({
  webhookToken: secret(z.string().min(16))
    .optional()
    .describe(
      'bearer token Alertmanager sends (http_config.authorization.credentials); no token, no webhook',
    ),
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(1024 * 1024),
  appLabels: z
    .array(z.string())
    .default(['argocd_app', 'app_kubernetes_io_instance', 'application'])
    .describe('alert labels that name the Argo CD app'),
  namespaceLabel: z.string().default('namespace'),
  workloadLabels: z
    .array(z.string())
    .default(['deployment', 'statefulset', 'daemonset', 'job_name', 'pod', 'container']),
  routes: z
    .array(
      z.strictObject({
        apps: z.array(z.string()).optional(),
        projects: z.array(z.string()).optional(),
        labels: z.record(z.string(), z.string()).optional().describe('alert labels that must match exactly'),
        channel: z.string(),
      }),
    )
    .default([]),
  defaultChannel: z.string().optional().describe('for incidents no route matches'),
  diagnose: z.boolean().default(true).describe('post a diagnosis in the thread of a new incident'),
  concurrency: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe('deliveries handled at once per replica (each may post, diagnose and remediate)'),
  queueCapacity: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(1000)
    .describe(
      'alert groups that may wait for their turn; beyond, the webhook answers 503 and Alertmanager retries',
    ),
  retryAfterSeconds: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(10)
    .describe('the Retry-After of a 503 when the queue is full'),
  claimLeaseMs: z
    .number()
    .int()
    .min(1000)
    .default(60_000)
    .describe(
      'how long a replica that claimed a new alert group may take to post its thread before another takes over',
    ),
  claimWaitMs: z
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe("how long a replica waits for another replica's new thread before leaving it to that one"),
  retentionDays: z
    .number()
    .int()
    .min(1)
    .max(3_650)
    .default(180)
    .describe(
      'how long a resolved incident is kept (delivery metrics count time to restore from them); a firing one is kept',
    ),
});

export type IncidentsConfig = z.output<typeof IncidentsConfigSchema>;
