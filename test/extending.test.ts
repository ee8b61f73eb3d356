/**
 * docs/extending.md, run: a chat platform and a plugin that exist only in this file, added to the
 * bot the way a new one is added to the repository (one entry in the adapter list, one in the
 * plugin list), configured through the same schema as everything else, and a command driven from
 * the platform's "user" through access control to the plugin and back. Nothing in src/ knows them.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { defineAdapter, type AdapterModule } from '../src/core/adapter.ts';
import { builtinsPlugin } from '../src/core/builtins/index.ts';
import type { ChatAdapter, Deliver, DispatchResult } from '../src/core/chat.ts';
import { defineCommand } from '../src/core/commands/define.ts';
import { createBot, type Bot } from '../src/core/compose.ts';
import { buildConfigSchema } from '../src/core/config/schema.ts';
import { parseConfig } from '../src/core/config/load.ts';
import { createLogger } from '../src/core/logging.ts';
import { systemClock } from '../src/core/clock.ts';
import { SqliteStore } from '../src/core/store/sqlite.ts';
import type { Conversation, Message, MessageRef } from '../src/core/message/model.ts';
import { definePlugin, type AnyPlugin } from '../src/core/plugin.ts';
import { ClockToken } from '../src/core/tokens.ts';

/** A chat platform: people type into `say`, the bot's messages land in `seen`. */
class ToyChat implements ChatAdapter {
  readonly platform = 'toy';
  readonly seen: { to: Conversation; m: Message }[] = [];
  private deliver?: Deliver;
  private n = 0;

  async start(deliver: Deliver): Promise<void> {
    this.deliver = deliver;
  }

  async post(to: Conversation, m: Message): Promise<MessageRef> {
    this.seen.push({ to, m });
    return { platform: 'toy', channel: to.channel, id: `t${++this.n}` };
  }

  async update(ref: MessageRef, m: Message): Promise<void> {
    this.seen.push({ to: { platform: 'toy', channel: ref.channel }, m });
  }

  async stop(): Promise<void> {
    this.deliver = undefined;
  }

  /** A person on the platform types a command in a channel. */
  say(user: string, channel: string, text: string): Promise<DispatchResult> {
    if (!this.deliver) throw new Error('the toy chat is not started');
    const conversation = { platform: 'toy', channel };
    return this.deliver({
      kind: 'command',
      text,
      user: { platform: 'toy', id: user },
      conversation,
      respond: { post: (m) => this.post(conversation, m), update: (r, m) => this.update(r, m) },
    });
  }
}

let made: ToyChat | undefined;
const toyAdapter = defineAdapter({
  platform: 'toy',
  schema: z.strictObject({ enabled: z.boolean().default(false) }),
  enabled: (c) => c.enabled,
  create: () => (made = new ToyChat()),
});

/** A plugin: its own config section, a permission of its own, a core service as a dependency. */
const weatherPlugin = definePlugin({
  id: 'weather',
  summary: 'The weather where the cluster runs',
  config: z.strictObject({ city: z.string().default('Seoul') }),
  deps: { clock: ClockToken },
  init({ config, deps, commands }) {
    commands.add(
      defineCommand({
        name: 'weather now',
        summary: 'The weather now',
        args: z.object({ city: z.string().optional() }),
        positional: ['city'],
        permission: 'weather.read',
        async run({ args }) {
          const at = new Date(deps.clock.now()).toISOString().slice(11, 16);
          return { text: `Sunny in ${args.city ?? config.city} at ${at} UTC.`, tone: 'ok' };
        },
      }),
    );
  },
});

let bot: Bot | undefined;
afterEach(async () => {
  await bot?.stop(1_000);
  bot = undefined;
});

async function botWith(raw: Record<string, unknown>): Promise<Bot> {
  // The core's own commands (help, whoami, …) are a plugin too; a bot always has them.
  const plugins: AnyPlugin[] = [builtinsPlugin as AnyPlugin, weatherPlugin as AnyPlugin];
  const adapters = [toyAdapter as AdapterModule];
  const schema = buildConfigSchema(
    plugins.map((p) => ({ id: p.id, schema: p.config })),
    adapters.map((a) => ({ id: a.platform, schema: a.schema })),
  );
  const { config } = parseConfig(stringify(raw), schema, { env: {} });
  const quiet = createLogger({ level: 'silent', stream: new Writable({ write: (_c, _e, cb) => cb() }) });
  const b = await createBot({
    config,
    plugins,
    adapters,
    version: 'test',
    http: false,
    background: false,
    overrides: { log: quiet, store: new SqliteStore(':memory:', systemClock) },
  });
  await b.start();
  return b;
}

describe('a chat platform and a plugin added from outside src/', () => {
  it('drives a command from the platform through access control to the plugin and back', async () => {
    bot = await botWith({
      adapters: { toy: { enabled: true } },
      plugins: { weather: { city: 'Busan' } },
      // The platform's users map to people under the adapter's id, like slack: and discord:.
      identities: { kim: { name: 'Kim', toy: 'u1' } },
      // A new plugin's permission is granted like any other: a role that holds it, bound to people.
      access: {
        roles: { forecaster: ['weather.read'] },
        bindings: [{ roles: ['forecaster'], users: ['kim'] }],
      },
    });
    const chat = made as ToyChat;
    const stranger = await chat.say('u9', 'ops', 'weather now');
    expect(stranger.ok).toBe(false);
    expect((await chat.say('u9', 'ops', 'whoami')).messages.map((m) => m.text).join()).toMatch(/toy:u9/);
    expect((await chat.say('u1', 'ops', 'whoami')).messages.map((m) => m.text).join()).toMatch(/kim/);
    const r = await chat.say('u1', 'ops', 'weather now');
    expect(r.ok, JSON.stringify(r.messages)).toBe(true);
    expect(chat.seen.at(-1)?.m.text).toMatch(/^Sunny in Busan at \d\d:\d\d UTC\.$/);
    expect((await chat.say('u1', 'ops', 'weather now Jeju')).messages.at(-1)?.text).toMatch(/Jeju/);
    // Help and the registry know it as they know the bundled ones.
    expect(bot.registry.all().map((c) => c.name)).toContain('weather now');
    const help = await chat.say('u1', 'ops', 'help weather now');
    expect(help.ok, JSON.stringify(help.messages)).toBe(true);
    expect(JSON.stringify(help.messages)).toMatch(/The weather now/);
  });

  it("refuses the plugin's command to someone without its permission, and a bad config section", async () => {
    bot = await botWith({ adapters: { toy: { enabled: true } } });
    const r = await (made as ToyChat).say('u1', 'ops', 'weather now');
    expect(r.ok).toBe(false);
    expect(r.messages.map((m) => m.text).join('\n')).toMatch(/weather\.read/);
    await expect(botWith({ plugins: { weather: { town: 'Busan' } } })).rejects.toThrow(/town/);
    // An identity's keys are the adapters' ids: a typo is refused, not ignored.
    await expect(botWith({ identities: { kim: { tooy: 'u1' } } })).rejects.toThrow(/tooy/);
  });
});
