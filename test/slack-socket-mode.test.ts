/**
 * Slack in Socket Mode, the README's default, end to end: the real bot on the demo sandbox, with
 * Bolt's SocketModeReceiver and @slack/socket-mode talking to a local fake of Socket Mode written
 * from Slack's documentation (support/slack-socket-fake.ts) in front of the strict Web API fake
 * (support/slack-fake.ts). The bot opens a connection with its app-level token, acknowledges each
 * envelope within Slack's 3 seconds and answers through the Web API; after Slack's refresh warning
 * and after a dropped connection it opens a new one; a refused token is said, not a crash.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackConfigSchema } from '../src/adapters/slack/config.ts';
import type { Bot } from '../src/core/compose.ts';
import { systemClock } from '../src/core/clock.ts';
import { createLogger } from '../src/core/logging.ts';
import { SqliteStore } from '../src/core/store/sqlite.ts';
import { bundledPlugins } from '../src/plugins/index.ts';
import { runSandbox, type SandboxRun } from '../src/sandbox/cli.ts';
import { botFor } from './support/sandbox-bot.ts';
import { StrictSlack } from './support/slack-fake.ts';
import { ACK_MS, SocketModeSlack } from './support/slack-socket-fake.ts';
import { textOf } from './support/slack-harness.ts';
import { eventually } from './support/wait.ts';
import { tempDir } from './support/temp.ts';

const APP_TOKEN = 'xapp-1-A0DECKHAND-1-socket-mode-app-token-for-tests';
const BOT_TOKEN = 'xoxb-test-token';
const CHANNEL = 'C0OPS';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

let web: StrictSlack;
let slack: SocketModeSlack;
let run: SandboxRun;
const dir = tempDir('deckhand-slack-socket-');
let bot: Bot;
const logs: Record<string, unknown>[] = [];

function captureLog(into: Record<string, unknown>[]) {
  return createLogger({
    level: 'info',
    stream: new Writable({
      write: (c, _e, cb) => {
        for (const line of String(c).split('\n'))
          if (line.trim()) into.push(JSON.parse(line) as Record<string, unknown>);
        cb();
      },
    }),
  });
}

/** The sandbox's configuration with Slack in Socket Mode against the fakes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function socketMode(cfg: Record<string, any>, appToken: string, apiUrl: string): void {
  cfg.server = { ...cfg.server, host: '127.0.0.1', port: 0 };
  cfg.identities.alice = { ...cfg.identities.alice, slack: ALICE };
  cfg.identities.bob = { ...cfg.identities.bob, slack: BOB };
  cfg.plugins.gitops.followUp = { ...cfg.plugins.gitops.followUp, timeoutSeconds: 600, settleSeconds: 0.2 };
  // The loaded configuration is already parsed: the section gets its defaults from the schema.
  cfg.adapters.slack = SlackConfigSchema.parse({
    mode: 'socket',
    botToken: BOT_TOKEN,
    appToken,
    apiUrl: `${apiUrl}/api/`,
  });
}

async function readiness(b: Bot): Promise<{ status: number; slack?: { ok: boolean; reason?: string } }> {
  const res = await fetch(`http://127.0.0.1:${b.port}/readyz`);
  const body = (await res.json()) as { checks: { name: string; ok: boolean; reason?: string }[] };
  return { status: res.status, slack: body.checks.find((c) => c.name === 'adapter:slack') };
}

const until = (test: () => boolean | Promise<boolean>, timeoutMs: number, what: string) =>
  eventually(what, test, { timeoutMs });

/** A slash command over the socket: acknowledged within 3 s, and its answer shown. */
async function command(text: string, expectShown: RegExp, as = { id: BOB, name: 'bob' }) {
  const before = web.messages.length;
  const [cmd, ...rest] = text.split(' ');
  const sent = slack.slash({ command: cmd as string, text: rest.join(' '), user: as.id, userName: as.name });
  const ack = await sent.ack;
  expect(ack.ms).toBeLessThan(ACK_MS);
  await until(
    () => web.messages.slice(before).some((m) => expectShown.test(textOf(m))),
    10_000,
    `an answer to ${text} matching ${expectShown}`,
  );
  return ack;
}

