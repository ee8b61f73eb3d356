/**
 * The Discord adapter on its own, in HTTP interactions mode, against the strict fake: a real
 * HttpServer for the interactions endpoint, a manual clock shared by the adapter and the fake, a
 * capturing logger, and a scripted core — each test says what the core does with an event (post,
 * update, post in a thread) instead of running a whole bot.
 */
import { Writable } from 'node:stream';
import { z } from 'zod';
import type { AdapterServices } from '../../src/core/adapter.ts';
import { DiscordAdapter, type DiscordAdapterOptions } from '../../src/adapters/discord/adapter.ts';
import type { DiscordConfig } from '../../src/adapters/discord/config.ts';
import type { InboundEvent } from '../../src/core/chat.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { CommandRegistry } from '../../src/core/commands/registry.ts';
import { HttpServer } from '../../src/core/http/server.ts';
import { createLogger } from '../../src/core/logging.ts';
import { TaskTracker } from '../../src/core/tasks.ts';
import { StrictDiscord, type Json, type StrictChannel } from './discord-strict.ts';

export const APP = '123456789012345678';
export const BOT_TOKEN = 'discord-bot-token-for-tests';
export const BOB = '81234567890123456';

export interface DiscordHarness {
  discord: StrictDiscord;
  adapter: DiscordAdapter;
  clock: ManualClock;
  http: HttpServer;
  url: string;
  logs: Record<string, unknown>[];
  /** Channels: one the bot sees, one it cannot see, one without thread permission, a DM. */
  ch: { open: StrictChannel; hidden: StrictChannel; noThreads: StrictChannel; dm: StrictChannel };
  /** What the core does with the next events. */
  script: (e: InboundEvent) => Promise<void>;
  /** Resolves with each event once the script is done with it. */
  handled: Promise<unknown>[];
  command(channel: string, opts?: { user?: string }): Promise<{ status: number; body: Json; token: string }>;
  press(
    channel: string,
    message: string,
    customId?: string,
  ): Promise<{ status: number; body: Json; token: string }>;
  stop(): Promise<void>;
}

const statusData = {
  id: '1',
  name: 'argo',
  type: 1,
  options: [{ type: 1, name: 'status', options: [{ type: 3, name: 'app', value: 'naver-news' }] }],
};

export async function discordHarness(
  o: { cfg?: Partial<DiscordConfig>; adapter?: DiscordAdapterOptions; start?: boolean } = {},
): Promise<DiscordHarness> {
  const clock = new ManualClock(Date.now());
  const discord = new StrictDiscord({ app: APP, botToken: BOT_TOKEN, clock });
  const api = await discord.start();
  const ch = {
    open: discord.channel(),
    hidden: discord.channel({ visible: false }),
    noThreads: discord.channel({ threads: false }),
    dm: discord.channel({ type: 1 }),
  };
  const logs: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      cb();
    },
  });
  const log = createLogger({ level: 'debug', stream });
  const http = new HttpServer(log, new TaskTracker());
  const port = await http.listen(0, '127.0.0.1');
  const registry = new CommandRegistry();
  registry.add({
    name: 'argo status',
    summary: 'Status of an app',
    args: z.object({ app: z.string() }),
    positional: ['app'],
    permission: 'argo.read',
    plugin: 'test',
    effect: 'read',
    run: async () => undefined,
  });
  const cfg: DiscordConfig = {
    enabled: true,
    botToken: BOT_TOKEN,
    applicationId: APP,
    mode: 'http',
    publicKey: discord.publicHex,
    path: '/discord/interactions',
    guildId: '1000000000000000001',
    apiUrl: api,
    registerCommands: true,
    groups: ['argo'],
    ...o.cfg,
  };
  const services = { log, http, registry } as unknown as AdapterServices;
  const adapter = new DiscordAdapter(cfg, services, {
    clock,
    ackWindowMs: 300,
    retryDelayMs: () => 50,
    ...o.adapter,
  });
  const h: DiscordHarness = {
    discord,
    adapter,
    clock,
    http,
    url: `http://127.0.0.1:${port}${cfg.path}`,
    logs,
    ch,
    script: async () => undefined,
    handled: [],
    command: (channel, opts = {}) =>
      discord.interact(h.url, {
        type: 2,
        data: statusData,
        channel,
        ...(opts.user ? { user: opts.user } : {}),
      }),
    press: (channel, message, customId = 'a_' + 'x'.repeat(24)) =>
      discord.interact(h.url, {
        type: 3,
        data: { custom_id: customId, component_type: 2 },
        channel,
        message,
      }),
    stop: async () => {
      await adapter.stop();
      await http.close();
      await discord.stop();
    },
  };
  if (o.start ?? true)
    await adapter.start(async (e) => {
      const p = h.script(e);
      h.handled.push(p);
      await p;
      return { ok: true, messages: [] };
    });
  return h;
}

/** Wait for every scripted event so far, and for Discord to hear the last of it. */
export async function settled(h: DiscordHarness): Promise<void> {
  await Promise.all(h.handled);
  await h.discord.settle(60);
}
