/**
 * Slack end to end: Bolt's HTTP receiver with correctly signed requests in, the real Web API
 * client out to a strict local fake of Slack (support/slack-fake.ts). A slash command is acknowledged at once even when the
 * backend is slow, the answer follows as valid Block Kit; a button runs its action; a forged or
 * stale request is refused and runs nothing; a 429 is retried after Retry-After.
 */
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { slackAdapter } from '../src/adapters/slack/index.ts';
import { slackPayloadProblems } from '../src/adapters/slack/render.ts';
import { builtinsPlugin } from '../src/core/builtins/index.ts';
import { ManualClock } from '../src/core/clock.ts';
import { defineAction } from '../src/core/actions.ts';
import { defineCommand } from '../src/core/commands/define.ts';
import { createBot, type Bot } from '../src/core/compose.ts';
import { parseConfig } from '../src/core/config/load.ts';
import { buildConfigSchema } from '../src/core/config/schema.ts';
import { createLogger } from '../src/core/logging.ts';
import { definePlugin, type AnyPlugin } from '../src/core/plugin.ts';
import { SqliteStore } from '../src/core/store/sqlite.ts';
import { StrictSlack } from './support/slack-fake.ts';

const SECRET = 'slack-signing-secret-for-tests';
let backendRelease: () => void = () => {};
let pressed: string[] = [];

const probe = definePlugin({
  id: 'probe',
  summary: 'a slow backend and a button',
  init({ commands, actions }) {
    commands.add(
      defineCommand({
        name: 'argo status',
        summary: 'status',
        args: z.object({ app: z.string() }),
        positional: ['app'],
        permission: 'deckhand.read',
        progress: 'collecting…',
        run: async ({ args, button }) => {
          await new Promise<void>((r) => (backendRelease = r));
          return {
            text: `${args.app}: Synced, Healthy`,
            header: args.app,
            blocks: [
              {
                type: 'fields',
                fields: [
                  { label: 'Sync', value: 'Synced', short: true },
                  { label: 'Health', value: 'Healthy', short: true },
                ],
              },
            ],
            buttons: [
              { actionId: await button({ kind: 'probe.press', params: { app: args.app } }), label: 'Press' },
            ],
          };
        },
      }),
    );
    actions.add(
      defineAction({
        kind: 'probe.press',
        params: z.object({ app: z.string() }),
        permission: 'deckhand.read',
        effect: 'read',
        run: async ({ params, actor }) => {
          pressed.push(`${params.app}:${actor.id}`);
          return { reply: { text: `pressed by ${actor.id}` } };
        },
      }),
    );
  },
});

let slack: StrictSlack;
let bot: Bot;
let base: string;

beforeEach(async () => {
  pressed = [];
  slack = new StrictSlack();
  await slack.start();
  const plugins = [builtinsPlugin as AnyPlugin, probe as AnyPlugin];
  const schema = buildConfigSchema(
    plugins.map((p) => ({ id: p.id, schema: p.config })),
    [{ id: 'slack', schema: slackAdapter.schema }],
  );
  const yaml = `
server: {port: 0, host: 127.0.0.1}
commands: {progressAfterMs: 50}
identities: {bob: {slack: U0BOB}}
adapters:
  console: {enabled: false}
  slack: {mode: http, botToken: xoxb-test-token, signingSecret: ${SECRET}, apiUrl: "${slack.url}/api/"}
`;
  const { config } = parseConfig(yaml, schema, { env: {} });
  const clock = new ManualClock();
  bot = await createBot({
    config,
    plugins,
    adapters: [slackAdapter],
    version: 'test',
    overrides: {
      clock,
      store: new SqliteStore(':memory:', clock),
      log: createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }) }),
    },
  });
  await bot.start();
  base = `http://127.0.0.1:${bot.port}/slack/events`;
});

afterEach(async () => {
  backendRelease();
  await bot.stop(2_000);
  await slack.stop();
});

function signed(body: string, ts = Math.floor(Date.now() / 1000), secret = SECRET) {
  const sig = 'v0=' + createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': sig,
  };
}

const slash = (text: string) =>
  new URLSearchParams({
    token: 'legacy',
    team_id: 'T0TEAM',
    channel_id: 'C0OPS',
    channel_name: 'ops',
    user_id: 'U0BOB',
    user_name: 'bob',
    command: '/argo',
    text,
    response_url: slack.responseUrl({ channel: 'C0OPS', user: 'U0BOB', kind: 'command' }),
    trigger_id: '1.2.3',
    api_app_id: 'A0APP',
  }).toString();

