/**
 * The Discord adapter against a strict fake of Discord (test/support/discord-strict.ts), through
 * discord.js's REST layer: threads as Discord has them, edits through the interaction token while
 * it lives, private answers only through the interaction, start-up refusals that leave the bot
 * serving and say why, "asked by", long answers as one message and a file, replayed requests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundEvent } from '../src/core/chat.ts';
import type { Message, MessageRef } from '../src/core/message/model.ts';
import { BOB, APP, discordHarness, settled, type DiscordHarness } from './support/discord-harness.ts';
import { FLAGS } from './support/discord-strict.ts';

const MIN = 60_000;
const ACTION = 'a_' + 'A'.repeat(24);
const card: Message = {
  text: 'Scale flash-web-dev to 3 replicas?',
  header: 'Proposal: scale flash-web-dev to 3',
  tone: 'info',
  blocks: [{ type: 'fields', fields: [{ label: 'App', value: 'flash-web-dev', short: true }] }],
  buttons: [{ actionId: ACTION, label: 'Approve', style: 'primary' }],
};

let h: DiscordHarness;
afterEach(async () => {
  await h?.stop();
});

/** Run a slash command whose handling is `run`, and wait until it is done. */
async function command(channel: string, run: (e: InboundEvent) => Promise<void>) {
  h.script = run;
  const res = await h.command(channel);
  await settled(h);
  return res;
}

const since = (n: number) => h.discord.calls.slice(n);
const botCalls = (n = 0) => since(n).filter((c) => c.path.startsWith('/v10/channels/'));

