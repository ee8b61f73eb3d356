/** The Slack adapter module: its config section and how the composition root creates it. */
import { defineAdapter } from '../../core/adapter.ts';
import { SlackConfigSchema } from './config.ts';

export const slackAdapter = defineAdapter({
  platform: 'slack',
  schema: SlackConfigSchema.optional(),
  userId: 'Slack user id (U…)',
  enabled: (cfg) => !!cfg && cfg.enabled,
  // The client library loads only when the platform is configured.
  create: async (cfg, services) => {
    const { SlackAdapter } = await import('./adapter.ts');
    return new SlackAdapter(cfg as NonNullable<typeof cfg>, services);
  },
});
