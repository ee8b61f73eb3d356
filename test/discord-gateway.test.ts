/**
 * Discord's Gateway — the default mode — end to end: discord.js's Client in the Discord adapter
 * connects to a local Gateway written from Discord's documentation (test/support/discord-gateway-fake.ts)
 * after reading `GET /gateway/bot` from the REST API, which is the strict REST fake
 * (test/support/discord-strict.ts) behind a front that also answers interaction callbacks.
 * The whole bot runs on the sandbox world: HELLO, IDENTIFY, heartbeats and READY; commands and a
 * button arriving as INTERACTION_CREATE and answered over REST; RECONNECT, a dropped socket and
 * INVALID_SESSION survived. A token Discord refuses is said in readiness and the log, not retried in
 * a tight loop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DiscordAdapter, type DiscordAdapterOptions } from '../src/adapters/discord/adapter.ts';
import { discordPayloadProblems } from '../src/adapters/discord/render.ts';
import type { AdapterServices } from '../src/core/adapter.ts';
import { systemClock } from '../src/core/clock.ts';
import { CommandRegistry } from '../src/core/commands/registry.ts';
import type { Bot } from '../src/core/compose.ts';
import { bundledPlugins } from '../src/plugins/index.ts';
import { runSandbox, type SandboxRun } from '../src/sandbox/cli.ts';
import { CLOSE, DiscordGateway, GatewayFront, OP } from './support/discord-gateway-fake.ts';
import { StrictDiscord, type StrictCall } from './support/discord-strict.ts';
import { botFor } from './support/sandbox-bot.ts';
import { captureLog } from './support/log.ts';
import { eventually } from './support/wait.ts';
import { tempDir } from './support/temp.ts';

const APP = '123456789012345678';
const GUILD = '1000000000000000001';
const TOKEN = 'discord-bot-token-for-tests';
const BOB = '81234567890123456';
const ALICE = '81234567890123457';

const sub = (group: string, name: string, options: object[] = []) => ({
  id: '1',
  name: group,
  type: 1,
  options: [{ type: 1, name, options }],
});
const STATUS = sub('argo', 'status', [{ type: 3, name: 'app', value: 'naver-news' }]);
const WHOAMI = sub('deckhand', 'whoami');

const until = <T>(f: () => T | undefined | false, what: string, timeoutMs = 8_000) =>
  eventually(what, f, { timeoutMs, intervalMs: 10 }) as Promise<T>;

/** A fake Discord: the strict REST fake, the Gateway, and the front that joins them. */
async function fakeDiscord() {
  const rest = new StrictDiscord({ app: APP, botToken: TOKEN, clock: systemClock });
  const gateway = new DiscordGateway({ token: TOKEN, app: APP, heartbeatMs: 200 });
  const front = new GatewayFront(rest, gateway);
  await gateway.start();
  const api = await front.start(await rest.start());
  return {
    rest,
    gateway,
    front,
    api,
    stop: async () => {
      await front.stop();
      await gateway.stop();
      await rest.stop();
    },
  };
}

