/** The Slack adapter's configuration section (`adapters.slack`). */
import { z } from 'zod';
import { secret } from '../../core/config/secret.ts';

export const SlackConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    botToken: secret(z.string().min(1)).describe('xoxb-… bot token'),
    mode: z
      .enum(['socket', 'http'])
      .default('socket')
      .describe('socket: no public endpoint; http: Slack calls /slack/events'),
    appToken: secret(z.string().min(1)).optional().describe('xapp-… app-level token (socket mode)'),
    signingSecret: secret(z.string().min(1)).optional().describe('verifies requests in http mode'),
    path: z.string().default('/slack/events').describe('where Slack posts in http mode'),
    commands: z
      .record(z.string().regex(/^\/[a-z0-9_-]+$/), z.string())
      .default({
        '/argo': 'argo',
        '/k8s': 'k8s',
        '/gitops': 'gitops',
        '/diagnose': 'diagnose',
        '/deckhand': '',
      })
      .describe('slash command → the deckhand command words it stands for'),
    apiUrl: z.url().optional().describe('Web API base URL (default https://slack.com/api/)'),
    userGroups: z.boolean().default(true).describe('read user groups (usergroups:read) for access bindings'),
    progressText: z.string().default('collecting…'),
  })
  .superRefine((c, ctx) => {
    if (c.mode === 'socket' && !c.appToken)
      ctx.addIssue({ code: 'custom', path: ['appToken'], message: 'required in socket mode' });
    if (c.mode === 'http' && !c.signingSecret)
      ctx.addIssue({ code: 'custom', path: ['signingSecret'], message: 'required in http mode' });
  });

export type SlackConfig = z.output<typeof SlackConfigSchema>;
