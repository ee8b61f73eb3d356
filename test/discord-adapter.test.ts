/**
 * Discord end to end in HTTP interactions mode: signed interaction payloads as Discord sends them
 * go in; the deferred response comes back at once, and the answer goes out through discord.js's
 * REST layer to a local fake of Discord's API — embeds and buttons within Discord's limits.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordPayloadProblems } from '../src/adapters/discord/render.ts';
import type { Bot } from '../src/core/compose.ts';
import { FakeDiscord } from './support/fake-discord.ts';
import { botFor, startSandboxBot, type SandboxBot } from './support/sandbox-bot.ts';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const publicHex = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32).toString('hex');
const APP = '123456789012345678';
const fake = new FakeDiscord();
let s: SandboxBot;
let bot: Bot;
let url: string;

const signed = (body: string, key = privateKey, at = Date.now()) => {
  const ts = String(Math.floor(at / 1000));
  return {
    'content-type': 'application/json',
    'x-signature-timestamp': ts,
    'x-signature-ed25519': sign(null, Buffer.from(ts + body), key).toString('hex'),
  };
};

const interaction = (type: number, data: object, token: string, extra: object = {}) =>
  JSON.stringify({
    id: '1100000000000000001',
    application_id: APP,
    type,
    data,
    guild_id: '1000000000000000001',
    channel_id: '1200000000000000001',
    channel: { id: '1200000000000000001', type: 0 },
    member: { user: { id: '81234567890123456', username: 'bob' }, roles: [] },
    token,
    version: 1,
    ...extra,
  });

beforeAll(async () => {
  const api = await fake.start();
  s = await startSandboxBot();
  ({ bot } = await botFor(
    s.run,
    (cfg) => {
      cfg.server = { ...cfg.server, host: '127.0.0.1', port: 0 };
      cfg.identities.bob = { ...cfg.identities.bob, discord: '81234567890123456' };
      cfg.adapters.discord = {
        enabled: true,
        botToken: 'discord-bot-token-for-tests',
        applicationId: APP,
        mode: 'http',
        publicKey: publicHex,
        path: '/discord/interactions',
        guildId: '1000000000000000001',
        apiUrl: api,
        registerCommands: true,
        groups: ['argo', 'k8s', 'gitops', 'diagnose', 'deckhand'],
      };
    },
    undefined,
    { http: true },
  ));
  url = `http://127.0.0.1:${bot.port}/discord/interactions`;
}, 60_000);
afterAll(async () => {
  await bot?.stop(2_000);
  await s?.stop();
  await fake.stop();
});

describe('Discord interactions over HTTP', () => {
  it('registered the slash commands for the guild from the registry', async () => {
    const put = await fake.waitFor((c) => c.method === 'PUT' && c.path.includes('/guilds/'));
    const names = (put.body as { name: string }[]).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['argo', 'k8s', 'gitops', 'diagnose', 'deckhand']));
    expect(put.auth).toBe('Bot discord-bot-token-for-tests');
  });

  it('defers at once, then fills the reply with an embed through the REST layer', async () => {
    const body = interaction(
      2,
      {
        id: '1',
        name: 'argo',
        type: 1,
        options: [{ type: 1, name: 'status', options: [{ type: 3, name: 'app', value: 'naver-news' }] }],
      },
      'tok-status',
    );
    const res = await fetch(url, { method: 'POST', headers: signed(body), body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ type: 5 });
    const edit = await fake.waitFor(
      (c) => c.method === 'PATCH' && c.path === `/v10/webhooks/${APP}/tok-status/messages/@original`,
    );
    expect(edit.body.embeds[0].title).toContain('naver-news');
    expect(discordPayloadProblems(edit.body)).toEqual([]);
  });

  it('routes a button press to its action as the mapped identity', async () => {
    const alice = await s.exec('/gitops scale flash-web-dev 3', 'alice');
    const ids = alice.messages.find((m) => m.data?.actions)!.data!.actions as { diff: string };
    const body = interaction(3, { custom_id: ids.diff, component_type: 2 }, 'tok-press', {
      message: { id: '1300000000000000001', channel_id: '1200000000000000001' },
    });
    const res = await fetch(url, { method: 'POST', headers: signed(body), body });
    expect(await res.json()).toEqual({ type: 6 });
    const out = await fake.waitFor((c) => c.method === 'POST' && c.path.includes('/tok-press'));
    expect(JSON.stringify(out.body)).toContain('replicas');
  }, 30_000);

  it('refuses a forged signature and runs nothing', async () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const before = fake.calls.length;
    const body = interaction(
      2,
      { id: '1', name: 'deckhand', type: 1, options: [{ type: 1, name: 'whoami', options: [] }] },
      'tok-forged',
    );
    const res = await fetch(url, { method: 'POST', headers: signed(body, other), body });
    expect(res.status).toBe(401);
    // Correctly signed, but ten minutes old: a replay.
    const stale = await fetch(url, {
      method: 'POST',
      headers: signed(body, privateKey, Date.now() - 600_000),
      body,
    });
    expect(stale.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.calls.slice(before).some((c) => c.path.includes('tok-forged'))).toBe(false);
  });
});
