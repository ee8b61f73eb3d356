/**
 * Issue 20 against the sandbox with the Git host misbehaving: a command past its deadline writes
 * nothing later; with 15% of Git requests failing, no branch is left without its pull request; two
 * people proposing the same change half a second apart get one pull request, one card, and the
 * first Approve merges; a refused token and an unreachable host are named as such; and a follow-up
 * during which Argo CD did not answer says so instead of "did not become Healthy".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/message/model.ts';
import { botFor, execOn, startSandboxBot, textOf, type SandboxBot } from '../support/sandbox-bot.ts';
import { eventually } from '../support/wait.ts';

const REPO = 'https://github.com/sijunkim/infra';
const DEADLINE_MS = 4_000;
let s: SandboxBot;
const posted: Message[] = [];

beforeAll(async () => {
  s = await startSandboxBot({
    overrides: (cfg) => {
      cfg.plugins.gitops.followUp = { ...cfg.plugins.gitops.followUp, timeoutSeconds: 2, settleSeconds: 0.1 };
    },
  });
  const post = s.bot.chat.post.bind(s.bot.chat);
  s.bot.chat.post = async (to, m) => {
    posted.push(m);
    return post(to, m);
  };
}, 60_000);
afterAll(async () => s?.stop());

const git = () => s.run.sandbox.repos.get(REPO)!.git;
const calm = () => s.run.sandbox.setFaults('git', { latencyMs: 0, errorRate: 0, down: false });

/** The open pull requests as the Git host has them: head branch → number. */
async function openPulls(): Promise<Map<string, { number: number; sha: string }>> {
  const { url, token } = s.run.sandbox.info.git;
  const res = await fetch(`${url}/repos/sijunkim/infra/pulls?state=open&per_page=100`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json' },
  });
  const list = (await res.json()) as { number: number; head: { ref: string; sha: string } }[];
  return new Map(list.map((p) => [p.head.ref, { number: p.number, sha: p.head.sha }]));
}

const deckhandBranches = async () =>
  [...(await git().branches()).entries()].filter(([b]) => b.startsWith('deckhand/'));

const until = (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000) =>
  eventually(what, ok, { timeoutMs, intervalMs: 25 });

