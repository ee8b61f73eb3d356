/**
 * The connection pool discord.js's REST client must send through. @discordjs/rest sends with the
 * undici it bundles (6.x) and, given no agent, through undici's process-wide dispatcher. The newer
 * undici that @kubernetes/client-node and @slack/socket-mode bring (8.x) replaces that dispatcher
 * when it loads (lib/global.js: the `undici.globalDispatcher.1` slot gets a wrapper of its own
 * Agent), and that Agent refuses 6.x's FormData: "body must be a FormData created by this undici
 * package instance". Every multipart call — a long answer sent as a file — failed once a
 * Kubernetes read had loaded client-node. An Agent of the REST client's own undici avoids the
 * shared slot altogether.
 */
import { createRequire } from 'node:module';
import type { RESTOptions } from 'discord.js';

export function discordRestAgent(): NonNullable<RESTOptions['agent']> {
  const fromDiscordJs = createRequire(import.meta.resolve('discord.js'));
  const fromRest = createRequire(fromDiscordJs.resolve('@discordjs/rest'));
  const { Agent } = fromRest('undici') as { Agent: new () => NonNullable<RESTOptions['agent']> };
  return new Agent();
}
