/**
 * Follow-ups say a failure as soon as it is certain, against the demo world: a tag that does not
 * exist (ImagePullBackOff), a memory limit the app cannot live with (a crash loop whose restarts
 * grow). The deadline here is Argo CD's default progress deadline, 600 s; each verdict must come
 * within seconds. (A failed sync is decided from the Application alone: rollout-signals.test.ts.) A change that works is still
 * called Healthy, though the pods it replaces were failing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/message/model.ts';
import { startSandboxBot, type SandboxBot } from '../support/sandbox-bot.ts';

let s: SandboxBot;
const posted: Message[] = [];

beforeAll(async () => {
  s = await startSandboxBot({
    overrides: (cfg) => {
      cfg.plugins.gitops.followUp = {
        ...cfg.plugins.gitops.followUp,
        timeoutSeconds: 600,
        settleSeconds: 0.2,
        // Longer than any verdict may take: the sweep is not what finds these failures.
        sweepSeconds: 60,
      };
    },
  });
  const post = s.bot.chat.post.bind(s.bot.chat);
  s.bot.chat.post = async (to, m) => {
    posted.push(m);
    return post(to, m);
  };
}, 60_000);
afterAll(async () => s?.stop());

type Verdict = { app: string; outcome: string; reason?: string; pod?: string };
/** The first follow-up about the app posted from `from` on: a test reads only its own change's. */
const followUpFor = (app: string, from: number) =>
  posted.slice(from).find((m) => (m.data?.followUp as Verdict | undefined)?.app === app);

/** alice proposes, bob approves; then the time until the follow-up's verdict. */
async function mergeAndWait(
  line: string,
  app: string,
): Promise<{ verdict: Verdict; ms: number; text: string }> {
  const proposed = await s.exec(line, 'alice');
  expect(proposed.ok).toBe(true);
  const ids = proposed.messages.find((m) => m.data?.actions)!.data!.actions as { approve: string };
  // Another test may already have changed this app: its verdict is not this change's.
  const from = posted.length;
  const t0 = Date.now();
  expect((await s.press(ids.approve, 'bob')).ok).toBe(true);
  while (!followUpFor(app, from)) {
    if (Date.now() - t0 > 40_000) throw new Error(`no verdict for ${app}:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = followUpFor(app, from)!;
  return {
    verdict: m.data!.followUp as Verdict,
    ms: Date.now() - t0,
    text: JSON.stringify(m.blocks ?? m.text),
  };
}

describe('follow-ups call a certain failure at once', () => {
  it('a tag that does not exist: ImagePullBackOff, with the pod, long before the deadline', async () => {
    const { verdict, ms, text } = await mergeAndWait(
      '/gitops bump flash-web-dev v2.9.0 --reason "try the v tag"',
      'flash-web-dev',
    );
    expect(verdict).toMatchObject({ outcome: 'failed', reason: 'ImagePullBackOff' });
    expect(verdict.pod).toMatch(/^flash-web-/);
    expect(ms).toBeLessThan(10_000);
    expect(text).toMatch(/the rollout of [0-9a-f]{7} is failing .* ImagePullBackOff in its new pods/);
  }, 60_000);

  it('a memory limit the app cannot live with: a crash loop whose restarts grow', async () => {
    // naver-news needs ~700Mi (the scenario's simulation); 600Mi is OOMKilled again and again.
    const { verdict, ms } = await mergeAndWait('/gitops resources naver-news memory=600Mi', 'naver-news');
    expect(verdict).toMatchObject({ outcome: 'failed', reason: 'CrashLoopBackOff' });
    expect(verdict.pod).toMatch(/^naver-news-/);
    // Two looks at the pods apart (the follow-up looks again while they are not healthy, as the
    // Application itself may not change): well inside the 600 s deadline.
    expect(ms).toBeLessThan(10_000);
  }, 60_000);

  it('a change that works is Healthy, though the pods it replaces were crash-looping', async () => {
    const { verdict } = await mergeAndWait('/gitops resources naver-news memory=768Mi', 'naver-news');
    expect(verdict.outcome).toBe('healthy');
  }, 60_000);
});