describe('Git writes under faults (issue 20)', () => {
  it('a command past its deadline is cancelled: nothing is pushed or opened afterwards', async () => {
    const before = await deckhandBranches();
    // A bot of its own with the short deadline, so the other tests race nothing but each other.
    const { bot, adapter } = await botFor(s.run, (cfg) => {
      cfg.commands = { ...cfg.commands, timeoutMs: DEADLINE_MS };
    });
    try {
      // Each Git answer takes most of the deadline: the second read is in flight when it fires.
      await s.run.sandbox.setFaults('git', { latencyMs: DEADLINE_MS * 0.6 });
      const t0 = Date.now();
      const r = await execOn(bot, adapter, '/gitops scale mysql 4', 'alice');
      await calm();
      expect(r.ok).toBe(false);
      expect(textOf(r)).toMatch(/did not finish within/);
      // An abandoned run would now race on with a fast host; give it well past its next answer.
      const quietUntil = t0 + DEADLINE_MS * 1.6;
      while (Date.now() < quietUntil) {
        expect(await deckhandBranches()).toEqual(before);
        await new Promise((res) => setTimeout(res, 25));
      }
      expect([...(await openPulls()).keys()].filter((b) => b.includes('/mysql-'))).toEqual([]);
    } finally {
      await calm();
      // Stopped only now: its abandoned run had every chance to write.
      await bot.stop(2_000);
    }
  }, 30_000);

  it('with 15% of Git requests failing, no branch is left without its pull request', async () => {
    // Only the branches this test pushes: the other tests' merged pull requests leave theirs.
    const before = new Map(await deckhandBranches());
    await s.run.sandbox.setFaults('git', { errorRate: 0.15, seed: 20 });
    const asks = ['friend-app', 'grafana', 'naver-news', 'mysql'].flatMap((app) =>
      [2, 3, 5, 6].map((n) => `/gitops scale ${app} ${n}`),
    );
    const results: boolean[] = [];
    const said: string[] = [];
    try {
      for (const line of asks.slice(0, 14)) {
        const r = await s.exec(line, 'alice');
        results.push(r.ok);
        said.push(`${line}: ${r.ok} ${JSON.stringify(r.messages.map((m) => m.text)).slice(0, 300)}`);
      }
    } finally {
      await calm();
    }
    // Some fail (that is the point), some succeed; the rule holds for every branch either way.
    expect(results.filter((ok) => !ok).length).toBeGreaterThan(0);
    expect(results.filter(Boolean).length).toBeGreaterThan(0);
    const open = await openPulls();
    const orphans = (await deckhandBranches())
      .filter(([b, sha]) => before.get(b) !== sha && !open.has(b))
      .map(([b]) => b);
    expect(orphans, said.join('\n') + JSON.stringify([...open.keys()])).toEqual([]);
  }, 60_000);

  it('two people proposing the same change 0.5 s apart: one pull request, one card, the first Approve merges', async () => {
    await s.run.sandbox.setFaults('git', { latencyMs: 150 });
    const cards = (r: { messages: Message[] }) => r.messages.filter((m) => m.data?.actions);
    let first: Awaited<ReturnType<SandboxBot['exec']>>;
    let second: Awaited<ReturnType<SandboxBot['exec']>>;
    try {
      const a = s.exec('/gitops scale friend-app 7', 'alice');
      await new Promise((r) => setTimeout(r, 500));
      const b = s.exec('/gitops scale friend-app 7', 'console');
      [first, second] = await Promise.all([a, b]);
    } finally {
      await calm();
    }
    expect(first.ok && second.ok, `${textOf(first)}\n---\n${textOf(second)}`).toBe(true);
    const all = [...cards(first), ...cards(second)];
    expect(all).toHaveLength(1);
    const card = all[0]!.data as {
      change: { headSha: string; branch: string };
      actions: { approve: string };
    };
    const prs = [...(await openPulls()).entries()].filter(([b]) => b === card.change.branch);
    expect(prs).toHaveLength(1);
    expect(card.change.headSha).toBe(prs[0]![1].sha);
    const press = await s.press(card.actions.approve, 'bob');
    expect(textOf(press)).toMatch(/Merged #\d+ at [0-9a-f]{7}/);
    expect(press.ok).toBe(true);
  }, 30_000);

  it('a refused token and an unreachable host are said as such, naming the credential', async () => {
    const { bot, adapter } = await botFor(s.run, (cfg) => {
      // A personal access token instead of the sandbox's GitHub App, and a wrong one.
      const { app: _, ...host } = cfg.plugins.gitops.hosts[0];
      cfg.plugins.gitops.hosts[0] = { ...host, token: 'ghp_wrong_token_for_the_test' };
    });
    try {
      const r = await execOn(bot, adapter, '/gitops scale grafana 4', 'alice');
      expect(r.ok).toBe(false);
      const text = textOf(r);
      expect(text).toMatch(/refused the token configured in plugins\.gitops\.hosts\[0\]\.token \(HTTP 401/);
      expect(text).not.toMatch(/neither main nor master/);
      expect(text).not.toMatch(/ghp_wrong|authorization|x-github|content-type/i);
      // The words survive redaction whole (it once read "…token: [redacted] may be wrong").
      expect(text).not.toContain('[redacted]');
    } finally {
      await bot.stop(2_000);
    }
    await s.run.sandbox.setFaults('git', { down: true });
    try {
      const r = await s.exec('/gitops scale grafana 4', 'alice');
      expect(r.ok).toBe(false);
      expect(textOf(r)).toMatch(/Cannot reach github \(sandbox\)/);
      expect(textOf(r)).not.toMatch(/neither main nor master/);
    } finally {
      await calm();
    }
  }, 30_000);

  it('a follow-up during which Argo CD did not answer says so, without a Revert', async () => {
    const argocd = s.run.sandbox.targets().filter((t) => t.startsWith('argocd/'));
    const proposed = await s.exec('/gitops scale naver-news 4', 'alice');
    expect(proposed.ok).toBe(true);
    const ids = proposed.messages.find((m) => m.data?.actions)!.data!.actions as { approve: string };
    for (const t of argocd) await s.run.sandbox.setFaults(t, { down: true });
    const from = posted.length; // this merge's follow-up, not an earlier one about naver-news
    try {
      expect((await s.press(ids.approve, 'bob')).ok).toBe(true);
      const verdict = () =>
        posted
          .slice(from)
          .find((m) => (m.data?.followUp as { app?: string } | undefined)?.app === 'naver-news');
      await until('the verdict', () => !!verdict());
      const m = verdict()!;
      expect(m.text).toMatch(
        /Argo CD \(instance \S+\) did not answer since \d\d:\d\d UTC; cannot tell whether naver-news runs [0-9a-f]{7}/,
      );
      expect(m.text).not.toMatch(/did not become Healthy/);
      expect(m.buttons ?? []).toEqual([]);
    } finally {
      for (const t of argocd) await s.run.sandbox.setFaults(t, { down: false });
    }
  }, 30_000);
});
