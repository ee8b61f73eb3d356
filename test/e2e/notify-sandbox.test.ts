/**
 * The demo's notifications as `deckhand sandbox` sets them up: the bot configured by the
 * sandbox's own deckhand.yaml mails a digest through the sandbox's SMTP relay (STARTTLS, a user
 * and password), and sends an incident both by mail and to the sandbox's webhook receiver, which
 * checks the signature. What arrived is read as the docs say, through the control API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOnce } from '../../src/adapters/console/exec.ts';
import type { ConsoleAdapter } from '../../src/adapters/console/adapter.ts';
import type { Bot } from '../../src/core/compose.ts';
import type { ReceivedHook, ReceivedMail } from '../../src/sandbox/mailbox.ts';
import { botFor, startSandboxBot, type SandboxBot, takesAlerts, execOn } from '../support/sandbox-bot.ts';
import { eventually } from '../support/wait.ts';

const TOKEN = 'alertmanager-test-token-0123456789';
let s: SandboxBot;
let bot: Bot;
let adapter: ConsoleAdapter;

const control = async <T>(path: string): Promise<T> => {
  const { url, token } = s.run.sandbox.info.control;
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};

beforeAll(async () => {
  s = await startSandboxBot();
  ({ bot, adapter } = await botFor(
    s.run,
    (cfg) => {
      takesAlerts(cfg, TOKEN);
      cfg.plugins.digest = {
        ...cfg.plugins.digest,
        schedules: [
          {
            id: 'daily',
            kind: 'digest',
            channel: 'console:ops',
            cron: '0 9 * * 1-5',
            timeZone: 'UTC',
            select: {},
          },
        ],
      };
    },
    undefined,
    { http: true },
  ));
}, 60_000);
afterAll(async () => {
  await bot?.stop(2_000);
  await s?.stop();
});

describe("the sandbox's mail relay and webhook receiver", () => {
  it('a digest sent with `digest send` arrives by mail, with both bodies', async () => {
    // It reaches people beyond chat: a viewer may read the digest, not mail it to the managers.
    const viewer = await execOn(bot, adapter, '/digest send', 'carol', 'ops');
    expect(viewer.ok).toBe(false);
    expect(JSON.stringify(viewer.messages)).toContain('digest.send');
    expect((await execOn(bot, adapter, '/digest now', 'carol', 'ops')).ok).toBe(true);
    expect(await control<ReceivedMail[]>('/mail')).toHaveLength(0);
    const r = await execOn(bot, adapter, '/digest send', 'console', 'ops');
    expect(r.ok).toBe(true);
    expect(r.messages.at(-1)?.text).toBe('Beyond chat: sent to mail.');
    const mails = await control<ReceivedMail[]>('/mail');
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      from: '"deckhand" <deckhand@sandbox.deckhand.dev>',
      to: ['platform-team@sandbox.deckhand.dev'],
      subject: '[deckhand] Digest — daily',
      html: true,
    });
    expect(mails[0]?.text).toContain('naver-news');
  });

  it('an incident goes by mail and to the webhook receiver, whose signature check passes', async () => {
    const res = await fetch(`http://127.0.0.1:${bot.port}/hooks/incidents/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        groupKey: '{}:{alertname="KubePodCrashLooping"}',
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'deckhand',
        groupLabels: { alertname: 'KubePodCrashLooping' },
        commonLabels: { alertname: 'KubePodCrashLooping', severity: 'critical', argocd_app: 'naver-news' },
        commonAnnotations: { summary: 'Pod is crash looping.' },
        externalURL: 'http://alertmanager.monitoring:9093',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'KubePodCrashLooping', severity: 'critical', argocd_app: 'naver-news' },
            annotations: { summary: 'Pod is crash looping.' },
            startsAt: new Date(Date.now() - 60_000).toISOString(),
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: 'http://prometheus.monitoring:9090/graph',
            fingerprint: '0a1b2c3d4e5f6789',
          },
        ],
      }),
    });
    expect(res.status).toBe(202);
    await eventually(
      'the incident at the receiver',
      async () => (await control<ReceivedHook[]>('/received')).length > 0,
    );
    const [hook] = await control<ReceivedHook[]>('/received');
    expect(hook).toMatchObject({ event: 'incident.opened', verified: true, body: { app: 'naver-news' } });
    await eventually('the incident by mail', async () =>
      (await control<ReceivedMail[]>('/mail')).some((m) => m.subject.includes('KubePodCrashLooping')),
    );
  }, 30_000);

  /** alice proposes, bob approves; then what the receiver got about that change, once it ended. */
  async function change(line: string): Promise<[ReceivedHook, ReceivedHook]> {
    const proposed = await say(line, 'alice');
    expect(proposed.ok, JSON.stringify(proposed.messages.map((m) => m.text))).toBe(true);
    const ids = proposed.messages.find((m) => m.data?.actions)!.data!.actions as { approve: string };
    const pressed = await execOnce(bot, adapter, {
      press: ids.approve,
      as: 'bob',
      channel: 'ops',
      json: true,
      out: { write: () => {} },
    });
    expect(pressed.ok).toBe(true);
    const merged = await eventually('change.merged at the receiver', async () =>
      (await control<ReceivedHook[]>('/received')).find(
        (h) => h.event === 'change.merged' && !seen.has(h.delivery),
      ),
    );
    seen.add(merged.delivery);
    const subject = (merged.body as { subject: string }).subject;
    const ended = await eventually(
      'the end of its follow-up at the receiver',
      async () =>
        (await control<ReceivedHook[]>('/received')).find(
          (h) => h.event !== 'change.merged' && (h.body as { subject: string }).subject === subject,
        ),
      { timeoutMs: 40_000 },
    );
    return [merged, ended];
  }
  const seen = new Set<string>();
  const say = (line: string, as: string) => execOn(bot, adapter, line, as, 'ops');

  it('a change merged in chat is told when merged, then when live, signed, under one subject', async () => {
    const [merged, live] = await change('/gitops scale friend-app 3 --reason "more room"');
    expect(merged).toMatchObject({
      verified: true,
      body: {
        app: 'friend-app',
        project: 'default',
        data: { change: { app: 'friend-app', mergedBy: 'bob', requester: 'alice' } },
      },
    });
    const body = merged.body as { text: string; header: string; data: { change: { mergeSha: string } } };
    expect(body.header).toBe('friend-app: scale to 3 replicas merged');
    expect(body.text).toMatch(/Merged by: +bob/);
    expect(body.data.change.mergeSha).toMatch(/^[0-9a-f]{40}$/);
    expect(live).toMatchObject({
      event: 'change.live',
      verified: true,
      body: { app: 'friend-app', data: { followUp: { outcome: 'healthy' } } },
    });
    // People are mailed only what went wrong: nothing about this change.
    const mails = await control<ReceivedMail[]>('/mail');
    expect(mails.filter((m) => m.subject.includes('friend-app'))).toEqual([]);
  }, 60_000);

  it('a change that does not go live is told as change.failed, by webhook and by mail', async () => {
    const [, failed] = await change('/gitops bump flash-web-dev v2.9.0 --reason "try the v tag"');
    expect(failed).toMatchObject({
      event: 'change.failed',
      verified: true,
      body: {
        app: 'flash-web-dev',
        tone: 'danger',
        data: { followUp: { outcome: 'failed', reason: 'ImagePullBackOff' } },
      },
    });
    // The Revert button is chat's: the webhook gets the pull request's link instead.
    expect((failed.body as { text: string }).text).not.toContain('Revert');
    const mail = await eventually('the failure by mail', async () =>
      (await control<ReceivedMail[]>('/mail')).find((m) => m.subject.includes('flash-web-dev')),
    );
    expect(mail.subject).toMatch(/flash-web-dev: .* did not go live/);
    // The team's route (by its Applications' label) adds the team to the platform's recipients.
    expect(mail.to.sort()).toEqual([
      'flash-tickets@sandbox.deckhand.dev',
      'platform-team@sandbox.deckhand.dev',
    ]);
    expect(mail.text).toContain('ImagePullBackOff');
    // It threads under the change's merge (the mail of change.merged, which this route does not send).
    expect(mail.inReplyTo).toMatch(/^<[0-9a-f]{32}@sandbox\.deckhand\.dev>$/);
  }, 60_000);

  it('a merge whose notice is still due when its process died is told by the next serving bot, as the same delivery', async () => {
    type Doc = { id: string; app: string; state: string; mergeNoticeDue?: number };
    const changes = bot.store.collection<Doc>('changes');
    const friend = (await changes.list()).map((d) => d.value).find((c) => c.app === 'friend-app');
    expect(friend).toMatchObject({ state: 'merged' });
    // Queued and crossed off when it merged.
    expect(friend?.mergeNoticeDue).toBeUndefined();
    const first = (await control<ReceivedHook[]>('/received')).filter(
      (h) =>
        h.event === 'change.merged' && (h.body as { subject: string }).subject === `change/${friend!.id}`,
    );
    expect(first).toHaveLength(1);
    // As the store looks when a process recorded the merge and died before crossing its notice off.
    await changes.update(friend!.id, (c) => (c ? { ...c, mergeNoticeDue: Date.now() - 5 * 60_000 } : c));
    const next = await botFor(s.run, undefined, undefined, { http: false });
    try {
      const again = await eventually('the merge told again', async () => {
        const all = (await control<ReceivedHook[]>('/received')).filter(
          (h) =>
            h.event === 'change.merged' && (h.body as { subject: string }).subject === `change/${friend!.id}`,
        );
        return all.length === 2 ? all : undefined;
      });
      // The same delivery: the receiver can tell it has it already.
      expect(again[1]?.delivery).toBe(first[0]?.delivery);
      expect(again[1]?.verified).toBe(true);
      await eventually('the notice crossed off', async () =>
        (await changes.get(friend!.id))?.mergeNoticeDue === undefined ? true : undefined,
      );
    } finally {
      await next.bot.stop(2_000);
    }
  }, 60_000);
});
