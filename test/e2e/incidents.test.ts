/**
 * Issue 8 end to end: Alertmanager posts to the bot's webhook; the alert becomes one thread whose
 * reply names the root cause with its evidence and offers the fix as a pull request; repeats
 * edit the thread, a resolution closes it; bad requests are refused and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOnce } from '../../src/adapters/console/exec.ts';
import type { Bot } from '../../src/core/compose.ts';
import type { ConsoleAdapter } from '../../src/adapters/console/adapter.ts';
import { botFor, startSandboxBot, type SandboxBot, takesAlerts } from '../support/sandbox-bot.ts';
import { step } from '../support/step.ts';

const TOKEN = 'alertmanager-test-token-0123456789';
let s: SandboxBot;
let bot: Bot;
let adapter: ConsoleAdapter;
let printed = '';
let url: string;

const payload = (status: 'firing' | 'resolved', over: Record<string, unknown> = {}) => ({
  version: '4',
  groupKey: '{}/{severity="critical"}:{alertname="KubePodCrashLooping", namespace="naver-news"}',
  truncatedAlerts: 0,
  status,
  receiver: 'deckhand',
  groupLabels: { alertname: 'KubePodCrashLooping', namespace: 'naver-news' },
  commonLabels: {
    alertname: 'KubePodCrashLooping',
    namespace: 'naver-news',
    severity: 'critical',
    argocd_app: 'naver-news',
  },
  commonAnnotations: { summary: 'Pod is crash looping.' },
  externalURL: 'http://alertmanager.monitoring:9093',
  alerts: [
    {
      status,
      labels: {
        alertname: 'KubePodCrashLooping',
        namespace: 'naver-news',
        pod: 'naver-news-nx7j58hqht-n9fb4',
        container: 'naver-news',
        severity: 'critical',
        argocd_app: 'naver-news',
      },
      annotations: {
        description:
          'Pod naver-news/naver-news-nx7j58hqht-n9fb4 (naver-news) is in waiting state (reason: "CrashLoopBackOff").',
        summary: 'Pod is crash looping.',
      },
      startsAt: new Date(Date.now() - 600_000).toISOString(),
      endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.monitoring:9090/graph?g0.expr=...',
      fingerprint: 'f3c1b2a4d5e6f708',
    },
  ],
  ...over,
});

const post = (body: unknown, token = TOKEN, raw?: string) =>
  fetch(`${url}/hooks/incidents/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: raw ?? JSON.stringify(body),
  });

beforeAll(async () => {
  s = await startSandboxBot();
  ({ bot, adapter } = await botFor(
    s.run,
    (cfg) => {
      takesAlerts(cfg, TOKEN);
    },
    (t) => (printed += t),
    { http: true },
  ));
  url = `http://127.0.0.1:${bot.port}`;
}, 60_000);
afterAll(async () => {
  await bot?.stop(2_000);
  await s?.stop();
});

const ops = (o: { line?: string; press?: string; as: string }) =>
  execOnce(bot, adapter, { ...o, channel: 'ops', json: true, out: { write: () => {} } });

/** The audit rows of a kind written at or after `since`: a test counts only what it caused. */
const auditOf = async (kind: string, since: number) => {
  const r = await ops({ line: `/audit --kind ${kind} --limit 200`, as: 'console' });
  expect(r.ok).toBe(true);
  const { entries } = r.messages.at(-1)!.data as {
    entries: { ts: number; actor: string; name: string; outcome: string; detail?: Record<string, unknown> }[];
  };
  return entries.filter((e) => e.ts >= since);
};

