/**
 * Notifications beyond chat, end to end: the demo bot with a webhook sink routed critical
 * incidents. Alertmanager's notification opens an incident; the receiver on loopback gets
 * `incident.opened`, signed as documented (checked here with node:crypto), then `incident.resolved`
 * for the same subject; `/deckhand sinks` shows the sink.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleAdapter } from '../../src/adapters/console/adapter.ts';
import type { Bot } from '../../src/core/compose.ts';
import { NotifyConfigSchema } from '../../src/plugins/notify/config.ts';
import { botFor, startSandboxBot, type SandboxBot, takesAlerts, execOn } from '../support/sandbox-bot.ts';
import { eventually } from '../support/wait.ts';

const TOKEN = 'alertmanager-test-token-0123456789';
const SECRET = 'notify-e2e-webhook-secret-012345';
const HOOK_PATH = '/services/T0001/B0002/x7Hq9ZpL2mNvR4sT8wYk';
let hook: string;
let s: SandboxBot;
let bot: Bot;
let adapter: ConsoleAdapter;
let receiver: Server;
const got: { headers: Record<string, string>; body: string }[] = [];
/** What the receiver answers the next deliveries (then 200). */
const answers: number[] = [];

const alert = (status: 'firing' | 'resolved') => ({
  version: '4',
  groupKey: '{}:{alertname="KubePodCrashLooping", namespace="naver-news"}',
  truncatedAlerts: 0,
  status,
  receiver: 'deckhand',
  groupLabels: { alertname: 'KubePodCrashLooping', namespace: 'naver-news' },
  commonLabels: { alertname: 'KubePodCrashLooping', severity: 'critical', argocd_app: 'naver-news' },
  commonAnnotations: { summary: 'Pod is crash looping.' },
  externalURL: 'http://alertmanager.monitoring:9093',
  alerts: [
    {
      status,
      labels: { alertname: 'KubePodCrashLooping', severity: 'critical', argocd_app: 'naver-news' },
      annotations: { summary: 'Pod is crash looping.' },
      startsAt: new Date(Date.now() - 600_000).toISOString(),
      endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.monitoring:9090/graph',
      fingerprint: 'a1b2c3d4e5f60718',
    },
  ],
});

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers as Record<string, string>, body });
      res.writeHead(answers.shift() ?? 200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  // A token in the path, as Slack's, Discord's and Teams' incoming webhooks have.
  hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${HOOK_PATH}`;
  s = await startSandboxBot();
  ({ bot, adapter } = await botFor(
    s.run,
    (cfg) => {
      takesAlerts(cfg, TOKEN);
      // The loaded configuration is parsed already: this section is parsed as the loader would.
      cfg.plugins.notify = NotifyConfigSchema.parse({
        sinks: [{ type: 'webhook', name: 'pager', url: hook, secret: SECRET }],
        routes: [{ events: ['incident.*'], severities: ['critical'], sink: 'pager' }],
      });
    },
    undefined,
    { http: true },
  ));
}, 60_000);
afterAll(async () => {
  await bot?.stop(2_000);
  await s?.stop();
  await new Promise((r) => receiver.close(r));
});

const post = (status: 'firing' | 'resolved') =>
  fetch(`http://127.0.0.1:${bot.port}/hooks/incidents/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(alert(status)),
  });

describe('notifications beyond chat', () => {
  it("masks the webhook's address and its token-bearing path wherever they appear, not a short route", () => {
    const said = bot.redactor.text(`posting to ${hook} failed; path ${HOOK_PATH}; try /deckhand sinks`);
    expect(said).not.toContain('x7Hq9ZpL2mNvR4sT8wYk');
    expect(said).toContain('try /deckhand sinks');
  });

  it('sends an incident opened and resolved to the webhook sink, signed', async () => {
    const r = await post('firing');
    expect(r.status).toBe(202);
    await eventually('incident.opened at the receiver', () =>
      got.some((g) => g.headers['x-deckhand-event'] === 'incident.opened'),
    );
    expect((await post('resolved')).status).toBeLessThan(300);
    await eventually('incident.resolved at the receiver', () =>
      got.some((g) => g.headers['x-deckhand-event'] === 'incident.resolved'),
    );
    for (const g of got) {
      const want = `v1=${createHmac('sha256', SECRET).update(`${g.headers['x-deckhand-timestamp']}.${g.body}`).digest('hex')}`;
      expect(g.headers['x-deckhand-signature']).toBe(want);
    }
    const [opened, resolved] = ['incident.opened', 'incident.resolved'].map((e) =>
      JSON.parse(got.find((g) => g.headers['x-deckhand-event'] === e)!.body),
    );
    expect(opened).toMatchObject({ app: 'naver-news', severity: 'critical' });
    expect(opened.subject).toBe(resolved.subject);
    expect(opened.text).toContain('KubePodCrashLooping');
    const sinks = await execOn(bot, adapter, '/deckhand sinks', 'console', 'ops');
    expect(sinks.ok).toBe(true);
    expect(sinks.messages.at(-1)?.data).toMatchObject({
      sinks: [{ name: 'pager', kind: 'webhook', waiting: 0, failed: [] }],
    });
    // A slip after `sinks` is answered with the commands under it.
    const slip = await execOn(bot, adapter, '/deckhand sinks retyr pager', 'console', 'ops');
    expect(slip.ok).toBe(false);
    expect(JSON.stringify(slip.messages)).toContain('Usage: sinks, or `sinks retry <sink> [<id>]`');
  }, 60_000);

  it('says in /readyz that the receiver fails, degraded, until a delivery goes through', async () => {
    const readyz = async () =>
      (await (await fetch(`http://127.0.0.1:${bot.port}/readyz`)).json()) as {
        status: string;
        checks: { name: string; ok: boolean; degraded?: boolean; reason?: string }[];
      };
    const pager = async () => (await readyz()).checks.find((c) => c.name === 'notify:pager');
    expect(await pager()).toMatchObject({ ok: true });
    answers.push(503);
    expect((await post('firing')).status).toBe(202);
    // One answer holds it all: a later delivery that goes through clears it.
    const failing = await eventually('the 503 to show', async () => {
      const r = await readyz();
      return r.checks.find((c) => c.name === 'notify:pager')?.ok === false ? r : undefined;
    });
    // Degraded, not down: deckhand still works, so readiness holds.
    expect(failing.status).toBe('ready');
    expect(failing.checks.find((c) => c.name === 'notify:pager')).toMatchObject({
      degraded: true,
      reason: expect.stringMatching(/^the last delivery failed .*: answered 503/),
    });
    // Its retry (5 s on) goes through: ready again, and nothing failed for good. The sandbox's
    // own bot shares the store and has no sink of that name: it leaves the delivery alone.
    await eventually('the retry to go through', async () => (await pager())?.ok === true, {
      timeoutMs: 20_000,
    });
    const sinks = await execOn(bot, adapter, '/deckhand sinks', 'console', 'ops');
    expect(sinks.messages.at(-1)?.data).toMatchObject({ sinks: [{ name: 'pager', waiting: 0, failed: [] }] });
    expect((await post('resolved')).status).toBeLessThan(300);
  }, 60_000);
});