describe('Slack adapter', () => {
  it('acknowledges a slash command at once while the backend is slow, then posts valid Block Kit', async () => {
    const body = slash('status naver-news');
    const started = Date.now();
    const res = await fetch(base, { method: 'POST', headers: signed(body), body });
    const ackMs = Date.now() - started;
    expect(res.status).toBe(200);
    expect(ackMs).toBeLessThan(3_000);
    // The backend is still working: the progress note appears first…
    await slack.waitFor(() => slack.posts().some((c) => c.body.text === 'collecting…'));
    backendRelease();
    // …and is then replaced by the answer, as valid Block Kit.
    await slack.waitFor(() => slack.calls.some((c) => c.method === 'chat.update'));
    const update = slack.calls.find((c) => c.method === 'chat.update') as unknown as {
      body: { blocks: unknown[]; text: string };
    };
    expect(update.body.text).toContain('naver-news: Synced, Healthy');
    expect(slackPayloadProblems({ text: update.body.text, blocks: update.body.blocks as never })).toEqual([]);
  });

  it('answers a mention in its thread, the mention taken off by the adapter (Events API app_mention)', async () => {
    // https://api.slack.com/events/app_mention: the text carries the bot's mention as <@U…>.
    const body = JSON.stringify({
      token: 'legacy',
      team_id: 'T0TEAM',
      api_app_id: 'A0APP',
      type: 'event_callback',
      event_id: 'Ev0MENTION',
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: 'app_mention',
        user: 'U0BOB',
        text: '<@U0DECKHAND> argo status naver-news',
        ts: '1733476800.000100',
        channel: 'C0OPS',
        event_ts: '1733476800.000100',
      },
    });
    const res = await fetch(base, {
      method: 'POST',
      headers: { ...signed(body), 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    // The command reached the backend (its progress note is in the mention's thread), then answers.
    await slack.waitFor(() => slack.posts().some((c) => c.body.text === 'collecting…'));
    expect(slack.posts().find((c) => c.body.text === 'collecting…')?.body).toMatchObject({
      channel: 'C0OPS',
      thread_ts: '1733476800.000100',
    });
    backendRelease();
    await slack.waitFor(() => slack.calls.some((c) => c.method === 'chat.update'));
    const update = slack.calls.find((c) => c.method === 'chat.update') as unknown as {
      body: { text: string };
    };
    expect(update.body.text).toContain('naver-news: Synced, Healthy');
  });

  it('routes a button press to its action, as the identity the Slack user maps to', async () => {
    const body = slash('status naver-news');
    await fetch(base, { method: 'POST', headers: signed(body), body });
    // Release the backend only once the command is waiting on it.
    await slack.waitFor(() => slack.posts().some((c) => c.body.text === 'collecting…'));
    backendRelease();
    await slack.waitFor(() => slack.calls.some((c) => c.method === 'chat.update'));
    const blocks = (slack.calls.find((c) => c.method === 'chat.update')?.body.blocks ?? []) as {
      type: string;
      elements?: { action_id?: string }[];
    }[];
    const actionId = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id?.startsWith('a_'))
      ?.action_id as string;
    expect(actionId).toBeDefined();
    const payload = {
      type: 'block_actions',
      user: { id: 'U0BOB', username: 'bob' },
      team: { id: 'T0TEAM' },
      api_app_id: 'A0APP',
      token: 'legacy',
      trigger_id: '1.2.3',
      channel: { id: 'C0OPS' },
      container: { type: 'message', message_ts: '1732000001.000100', channel_id: 'C0OPS' },
      message: { ts: '1732000001.000100' },
      actions: [{ type: 'button', action_id: actionId, block_id: 'b', action_ts: '1' }],
      response_url: slack.responseUrl({
        channel: 'C0OPS',
        user: 'U0BOB',
        kind: 'action',
        original: '1732000001.000100',
      }),
    };
    const pressBody = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const res = await fetch(base, { method: 'POST', headers: signed(pressBody), body: pressBody });
    expect(res.status).toBe(200);
    await slack.waitFor(() => pressed.length === 1);
    expect(pressed).toEqual(['naver-news:bob']);
    await slack.waitFor(() =>
      slack.posts().some((c) => c.body.text === 'pressed by bob' && c.body.thread_ts === '1732000001.000100'),
    );
  });

  it('refuses a forged signature and a stale timestamp, and runs nothing', async () => {
    const body = slash('status naver-news');
    const forged = await fetch(base, {
      method: 'POST',
      headers: signed(body, undefined, 'not-the-secret'),
      body,
    });
    const stale = await fetch(base, {
      method: 'POST',
      headers: signed(body, Math.floor(Date.now() / 1000) - 600),
      body,
    });
    expect([forged.status, stale.status]).toEqual([401, 401]);
    await new Promise((r) => setTimeout(r, 100));
    expect(slack.posts()).toEqual([]);
  });

  it('retries a rate-limited post after Retry-After', async () => {
    slack.rateLimit = { method: 'chat.postMessage', times: 1, retryAfter: 0 };
    await bot.chat.post({ platform: 'slack', channel: 'C0OPS' }, { text: 'digest' });
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.body.text)).toEqual([
      'digest',
      'digest',
    ]);
  });
});
