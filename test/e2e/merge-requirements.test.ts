/**
 * Merge requirements end to end, on the demo sandbox with the bot signed in as the GitHub App:
 * the repositories' owner protects its branch (the sandbox CI's `validate` check required) through
 * the API, as an admin does. A failing required check holds the merge back with its reason on
 * the card, Approve refuses and changes nothing, "Merge when ready" queues the approval, and the
 * re-run that passes (delivered as GitHub's `check_run` webhook) merges it and starts the follow-up.
 */
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOnce } from '../../src/adapters/console/exec.ts';
import type { ConsoleAdapter } from '../../src/adapters/console/adapter.ts';
import type { Bot } from '../../src/core/compose.ts';
import type { Message } from '../../src/core/message/model.ts';
import { botFor, startSandboxBot, type SandboxBot } from '../support/sandbox-bot.ts';
import { step } from '../support/step.ts';
import { eventually } from '../support/wait.ts';

const SECRET = 'github-webhook-secret-merge-reqs-01';
const R = { owner: 'sijunkim', repo: 'infra' };
let s: SandboxBot;
let bot: Bot;
let adapter: ConsoleAdapter;
let owner: Octokit;
let printed = '';

const send = (o: { line?: string; press?: string }, as = 'alice') =>
  execOnce(bot, adapter, { ...o, as, channel: 'ops', json: true, out: { write: () => {} } });
type CardData = {
  change: { id: string; pr: { number: number }; checks?: { name: string; state: string }[]; hold?: string };
  actions: { approve: string; whenReady: string };
};
const cardOf = (messages: Message[]) => messages.find((m) => m.data?.change)?.data as CardData;

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
  const { info } = s.run.sandbox;
  owner = new Octokit({
    auth: info.git.token,
    baseUrl: info.git.url,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  await owner.repos.createWebhook({
    ...R,
    config: { url: `http://127.0.0.1:${bot.port}/hooks/gitops/github`, secret: SECRET, content_type: 'json' },
    events: ['pull_request', 'check_run', 'status'],
  });
  await owner.repos.updateBranchProtection({
    ...R,
    branch: (await owner.repos.get(R)).data.default_branch,
    required_status_checks: { strict: false, contexts: ['validate'] },
    enforce_admins: true,
    required_pull_request_reviews: null,
    restrictions: null,
  });
}, 60_000);
afterAll(async () => {
  await bot?.stop(2_000);
  await s?.stop();
});

describe('merge requirements', () => {
  it('a failing required check holds the merge; merge when ready merges once a re-run passes', async () => {
    expect(s.run.sandbox.setCiConclusion('validate', 'failure')).toBe(1);
    const proposed = await send({ line: '/gitops scale friend-app 3' });
    expect(proposed.ok).toBe(true);
    const card = cardOf(proposed.messages);
    const n = card.change.pr.number;
    const head = (await owner.pulls.get({ ...R, pull_number: n })).data.head.sha;
    const run = async () => (await owner.checks.listForRef({ ...R, ref: head })).data.check_runs[0];
    await eventually('the CI run to fail', async () => (await run())?.conclusion === 'failure');

    await step('Approve is refused with the reason, and nothing is recorded', async () => {
      const press = await send({ press: card.actions.approve }, 'bob');
      expect(press.ok).toBe(false);
      const text = JSON.stringify(press.messages);
      expect(text).toContain(`#${n} cannot merge yet: required check validate failed`);
      expect(text).toContain('Merge when ready');
      const { data: pr } = await owner.pulls.get({ ...R, pull_number: n });
      expect([pr.state, pr.merged, pr.mergeable_state]).toEqual(['open', false, 'blocked']);
      const approval = await bot.store
        .collection<{ state: string; approvals: unknown[] }>('approvals')
        .list();
      expect(approval.map((a) => [a.value.state, a.value.approvals.length])).toContainEqual(['pending', 0]);
    });

    await step('Merge when ready queues the approval; the card says what it waits for', async () => {
      const press = await send({ press: card.actions.whenReady }, 'bob');
      expect(press.ok).toBe(true);
      const text = JSON.stringify(press.messages);
      expect(text).toContain('deckhand merges it when ready (required check validate failed)');
      const updated = press.messages.find((m) => m.data?.change)?.data as CardData;
      expect(updated.change.hold).toBe('required check validate failed');
      expect(updated.change.checks).toEqual([
        expect.objectContaining({ name: 'validate', state: 'failure', required: true }),
      ]);
      expect((await owner.pulls.get({ ...R, pull_number: n })).data.merged).toBe(false);
    });

    await step('the re-run passes: the check_run delivery merges it and the follow-up starts', async () => {
      s.run.sandbox.setCiConclusion('validate', 'success');
      await owner.checks.rerequestRun({ ...R, check_run_id: (await run())!.id });
      await eventually(
        'the merge when ready',
        () => printed.includes(`Nothing holds #${n} any more: merged at`),
        { timeoutMs: 20_000 },
      );
      const { data: pr } = await owner.pulls.get({ ...R, pull_number: n });
      expect(pr.merged).toBe(true);
      expect(printed).toContain('as bob asked');
      const merges = (await bot.store.audit.query({ kind: 'merge' })).filter(
        (e) => (e.detail as { pr?: { number: number } }).pr?.number === n,
      );
      expect(merges.map((e) => e.actor)).toEqual(['bob']);
      const followUps = bot.store.collection<{ revision: string }>('followups');
      await eventually(
        'the follow-up',
        async () =>
          !!(await followUps.get(`fu_${card.change.id}`)) || printed.includes('friend-app synced to'),
      );
    });
  }, 60_000);

  it('a passing required check lets Approve merge at once, the card listing the check', async () => {
    s.run.sandbox.setCiConclusion('validate', 'success');
    const proposed = await send({ line: '/gitops scale friend-app 4' });
    const card = cardOf(proposed.messages);
    const n = card.change.pr.number;
    const head = (await owner.pulls.get({ ...R, pull_number: n })).data.head.sha;
    await eventually(
      'the CI run to pass',
      async () =>
        (await owner.checks.listForRef({ ...R, ref: head })).data.check_runs[0]?.conclusion === 'success',
    );
    const press = await send({ press: card.actions.approve }, 'bob');
    expect(press.ok).toBe(true);
    expect(JSON.stringify(press.messages)).toContain(`Merged #${n}`);
  }, 60_000);
});