describe('tokens Discord refuses (close 4004, HTTP 401), and a Gateway as strict as Discord', () => {
  /** The adapter alone, with its log captured. */
  async function adapterOn(
    d: Awaited<ReturnType<typeof fakeDiscord>>,
    botToken: string,
    opts: DiscordAdapterOptions = {},
  ) {
    const { log, lines: logs } = captureLog('info');
    const services = { log, registry: new CommandRegistry() } as unknown as AdapterServices;
    const adapter = new DiscordAdapter(
      {
        enabled: true,
        botToken,
        applicationId: APP,
        mode: 'gateway',
        path: '/discord/interactions',
        guildId: GUILD,
        apiUrl: d.api,
        registerCommands: false,
        groups: ['argo'],
      },
      services,
      opts,
    );
    // The default backoff unless told: what a deployment does.
    await adapter.start(async () => ({ ok: true, messages: [] }));
    return { adapter, logs };
  }

  it('a token reset after GET /gateway/bot: IDENTIFY closed 4004, said in readiness and the log, retried only after a backoff', async () => {
    const d = await fakeDiscord();
    // The REST API still takes the token; the Gateway does not (reset in the developer portal).
    d.gateway.token = 'a-reset-token';
    const { adapter, logs } = await adapterOn(d, TOKEN);
    try {
      const closed = d.gateway.connections[0]?.closed;
      expect(closed).toEqual({ code: CLOSE.AUTHENTICATION_FAILED, by: 'server' });
      expect(adapter.health()).toBe('Discord refused login: Authentication failed; retrying in 5 s');
      expect(logs).toContainEqual(
        expect.objectContaining({ msg: 'discord login failed', discordMessage: 'Authentication failed' }),
      );
      // Not a tight loop: one IDENTIFY, and none after discord.js's own 500 ms reconnect delay.
      await new Promise((r) => setTimeout(r, 700));
      expect(d.gateway.identifies).toHaveLength(1);
      expect(d.gateway.connections).toHaveLength(1);
    } finally {
      await adapter.stop();
      await d.stop();
    }
  });

  it('a wrong token: GET /gateway/bot answered 401, said in readiness, no connection attempted', async () => {
    const d = await fakeDiscord();
    const { adapter, logs } = await adapterOn(d, 'not-the-token');
    try {
      const get = d.rest.calls.filter((c) => c.path === '/v10/gateway/bot');
      expect(get.map((c) => c.status)).toEqual([401]);
      expect(adapter.health()).toBe(
        'Discord refused login: An invalid token was provided. (code TokenInvalid); retrying in 5 s',
      );
      expect(logs.some((l) => l.msg === 'discord login failed')).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect(d.gateway.connections).toHaveLength(0);
    } finally {
      await adapter.stop();
      await d.stop();
    }
  });

  it('a token reset while connected: the RESUME closed 4004 is said in readiness and the log, and the adapter logs in again later', async () => {
    const d = await fakeDiscord();
    const { adapter, logs } = await adapterOn(d, TOKEN, { retryDelayMs: () => 300 });
    try {
      expect(adapter.health()).toBeNull();
      const g = d.gateway;
      g.token = 'a-reset-token';
      g.drop();
      await g.until(() => g.connections.some((c) => c.closed?.code === CLOSE.AUTHENTICATION_FAILED), '4004');
      await until(() => adapter.health()?.includes('AuthenticationFailed'), 'readiness saying why');
      expect(adapter.health()).toMatch(
        /^Discord refused login: the Gateway closed with AuthenticationFailed \(code 4004\); retrying in 1 s$/,
      );
      expect(logs).toContainEqual(expect.objectContaining({ msg: 'discord login failed', code: 4004 }));
      // The token is fixed (e.g. the secret rotated back): the next attempt identifies afresh.
      g.token = TOKEN;
      await until(() => adapter.health() === null, 'connected again');
      expect(g.sent.filter((s) => s.op === OP.IDENTIFY)).toHaveLength(2);
    } finally {
      await adapter.stop();
      await d.stop();
    }
  });

  it('the fake is as strict as Discord: privileged intents not enabled (4014), a payload before IDENTIFY (4003), an unknown opcode (4001)', async () => {
    const d = await fakeDiscord();
    const session = async (first: object) => {
      const ws = new WebSocket(`${d.gateway.url}/?v=10&encoding=json`);
      const hello = await new Promise<{ op: number; d: { heartbeat_interval: number } }>((r) =>
        ws.once('message', (m) => r(JSON.parse(String(m)))),
      );
      expect(hello).toMatchObject({ op: OP.HELLO, d: { heartbeat_interval: 200 } });
      ws.send(JSON.stringify(first));
      return new Promise<number>((r) => ws.once('close', (code) => r(code)));
    };
    const props = { os: 'linux', browser: 'test', device: 'test' };
    try {
      expect(
        await session({ op: OP.IDENTIFY, d: { token: TOKEN, intents: 1 << 15, properties: props } }),
      ).toBe(CLOSE.DISALLOWED_INTENTS);
      expect(await session({ op: OP.REQUEST_GUILD_MEMBERS, d: { guild_id: GUILD } })).toBe(
        CLOSE.NOT_AUTHENTICATED,
      );
      expect(await session({ op: 42, d: null })).toBe(CLOSE.UNKNOWN_OPCODE);
    } finally {
      await d.stop();
    }
  });
});

