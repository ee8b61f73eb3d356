/**
 * Signed requests (https://api.slack.com/authentication/verifying-requests-from-slack): a
 * timestamp more than five minutes from now, in either direction, is refused, and so is the same
 * signed request a second time within the window. Through Bolt's receiver on the bot's server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signed, startSlackBot, type SlackHarness } from './support/slack-harness.ts';

let h: SlackHarness;

beforeEach(async () => {
  h = await startSlackBot();
});

afterEach(async () => {
  await h.stop();
});

const now = () => Math.floor(Date.now() / 1000);

function slashBody(text: string, trigger: string): string {
  return new URLSearchParams({
    team_id: 'T0TEAM',
    channel_id: 'C0OPS',
    user_id: 'U0BOB',
    user_name: 'bob',
    command: '/deckhand',
    text,
    response_url: h.slack.responseUrl({ channel: 'C0OPS', user: 'U0BOB', kind: 'command' }),
    trigger_id: trigger,
    api_app_id: 'A0APP',
  }).toString();
}

const send = async (body: string, headers: Record<string, string>) =>
  (await fetch(h.base, { method: 'POST', headers, body })).status;

describe('signed requests', () => {
  it('refuses timestamps more than five minutes off in either direction, and runs nothing', async () => {
    const cases = [
      ['a year ahead', now() + 365 * 86_400],
      ['six minutes ahead', now() + 6 * 60],
      ['six minutes ago', now() - 6 * 60],
      ['a year ago', now() - 365 * 86_400],
    ] as const;
    for (const [, ts] of cases) {
      const body = slashBody('whoami', `t${ts}`);
      expect(await send(body, signed(body, ts))).toBe(401);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(h.slack.callsOf('response_url')).toEqual([]);
    expect(h.logs.filter((l) => l.why === 'timestamp outside the five-minute window')).toHaveLength(4);
  });

  it('accepts a timestamp within the window either way', async () => {
    for (const ts of [now() + 4 * 60, now() - 4 * 60]) {
      const body = slashBody('whoami', `t${ts}`);
      expect(await send(body, signed(body, ts))).toBe(200);
    }
    await h.slack.waitFor(() => h.slack.callsOf('response_url').length === 2);
  });

  it('refuses the same signed request replayed within the window; a new one is accepted', async () => {
    const body = slashBody('whoami', '1.2.3');
    const headers = signed(body);
    expect(await send(body, headers)).toBe(200);
    expect(await send(body, headers)).toBe(401);
    const other = slashBody('whoami', '1.2.4');
    expect(await send(other, signed(other))).toBe(200);
    await h.slack.waitFor(() => h.slack.callsOf('response_url').length === 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.slack.callsOf('response_url')).toHaveLength(2);
    expect(h.logs.filter((l) => l.why === 'replayed request')).toHaveLength(1);
  });

  it('refuses a forged signature and does not let it take a real request’s place', async () => {
    const body = slashBody('whoami', '1.2.5');
    const real = signed(body);
    const forged = { ...real, 'x-slack-signature': 'v0=' + '0'.repeat(64) };
    expect(await send(body, forged)).toBe(401);
    expect(await send(body, real)).toBe(200);
  });

  it('still answers Slack’s unsigned SSL check', async () => {
    const res = await fetch(h.base, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'ssl_check=1&token=legacy',
    });
    expect(res.status).toBe(200);
  });
});
