/**
 * Issues 6 and 7 end to end against the demo world: a change asked in chat becomes a pull request
 * in the sandbox's bare repository, four eyes approve it, deckhand merges it at the head that was
 * shown, the reconciler rolls it out, and the thread hears how it went.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, startSandboxBot, textOf, type SandboxBot } from '../support/sandbox-bot.ts';
import { eventually } from '../support/wait.ts';
import { step } from '../support/step.ts';

const REPO = 'https://github.com/sijunkim/infra';
let s: SandboxBot;

beforeAll(async () => {
  s = await startSandboxBot({
    overrides: (cfg) => {
      cfg.plugins.gitops.followUp = {
        ...cfg.plugins.gitops.followUp,
        timeoutSeconds: 20,
        settleSeconds: 0.2,
      };
    },
  });
}, 60_000);
afterAll(async () => s?.stop());

const cardOf = (r: { messages: { data?: Record<string, unknown> }[] }) =>
  r.messages.find((m) => m.data?.change)?.data as {
    change: { pr: { number: number }; headSha: string; branch: string; approvalId: string };
    actions: { approve: string; reject: string; diff: string };
  };

// Assertions walk the status card's free-form data.

type AppData = Record<string, any>;

const untilApp = (app: string, ok: (a: AppData) => boolean): Promise<AppData> =>
  eventually(
    `${app} to reach the expected state`,
    async () => {
      const a = dataOf(await s.exec(`/argo status ${app} --refresh`)).app as AppData | undefined;
      if (!a || !ok(a)) throw new Error(`its status is ${JSON.stringify(a)}`);
      return a;
    },
    { timeoutMs: 20_000, intervalMs: 25 },
  );

// One story, in order: each step needs what the one before did (the card, the merge, the crash
// loop that the last step fixes), so it is one test and not a chain of tests sharing state.
describe('gitops scale with approval, then gitops resources fixes the OOM', () => {
  it('proposes, refuses, merges, follows the crash loop, then fixes it', async () => {
    const repo = s.run.sandbox.repos.get(REPO)!;
    const base = (await repo.git.resolve('master'))!;
    let card!: ReturnType<typeof cardOf>;

    await step('opens a pull request whose commit changes one line', async () => {
      const r = await s.exec('/gitops scale naver-news 3', 'alice');
      expect(r.ok).toBe(true);
      card = cardOf(r);
      expect(card.change.branch).toMatch(/^deckhand\/replicas\/naver-news-[0-9a-f]{7}$/);
      const files = await repo.git.diff(base, card.change.headSha);
      expect(files).toHaveLength(1);
      const changed = files[0]!.patch.split('\n').filter((l) => /^[+-](?![+-])/.test(l));
      expect(changed).toEqual([
        expect.stringMatching(/^-\s*replicas: 1/),
        expect.stringMatching(/^\+\s*replicas: 3/),
      ]);
    });

    await step('returns the open pull request when asked twice', async () => {
      const again = await s.exec('/gitops scale naver-news 3', 'alice');
      expect(again.ok).toBe(true);
      expect(textOf(again)).toContain(`#${card.change.pr.number}`);
    });

    await step('refuses the requester and a viewer, merging nothing', async () => {
      const self = await s.press(card.actions.approve, 'alice');
      expect(self.ok).toBe(false);
      const viewer = await s.press(card.actions.approve, 'carol');
      expect(viewer.ok).toBe(false);
      expect(textOf(viewer)).toContain('gitops.approve');
      expect(await repo.git.resolve('master')).toBe(base);
    });

    await step('merges on the approver press and follows the rollout to three pods', async () => {
      const r = await s.press(card.actions.approve, 'bob');
      expect(r.ok).toBe(true);
      const head = (await repo.git.resolve('master'))!;
      expect(head).not.toBe(base);
      const merge = (await repo.git.commit(head))!;
      expect(merge.parents).toEqual([base, card.change.headSha]);
      // Who asked and who approved in chat, as Git trailers of the merge (the host's author is the bot).
      expect(merge.message).toMatch(/\nRequested-by: alice\nApproved-by: bob\nDeckhand-Change: ch_/);
      expect((await repo.git.commit(card.change.headSha))!.message).toMatch(/\n\nRequested-by: alice$/);
      const app = await untilApp('naver-news', (a) => a.revision === head);
      expect(app.sync).toBe('Synced');
      const pods = dataOf(await s.exec('/k8s pods naver-news')).pods as { name: string }[];
      expect(pods).toHaveLength(3);
      // naver-news still OOMs at 512Mi: the new pods crash again and again, and the follow-up
      // says so as soon as their restarts grow, not at its deadline, and offers the revert.
      await s.bot.tasks.idle(25_000);
      expect(s.output()).toMatch(
        /naver-news: the rollout of [0-9a-f]{7} is failing \(scale to 3 replicas\) — CrashLoopBackOff in its new pods/,
      );
      expect(s.output()).toMatch(/\[Revert\] \(a_[\w-]+\)/);
      expect(s.output()).not.toMatch(/naver-news synced to [0-9a-f]{7}, Healthy/);
    });

    await step('a second press after the merge changes nothing', async () => {
      const r = await s.press(card.actions.approve, 'bob');
      expect(r.ok).toBe(false);
    });

    await step('gitops resources raises the memory limit and reports Healthy', async () => {
      const r = await s.exec('/gitops resources naver-news memory=768Mi', 'alice');
      expect(r.ok).toBe(true);
      const approved = await s.press(cardOf(r).actions.approve, 'bob');
      expect(approved.ok).toBe(true);
      await s.bot.tasks.idle(25_000);
      expect(s.output()).toMatch(/naver-news synced to [0-9a-f]{7}, Healthy in/);
    });
  }, 120_000);
});

describe('bad input opens nothing', () => {
  it.each([
    ['/gitops scale naver-news -1', /replicas|-1|at least|greater/i],
    ['/gitops scale naver-news 10000', /50|maximum|at most/i],
    ['/gitops resources naver-news memory=lots', /lots|quantity/i],
    ['/gitops bump naver-news v2 --container nope', /nope|container/i],
    ['/gitops scale kube-prometheus-stack 2', /chart/i],
  ])('%s', async (line, why) => {
    const before = await s.run.sandbox.repos.get(REPO)!.git.branches();
    const r = await s.exec(line, 'alice');
    expect(r.ok).toBe(false);
    expect(textOf(r)).toMatch(why);
    expect(await s.run.sandbox.repos.get(REPO)!.git.branches()).toEqual(before);
  });
});
