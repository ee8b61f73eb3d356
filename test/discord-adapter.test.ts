/**
 * Discord end to end in HTTP interactions mode, the whole bot against the strict fake of Discord
 * (test/support/discord-strict.ts): signed interaction payloads as Discord sends them go in; the
 * initial response comes back within Discord's 3 seconds, and the answer goes out through
 * discord.js's REST layer — embeds and buttons within Discord's limits, private answers only to
 * the asker, and a merge's follow-up in the proposal's thread.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordPayloadProblems } from '../src/adapters/discord/render.ts';
import type { Bot } from '../src/core/compose.ts';
import { systemClock } from '../src/core/clock.ts';
import { bundledPlugins } from '../src/plugins/index.ts';
import { runSandbox, type SandboxRun } from '../src/sandbox/cli.ts';
import { StrictDiscord } from './support/discord-strict.ts';
import { botFor } from './support/sandbox-bot.ts';
import { tempDir } from './support/temp.ts';
import { eventually } from './support/wait.ts';

const APP = '123456789012345678';
const GUILD = '1000000000000000001';
const BOB = '81234567890123456';
const ALICE = '81234567890123457';
const fake = new StrictDiscord({ app: APP, botToken: 'discord-bot-token-for-tests', clock: systemClock });
const channel = fake.channel().id;
let run: SandboxRun;
const dir = tempDir('deckhand-discord-');
let bot: Bot;
let url: string;

const status = {
  id: '1',
  name: 'argo',
  type: 1,
  options: [{ type: 1, name: 'status', options: [{ type: 3, name: 'app', value: 'naver-news' }] }],
};

beforeAll(async () => {
  const api = await fake.start();
  // One bot only: it alone serves the store, so the follow-ups it starts are its to post.
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
        botToken: 'discord-bot-token-for-tests',
        applicationId: APP,
        mode: 'http',
        publicKey: fake.publicHex,
        path: '/discord/interactions',
        guildId: GUILD,
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
  await run?.sandbox.stop();
  await fake.stop();
});

/** alice proposes on Discord; the card with its buttons, as Discord shows it. */
async function propose(app: string, replicas: number) {
  const scale = {
    id: '1',
    name: 'gitops',
    type: 1,
    options: [
      {
        type: 1,
        name: 'scale',
        options: [
          { type: 3, name: 'app', value: app },
          { type: 4, name: 'replicas', value: replicas },
        ],
      },
    ],
  };
  const asked = await fake.interact(url, { type: 2, data: scale, channel, user: ALICE, username: 'alice' });
  await fake.waitFor(
    (c) => c.path.includes(asked.token) && JSON.stringify(c.body).includes('Approve'),
    20_000,
  );
  const card = mine(asked.token).find((m) => JSON.stringify(m.components).includes('Approve'))!;
  const buttons = (card.components as { components: { label: string; custom_id: string }[] }[]).flatMap(
    (r) => r.components,
  );
  const button = (label: string) => buttons.find((b) => b.label.startsWith(label))!.custom_id;
  return { card, button };
}

const seen = () => fake.calls.map((c) => `${c.method} ${c.path} ${c.status} ${c.code ?? ''}`).join('\n');
const mine = (token: string) => [...fake.messages.values()].filter((m) => m.token === token);