describe('the bot over the Gateway, on the sandbox world', () => {
  let d: Awaited<ReturnType<typeof fakeDiscord>>;
  let run: SandboxRun;
  const dir = tempDir('deckhand-discord-gw-');
  let bot: Bot;
  let channel: string;

  beforeAll(async () => {
    d = await fakeDiscord();
    channel = d.rest.channel().id;
    run = await runSandbox({
      dataDir: dir,
      timeScale: 0.001,
      syncDelayMs: 5,
      plugins: bundledPlugins.map((p) => p.id),
    });
    ({ bot } = await botFor(
      run,
      (cfg) => {
        cfg.server = { ...cfg.server, host: '127.0.0.1', port: 0 };
        cfg.identities.bob = { ...cfg.identities.bob, discord: BOB };
        cfg.identities.alice = { ...cfg.identities.alice, discord: ALICE };
        cfg.plugins.gitops.followUp = {
          ...cfg.plugins.gitops.followUp,
          timeoutSeconds: 600,
          settleSeconds: 0.2,
        };
        cfg.adapters.discord = {
          enabled: true,
          botToken: TOKEN,
          applicationId: APP,
          mode: 'gateway',
          guildId: GUILD,
          apiUrl: d.api,
          registerCommands: true,
          groups: ['argo', 'k8s', 'gitops', 'diagnose', 'deckhand'],
        };
      },
      undefined,
      { http: true },
    ));
  }, 30_000);
  afterAll(async () => {
    await bot?.stop(2_000);
    await run?.sandbox.stop();
    await d?.stop();
  });

  const seen = () => d.rest.calls.map((c) => `${c.method} ${c.path} ${c.status} ${c.code ?? ''}`).join('\n');
  const call = (pred: (c: StrictCall) => boolean, what: string, ms?: number) =>
    until(() => d.rest.calls.find(pred), `${what}; Discord saw:\n${seen()}`, ms);
  const mine = (token: string) => [...d.rest.messages.values()].filter((m) => m.token === token);
  const readyz = async () => {
    const res = await fetch(`http://127.0.0.1:${bot.port}/readyz`);
    const body = (await res.json()) as { checks: { name: string; ok: boolean; reason?: string }[] };
    return body.checks.find((c) => c.name === 'adapter:discord');
  };
  const interact = (
    data: object,
    o: { user?: string; username?: string; message?: string; type?: 2 | 3 } = {},
  ) =>
    d.front.interact({
      type: o.type ?? 2,
      data,
      channel,
      user: o.user ?? BOB,
      username: o.username ?? 'bob',
      guild: GUILD,
      ...(o.message ? { message: o.message } : {}),
    });
  /** The interaction's callback, answered by the fake. */
  const callback = (it: { id: string; token: string }) =>
    call((c) => c.path === `/v10/interactions/${it.id}/${it.token}/callback`, 'the interaction callback');
  /** `/argo status naver-news` is answered: a callback, then the card in @original. */
  const statusAnswered = async () => {
    const it = interact(STATUS);
    const cb = await callback(it);
    expect(cb.status).toBe(204);
    const edit = await call(
      (c) => c.method === 'PATCH' && c.path === `/v10/webhooks/${APP}/${it.token}/messages/@original`,
      'the status card',
    );
    expect(edit.status).toBe(200);
    expect(JSON.stringify(edit.body.embeds)).toContain('naver-news');
    return { it, cb, edit };
  };

  it('connects: GET /gateway/bot, HELLO → IDENTIFY with the bot token, heartbeats acknowledged, READY → ready', async () => {
    const get = d.rest.calls.find((c) => c.path === '/v10/gateway/bot');
    expect(get).toMatchObject({ method: 'GET', status: 200, auth: `Bot ${TOKEN}` });
    const g = d.gateway;
    expect(g.connections[0]).toMatchObject({ path: '/', query: { v: '10', encoding: 'json' } });
    const identify = g.sent.find((s) => s.op === OP.IDENTIFY);
    expect(identify?.d).toMatchObject({
      token: TOKEN,
      intents: 1, // GUILDS only: no privileged intent
      properties: { os: expect.any(String), browser: expect.any(String), device: expect.any(String) },
      shard: [0, 1],
    });
    expect(g.session?.log[0]).toMatchObject({ t: 'READY', s: 1 });
    // Heartbeats every 200 ms, each carrying the last sequence received, each acknowledged.
    await g.until(() => g.acks.length >= 3, 'three heartbeats acknowledged');
    const beats = g.sent.filter((s) => s.op === OP.HEARTBEAT);
    // A sequence the Gateway sent (other tests of the file may have dispatched more by now).
    const sent = new Set((g.session?.log ?? []).map((e) => e.s));
    expect(beats.some((b) => typeof b.d === 'number' && sent.has(b.d))).toBe(true);
    expect(beats.every((b) => b.d === null || sent.has(b.d as number))).toBe(true);
    expect(await readyz()).toEqual({ name: 'adapter:discord', ok: true });
    // Commands were registered through the same REST API.
    const put = d.rest.calls.find((c) => c.method === 'PUT' && c.path.includes(`/guilds/${GUILD}/commands`));
    expect(put?.status).toBe(200);
  });

  it('answers /argo status naver-news over REST (callback, then the card), and /deckhand whoami privately (flags 64)', async () => {
    const { cb, edit } = await statusAnswered();
    expect(cb.body.type === 5 || cb.body.type === 4).toBe(true);
    expect((cb.body.data?.flags ?? 0) & 64).toBe(0);
    expect(edit.body.content).toBe(`asked by <@${BOB}>`);
    expect(discordPayloadProblems(edit.body)).toEqual([]);

    const before = d.rest.visibleIn(channel).length;
    const who = interact(WHOAMI);
    const wcb = await callback(who);
    expect(wcb.body).toMatchObject({ type: 5, data: { flags: 64 } });
    await until(() => mine(who.token).some((m) => !m.thinking), 'the private answer');
    expect(mine(who.token).every((m) => m.ephemeral && m.ephemeralTo === BOB)).toBe(true);
    expect(d.rest.visibleIn(channel).length).toBe(before);
  });

  it('a button on a proposal card: alice proposes, bob presses Approve → merged, the follow-up in the thread', async () => {
    const scale = sub('gitops', 'scale', [
      { type: 3, name: 'app', value: 'naver-news' },
      { type: 4, name: 'replicas', value: 3 },
    ]);
    const asked = interact(scale, { user: ALICE, username: 'alice' });
    await call((c) => c.path.includes(asked.token) && JSON.stringify(c.body).includes('Approve'), 'the card');
    const card = mine(asked.token).find((m) => JSON.stringify(m.components).includes('Approve'))!;
    const buttons = (card.components as { components: { label: string; custom_id: string }[] }[]).flatMap(
      (r) => r.components,
    );
    const approve = buttons.find((b) => b.label.startsWith('Approve'))!.custom_id;
    const press = interact({ custom_id: approve, component_type: 2 }, { type: 3, message: card.id });
    const pcb = await callback(press);
    expect(pcb.body).toEqual({ type: 6 });
    await until(
      () => d.rest.visibleIn(card.id).length >= 2,
      `a follow-up in the thread; Discord saw:\n${seen()}`,
      15_000,
    );
    const [merged, verdict] = d.rest.visibleIn(card.id).map((m) => JSON.stringify(m.embeds) + m.content);
    expect(merged).toContain('Merged #');
    expect(verdict).toContain('naver-news');
    expect(d.rest.channels.get(card.id)).toMatchObject({ type: 11, parent: channel });
    expect(
      d.rest.calls.some(
        (c) => c.method === 'PATCH' && c.path === `/v10/webhooks/${APP}/${press.token}/messages/@original`,
      ),
    ).toBe(true);
    expect(d.rest.calls.filter((c) => c.status >= 400).map((c) => `${c.method} ${c.path} ${c.code}`)).toEqual(
      [],
    );
  }, 20_000);

  it('op 7 RECONNECT: RESUME on resume_gateway_url with the session id and last sequence; RESUMED; the next command works', async () => {
    const g = d.gateway;
    // Heartbeats every 200 ms: under load the client may have found its connection a zombie and
    // be resuming; each story starts from a live one.
    await g.until(() => g.connected, 'a live connection', 15_000);
    const session = g.session!;
    const last = session.seq;
    const n = g.connections.length;
    g.reconnect();
    await g.until(() => g.sent.some((s) => s.conn > n && s.op === OP.RESUME), 'a RESUME');
    const resume = g.sent.find((s) => s.conn > n && s.op === OP.RESUME)!;
    expect(g.connections[resume.conn - 1]!.path).toBe('/resume');
    expect(resume.d).toEqual({ token: TOKEN, session_id: session.id, seq: last });
    expect(g.sent.some((s) => s.conn > n && s.op === OP.IDENTIFY)).toBe(false);
    expect(session.log.at(-1)).toMatchObject({ t: 'RESUMED' });
    await statusAnswered();
  });

  it('a dropped socket: RESUME, the dispatch sent meanwhile replayed, and answered', async () => {
    const g = d.gateway;
    // Heartbeats every 200 ms: under load the client may have found its connection a zombie and
    // be resuming; each story starts from a live one.
    await g.until(() => g.connected, 'a live connection', 15_000);
    const session = g.session!;
    const n = g.connections.length;
    const last = session.seq;
    g.drop();
    // Discord sends the interaction while the bot is away; it comes with the RESUME's replay.
    const { it: missed, edit } = await statusAnswered();
    const resume = g.sent.find((s) => s.conn > n && s.op === OP.RESUME)!;
    expect(resume.d).toEqual({ token: TOKEN, session_id: session.id, seq: last });
    const replayed = session.log.find((p) => p.t === 'INTERACTION_CREATE' && p.d.token === missed.token)!;
    expect(replayed.s).toBe(last + 1);
    // The fake replayed it on the resumed connection, then sent RESUMED after it.
    expect(g.resumes.at(-1)).toEqual({ conn: resume.conn, seq: last, replayed: [replayed.s] });
    expect(session.log.find((p) => p.s === replayed.s + 1)).toMatchObject({ t: 'RESUMED' });
    expect(edit.status).toBe(200);
  });

  it('op 9 INVALID_SESSION (d: false): a fresh IDENTIFY on the gateway URL, a new session, and the next command works', async () => {
    const g = d.gateway;
    // Heartbeats every 200 ms: under load the client may have found its connection a zombie and
    // be resuming; each story starts from a live one.
    await g.until(() => g.connected, 'a live connection', 15_000);
    const old = g.session!;
    const n = g.connections.length;
    g.invalidate();
    await g.until(() => g.session !== old && g.session?.log[0]?.t === 'READY', 'a new session');
    const identify = g.sent.find((s) => s.conn > n && s.op === OP.IDENTIFY)!;
    expect(identify.d).toMatchObject({ token: TOKEN, intents: 1 });
    expect(g.connections[identify.conn - 1]!.path).toBe('/');
    expect(g.sent.some((s) => s.conn > n && s.op === OP.RESUME)).toBe(false);
    expect(g.session!.id).not.toBe(old.id);
    await statusAnswered();
    expect(await readyz()).toEqual({ name: 'adapter:discord', ok: true });
  });
});
