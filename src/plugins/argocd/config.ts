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

const GitWebHostSchema = z.strictObject({
  host: z.string().min(1).describe('host name as in repository URLs, with :port when it matters'),
  kind: z.enum(['github', 'gitlab', 'bitbucket', 'gitea']).describe('whose URL scheme its web UI uses'),
  url: z.url().optional().describe('the web UI base when it is not https://<host>'),
});

export const ArgoConfigSchema = z.strictObject({
  instances: z.array(ArgoInstanceSchema).default([]),
  gitWeb: z
    .array(GitWebHostSchema)
    .default([])
    .describe(
      'Git hosts whose web UI links may be made (github.com, gitlab.com, bitbucket.org and codeberg.org are known)',
    ),
  cache: z
    .strictObject({
      enabled: z.boolean().default(true).describe('keep a watch-fed copy of every application in memory'),
      resyncMinutes: z.number().positive().default(10).describe('full re-list to heal missed events'),
    })
    .default({ enabled: true, resyncMinutes: 10 }),
});

export type ArgoInstanceConfig = z.output<typeof ArgoInstanceSchema>;
export type ArgoConfig = z.output<typeof ArgoConfigSchema>;
