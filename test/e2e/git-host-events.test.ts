/**
 * What people do to deckhand's pull requests on GitHub, outside chat, end to end: the sandbox's
 * GitHub delivers its webhooks (made through the API as an admin makes them, signed with their
 * secret) to the bot's /hooks/gitops/github. A pull request merged there updates the card (no more
 * buttons), the audit and starts the follow-up; one closed there ends the card; a review and a
 * comment are said in the thread. Forged and replayed deliveries change nothing.
 */
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOnce } from '../../src/adapters/console/exec.ts';
import type { ConsoleAdapter } from '../../src/adapters/console/adapter.ts';
import type { Bot } from '../../src/core/compose.ts';
import { signatureOf } from '../../src/plugins/gitops-pr/github-webhook.ts';
import { botFor, startSandboxBot, type SandboxBot } from '../support/sandbox-bot.ts';
import { step } from '../support/step.ts';
import { eventually } from '../support/wait.ts';

const SECRET = 'github-webhook-secret-0123456789';
const R = { owner: 'sijunkim', repo: 'infra' };
let s: SandboxBot;
let bot: Bot;
let adapter: ConsoleAdapter;
let hook: string;
let owner: Octokit;
let printed = '';

const run = (line: string, as = 'alice') =>
  execOnce(bot, adapter, { line, as, channel: 'ops', json: true, out: { write: () => {} } });
const propose = async (line: string) => {
  const r = await run(line);
  expect(r.ok).toBe(true);
  return r.messages.find((m) => m.data?.change)!.data as {
    change: { id: string; pr: { number: number } };
    actions: { approve: string };
  };
};
const audit = async (name: string) =>
  (await bot.store.audit.query({ kind: 'pull-request' })).filter((e) => e.name === name);

