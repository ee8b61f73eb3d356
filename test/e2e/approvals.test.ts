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
      cfg.plugins.gitops.followUp = { ...cfg.plugins.gitops.followUp, timeoutSeconds: 5, settleSeconds: 0.1 };
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
      cfg.plugins.gitops.followUp = { ...cfg.plugins.gitops.followUp, timeoutSeconds: 5, settleSeconds: 0.1 };
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

describe('deciding by command: gitops approve | reject | withdraw <pr>', () => {
  /** The pull request as the Git host has it. */
  const pull = async (n: number) => {
    const { url, token } = s.run.sandbox.info.git;
    const res = await fetch(`${url}/repos/sijunkim/infra/pulls/${n}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json' },
    });
    return (await res.json()) as { state: string; merged: boolean };
  };
  const propose = async (line: string) => {
    const r = await s.exec(line, 'alice');
    expect(r.ok).toBe(true);
    return (r.messages.find((m) => m.data?.change)!.data!.change as { pr: { number: number } }).pr.number;
  };

  it('withdraw: only the requester, who closes their own pull request; the card says so', async () => {
    // A count no other test asks for: "approve by number" merges grafana at 2, after which
    // asking for 2 again would change nothing and open no pull request.
    const n = await propose('/gitops scale grafana 5 --reason "withdraw me"');
    const viewer = await s.exec(`/gitops withdraw ${n}`, 'carol');
    expect(viewer.ok).toBe(false);
    expect(textOf(viewer)).toMatch(/carol\) need the permission gitops\.propose/);
    const other = await s.exec(`/gitops withdraw #${n}`, 'bob');
    expect(other.ok).toBe(false);
    expect(textOf(other)).toContain(`Only alice, who asked for #${n}, can withdraw it`);
    expect((await pull(n)).state).toBe('open');

    const mine = await s.exec(`/gitops withdraw #${n}`, 'alice');
    expect(mine.ok).toBe(true);
    expect(textOf(mine)).toContain(`Withdrew #${n} and closed it.`);
    expect(await pull(n)).toMatchObject({ state: 'closed', merged: false });
    expect(s.output()).toContain('↩️ Withdrawn by alice; pull request closed.');
    const again = await s.exec(`/gitops approve ${n}`, 'bob');
    expect(again.ok).toBe(false);
    expect(textOf(again)).toContain(`No open deckhand pull request #${n}`);
    const audit = await s.exec('/audit --kind pull-request --user alice', 'console');
    expect(textOf(audit)).toMatch(/pull-request withdrawn/);
  });

  it('reject needs an approver and closes without merging; approve refuses the requester', async () => {
    const before = await master();
    const n = await propose('/gitops scale grafana 3');
    const self = await s.exec(`/gitops approve ${n}`, 'alice');
    expect(self.ok).toBe(false);
    expect(textOf(self)).toMatch(/need the permission gitops\.approve/);
    const r = await s.exec(`/gitops reject ${n}`, 'bob');
    expect(r.ok).toBe(true);
    expect(await pull(n)).toMatchObject({ state: 'closed', merged: false });
    expect(await master()).toBe(before);
  });

  it('approve by number merges, as the button does', async () => {
    const before = await master();
    const n = await propose('/gitops scale grafana 2');
    const r = await s.exec(`/gitops approve #${n}`, 'bob');
    expect(r.ok).toBe(true);
    expect(textOf(r)).toMatch(new RegExp(`Merged #${n} at [0-9a-f]{7}`));
    expect(await pull(n)).toMatchObject({ state: 'closed', merged: true });
    expect(await master()).not.toBe(before);
    await s.bot.tasks.idle(10_000);
    expect((await s.exec('/gitops approve 0', 'bob')).ok).toBe(false);
    expect(textOf(await s.exec('/gitops approve 4242', 'bob'))).toContain(
      'No open deckhand pull request #4242',
    );
  });
});

describe('deciding by command is checked where the card is, as the button is', () => {
  it('an approver bound to one channel cannot approve, by typing there, a card posted in another', async () => {
    const { bot, adapter } = await botFor(s.run, (cfg) => {
      cfg.plugins.gitops.followUp = { ...cfg.plugins.gitops.followUp, timeoutSeconds: 5, settleSeconds: 0.1 };
      cfg.identities.dave = { name: 'Dave' };
      cfg.access.bindings.push({ roles: ['approver'], users: ['dave'], groups: [], channels: ['sandbox'] });
    });
    try {
      const send = (o: { line?: string; press?: string; as: string; channel: string }) =>
        execOnce(bot, adapter, { ...o, json: true, out: { write: () => {} } });
      const before = await master();
      const p = await send({ line: '/gitops scale grafana 4', as: 'alice', channel: 'prod' });
      expect(p.ok).toBe(true);
      const n = (p.messages.find((m) => m.data?.change)!.data!.change as { pr: { number: number } }).pr
        .number;
      const ids = actionsOf(p);
      expect((await send({ press: ids.approve, as: 'dave', channel: 'prod' })).ok).toBe(false);
      const typed = await send({ line: `/gitops approve ${n}`, as: 'dave', channel: 'sandbox' });
      expect(typed.ok).toBe(false);
      expect(textOf(typed)).toMatch(/dave\) need the permission gitops\.approve/);
      expect(await master()).toBe(before);
      expect((await send({ line: `/gitops reject ${n}`, as: 'bob', channel: 'prod' })).ok).toBe(true);
    } finally {
      await bot.stop(2_000);
    }
  }, 60_000);
});
