/** Chat platform adapters created from config (the console is made by the CLI itself). */
import type { AdapterModule } from '../core/adapter.ts';
import { discordAdapter } from './discord/index.ts';
import { slackAdapter } from './slack/index.ts';

export const bundledAdapters: AdapterModule[] = [
  slackAdapter as AdapterModule,
  discordAdapter as AdapterModule,
];
