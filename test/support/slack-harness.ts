/**
 * The Slack adapter end to end for tests: a real bot with the Slack adapter in HTTP mode, Bolt's
 * receiver on the bot's own server, signed requests in, and the real Web API client out to the
 * strict fake (slack-fake.ts). `slash` types a slash command, `press` presses a button; both send
 * what Slack would send, with a response_url the fake issued.
 */
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { slackAdapter } from '../../src/adapters/slack/index.ts';
import { builtinsPlugin } from '../../src/core/builtins/index.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { defineAction } from '../../src/core/actions.ts';
import { defineCommand } from '../../src/core/commands/define.ts';
import { createBot, type Bot } from '../../src/core/compose.ts';
import { parseConfig } from '../../src/core/config/load.ts';
import { buildConfigSchema } from '../../src/core/config/schema.ts';
import { createLogger } from '../../src/core/logging.ts';
import type { Block } from '../../src/core/message/model.ts';
import { definePlugin, type AnyPlugin } from '../../src/core/plugin.ts';
import { SqliteStore } from '../../src/core/store/sqlite.ts';
import { StrictSlack } from './slack-fake.ts';

export const SECRET = 'slack-signing-secret-for-tests';

/** Holds the slow command until the test lets it answer. */
export class Gate {
  private waiting: (() => void)[] = [];
  open = false;
  wait(): Promise<void> {
    if (this.open) return Promise.resolve();
    return new Promise((r) => this.waiting.push(r));
  }
  get held(): number {
    return this.waiting.length;
  }
  release(): void {
    this.open = true;
    for (const r of this.waiting.splice(0)) r();
  }
}

export interface ProbeState {
  gate: Gate;
  pressed: string[];
  /** What `probe long` answers. */
  long: { blocks: Block[]; attachments?: { filename: string; content: string }[] };
  /** How many messages `probe chatty` says. */
  chatty: number;
}

export function probePlugin(state: ProbeState): AnyPlugin {
  return definePlugin({
    id: 'probe',
    summary: 'a slow command, a long answer, a chatty one and a button',
    init({ commands, actions }) {
      commands.add(
        defineCommand({
          name: 'probe slow',
          summary: 'slow',
          args: z.object({ app: z.string() }),
          positional: ['app'],
          permission: 'deckhand.read',
          progress: 'collecting…',
          run: async ({ args, button }) => {
            await state.gate.wait();
            return {
              text: `${args.app}: Synced, Healthy`,
              header: args.app,
              buttons: [
                {
                  actionId: await button({ kind: 'probe.press', params: { app: args.app } }),
                  label: 'Press',
                },
              ],
            };
          },
        }),
      );
      commands.add(
        defineCommand({
          name: 'probe long',
          summary: 'long',
          args: z.object({}),
          permission: 'deckhand.read',
          run: async () => ({ text: 'a long answer', header: 'Long', ...state.long }) as never,
        }),
      );
      commands.add(
        defineCommand({
          name: 'probe chatty',
          summary: 'says many things',
          args: z.object({}),
          permission: 'deckhand.read',
          run: async ({ say }) => {
            for (let i = 1; i < state.chatty; i++) await say({ text: `step ${i}` });
            return { text: `step ${state.chatty}` };
          },
        }),
      );
      commands.add(
        defineCommand({
          name: 'probe card',
          summary: 'a card with a button that edits it',
          args: z.object({}),
          permission: 'deckhand.read',
          run: async ({ button }) => ({
            text: 'card: off',
            buttons: [{ actionId: await button({ kind: 'probe.flip', params: {} }), label: 'Flip' }],
          }),
        }),
      );
      actions.add(
        defineAction({
          kind: 'probe.flip',
          params: z.object({}),
          permission: 'deckhand.read',
          effect: 'read',
          run: async () => ({ update: { text: 'card: on' } }),
        }),
      );
      actions.add(
        defineAction({
          kind: 'probe.press',
          params: z.object({ app: z.string() }),
          permission: 'deckhand.read',
          effect: 'read',
          run: async ({ params, actor }) => {
            state.pressed.push(`${params.app}:${actor.id}`);
            return { reply: { text: `pressed by ${actor.id}` } };
          },
        }),
      );
    },
  }) as AnyPlugin;
}

