/**
 * A real bot for tests: the real composition root and dispatcher, an in-memory store, a capturing
 * logger, a manual clock, and a chat adapter that records what the bot posts. `say` sends a command
 * as a user; `press` presses a button.
 */
import { Writable } from 'node:stream';
import { buildConfigSchema } from '../../src/core/config/schema.ts';
import { parseConfig } from '../../src/core/config/load.ts';
import { createBot, type Bot } from '../../src/core/compose.ts';
import type { ChatAdapter, Deliver, DispatchResult } from '../../src/core/chat.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logging.ts';
import type { Conversation, Message, MessageRef } from '../../src/core/message/model.ts';
import type { AnyPlugin } from '../../src/core/plugin.ts';
import { Redactor } from '../../src/core/redact.ts';
import { SqliteStore } from '../../src/core/store/sqlite.ts';
import { builtinsPlugin } from '../../src/core/builtins/index.ts';

export interface Posted {
  ref: MessageRef;
  message: Message;
  updated?: boolean;
}

/** Records every post and update, like a chat channel would show them. */
export class RecordingAdapter implements ChatAdapter {
  readonly platform = 'test';
  readonly posted: Posted[] = [];
  deliver?: Deliver;
  private n = 0;

  async start(deliver: Deliver): Promise<void> {
    this.deliver = deliver;
  }
  async post(to: Conversation, m: Message): Promise<MessageRef> {
    this.n += 1;
    const ref = { platform: 'test', channel: to.channel, id: `t${this.n}`, thread: to.thread };
    this.posted.push({ ref, message: m });
    return ref;
  }
  async update(ref: MessageRef, m: Message): Promise<void> {
    this.posted.push({ ref, message: m, updated: true });
  }
  async stop(): Promise<void> {}
}

export interface TestBot {
  bot: Bot;
  clock: ManualClock;
  chat: RecordingAdapter;
  logs: Record<string, unknown>[];
  say(text: string, as?: string, channel?: string): Promise<DispatchResult>;
  press(actionId: string, as?: string, source?: MessageRef): Promise<DispatchResult>;
  stop(): Promise<void>;
}

export async function createTestBot(
  opts: { plugins?: AnyPlugin[]; config?: string; env?: NodeJS.ProcessEnv; clock?: ManualClock } = {},
): Promise<TestBot> {
  const plugins = [builtinsPlugin as AnyPlugin, ...(opts.plugins ?? [])];
  const schema = buildConfigSchema(
    plugins.map((p) => ({ id: p.id, schema: p.config })),
    [],
  );
  const loaded = parseConfig(opts.config ?? 'server: {enabled: false}\n', schema, { env: opts.env ?? {} });
  const clock = opts.clock ?? new ManualClock();
  const logs: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      cb();
    },
  });
  const redactor = new Redactor();
  const log = createLogger({ level: 'debug', stream, redactor });
  const chat = new RecordingAdapter();
  const bot = await createBot({
    config: loaded.config,
    plugins,
    version: 'test',
    extraAdapters: [chat],
    overrides: { clock, store: new SqliteStore(':memory:', clock), log },
    http: false,
  });
  await bot.start();
  const conv = (channel = 'general'): Conversation => ({ platform: 'test', channel });
  const respond = (c: Conversation) => ({
    post: (m: Message) => chat.post(c, m),
    update: (r: MessageRef, m: Message) => chat.update(r, m),
  });
  return {
    bot,
    clock,
    chat,
    logs,
    say: (text, as = 'tester', channel) =>
      bot.dispatcher.deliver({
        kind: 'command',
        text,
        user: { platform: 'console', id: as },
        conversation: conv(channel),
        respond: respond(conv(channel)),
      }),
    press: (actionId, as = 'tester', source) =>
      bot.dispatcher.deliver({
        kind: 'action',
        actionId,
        user: { platform: 'console', id: as },
        conversation: conv(),
        source,
        respond: respond(conv()),
      }),
    stop: () => bot.stop(2_000),
  };
}

/** Everything a reply says, as plain text, for assertions. */
export { renderText } from '../../src/core/message/render-text.ts';