describe('threads as Discord has them (issue 19, 1)', () => {
  it('starts a thread from the message before posting in it, names it from the message, and reuses it', async () => {
    h = await discordHarness();
    let proposal!: MessageRef;
    await command(h.ch.open.id, async (e) => void (proposal = await e.respond.post(card)));
    const before = h.discord.calls.length;
    // The core's follow-up after a merge: "in the thread" of the proposal.
    const where = { platform: 'discord', channel: proposal.channel, thread: proposal.thread ?? proposal.id };
    const ref = await h.adapter.post(where, { text: 'naver-news is synced and healthy.', tone: 'ok' });
    const calls = since(before);
    expect(calls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      `POST /v10/channels/${h.ch.open.id}/messages/${proposal.id}/threads 200`,
      `POST /v10/channels/${proposal.id}/messages 200`,
    ]);
    expect(calls[0]!.body.name).toBe('Proposal: scale flash-web-dev to 3');
    expect(ref).toMatchObject({ channel: proposal.id, thread: proposal.id });
    expect(h.discord.visibleIn(proposal.id)).toHaveLength(1);
    // A second follow-up goes to the same thread without starting one.
    const n = h.discord.calls.length;
    await h.adapter.post(where, { text: 'Still healthy after 10 minutes.' });
    expect(since(n).map((c) => `${c.method} ${c.path}`)).toEqual([
      `POST /v10/channels/${proposal.id}/messages`,
    ]);
  });

  it('uses the thread Discord already has for the message (160004), e.g. after a restart', async () => {
    h = await discordHarness();
    const root = await h.adapter.post({ platform: 'discord', channel: h.ch.open.id }, card);
    h.discord.channel({ id: root.id, type: 11, parent: h.ch.open.id });
    const before = h.discord.calls.length;
    await h.adapter.post({ platform: 'discord', channel: h.ch.open.id, thread: root.id }, { text: 'merged' });
    expect(since(before).map((c) => `${c.status} ${c.code ?? ''}`)).toEqual(['400 160004', '200 ']);
    expect(h.discord.visibleIn(root.id).map((m) => m.content)).toEqual(['merged']);
  });

  it('posts in a thread channel it is given as the thread (Unknown Message from the thread start)', async () => {
    h = await discordHarness();
    const thread = h.discord.channel({ type: 11, parent: h.ch.open.id });
    await h.adapter.post({ platform: 'discord', channel: h.ch.open.id, thread: thread.id }, { text: 'hi' });
    expect(h.discord.visibleIn(thread.id).map((m) => m.content)).toEqual(['hi']);
  });

  it('replies to the message in the channel where threads are not allowed (50013, DM)', async () => {
    h = await discordHarness();
    for (const ch of [h.ch.noThreads, h.ch.dm]) {
      const root = await h.adapter.post({ platform: 'discord', channel: ch.id }, card);
      const ref = await h.adapter.post(
        { platform: 'discord', channel: ch.id, thread: root.id },
        { text: 'naver-news is synced.' },
      );
      expect(ref).toMatchObject({ channel: ch.id });
      const reply = h.discord.messages.get(ref.id)!;
      expect(reply).toMatchObject({ channel_id: ch.id, message_reference: { message_id: root.id } });
    }
    const refused = h.discord.calls.filter((c) => c.path.endsWith('/threads')).map((c) => c.code);
    expect(refused).toEqual([50013, 50024]);
    // Refused once, the channel is not asked again for a while.
    const root = await h.adapter.post({ platform: 'discord', channel: h.ch.noThreads.id }, card);
    const n = h.discord.calls.length;
    await h.adapter.post(
      { platform: 'discord', channel: h.ch.noThreads.id, thread: root.id },
      { text: 'again' },
    );
    expect(since(n).some((c) => c.path.endsWith('/threads'))).toBe(false);
  });

  it('loses no follow-up to a rate limit: discord.js waits out Discord’s 429 and sends it again', async () => {
    h = await discordHarness();
    const root = await h.adapter.post({ platform: 'discord', channel: h.ch.open.id }, card);
    h.discord.rateLimitNext('POST', new RegExp(`/channels/${root.id}/messages$`), 0.05);
    await h.adapter.post({ platform: 'discord', channel: h.ch.open.id, thread: root.id }, { text: 'synced' });
    const tries = h.discord.calls.filter((c) => c.path === `/v10/channels/${root.id}/messages`);
    expect(tries.map((c) => c.status)).toEqual([429, 200]);
    expect(h.discord.visibleIn(root.id).map((m) => m.content)).toEqual(['synced']);
  });

  it('says it in the channel when the message (and so its thread) is gone', async () => {
    h = await discordHarness();
    const gone = h.discord.id();
    const ref = await h.adapter.post(
      { platform: 'discord', channel: h.ch.open.id, thread: gone },
      { text: 'naver-news is healthy' },
    );
    expect(ref).toEqual({ platform: 'discord', channel: h.ch.open.id, id: ref.id });
    expect(h.discord.visibleIn(h.ch.open.id).map((m) => m.content)).toEqual(['naver-news is healthy']);
  });

  it('puts a thread-placed answer in a thread under the command reply', async () => {
    h = await discordHarness();
    let root!: MessageRef;
    let inThread!: MessageRef;
    await command(h.ch.open.id, async (e) => {
      root = await e.respond.post({
        text: 'Incident: naver-news down',
        header: 'naver-news down',
        tone: 'danger',
      });
      inThread = await e.respond.post({ text: 'Diagnosis: image pull backoff', placement: 'thread' });
    });
    expect(inThread).toMatchObject({ channel: root.id, thread: root.id });
    expect(h.discord.channels.get(root.id)).toMatchObject({ type: 11, name: 'naver-news down' });
  });
});

