/** The argocd plugin's configuration: one entry per Argo CD instance. */
import { z } from 'zod';
import { secret } from '../../core/config/secret.ts';

export const ArgoInstanceSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes')
    .describe('how users refer to it: app@<name>'),
  url: z.url().describe('the API server, e.g. https://argocd.example.com'),
  token: secret(z.string().min(1)).describe('an Argo CD account API key with read (and sync) rights'),
  uiUrl: z.url().optional().describe('where links point; the API URL when absent'),
  timeoutMs: z.number().int().positive().default(5_000).describe('deadline for one call, retries included'),
  retries: z.number().int().min(0).max(5).default(2).describe('retries of failed reads (never of writes)'),
});

export const ArgoConfigSchema = z.strictObject({
  instances: z.array(ArgoInstanceSchema).default([]),
  cache: z
    .strictObject({
      enabled: z.boolean().default(true).describe('keep a watch-fed copy of every application in memory'),
      resyncMinutes: z.number().positive().default(10).describe('full re-list to heal missed events'),
    })
    .default({ enabled: true, resyncMinutes: 10 }),
});

export type ArgoInstanceConfig = z.output<typeof ArgoInstanceSchema>;
export type ArgoConfig = z.output<typeof ArgoConfigSchema>;