describe('Alertmanager to a threaded incident', () => {
  // One story, in order: the repeat edits the thread the first notification opened, the fix is
  // that thread's button, the resolution closes it, and the audit trail holds those deliveries.
  it('opens a thread naming OOMKilled, edits it on a repeat, offers the fix, says resolved; all audited', async () => {
    const t0 = Date.now();
    let fixButton!: string;

    await step(
      'opens a thread with the alert and the diagnosis, naming OOMKilled with its evidence',
      async () => {
        const from = printed.length;
        const res = await post(payload('firing'));
        expect(res.status).toBe(202);
        await bot.tasks.idle(20_000);
        const added = printed.slice(from);
        expect(added).toContain('KubePodCrashLooping');
        expect(added).toMatch(/Root cause: OOMKilled/);
        expect(added).toMatch(/137/);
        expect(added).toMatch(/512Mi/);
        const m = /\[Open fix PR: [^\]]*\] \((a_[\w-]+)\)/.exec(added);
        expect(m).not.toBeNull();
        fixButton = m![1]!;
        const incidents = await ops({ line: '/incidents', as: 'carol' });
        // Only this alert's: another test's alert for an unknown app may be open too.
        const open = (incidents.messages.at(-1)!.data as { incidents: { alertname: string }[] }).incidents;
        expect(open.filter((i) => i.alertname === 'KubePodCrashLooping')).toHaveLength(1);
      },
    );

    await step('edits the thread on a repeated notification instead of opening another', async () => {
      const before = printed.length;
      expect((await post(payload('firing'))).status).toBe(202);
      await bot.tasks.idle(10_000);
      const added = printed.slice(before);
      expect(added).toMatch(/↻ \(updated/);
      expect(added).not.toMatch(/Root cause/);
    });

    await step('offers the fix as a pull request through the approval flow', async () => {
      const r = await ops({ press: fixButton, as: 'alice' });
      expect(r.ok).toBe(true);
      const card = r.messages.find((m) => m.data?.change)?.data as {
        change: { intent: { kind: string; limits?: { memory?: string } } };
      };
      expect(card.change.intent).toMatchObject({
        kind: 'resources',
        limits: { memory: expect.stringMatching(/Gi|Mi/) },
      });
    });

    await step('says resolved, and for how long it lasted', async () => {
      const before = printed.length;
      expect((await post(payload('resolved'))).status).toBe(202);
      await bot.tasks.idle(10_000);
      expect(printed.slice(before)).toMatch(/Resolved after \d+m/);
    });

    await step('the audit trail holds each delivery and each incident transition', async () => {
      const deliveries = await auditOf('webhook', t0);
      // firing, repeat, resolved: three accepted, all Alertmanager's.
      expect(deliveries.filter((e) => e.outcome === 'accepted')).toHaveLength(3);
      expect(deliveries.every((e) => e.name === '/alertmanager' && e.actor === 'alertmanager')).toBe(true);
      const naver = (await auditOf('incident', t0))
        .filter((e) => e.detail?.alertname === 'KubePodCrashLooping')
        .reverse();
      expect(naver.map((e) => e.name)).toEqual(['opened', 'repeated', 'resolved']);
      expect(naver.every((e) => e.outcome === 'posted' && typeof e.detail?.deliveryId === 'string')).toBe(
        true,
      );
      expect(JSON.stringify(deliveries)).not.toContain(TOKEN);
    });
  }, 60_000);

  // In order too: the flood is folded into the row the bad token wrote a moment before.
  it('refuses a bad token, an oversized body and malformed JSON, audited one row a minute; takes an unknown app calmly', async () => {
    const t0 = Date.now();

    await step(
      'refuses a bad token, an oversized body and malformed JSON; takes an unknown app calmly',
      async () => {
        expect((await post(payload('firing'), 'wrong-token-wrong-token')).status).toBe(401);
        expect((await post(undefined, TOKEN, '{"version": "4", "alerts": [')).status).toBe(400);
        const big = JSON.stringify({ ...payload('firing'), pad: 'x'.repeat(10 * 1024 * 1024) });
        expect((await post(undefined, TOKEN, big).catch(() => ({ status: 413 }))).status).toBe(413);
        const unknown = payload('firing', {
          groupKey: '{}:{alertname="X"}',
          commonLabels: { alertname: 'X', argocd_app: 'no-such-app' },
        });
        expect((await post(unknown)).status).toBe(202);
        await bot.tasks.idle(10_000);
        expect((await fetch(`${url}/healthz`)).status).toBe(200);
      },
    );

    await step(
      'the audit trail holds every delivery, accepted or refused with why, and never the token',
      async () => {
        const entries = await auditOf('webhook', t0);
        const refused = entries.filter((e) => e.outcome === 'refused');
        const accepted = entries.filter((e) => e.outcome === 'accepted');
        // The unknown app: accepted; the bad token and bad JSON refused (the oversized body never
        // reaches the hook: the server's log has it).
        expect(accepted).toHaveLength(1);
        expect(refused.map((e) => e.detail?.reason).sort()).toEqual([
          'malformed: the body is not JSON',
          'not authenticated: wrong bearer token',
        ]);
        expect(entries.every((e) => e.name === '/alertmanager')).toBe(true);
        // Only an authenticated delivery is Alertmanager's; a wrong token is nobody's.
        expect(accepted.every((e) => e.actor === 'alertmanager')).toBe(true);
        expect(refused.map((e) => e.actor).sort()).toEqual(['alertmanager', 'unauthenticated']);
        expect(JSON.stringify(entries)).not.toContain(TOKEN);
        const lost = (await auditOf('incident', t0)).find((e) => e.detail?.alertname === 'X');
        expect(lost).toMatchObject({ name: 'opened' });
      },
    );

    await step('a flood of refused requests is one row a minute, not one each', async () => {
      const before = (await auditOf('webhook', t0)).length;
      for (let i = 0; i < 20; i++)
        expect((await post(payload('firing'), `flood-token-${i}-0123456789`)).status).toBe(401);
      await bot.tasks.idle(5_000);
      expect((await auditOf('webhook', t0)).length).toBe(before);
    });
  }, 30_000);
});