describe('edits through the interaction token while it lives (issue 19, 2)', () => {
  it('replaces a slow command’s progress reply in a channel the bot cannot see', async () => {
    h = await discordHarness();
    let progress!: MessageRef;
    await command(h.ch.hidden.id, async (e) => {
      progress = await e.respond.post({ text: 'Collecting…', tone: 'info' });
      await e.respond.update(progress, { text: 'naver-news: Synced, Healthy', tone: 'ok' });
    });
    expect(botCalls()).toEqual([]);
    expect(h.discord.calls.filter((c) => c.status !== 200)).toEqual([]);
    const shown = h.discord.messages.get(progress.id)!;
    expect(shown.embeds[0].description).toBe('naver-news: Synced, Healthy');
    expect(shown.edits).toBe(1);
  });

  it('updates the proposal card after an approval through the press’s token', async () => {
    h = await discordHarness();
    let cardRef!: MessageRef;
    await command(h.ch.hidden.id, async (e) => void (cardRef = await e.respond.post(card)));
    h.clock.advance(20 * MIN); // the command's token is dead; the press brings a new one
    h.script = async (e) => {
      await e.respond.update(e.source!, { ...card, header: 'Approved by bob', buttons: [] });
      await e.respond.post({ text: 'Merged !42.', tone: 'ok' });
    };
    const n = h.discord.calls.length;
    const res = await h.press(h.ch.hidden.id, cardRef.id, ACTION);
    expect(res.body).toEqual({ type: 6 });
    await settled(h);
    expect(botCalls()).toEqual([]);
    const edit = since(n).find((c) => c.method === 'PATCH')!;
    expect(edit.path).toBe(`/v10/webhooks/${APP}/${res.token}/messages/@original`);
    expect(h.discord.messages.get(cardRef.id)!.embeds[0].title).toBe('Approved by bob');
  });

  it('edits a follow-up through the token too, and uses the bot token only after 15 minutes', async () => {
    h = await discordHarness();
    let a!: MessageRef;
    let b!: MessageRef;
    const res = await command(h.ch.open.id, async (e) => {
      a = await e.respond.post({ text: 'first' });
      b = await e.respond.post({ text: 'second' });
    });
    const n = h.discord.calls.length;
    h.clock.advance(14 * MIN);
    await h.adapter.update(b, { text: 'second, edited' });
    expect(since(n).map((c) => `${c.method} ${c.path}`)).toEqual([
      `PATCH /v10/webhooks/${APP}/${res.token}/messages/${b.id}`,
    ]);
    h.clock.advance(2 * MIN);
    const m = h.discord.calls.length;
    await h.adapter.update(a, { text: 'first, edited' });
    expect(since(m).map((c) => `${c.method} ${c.path} ${c.auth}`)).toEqual([
      `PATCH /v10/channels/${h.ch.open.id}/messages/${a.id} Bot discord-bot-token-for-tests`,
    ]);
    expect(h.discord.messages.get(a.id)!.content).toBe('asked by <@81234567890123456>\nfirst, edited');
  });

  it('after the token expired, a channel the bot cannot see is Discord’s 403 Missing Access, said as such', async () => {
    h = await discordHarness();
    let ref!: MessageRef;
    await command(h.ch.hidden.id, async (e) => void (ref = await e.respond.post({ text: 'working' })));
    h.clock.advance(16 * MIN);
    await expect(h.adapter.update(ref, { text: 'done' })).rejects.toMatchObject({ status: 403, code: 50001 });
  });
});

describe('private answers only through the interaction (issue 19, 3)', () => {
  it('defers a command ephemerally when its first message is private, and fills it', async () => {
    h = await discordHarness();
    const res = await command(h.ch.open.id, async (e) => {
      await e.respond.post({ text: 'Usage: argo status APP', ephemeral: true });
    });
    expect(res.body).toEqual({ type: 5, data: { flags: 64 } });
    const mine = [...h.discord.messages.values()].filter((m) => m.token === res.token);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ ephemeral: true, ephemeralTo: BOB, content: 'Usage: argo status APP' });
    expect(h.discord.visibleIn(h.ch.open.id)).toEqual([]);
    expect(botCalls()).toEqual([]);
  });

  it('sends a refused button press as an ephemeral follow-up', async () => {
    h = await discordHarness();
    const root = await h.adapter.post({ platform: 'discord', channel: h.ch.open.id }, card);
    h.script = async (e) =>
      void (await e.respond.post({ text: 'You may not approve this.', ephemeral: true }));
    const n = h.discord.calls.length;
    const res = await h.press(h.ch.open.id, root.id, ACTION);
    await settled(h);
    const follow = since(n).find((c) => c.method === 'POST')!;
    expect(follow.path).toBe(`/v10/webhooks/${APP}/${res.token}`);
    expect(follow.body.flags).toBe(FLAGS.EPHEMERAL);
    expect(h.discord.visibleIn(h.ch.open.id).map((m) => m.id)).toEqual([root.id]);
  });

  it('a private answer after a public deferral goes privately; the public reply only says so', async () => {
    h = await discordHarness();
    const res = await command(h.ch.open.id, async (e) => {
      await new Promise((r) => setTimeout(r, 400)); // past the 300 ms window: deferred publicly
      await e.respond.post({ text: 'Error: naver-news secret token abc123 rejected', ephemeral: true });
    });
    expect(res.body).toEqual({ type: 5 });
    const shown = h.discord.visibleIn(h.ch.open.id);
    expect(shown).toHaveLength(1);
    expect(JSON.stringify(shown)).not.toContain('rejected');
    const secret = [...h.discord.messages.values()].find((m) => m.content.includes('rejected'))!;
    expect(secret).toMatchObject({ ephemeral: true, ephemeralTo: BOB });
  });

  it('never posts a private message as the bot: not outside an interaction, not after the token died', async () => {
    h = await discordHarness();
    const ref = await h.adapter.post(
      { platform: 'discord', channel: h.ch.open.id },
      { text: 'x', ephemeral: true },
    );
    expect(ref.id).toBe('');
    await command(h.ch.open.id, async (e) => {
      await e.respond.post({ text: 'public' });
      h.clock.advance(16 * MIN);
      await e.respond.post({ text: 'private, too late', ephemeral: true });
    });
    expect(botCalls()).toEqual([]);
    expect(JSON.stringify([...h.discord.messages.values()])).not.toContain('too late');
  });
});

