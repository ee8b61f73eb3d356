/**
 * Assembling deckhand from its parts: the bundled plugins and adapters, a config file (or none),
 * and the version. The CLI and the end-to-end tests both build the bot through here.
 */
import { readFileSync } from 'node:fs';
import { bundledAdapters } from './adapters/index.ts';
import { createBot, type Bot, type BotOptions } from './core/compose.ts';
import { buildConfigSchema } from './core/config/schema.ts';
import { loadConfigFile, parseConfig, type LoadedConfig } from './core/config/load.ts';
import type { AnyPlugin } from './core/plugin.ts';
import { bundledPlugins } from './plugins/index.ts';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export function configSchema(plugins: AnyPlugin[] = bundledPlugins) {
  return buildConfigSchema(
    plugins.map((p) => ({ id: p.id, schema: p.config })),
    bundledAdapters.map((a) => ({ id: a.platform, schema: a.schema, userId: a.userId })),
  );
}

/** Load and validate a config file; with no file, the defaults (no backends configured). */
export function loadConfig(file?: string, env?: NodeJS.ProcessEnv): LoadedConfig {
  const schema = configSchema();
  return file ? loadConfigFile(file, schema, env) : parseConfig(undefined, schema, { env });
}

export function buildBot(loaded: LoadedConfig, extra: Partial<BotOptions> = {}): Promise<Bot> {
  return createBot({
    config: loaded.config,
    configPath: loaded.file,
    plugins: bundledPlugins,
    adapters: bundledAdapters,
    version: VERSION,
    ...extra,
  });
}