beforeAll(async () => {
  s = await startSandboxBot();
  ({ bot, adapter } = await botFor(
    s.run,
    (cfg) => {
      cfg.server = { ...cfg.server, host: '127.0.0.1', port: 0 };
      cfg.plugins.gitops.hosts[0].webhookSecret = SECRET;
      cfg.plugins.gitops.followUp = {
        ...cfg.plugins.gitops.followUp,
        timeoutSeconds: 20,
        settleSeconds: 0.2,
      };
    },
    (text) => (printed += text),
    { http: true },
  ));
  hook = `http://127.0.0.1:${bot.port}/hooks/gitops/github`;
  const { info } = s.run.sandbox;
  // The repositories' owner, with a token of their own: they make the webhook, merge and close.
  owner = new Octokit({
    auth: info.git.token,
    baseUrl: info.git.url,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  await owner.repos.createWebhook({
    ...R,
    config: { url: hook, secret: SECRET, content_type: 'json' },
    events: ['pull_request', 'pull_request_review', 'issue_comment'],
  });
}, 60_000);
afterAll(async () => {
  await bot?.stop(2_000);
  await s?.stop();
});

describe('pull requests acted on at the Git host', () => {
  it('merged on GitHub: the card ends, the audit says who, the follow-up runs', async () => {
    const card = await propose('/gitops scale friend-app 3');
    await step('reviewed and commented on GitHub: said in the thread', async () => {
      await owner.issues.createComment({
        ...R,
        issue_number: card.change.pr.number,
        body: 'Looks right to me.',
      });
      await eventually('the comment in the thread', () => printed.includes('sijunkim commented on #'));
      expect(printed).toContain('Looks right to me.');
    });
    await step('merged there: the card loses its buttons and the follow-up starts', async () => {
      await owner.pulls.merge({ ...R, pull_number: card.change.pr.number, merge_method: 'merge' });
      const { data: merge } = await owner.pulls.get({ ...R, pull_number: card.change.pr.number });
      const sha = (merge.merge_commit_sha ?? '').slice(0, 7);
      await eventually('the merge in the thread', () =>
        printed.includes(`#${card.change.pr.number} was merged by sijunkim on GitHub at ${sha}`),
      );
      expect(printed).toMatch(/Merged by sijunkim on GitHub at/);
      const merged = await audit('host.merged');
      expect(merged.map((e) => e.actor)).toEqual(['sijunkim']);
      // The follow-up is the one a merge in chat starts (its own tests follow it to the end).
      const followUps = bot.store.collection<{ revision: string }>('followups');
      await eventually('the follow-up to be under way', async () => {
        const f = await followUps.get(`fu_${card.change.id}`);
        return f?.revision.startsWith(sha) || printed.includes(`friend-app synced to`);
      });
      // The card, as updated, has no decision buttons left.
      const updated = printed.slice(printed.lastIndexOf('↻ (updated'));
      expect(updated).toContain('Merged by sijunkim on GitHub');
      expect(updated.slice(0, updated.indexOf('↳'))).not.toContain('Approve & merge');
      // The Approve button of the card is no longer a way to merge it again.
      const late = await execOnce(bot, adapter, {
        press: card.actions.approve,
        as: 'bob',
        channel: 'ops',
        json: true,
        out: { write: () => {} },
      });
      expect(late.ok).toBe(false);
      expect(JSON.stringify(late.messages)).not.toMatch(/Merged #\d+ at/);
    });
  }, 60_000);

  it('closed on GitHub: the card ends and nothing merges', async () => {
    const card = await propose('/gitops scale friend-app 4');
    await owner.pulls.update({ ...R, pull_number: card.change.pr.number, state: 'closed' });
    await eventually('the close in the thread', () =>
      printed.includes(`#${card.change.pr.number} was closed by sijunkim on GitHub without merging`),
    );
    expect((await audit('host.closed')).length).toBe(1);
  });

  it('refuses forged and unsigned deliveries, and an old one sent again does not undo the present', async () => {
    const card = await propose('/gitops scale friend-app 5');
    const n = card.change.pr.number;
    const closed = (await audit('host.closed')).length;
    const close = JSON.stringify({
      action: 'closed',
      repository: { html_url: 'https://github.com/sijunkim/infra' },
      sender: { login: 'sijunkim' },
      pull_request: { number: n, merged: false, merge_commit_sha: null, head: { sha: 'a'.repeat(40) } },
    });
    const post = (id: string, body: string, signature?: string) =>
      fetch(hook, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'pull_request',
          'x-github-delivery': id,
          ...(signature ? { 'x-hub-signature-256': signature } : {}),
        },
        body,
      });
    expect((await post('d-1', close)).status).toBe(401);
    expect((await post('d-2', close, signatureOf(close, 'not-the-secret-0123'))).status).toBe(401);
    // Signed, but not the body that was signed.
    expect((await post('d-3', close, signatureOf(close.replace('closed', 'reopened'), SECRET))).status).toBe(
      401,
    );
    // Signed, of a shape GitHub never sends.
    const odd = JSON.stringify({ pull_request: { number: 'one' } });
    expect((await post('d-4', odd, signatureOf(odd, SECRET))).status).toBe(400);
    // Closed and reopened on GitHub: both told by the sandbox's webhook.
    await owner.pulls.update({ ...R, pull_number: n, state: 'closed' });
    await eventually('the close', async () => (await audit('host.closed')).length === closed + 1);
    await owner.pulls.update({ ...R, pull_number: n, state: 'open' });
    await eventually('the reopen', () => printed.includes(`#${n} was reopened by sijunkim on GitHub`));
    // The close, sent again under a new delivery id (the id is not signed): GitHub says it is open.
    expect((await post('d-again', close, signatureOf(close, SECRET))).status).toBe(202);
    await bot.tasks.idle(10_000);
    expect(await audit('host.closed')).toHaveLength(closed + 1);
    const stillOpen = await execOnce(bot, adapter, {
      line: '/gitops prs',
      as: 'alice',
      channel: 'ops',
      json: true,
      out: { write: () => {} },
    });
    expect(JSON.stringify(stillOpen.messages)).toContain(`#${n}`);
  });
});