describe('start-up refusals (issue 19, 4)', () => {
  it('logs Discord’s own error, shows it in readiness, keeps serving and retries until it works', async () => {
    h = await discordHarness({ start: false });
    h.discord.refuseNext('PUT', /\/commands$/, 403, 50001, 'Missing Access', 2);
    h.http.readiness.push({ name: 'adapter:discord', check: async () => h.adapter.health() });
    await expect(h.adapter.start(async () => ({ ok: true, messages: [] }))).resolves.toBeUndefined();
    const failed = h.logs.find((l) => l.msg === 'discord command registration failed')!;
    expect(failed).toMatchObject({ status: 403, code: 50001, discordMessage: 'Missing Access' });
    const ready = await fetch(h.url.replace('/discord/interactions', '/readyz'));
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain(
      'Discord refused command registration: 403 Missing Access (code 50001)',
    );
    // The interactions endpoint is up meanwhile (Discord's PING is answered).
    const ping = JSON.stringify({ type: 1, id: '1', application_id: APP, token: 't', version: 1 });
    const pong = await fetch(h.url, { method: 'POST', headers: h.discord.signed(ping), body: ping });
    expect(await pong.json()).toEqual({ type: 1 });
    await h.discord.waitFor((c) => c.method === 'PUT' && c.status === 200);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.adapter.health()).toBeNull();
    expect(h.logs.filter((l) => l.msg === 'discord command registration failed')).toHaveLength(2);
  });

  it('a bad bot token is Discord’s 401, logged and retried, not a TypeError', async () => {
    h = await discordHarness({ start: false, cfg: { botToken: 'not-the-token' } });
    await h.adapter.start(async () => ({ ok: true, messages: [] }));
    expect(h.adapter.health()).toMatch(
      /^Discord refused command registration: 401 401: Unauthorized \(code 0\); retrying in/,
    );
    await h.discord.waitFor(
      (c) => c.method === 'PUT' && h.discord.calls.filter((x) => x.method === 'PUT').length >= 2,
    );
    expect(JSON.stringify(h.logs)).not.toContain('TypeError');
  });

  it('after a 401 at runtime, later calls still reach Discord with the token (not "token not set")', async () => {
    h = await discordHarness();
    const to = { platform: 'discord', channel: h.ch.open.id };
    h.discord.refuseNext('POST', /\/messages$/, 401, 0, '401: Unauthorized');
    await expect(h.adapter.post(to, { text: 'one' })).rejects.toMatchObject({ status: 401, code: 0 });
    await h.adapter.post(to, { text: 'two' });
    expect(h.discord.visibleIn(h.ch.open.id).map((m) => m.content)).toEqual(['two']);
  });

  it('in gateway mode, a refused login is logged with Discord’s error and retried', async () => {
    h = await discordHarness({
      start: false,
      cfg: { mode: 'gateway', registerCommands: false, botToken: 'bad' },
    });
    await h.adapter.start(async () => ({ ok: true, messages: [] }));
    expect(h.adapter.health()).toMatch(
      /^Discord refused login: An invalid token was provided\. \(code TokenInvalid\)/,
    );
    const failed = h.logs.find((l) => l.msg === 'discord login failed')!;
    expect(failed).toBeDefined();
    expect(JSON.stringify(h.logs)).not.toContain('TypeError');
  });
});

