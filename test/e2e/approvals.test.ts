/**
 * Issue 7's refusals and durability against the sandbox: a restart between proposal and approval,
 * two approvers at the same moment, forged and replayed button ids, an expired approval, and a
 * branch that moved after the change was shown. Each refusal merges nothing.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOnce } from '../../src/adapters/console/exec.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { botFor, startSandboxBot, textOf, type SandboxBot } from '../support/sandbox-bot.ts';

const REPO = 'https://github.com/sijunkim/infra';
let s: SandboxBot;

beforeAll(async () => {
  s = await startSandboxBot({
    overrides: (cfg) => {
      cfg.plugins.gitops.followUp = { timeoutSeconds: 5, settleSeconds: 0.1 };
    },
  });
}, 60_000);
afterAll(async () => s?.stop());

const master = () => s.run.sandbox.repos.get(REPO)!.git.resolve('master');
const actionsOf = (r: { messages: { data?: Record<string, any> }[] }) =>
  r.messages.find((m) => m.data?.actions)!.data!.actions as { approve: string; reject: string };

describe('approvals', () => {
  it('a button still works after the bot restarts', async () => {
    const before = await master();
    const ids = actionsOf(await s.exec('/gitops scale friend-app 3', 'alice'));
    // A second bot on the same data directory: the first one is gone, its buttons are not.
    const { bot, adapter } = await botFor(s.run, (cfg) => {
      cfg.plugins.gitops.followUp = { timeoutSeconds: 5, settleSeconds: 0.1 };
    });
    try {
      const r = await execOnce(bot, adapter, {
        press: ids.approve,
        as: 'bob',
        channel: 'console',
        json: true,
        out: { write: () => {} },
      });
      expect(r.ok).toBe(true);
      expect(await master()).not.toBe(before);
      await bot.tasks.idle(10_000);
    } finally {
      await bot.stop(2_000);
    }
  }, 60_000);

  it('two approvers at the same moment merge once', async () => {
    const before = await master();
    const ids = actionsOf(await s.exec('/gitops scale mysql 2', 'alice'));
    const [a, b] = await Promise.all([s.press(ids.approve, 'bob'), s.press(ids.approve, 'console')]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    const log = await s.run.sandbox.repos.get(REPO)!.git.log(`${before}..master`);
    expect(log).toHaveLength(2); // the change and its one merge commit
  }, 60_000);

  it('refuses forged and replayed ids', async () => {
    const forged = await s.press(`a_${randomBytes(18).toString('base64url')}`, 'bob');
    expect(forged.ok).toBe(false);
    expect(textOf(forged)).toMatch(/unknown|expired|no longer/i);
    const garbage = await s.press('a_../../etc', 'bob');
    expect(garbage.ok).toBe(false);
  });

  it('refuses an approval after someone pushed to the branch, showing what it holds now', async () => {
    const repo = s.run.sandbox.repos.get(REPO)!;
    const r = await s.exec('/gitops restart naver-news', 'alice');
    const card = r.messages.find((m) => m.data?.change)!.data as {
      change: { branch: string; headSha: string };
      actions: { approve: string };
    };
    // Someone adds a commit on the pull request's branch.
    const tree = await repo.git.writeTree(card.change.headSha, [
      { path: 'NOTE.md', sha: await repo.git.writeBlob('sneaky\n') },
    ]);
    const pushed = await repo.git.commitTree(tree, [card.change.headSha], 'sneak', {
      name: 'mallory',
      email: 'm@x',
      date: new Date().toISOString(),
    });
    expect(await repo.moveBranch(card.change.branch, pushed, card.change.headSha)).toBe(true);
    const before = await master();
    const press = await s.press(card.actions.approve, 'bob');
    expect(press.ok).toBe(false);
    expect(textOf(press)).toMatch(/NOTE\.md|pushed|moved/);
    expect(await master()).toBe(before);
  });

  it('refuses an expired approval', async () => {
    const clock = new ManualClock(Date.now());
    const { bot, adapter } = await botFor(s.run, undefined, undefined, { overrides: { clock } });
    try {
      const say = (o: { line?: string; press?: string; as: string }) =>
        execOnce(bot, adapter, { ...o, channel: 'console', json: true, out: { write: () => {} } });
      const ids = actionsOf(await say({ line: '/gitops scale friend-app 4', as: 'alice' }));
      clock.advance(25 * 3_600_000);
      const before = await master();
      const r = await say({ press: ids.approve, as: 'bob' });
      expect(r.ok).toBe(false);
      expect(textOf(r)).toMatch(/expired/i);
      expect(await master()).toBe(before);
    } finally {
      await bot.stop(2_000);
    }
  });
});
