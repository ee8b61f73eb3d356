/** The Discord adapter module: its config section and how the composition root creates it. */
import { defineAdapter } from '../../core/adapter.ts';
import { DiscordConfigSchema } from './config.ts';

export const discordAdapter = defineAdapter({
  platform: 'discord',
  schema: DiscordConfigSchema.optional(),
  userId: 'Discord user id (snowflake)',
  enabled: (cfg) => !!cfg && cfg.enabled,
  // The client library loads only when the platform is configured.
  create: async (cfg, services) => {
    const { DiscordAdapter } = await import('./adapter.ts');
    return new DiscordAdapter(cfg as NonNullable<typeof cfg>, services);
  },
});