describe('the public answer names who asked (issue 19, 5)', () => {
  it('says "asked by <@id>" without pinging, on the public answer only', async () => {
    h = await discordHarness();
    const res = await command(h.ch.open.id, async (e) => {
      await e.respond.post(card);
      await e.respond.post({ text: 'and more' });
    });
    const original = [...h.discord.messages.values()].find((m) => m.token === res.token && m.embeds.length)!;
    expect(original.content).toBe(`asked by <@${BOB}>`);
    expect(original.allowed_mentions).toEqual({ parse: [] });
    const more = [...h.discord.messages.values()].find((m) => m.content === 'and more');
    expect(more).toBeDefined();
  });
});

describe('long output (issue 19, 6)', () => {
  it('sends one message with the whole answer in a file instead of continuation messages', async () => {
    h = await discordHarness();
    const long = Array.from({ length: 120 }, (_, i) => `line ${i}: ${'x'.repeat(60)}`).join('\n');
    const res = await command(h.ch.open.id, async (e) => void (await e.respond.post({ text: long })));
    const mine = [...h.discord.messages.values()].filter((m) => m.token === res.token);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.content.length).toBeLessThanOrEqual(2000);
    expect(mine[0]!.content).toContain('message.md');
    expect(mine[0]!.attachments.map((a) => a.filename)).toEqual(['message.md']);
    expect(mine[0]!.attachments[0]!.content).toContain('line 119');
  });

  it('uploads a log once, and once per message however often the message is edited', async () => {
    h = await discordHarness();
    const log = Array.from({ length: 400 }, (_, i) => `2026-12-06T09:00:${i} error: pull failed`).join('\n');
    const answer: Message = {
      text: 'naver-news logs',
      header: 'naver-news logs',
      blocks: [{ type: 'code', code: log, title: 'naver-news', language: 'log' }],
      attachments: [{ filename: 'naver-news.log', contentType: 'text/plain', content: log }],
    };
    let ref!: MessageRef;
    await command(h.ch.open.id, async (e) => {
      ref = await e.respond.post({ text: 'Collecting…', tone: 'info' });
      await e.respond.update(ref, answer);
      await e.respond.update(ref, answer);
    });
    const uploads = h.discord.calls.flatMap((c) => c.files.map((f) => f.filename));
    expect(uploads).toEqual(['naver-news.log', 'naver-news.log']);
    const shown = h.discord.messages.get(ref.id)!;
    expect(shown.attachments.map((a) => a.filename)).toEqual(['naver-news.log']);
    expect(shown.embeds[0].description).toContain('`naver-news.log`');
  });
});

describe('beside the other libraries of the bot', () => {
  it('still uploads files once client-node (and its newer undici) has loaded in the process', async () => {
    // undici 8, loaded with client-node, takes over the process-wide dispatcher slot that
    // discord.js's undici 6 sends through; its Agent refuses 6.x's FormData (see rest-agent.ts).
    await import('@kubernetes/client-node');
    h = await discordHarness();
    const long = Array.from({ length: 120 }, (_, i) => `line ${i}: ${'x'.repeat(60)}`).join('\n');
    const res = await command(h.ch.open.id, async (e) => void (await e.respond.post({ text: long })));
    const mine = [...h.discord.messages.values()].filter((m) => m.token === res.token);
    expect(mine.map((m) => m.attachments.map((a) => a.filename))).toEqual([['message.md']]);
  });
});

describe('replayed interaction requests (issue 19, 7)', () => {
  it('refuses the same signed request twice, and timestamps more than 5 minutes off', async () => {
    h = await discordHarness();
    const body = JSON.stringify({ type: 1, id: '1', application_id: APP, token: 't', version: 1 });
    const headers = h.discord.signed(body);
    expect((await fetch(h.url, { method: 'POST', headers, body })).status).toBe(200);
    expect((await fetch(h.url, { method: 'POST', headers, body })).status).toBe(401);
    for (const off of [-6 * MIN, 6 * MIN]) {
      const r = await fetch(h.url, {
        method: 'POST',
        headers: h.discord.signed(body, h.clock.now() + off),
        body,
      });
      expect(r.status).toBe(401);
    }
    const fine = await fetch(h.url, {
      method: 'POST',
      headers: h.discord.signed(body, h.clock.now() - 4 * MIN),
      body,
    });
    expect(fine.status).toBe(200);
  });
});