export interface SlackHarness {
  slack: StrictSlack;
  bot: Bot;
  base: string;
  state: ProbeState;
  logs: Record<string, unknown>[];
  /** Sends a slash command as Slack would; resolves with the acknowledgement's status. */
  slash(
    text: string,
    o?: { channel?: string; user?: string; command?: string; ts?: number },
  ): Promise<{ status: number; responseUrl: string }>;
  /** Presses a button on a message, as Slack would. */
  press(
    actionId: string,
    o: { channel?: string; user?: string; messageTs: string },
  ): Promise<{ status: number; responseUrl: string }>;
  stop(): Promise<void>;
}

export function signed(body: string, ts = Math.floor(Date.now() / 1000), secret = SECRET) {
  const sig = 'v0=' + createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': sig,
  };
}

export async function startSlackBot(opts: { extraConfig?: string } = {}): Promise<SlackHarness> {
  const state: ProbeState = { gate: new Gate(), pressed: [], long: { blocks: [] }, chatty: 3 };
  const slack = new StrictSlack();
  await slack.start();
  const plugins = [builtinsPlugin as AnyPlugin, probePlugin(state)];
  const schema = buildConfigSchema(
    plugins.map((p) => ({ id: p.id, schema: p.config })),
    [{ id: 'slack', schema: slackAdapter.schema }],
  );
  const yaml = `
server: {port: 0, host: 127.0.0.1}
commands: {progressAfterMs: 50}
identities: {bob: {slack: U0BOB}, alice: {slack: U0ALICE}}
adapters:
  console: {enabled: false}
  slack:
    mode: http
    botToken: xoxb-test-token
    signingSecret: ${SECRET}
    apiUrl: "${slack.url}/api/"
    commands: {/argo: argo, /probe: probe, /deckhand: ""}
${opts.extraConfig ?? ''}`;
  const { config } = parseConfig(yaml, schema, { env: {} });
  const clock = new ManualClock();
  const logs: Record<string, unknown>[] = [];
  const bot = await createBot({
    config,
    plugins,
    adapters: [slackAdapter],
    version: 'test',
    overrides: {
      clock,
      store: new SqliteStore(':memory:', clock),
      log: createLogger({
        level: 'debug',
        stream: new Writable({
          write: (c, _e, cb) => {
            for (const line of String(c).split('\n'))
              if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
            cb();
          },
        }),
      }),
    },
  });
  await bot.start();
  const base = `http://127.0.0.1:${bot.port}/slack/events`;
  const send = async (body: string, ts?: number) =>
    (await fetch(base, { method: 'POST', headers: signed(body, ts), body })).status;
  let trigger = 0;
  return {
    slack,
    bot,
    base,
    state,
    logs,
    async slash(text, o = {}) {
      const channel = o.channel ?? 'C0OPS';
      const user = o.user ?? 'U0BOB';
      const responseUrl = slack.responseUrl({ channel, user, kind: 'command' });
      const body = new URLSearchParams({
        token: 'legacy',
        team_id: 'T0TEAM',
        channel_id: channel,
        channel_name: 'ops',
        user_id: user,
        user_name: user === 'U0BOB' ? 'bob' : 'alice',
        command: o.command ?? '/probe',
        text,
        response_url: responseUrl,
        trigger_id: `1.2.${++trigger}`,
        api_app_id: 'A0APP',
      }).toString();
      return { status: await send(body, o.ts), responseUrl };
    },
    async press(actionId, o) {
      const channel = o.channel ?? 'C0OPS';
      const user = o.user ?? 'U0BOB';
      const responseUrl = slack.responseUrl({ channel, user, kind: 'action', original: o.messageTs });
      const payload = {
        type: 'block_actions',
        user: { id: user, username: user === 'U0BOB' ? 'bob' : 'alice' },
        team: { id: 'T0TEAM' },
        api_app_id: 'A0APP',
        token: 'legacy',
        trigger_id: `1.3.${++trigger}`,
        channel: { id: channel },
        container: { type: 'message', message_ts: o.messageTs, channel_id: channel },
        message: { ts: o.messageTs },
        actions: [{ type: 'button', action_id: actionId, block_id: 'b', action_ts: '1' }],
        response_url: responseUrl,
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      return { status: await send(body), responseUrl };
    },
    async stop() {
      state.gate.release();
      await bot.stop(2_000);
      await slack.stop();
    },
  };
}

/** Every text a message carries: its fallback and the text of its blocks. */
export function textOf(m: { text: string; blocks: unknown[] }): string {
  return [m.text, JSON.stringify(m.blocks)].join('\n');
}

/** The first action button's id in some blocks. */
export function actionIdIn(blocks: unknown[]): string | undefined {
  return (blocks as { elements?: { action_id?: string }[] }[])
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.action_id?.startsWith('a_'))?.action_id;
}
