/** The Discord adapter's configuration section (`adapters.discord`). */
import { z } from 'zod';
import { secret } from '../../core/config/secret.ts';

export const DiscordConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    botToken: secret(z.string().min(1)).describe('the bot token'),
    applicationId: z.string().regex(/^\d+$/).describe('the application (client) id'),
    mode: z
      .enum(['gateway', 'http'])
      .default('gateway')
      .describe(
        'gateway: a WebSocket, no public endpoint; http: Discord posts interactions to /discord/interactions',
      ),
    publicKey: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .describe('verifies interaction signatures in http mode'),
    path: z.string().default('/discord/interactions'),
    guildId: z
      .string()
      .regex(/^\d+$/)
      .optional()
      .describe('register commands in this guild only (instant); global when absent'),
    apiUrl: z.url().optional().describe('REST base URL (default https://discord.com/api)'),
    registerCommands: z.boolean().default(true),
    groups: z
      .array(z.string())
      .default(['argo', 'k8s', 'gitops', 'diagnose', 'deckhand'])
      .describe('top-level slash commands built from the command registry'),
  })
  .superRefine((c, ctx) => {
    if (c.mode === 'http' && !c.publicKey)
      ctx.addIssue({ code: 'custom', path: ['publicKey'], message: 'required in http mode' });
  });

export type DiscordConfig = z.output<typeof DiscordConfigSchema>;