beforeAll(async () => {
  web = new StrictSlack();
  await web.start();
  slack = new SocketModeSlack({ web, appToken: APP_TOKEN });
  await slack.start();
  run = await runSandbox({
    dataDir: dir,
    timeScale: 0.001,
    syncDelayMs: 5,
    plugins: bundledPlugins.map((p) => p.id),
  });
  ({ bot } = await botFor(run, (cfg) => socketMode(cfg, APP_TOKEN, slack.url), undefined, {
    http: true,
    overrides: { log: captureLog(logs) },
  }));
}, 30_000);

afterAll(async () => {
  await bot?.stop(2_000);
  await run?.sandbox.stop();
  await slack?.stop();
  await web?.stop();
});

describe('Slack in Socket Mode', () => {
  it('opens a connection with the app-level token, then the WebSocket; /readyz says connected', async () => {
    // A bot of its own, started here: the shared one's connection may have been dropped and
    // opened again by the tests before this one.
    const opens = slack.opens.length;
    const connections = slack.connections.length;
    const { bot: fresh } = await botFor(run, (cfg) => socketMode(cfg, APP_TOKEN, slack.url), undefined, {
      http: true,
      overrides: { log: captureLog([]), store: new SqliteStore(':memory:', systemClock) },
    });
    const mine = () => slack.connections.slice(connections);
    try {
      await until(async () => (await readiness(fresh)).slack?.ok === true, 5_000, 'readiness');
      expect(slack.opens.slice(opens)).toHaveLength(1);
      expect(slack.opens[opens]).toMatchObject({ httpMethod: 'POST', token: APP_TOKEN, answer: 'ok' });
      expect(mine()).toHaveLength(1);
      expect(mine()[0]?.openedAt).toBeGreaterThanOrEqual(slack.opens[opens]?.at ?? Infinity);
      expect(await readiness(fresh)).toMatchObject({ status: 200, slack: { ok: true } });
      // The bot token never went to apps.connections.open, nor the app token to the Web API.
      expect(web.calls.filter((c) => c.answer === 'invalid_auth')).toEqual([]);
    } finally {
      await fresh.stop(2_000);
    }
    // Closed, so the shared bot's connection is the live one again for the tests after this.
    await until(() => mine().every((c) => c.closedAt !== undefined), 5_000, 'its connection to close');
  });

  it('acknowledges /argo status naver-news within 3 s and posts the answer through the Web API', async () => {
    const before = web.messages.length; // other tests ask the same
    const ack = await command('/argo status naver-news', /naver-news[\s\S]*(Healthy|Degraded|Progressing)/);
    expect(ack.type).toBe('slash_commands');
    const answer = web.messages
      .slice(before)
      .find((m) => /naver-news[\s\S]*(Healthy|Degraded|Progressing)/.test(textOf(m)));
    expect(answer).toMatchObject({ channel: CHANNEL, via: 'api' });
    expect(textOf(answer!)).toContain(`asked by <@${BOB}>`);
    expect(slack.violations).toEqual([]);
  });

  it('acknowledges a button press and runs it: alice proposes a scale, bob approves, it merges', async () => {
    await command('/gitops scale naver-news 3', /Approve/, { id: ALICE, name: 'alice' });
    const card = web.messages.findLast((m) => JSON.stringify(m.blocks).includes('"Approve'))!;
    const approve = (card.blocks as { elements?: { action_id?: string; text?: { text: string } }[] }[])
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.text?.text.startsWith('Approve'))?.action_id;
    expect(approve).toMatch(/^a_/);
    const press = slack.press({ actionId: approve!, user: BOB, userName: 'bob', messageTs: card.ts });
    const ack = await press.ack;
    expect(ack).toMatchObject({ type: 'interactive' });
    expect(ack.ms).toBeLessThan(ACK_MS);
    await until(() => web.messages.some((m) => /Merged #\d+/.test(textOf(m))), 15_000, 'the merge');
    const merged = web.messages.find((m) => /Merged #\d+/.test(textOf(m)))!;
    // In the thread of the card that carried the button.
    expect(merged.thread_ts).toBe(card.ts);
    expect(slack.violations).toEqual([]);
  }, 20_000);

  it('after a refresh warning and after a dropped connection, connects again and answers', async () => {
    const opens = slack.opens.length;
    const first = slack.live!;
    // The new connection is held at apps.connections.open, so readiness can be seen to drop.
    let release = slack.holdOpens();
    slack.disconnect('refresh_requested');
    await slack.waitFor(() => first.closedAt !== undefined, 2_000, 'the app closing the connection');
    // The app closed it itself (a close frame), not Slack after the grace period.
    expect(first).toMatchObject({ endedBy: 'app', closeCode: 1000 });
    await until(async () => (await readiness(bot)).slack?.ok === false, 2_000, 'readiness to drop');
    // It asks for a new connection at once (the client's own reconnection waited 5 s).
    await slack.waitFor(() => slack.opens.length === opens + 1, 1_000, 'apps.connections.open again');
    expect(slack.opens.at(-1)!.at - first.closedAt!).toBeLessThan(1_000);
    release();
    await slack.waitFor(() => slack.live !== undefined, 5_000, 'a new connection');
    expect(slack.opens.at(-1)).toMatchObject({ token: APP_TOKEN, answer: 'ok' });
    await until(async () => (await readiness(bot)).slack?.ok === true, 2_000, 'readiness');
    await command('/argo status naver-news', /naver-news/);

    const second = slack.live!;
    release = slack.holdOpens();
    slack.drop();
    await until(async () => (await readiness(bot)).slack?.ok === false, 2_000, 'readiness to drop');
    await slack.waitFor(() => slack.opens.length === opens + 2, 1_000, 'apps.connections.open again');
    release();
    await slack.waitFor(() => slack.live !== undefined && slack.live !== second, 5_000, 'a new connection');
    expect(second).toMatchObject({ endedBy: 'dropped', closeCode: 1006 });
    expect(slack.opens.length).toBe(opens + 2);
    await until(async () => (await readiness(bot)).slack?.ok === true, 2_000, 'readiness');
    const ack = await command('/argo status naver-news', /naver-news/);
    expect(ack.connection).toBe(slack.live?.id);
    expect(slack.violations).toEqual([]);
    // Every envelope so far was acknowledged within Slack's 3 seconds.
    expect(Math.max(...slack.acks.map((a) => a.ms))).toBeLessThan(ACK_MS);
  }, 30_000);

  it('when apps.connections.open fails during a reconnect, says so and tries again', async () => {
    const opens = slack.opens.length;
    const before = slack.live!;
    // Slack answers 503 (the Web API client retries that by itself), then refuses the token once
    // (as when it is being rotated), then is fine again.
    slack.openFailures.push({ status: 503 }, { error: 'invalid_auth' });
    slack.drop();
    await until(
      async () => /invalid_auth/.test((await readiness(bot)).slack?.reason ?? ''),
      3_000,
      'readiness to say why',
    );
    expect(logs.some((l) => /Socket Mode connection failed: invalid_auth/.test(String(l.msg)))).toBe(true);
    await slack.waitFor(() => slack.live !== undefined && slack.live !== before, 15_000, 'a new connection');
    expect(slack.opens.slice(opens).map((o) => o.answer)).toEqual(['HTTP 503', 'invalid_auth', 'ok']);
    await until(async () => (await readiness(bot)).slack?.ok === true, 2_000, 'readiness');
    await command('/argo status naver-news', /naver-news/);
    expect(slack.violations).toEqual([]);
  }, 20_000);

  it('says why when Slack refuses the app-level token, and keeps running', async () => {
    for (const [token, error] of [
      ['xapp-1-A0DECKHAND-1-revoked', 'invalid_auth'],
      [BOT_TOKEN, 'not_allowed_token_type'],
    ] as const) {
      const seen: Record<string, unknown>[] = [];
      const opens = slack.opens.length;
      const { bot: refused } = await botFor(run, (cfg) => socketMode(cfg, token, slack.url), undefined, {
        http: true,
        overrides: { log: captureLog(seen), store: new SqliteStore(':memory:', systemClock) },
      });
      try {
        expect(slack.opens.slice(opens).map((o) => o.answer)).toContain(error);
        const ready = await readiness(refused);
        expect(ready.status).toBe(503);
        expect(ready.slack?.ok).toBe(false);
        expect(JSON.stringify(seen)).toContain(error);
        expect(ready.slack?.reason).toContain(error);
      } finally {
        await refused.stop(2_000);
      }
    }
  });
});