describe('Discord interactions over HTTP', () => {
  it('registered the slash commands for the guild from the registry', async () => {
    const put = await fake.waitFor((c) => c.method === 'PUT' && c.path.includes('/guilds/'));
    const names = (put.body as { name: string }[]).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['argo', 'k8s', 'gitops', 'diagnose', 'deckhand']));
    expect(put.auth).toBe('Bot discord-bot-token-for-tests');
    expect(put.status).toBe(200);
  });

  it('defers publicly, then fills the reply with an embed that names who asked', async () => {
    const res = await fake.interact(url, { type: 2, data: status, channel });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ type: 5 });
    const edit = await fake.waitFor(
      (c) => c.method === 'PATCH' && c.path === `/v10/webhooks/${APP}/${res.token}/messages/@original`,
    );
    expect(edit.status).toBe(200);
    expect(edit.body.embeds[0].title).toContain('naver-news');
    expect(edit.body.content).toBe(`asked by <@${BOB}>`);
    expect(discordPayloadProblems(edit.body)).toEqual([]);
  });

  it('answers whoami only to the asker: an ephemeral deferral, nothing in the channel', async () => {
    const before = fake.visibleIn(channel).length;
    const whoami = {
      id: '1',
      name: 'deckhand',
      type: 1,
      options: [{ type: 1, name: 'whoami', options: [] }],
    };
    const res = await fake.interact(url, { type: 2, data: whoami, channel });
    expect(res.body).toEqual({ type: 5, data: { flags: 64 } });
    await fake.waitFor((c) => c.path.includes(res.token));
    await fake.settle(100);
    expect(mine(res.token).every((m) => m.ephemeral && m.ephemeralTo === BOB)).toBe(true);
    expect(mine(res.token).some((m) => !m.thinking)).toBe(true);
    expect(fake.visibleIn(channel).length).toBe(before);
  });

  it('routes a button press to its action as the mapped identity', async () => {
    const { card, button } = await propose('flash-web-dev', 3);
    const res = await fake.interact(url, {
      type: 3,
      data: { custom_id: button('View diff'), component_type: 2 },
      channel,
      message: card.id,
    });
    expect(res.body).toEqual({ type: 6 });
    // The diff is a thread answer: in a thread started from the message that carried the button.
    await fake.waitFor((c) => c.method === 'POST' && c.path === `/v10/channels/${card.id}/messages`);
    expect(JSON.stringify(fake.visibleIn(card.id))).toContain('replicas');
    expect(fake.calls.filter((c) => c.status >= 400)).toEqual([]);
  }, 30_000);

  it('after a merge, posts the follow-up in the proposal’s thread (issue 19)', async () => {
    const { card, button } = await propose('naver-news', 3);
    const press = await fake.interact(url, {
      type: 3,
      data: { custom_id: button('Approve'), component_type: 2 },
      channel,
      message: card.id,
    });
    expect(press.body).toEqual({ type: 6 });
    // The follow-up's verdict arrives in the thread started from the card.
    // First "Merged #n…", then the verdict.
    await eventually('the follow-up in the thread', () => fake.visibleIn(card.id).length >= 2, {
      timeoutMs: 40_000,
      intervalMs: 50,
    }).catch((e: Error) => {
      throw new Error(`${e.message}; Discord saw:\n${seen()}`);
    });
    const [merged, verdict] = fake.visibleIn(card.id).map((m) => JSON.stringify(m.embeds) + m.content);
    expect(merged).toContain('Merged #');
    expect(verdict).toContain('naver-news');
    expect(fake.channels.get(card.id)).toMatchObject({ type: 11, parent: channel });
    // The card itself was updated through the press's token.
    expect(
      fake.calls.some(
        (c) => c.method === 'PATCH' && c.path === `/v10/webhooks/${APP}/${press.token}/messages/@original`,
      ),
    ).toBe(true);
    expect(fake.calls.filter((c) => c.status >= 400).map((c) => `${c.method} ${c.path} ${c.code}`)).toEqual(
      [],
    );
  }, 60_000);

  it('refuses a forged signature and a stale timestamp, and runs nothing', async () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const before = fake.calls.length;
    const body = JSON.stringify({
      id: '1100000000000000001',
      application_id: APP,
      type: 2,
      data: { id: '1', name: 'deckhand', type: 1, options: [{ type: 1, name: 'whoami', options: [] }] },
      guild_id: GUILD,
      channel_id: channel,
      member: { user: { id: BOB, username: 'bob' }, roles: [] },
      token: 'tok-forged',
      version: 1,
    });
    const res = await fetch(url, { method: 'POST', headers: fake.signed(body, Date.now(), other), body });
    expect(res.status).toBe(401);
    // Correctly signed, but ten minutes old: a replay.
    const stale = await fetch(url, {
      method: 'POST',
      headers: fake.signed(body, Date.now() - 600_000),
      body,
    });
    expect(stale.status).toBe(401);
    // A genuine request sent after them, answered, shows the refused ones were dealt with too.
    const whoami = {
      id: '1',
      name: 'deckhand',
      type: 1,
      options: [{ type: 1, name: 'whoami', options: [] }],
    };
    const after = await fake.interact(url, { type: 2, data: whoami, channel });
    await fake.waitFor((c) => c.path.includes(after.token));
    expect(fake.calls.slice(before).some((c) => c.path.includes('tok-forged'))).toBe(false);
  });
});
