/**
 * Where the Slack adapter's answers go (issue 19), through Bolt against the strict fake:
 * a reply keeps the channel it came in on (a slash command's response_url, replaced and continued
 * while it is valid, a bot message only where the bot can post, and one private note on how to
 * let the bot in); private messages reach only the asker; a public answer to a slash command
 * names who asked; long answers continue in the first message's thread and a long log is
 * uploaded once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RESPONSE_URL_MS, RESPONSE_URL_USES } from './support/slack-fake.ts';
import { actionIdIn, startSlackBot, textOf, type SlackHarness } from './support/slack-harness.ts';

let h: SlackHarness;

beforeEach(async () => {
  h = await startSlackBot();
});

afterEach(async () => {
  vi.useRealTimers();
  await h.stop();
});

const errorsAnswered = () =>
  h.slack.calls.filter((c) => c.answer && c.answer !== 'ok' && c.answer !== 'ratelimited');

describe('a slow slash command in a channel the bot has not joined', () => {
  it('shows progress and then the answer through the response_url, and tells the asker once how to invite the bot', async () => {
    h.slack.notIn.add('C0NEW');
    const { status, responseUrl } = await h.slash('slow naver-news', { channel: 'C0NEW' });
    expect(status).toBe(200);
    await h.slack.waitFor(() => h.slack.seen('C0NEW', 'U0ALICE').some((m) => m.text === 'collecting…'));
    h.state.gate.release();
    await h.slack.waitFor(() =>
      h.slack.seen('C0NEW', 'U0ALICE').some((m) => m.text.includes('naver-news: Synced, Healthy')),
    );
    // Everyone in the channel sees one message: the answer, which replaced the progress note.
    const everyone = h.slack.seen('C0NEW', 'U0ALICE');
    expect(everyone.map((m) => m.text)).toEqual(['naver-news: Synced, Healthy']);
    expect(everyone[0]?.via).toBe('response_url');
    expect(textOf(everyone[0] as never)).toContain('asked by <@U0BOB>');
    // The asker also sees, privately and once, why and how to let the bot in.
    const mine = h.slack.seen('C0NEW', 'U0BOB').filter((m) => m.only === 'U0BOB');
    expect(mine).toHaveLength(1);
    expect(mine[0]?.text).toContain('/invite @deckhand');
    // replace_original did the update; nothing went wrong and nothing was lost.
    const viaUrl = h.slack.callsOf('response_url');
    expect(viaUrl.map((c) => [c.body.response_type, c.body.replace_original])).toEqual([
      ['ephemeral', false],
      ['in_channel', false],
      ['in_channel', true],
    ]);
    expect(h.slack.usesOf(responseUrl)).toBe(3);
    expect(h.slack.messages.some((m) => m.text.includes('Something went wrong'))).toBe(false);
    // One failed chat.postMessage told the bot it cannot post; it did not try again.
    expect(errorsAnswered().map((c) => `${c.method} ${c.answer}`)).toEqual([
      'chat.postMessage not_in_channel',
    ]);

    // A second command in the same channel: answered the same way, without the note again.
    h.state.gate.open = true;
    await h.slash('slow other-app', { channel: 'C0NEW' });
    await h.slack.waitFor(() => h.slack.seen('C0NEW', 'U0ALICE').some((m) => m.text.includes('other-app')));
    expect(h.slack.seen('C0NEW', 'U0BOB').filter((m) => m.only === 'U0BOB')).toHaveLength(1);
  });

  it('after 30 minutes the response_url is not used: the answer becomes a bot message where the bot can post', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    h.slack.notIn.add('C0NEW');
    const { responseUrl } = await h.slash('slow naver-news', { channel: 'C0NEW' });
    await h.slack.waitFor(() => h.slack.seen('C0NEW', 'U0ALICE').some((m) => m.text === 'collecting…'));
    // Someone invites the bot; the answer comes 31 minutes later.
    h.slack.notIn.delete('C0NEW');
    vi.setSystemTime(Date.now() + RESPONSE_URL_MS + 60_000);
    h.state.gate.release();
    await h.slack.waitFor(() =>
      h.slack.messages.some((m) => m.via === 'api' && m.text.includes('naver-news: Synced, Healthy')),
    );
    const usesBefore = h.slack.usesOf(responseUrl);
    expect(h.slack.callsOf('response_url').every((c) => c.answer === 'ok')).toBe(true);
    const answer = h.slack.messages.find((m) => m.via === 'api' && m.text.includes('naver-news'));
    expect(answer?.channel).toBe('C0NEW');
    expect(textOf(answer as never)).toContain('asked by <@U0BOB>');
    expect(h.slack.usesOf(responseUrl)).toBe(usesBefore);
  });

  it('after 30 minutes where the bot still cannot post, the response_url is not tried and nothing false is said', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    h.slack.notIn.add('C0NEW');
    await h.slash('slow naver-news', { channel: 'C0NEW' });
    await h.slack.waitFor(() => h.slack.seen('C0NEW', 'U0ALICE').some((m) => m.text === 'collecting…'));
    vi.setSystemTime(Date.now() + RESPONSE_URL_MS + 60_000);
    h.state.gate.release();
    await h.slack.waitFor(() => h.logs.some((l) => String(l.msg).includes('response_url is used up')));
    // One more try as the bot (it may have been invited since), and no expired response_url.
    expect(errorsAnswered().map((c) => `${c.method} ${c.answer}`)).toEqual([
      'chat.postMessage not_in_channel',
      'chat.postMessage not_in_channel',
    ]);
    expect(h.slack.messages.some((m) => m.text.includes('Something went wrong'))).toBe(false);
  });

  it('uses a response_url at most 5 times', async () => {
    h.slack.notIn.add('C0NEW');
    h.state.chatty = 8;
    const { responseUrl } = await h.slash('chatty', { channel: 'C0NEW' });
    await h.slack.waitFor(() => h.logs.some((l) => String(l.msg).includes('response_url used up')));
    await new Promise((r) => setTimeout(r, 50));
    expect(h.slack.usesOf(responseUrl)).toBe(RESPONSE_URL_USES);
    expect(h.slack.callsOf('response_url').every((c) => c.answer === 'ok')).toBe(true);
  });

  it('in a channel the bot is in, answers as a bot message and edits it with chat.update', async () => {
    const { responseUrl } = await h.slash('slow naver-news');
    await h.slack.waitFor(() => h.slack.seen('C0OPS', 'U0ALICE').some((m) => m.text === 'collecting…'));
    h.state.gate.release();
    await h.slack.waitFor(() => h.slack.callsOf('chat.update').length === 1);
    const seen = h.slack.seen('C0OPS', 'U0ALICE');
    expect(seen.map((m) => [m.via, m.text])).toEqual([['api', 'naver-news: Synced, Healthy']]);
    expect(textOf(seen[0] as never)).toContain('asked by <@U0BOB>');
    expect(h.slack.usesOf(responseUrl)).toBe(0);
    expect(errorsAnswered()).toEqual([]);
  });
});

describe('private messages reach only the asker', () => {
  it('a slash command’s help, usage and errors go through its response_url as ephemeral, even where the bot is not', async () => {
    h.slack.notIn.add('C0NEW');
    await h.slash('help', { channel: 'C0NEW', command: '/deckhand' });
    await h.slash('nonsense', { channel: 'C0OPS' });
    await h.slack.waitFor(() => h.slack.callsOf('response_url').length === 2);
    await new Promise((r) => setTimeout(r, 50));
    for (const c of h.slack.callsOf('response_url')) {
      expect(c.body.response_type).toBe('ephemeral');
      expect(c.answer).toBe('ok');
    }
    expect(h.slack.seen('C0NEW', 'U0ALICE')).toEqual([]);
    expect(h.slack.seen('C0OPS', 'U0ALICE')).toEqual([]);
    expect(h.slack.seen('C0OPS', 'U0BOB')[0]?.text).toContain('Unknown command');
    // Nothing private carries "asked by", and nothing went through the bot's own posts.
    expect(h.slack.callsOf('chat.postMessage')).toEqual([]);
    expect(h.slack.callsOf('chat.postEphemeral')).toEqual([]);
    expect(h.slack.messages.some((m) => textOf(m).includes('asked by'))).toBe(false);
  });

  it('a refused button press is told to the presser alone with chat.postEphemeral; a public answer stays public', async () => {
    const ts = h.slack.addMessage({ channel: 'C0OPS', text: 'card', blocks: [], via: 'api' });
    await h.press('a_doesnotexist0000000000000', { messageTs: ts, user: 'U0ALICE' });
    await h.slack.waitFor(() => h.slack.callsOf('chat.postEphemeral').length === 1);
    const eph = h.slack.callsOf('chat.postEphemeral')[0];
    expect(eph?.body.user).toBe('U0ALICE');
    expect(eph?.answer).toBe('ok');
    expect(h.slack.seen('C0OPS', 'U0BOB').map((m) => m.text)).toEqual(['card']);

    // The real button: its answer is the team's, in the card's thread.
    h.state.gate.open = true;
    await h.slash('slow naver-news');
    await h.slack.waitFor(() => h.slack.messages.some((m) => m.text.includes('Synced')));
    const card = h.slack.messages.find((m) => m.text.includes('Synced'));
    await h.press(actionIdIn(card?.blocks ?? []) as string, { messageTs: card?.ts as string });
    await h.slack.waitFor(() => h.slack.messages.some((m) => m.text === 'pressed by bob'));
    const reply = h.slack.messages.find((m) => m.text === 'pressed by bob');
    expect(reply).toMatchObject({ via: 'api', thread_ts: card?.ts });
    expect(reply?.only).toBeUndefined();
  });

  it('where the bot cannot post, a refused press goes through the interaction’s response_url, ephemeral', async () => {
    h.slack.notIn.add('C0NEW');
    const ts = h.slack.addMessage({ channel: 'C0NEW', text: 'card', blocks: [], via: 'response_url' });
    const { responseUrl } = await h.press('a_doesnotexist0000000000000', {
      channel: 'C0NEW',
      messageTs: ts,
      user: 'U0ALICE',
    });
    await h.slack.waitFor(() => h.slack.usesOf(responseUrl) === 1);
    const c = h.slack.callsOf('response_url')[0];
    expect(c?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(c?.answer).toBe('ok');
    expect(h.slack.seen('C0NEW', 'U0BOB').map((m) => m.text)).toEqual(['card']);
    expect(h.slack.seen('C0NEW', 'U0ALICE')).toHaveLength(2);
  });
});

describe('a button on a message the bot cannot edit', () => {
  it('edits it through the interaction’s response_url (replace_original), not chat.update alone', async () => {
    h.slack.notIn.add('C0NEW');
    await h.slash('card', { channel: 'C0NEW' });
    await h.slack.waitFor(() => h.slack.seen('C0NEW', 'U0ALICE').some((m) => m.text === 'card: off'));
    const card = h.slack.seen('C0NEW', 'U0ALICE').find((m) => m.text === 'card: off');
    expect(card?.via).toBe('response_url');
    const { responseUrl } = await h.press(actionIdIn(card?.blocks ?? []) as string, {
      channel: 'C0NEW',
      messageTs: card?.ts as string,
    });
    await h.slack.waitFor(() => h.slack.usesOf(responseUrl) === 1);
    expect(h.slack.seen('C0NEW', 'U0ALICE').map((m) => m.text)).toEqual(['card: on']);
    expect(h.slack.callsOf('response_url').at(-1)?.body).toMatchObject({
      response_type: 'in_channel',
      replace_original: true,
    });
  });
});

describe('long answers', () => {
  it('continue in the first message’s thread, not as messages of their own', async () => {
    h.state.long = {
      blocks: Array.from({ length: 120 }, (_, i) => ({ type: 'text' as const, text: `line ${i + 1}` })),
    };
    await h.slash('long');
    await h.slack.waitFor(() => h.slack.callsOf('chat.postMessage').length >= 3);
    await new Promise((r) => setTimeout(r, 50));
    const top = h.slack.topLevel('C0OPS', 'U0ALICE');
    expect(top).toHaveLength(1);
    const pages = h.slack.seen('C0OPS', 'U0ALICE').filter((m) => m.thread_ts === top[0]?.ts);
    expect(pages.map((m) => m.text.match(/\(\d\/\d\)$/)?.[0])).toEqual(['(2/3)', '(3/3)']);
    // "asked by" closes the first message only.
    expect(textOf(top[0] as never)).toContain('asked by <@U0BOB>');
    expect(pages.some((m) => textOf(m).includes('asked by'))).toBe(false);
  });

  it('a long log is uploaded once, into the answer’s thread', async () => {
    const log = Array.from(
      { length: 5_000 },
      (_, i) => `2026-12-06T09:00:00Z line ${i + 1} ${'x'.repeat(80)}`,
    );
    h.state.long = {
      blocks: [
        { type: 'code', title: 'web-1/app', code: ['… 4,940 more lines', ...log.slice(-60)].join('\n') },
      ],
      attachments: [
        { filename: 'web-1-app.log', content: log.join('\n'), contentType: 'text/plain' } as never,
      ],
    };
    await h.slash('long');
    await h.slack.waitFor(() => h.slack.uploads.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    const answer = h.slack.topLevel('C0OPS', 'U0ALICE')[0];
    expect(h.slack.uploads).toEqual([{ channel: 'C0OPS', thread_ts: answer?.ts, filename: 'web-1-app.log' }]);
    expect(textOf(answer as never)).toContain('full text in `web-1-app.log`');
  });
});
