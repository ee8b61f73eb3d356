/**
 * Webhook sinks against a real HTTP receiver on loopback: the signature checked by an HMAC made
 * here with node:crypto from the documented rule (not with the code under test), retries with
 * backoff on a receiver that fails N times, dead letters for a final refusal and for too many
 * failures, routes by event, app and severity, and secrets masked before anything leaves.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { NotFoundError } from '../../core/errors.ts';
import { createLogger } from '../../core/logging.ts';
import { Redactor } from '../../core/redact.ts';
import { redactingStore } from '../../core/store/redacting.ts';
import { SqliteStore } from '../../core/store/sqlite.ts';
import { NotifyConfigSchema } from './config.ts';
import { Notifier, type AppLookup } from './notifier.ts';
import { WebhookSink } from './webhook-sink.ts';

const SECRET = 'notify-webhook-secret-0123456789';
let server: Server;
let url = '';
let answers: number[] = [];
const got: { headers: Record<string, string>; body: string }[] = [];
let clock: ManualClock;
let store: SqliteStore;

beforeEach(async () => {
  got.length = 0;
  answers = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers as Record<string, string>, body });
      res.writeHead(answers.shift() ?? 204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=abc`;
  clock = new ManualClock(Date.parse('2026-12-07T10:00:00Z'));
  store = new SqliteStore(':memory:', clock);
});
afterEach(async () => {
  await new Promise((r) => server.close(r));
  await store.close();
});

function notifier(routes: unknown[] = [{ events: ['*'], sink: 'ops' }], retry = {}, appOf?: AppLookup) {
  const config = NotifyConfigSchema.parse({
    sinks: [{ type: 'webhook', name: 'ops', url, secret: SECRET, timeoutMs: 2000 }],
    routes,
    retry,
  });
  const redactor = new Redactor();
  redactor.addSecrets(['hunter2-is-not-a-password-0000']);
  return new Notifier({
    sinks: config.sinks.flatMap((s) => (s.type === 'webhook' ? [new WebhookSink(s, () => clock.now())] : [])),
    config,
    // As the bot composes it: the store is an exit that redacts what it keeps.
    store: redactingStore(store, redactor),
    clock,
    log: createLogger({ level: 'silent' }),
    redactor,
    ...(appOf ? { appOf } : {}),
  });
}

const incident = (over: Record<string, unknown> = {}) => ({
  event: 'incident.opened' as const,
  subject: 'incident/abc',
  app: 'naver-news',
  project: 'default',
  severity: 'critical',
  message: {
    text: 'naver-news OOMKilled',
    header: '🔥 KubePodCrashLooping',
    tone: 'danger' as const,
    data: { incident: { key: 'abc', restarts: 7 } },
  },
  ...over,
});

/** The documented rule, computed here: v1= hex HMAC-SHA256 of "<timestamp>.<body>". */
function verified(h: Record<string, string>, body: string): boolean {
  const want = Buffer.from(
    `v1=${createHmac('sha256', SECRET).update(`${h['x-deckhand-timestamp']}.${body}`).digest('hex')}`,
  );
  const sent = Buffer.from(h['x-deckhand-signature'] ?? '');
  return sent.length === want.length && timingSafeEqual(sent, want);
}

describe('webhook sinks', () => {
  it('POSTs the event as signed JSON, with its text and data', async () => {
    const n = notifier();
    expect(await n.notify(incident())).toBe(1);
    await n.drain();
    expect(got).toHaveLength(1);
    const [d] = got;
    expect(verified(d!.headers, d!.body)).toBe(true);
    expect(verified({ ...d!.headers, 'x-deckhand-timestamp': '1' }, d!.body)).toBe(false);
    expect(d!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-deckhand-event': 'incident.opened',
      'x-deckhand-timestamp': String(Math.floor(clock.now() / 1000)),
    });
    const body = JSON.parse(d!.body);
    expect(body).toMatchObject({
      event: 'incident.opened',
      subject: 'incident/abc',
      app: 'naver-news',
      severity: 'critical',
      header: '🔥 KubePodCrashLooping',
      tone: 'danger',
      data: { incident: { key: 'abc', restarts: 7 } },
      at: '2026-12-07T10:00:00.000Z',
    });
    expect(body.text).toContain('naver-news OOMKilled');
    expect(d!.headers['x-deckhand-delivery']).toBe(body.id);
  });

  it('a one-shot process sends what it queued and crosses it off before it stops; the bot does not send it again', async () => {
    // `deckhand exec` and the serving bot share the store: exec must not exit between sending
    // and crossing off, or the delivery would go out twice.
    const oneShot = notifier();
    oneShot.sendOwn();
    const bot = notifier();
    bot.serve();
    await oneShot.notify(incident());
    await oneShot.close();
    expect(got).toHaveLength(1);
    expect((await bot.status())[0]?.waiting).toBe(0);
    expect((await bot.drain()).sent).toBe(0);
    // Closed, it starts nothing: what it queues waits in the outbox for the serving bot.
    await oneShot.notify(incident({ subject: 'incident/late' }));
    await oneShot.idle();
    expect(got).toHaveLength(1);
    expect((await bot.drain()).sent).toBe(1);
    // In the serving bot, a notification is sent as it is queued, even while a drain runs.
    await Promise.all([
      bot.notify(incident({ subject: 'incident/a' })),
      bot.notify(incident({ subject: 'incident/b' })),
    ]);
    await bot.idle();
    expect(got).toHaveLength(4);
    expect((await bot.status())[0]?.waiting).toBe(0);
  });

  it('tells one fact told twice (`once`) under one delivery id, by which receivers de-duplicate', async () => {
    const n = notifier();
    await n.notify(incident({ once: 'change.merged/ch_1' }));
    await n.notify(incident({ once: 'change.merged/ch_1' }));
    await n.notify(incident({ once: 'change.merged/ch_2' }));
    await n.notify(incident());
    await n.drain();
    const ids = got.map((g) => g.headers['x-deckhand-delivery'] as string);
    expect(ids).toHaveLength(4);
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[48][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('masks secrets in every field before anything leaves', async () => {
    const n = notifier();
    await n.notify(
      incident({
        message: {
          text: 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789 and hunter2-is-not-a-password-0000. Set the password: "x y"',
          data: {
            log: 'password=hunter2-is-not-a-password-0000',
            secret: 'db-creds',
            password: 'p4ss-w0rd-value',
            hasToken: true,
            webhookToken: 'abcdefghijklmnop',
            token: null,
          },
        },
      }),
    );
    await n.drain();
    expect(got[0]?.body).not.toMatch(
      /ghp_abcdefghijklmnopqrstuvwxyz0123456789|hunter2-is-not-a-password-0000|p4ss-w0rd-value/,
    );
    // Masked as values, before the body is written: it is still JSON a receiver can read.
    const body = JSON.parse(got[0]?.body ?? '');
    expect(body.data.hasToken).toBe(true);
    expect(body.data.password).not.toBe('p4ss-w0rd-value');
  });

  it('tries again with backoff after 5xx, 429 and a refused connection, with the same delivery id', async () => {
    const n = notifier(undefined, { attempts: 5, firstDelaySeconds: 5, maxDelaySeconds: 60 });
    answers = [503, 429];
    await n.notify(incident());
    expect(await n.drain()).toEqual({ sent: 0, retried: 1, dead: 0 });
    // Not yet due: nothing is sent.
    expect(await n.drain()).toEqual({ sent: 0, retried: 0, dead: 0 });
    clock.advance(5_000);
    expect(await n.drain()).toEqual({ sent: 0, retried: 1, dead: 0 });
    clock.advance(9_999);
    expect(await n.drain()).toEqual({ sent: 0, retried: 0, dead: 0 });
    clock.advance(1);
    expect(await n.drain()).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect(got.map((g) => g.headers['x-deckhand-delivery'])).toEqual(
      Array(3).fill(got[0]?.headers['x-deckhand-delivery']),
    );
    expect((await n.status())[0]).toMatchObject({ waiting: 0, dead: [] });
  });

  it('keeps a dead letter for a final refusal at once, and after too many failures', async () => {
    const n = notifier(undefined, { attempts: 2, firstDelaySeconds: 1 });
    answers = [400];
    await n.notify(incident({ subject: 'incident/refused' }));
    expect(await n.drain()).toEqual({ sent: 0, retried: 0, dead: 1 });
    answers = [500, 500];
    await n.notify(incident({ subject: 'incident/flaky' }));
    await n.drain();
    clock.advance(1_000);
    expect(await n.drain()).toEqual({ sent: 0, retried: 0, dead: 1 });
    const [ops] = await n.status();
    expect(ops?.dead.map((d) => [d.subject, d.attempts, d.lastError])).toEqual(
      expect.arrayContaining([
        ['incident/refused', 1, 'answered 400 Bad Request'],
        ['incident/flaky', 2, 'answered 500 Internal Server Error'],
      ]),
    );
    // A receiver that is gone: tried again, then dead, never thrown.
    await new Promise((r) => server.close(r));
    await n.notify(incident({ subject: 'incident/gone' }));
    expect(await n.drain()).toEqual({ sent: 0, retried: 1, dead: 0 });
    clock.advance(1_000);
    expect(await n.drain()).toEqual({ sent: 0, retried: 0, dead: 1 });
    server.listen(0, '127.0.0.1');
  });

  it('sends dead letters again once the receiver is mended: the same delivery, signed anew, each once', async () => {
    const n = notifier(undefined, { attempts: 2, firstDelaySeconds: 1 });
    answers = [500, 500, 500, 500];
    await n.notify(incident({ subject: 'incident/a' }));
    await n.notify(incident({ subject: 'incident/b' }));
    await n.drain();
    clock.advance(1_000);
    expect(await n.drain()).toEqual({ sent: 0, retried: 0, dead: 2 });
    const first = got.map((g) => JSON.parse(g.body) as { id: string; subject: string; text: string });
    got.length = 0;
    const [ops] = await n.status();
    const a = ops!.dead.find((d) => d.subject === 'incident/a')!;

    // One by its id, then the rest; the receiver answers 204 now.
    expect(await n.retryDead('ops', 'no-such-id')).toMatchObject({ requeued: [], unknownId: true });
    expect((await n.retryDead('ops', a.id)).requeued.map((d) => d.subject)).toEqual(['incident/a']);
    expect(await n.drain()).toEqual({ sent: 1, retried: 0, dead: 0 });
    // Two people asking at once: each dead letter is queued again once.
    const [x, y] = await Promise.all([n.retryDead('ops'), n.retryDead('ops')]);
    expect([...x.requeued, ...y.requeued].map((d) => d.subject)).toEqual(['incident/b']);
    expect(await n.drain()).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect((await n.status())[0]).toMatchObject({ waiting: 0, dead: [] });

    // What arrives is what failed: the same delivery id and body, with a fresh signature.
    const again = got.map((g) => JSON.parse(g.body) as { id: string; subject: string; text: string });
    expect(again.map((b) => b.subject)).toEqual(['incident/a', 'incident/b']);
    for (const b of again) expect(b).toEqual(first.find((f) => f.id === b.id));
    for (const g of got) expect(verified(g.headers, g.body)).toBe(true);
  });

  it("leaves a sink it does not know to the replicas that do, until that sink's retries would be over", async () => {
    const n = notifier(undefined, { attempts: 3, firstDelaySeconds: 10 });
    await n.notify(incident());
    // A replica whose configuration has no sink `ops` yet (a rolling update) shares the store.
    const other = new Notifier({
      sinks: [],
      config: NotifyConfigSchema.parse({ retry: { attempts: 3, firstDelaySeconds: 10 } }),
      store: redactingStore(store, new Redactor()),
      clock,
      log: createLogger({ level: 'silent' }),
      redactor: new Redactor(),
    });
    expect(await other.drain()).toEqual({ sent: 0, retried: 0, dead: 0 });
    expect(await n.drain()).toEqual({ sent: 1, retried: 0, dead: 0 });
    // A sink gone for good: its deliveries are a dead letter once 10 + 20 + 40 s have passed.
    answers = [503];
    await n.notify(incident({ subject: 'incident/later' }));
    await n.drain();
    clock.advance(70_000);
    expect(await other.drain()).toEqual({ sent: 0, retried: 0, dead: 0 });
    clock.advance(1);
    expect(await other.drain()).toEqual({ sent: 0, retried: 0, dead: 1 });
    expect((await n.status())[0]?.dead.map((d) => d.lastError)).toEqual([
      'no sink named ops is configured any more',
    ]);
  });

  it('sends only what the routes name: events by glob, apps, projects and severities', async () => {
    const n = notifier([
      { events: ['incident.*'], apps: ['naver-*'], severities: ['critical'], sink: 'ops' },
      { events: ['digest'], sink: 'ops' },
    ]);
    expect(await n.notify(incident())).toBe(1);
    expect(await n.notify(incident({ severity: 'warning' }))).toBe(0);
    expect(await n.notify(incident({ app: 'friend-app' }))).toBe(0);
    expect(await n.notify(incident({ app: undefined }))).toBe(0);
    expect(await n.notify({ event: 'digest', subject: 'digest/ops', message: { text: 'digest' } })).toBe(1);
    expect(await n.notify({ event: 'change.merged', subject: 'change/1', message: { text: 'merged' } })).toBe(
      0,
    );
  });

  it("routes by a team's label selector, reading the app's labels only when a route needs them", async () => {
    const asked: string[] = [];
    const labels: Record<string, Record<string, string>> = {
      'naver-news': { team: 'news', tier: 'web' },
      'pay-api': { team: 'payments' },
    };
    const appOf: AppLookup = async (app, instance) => {
      asked.push(`${app}@${instance}`);
      if (app === 'argo-down') throw new Error('Argo CD did not answer');
      return labels[app] ? { labels: labels[app], project: 'shop' } : undefined;
    };
    const n = notifier(
      [{ events: ['incident.*'], labels: 'team in (news,search),tier!=db', sink: 'ops' }],
      {},
      appOf,
    );
    expect(await n.notify(incident({ instance: 'prod' }))).toBe(1);
    expect(await n.notify(incident({ app: 'pay-api' }))).toBe(0);
    // The producer's own labels are used as they are.
    expect(await n.notify(incident({ app: 'other', labels: { team: 'search' } }))).toBe(1);
    // Labels that cannot be read, or an app unknown: no match (missing data is not a match).
    expect(await n.notify(incident({ app: 'argo-down' }))).toBe(0);
    expect(await n.notify(incident({ app: 'gone' }))).toBe(0);
    expect(asked).toEqual(['naver-news@prod', 'pay-api@undefined', 'argo-down@undefined', 'gone@undefined']);
    // A caller that tells it again later (a merge) hears that Argo CD did not answer; an app
    // Argo CD says is gone is no error.
    await expect(n.notify(incident({ app: 'argo-down' }), { strict: true })).rejects.toThrow(
      /did not answer/,
    );
    const gone: AppLookup = async () => {
      throw new NotFoundError('No application gone');
    };
    const strictGone = notifier([{ events: ['incident.*'], labels: 'team=news', sink: 'ops' }], {}, gone);
    expect(await strictGone.notify(incident({ app: 'gone' }), { strict: true })).toBe(0);
    // Without a route by label, nothing is read.
    asked.length = 0;
    expect(await notifier(undefined, {}, appOf).notify(incident())).toBe(1);
    expect(asked).toEqual([]);
    // A project a route asks for and the producer did not say (a failed revert) is read too.
    const byProject = notifier([{ events: ['remediation'], projects: ['shop'], sink: 'ops' }], {}, appOf);
    const revert = { event: 'remediation' as const, subject: 'change/1', message: { text: 'revert failed' } };
    expect(await byProject.notify({ ...revert, app: 'pay-api' })).toBe(1);
    expect(await byProject.notify({ ...revert, app: 'pay-api', project: 'other' })).toBe(0);
    expect(await byProject.notify({ ...revert, app: 'gone' })).toBe(0);
  });

  it('refuses recipients that are not addresses, and recipients on a route to a webhook', () => {
    const email = (to: string[]) => ({
      type: 'email',
      name: 'mail',
      smtp: { host: 'smtp.example.com' },
      from: 'deckhand <deckhand@example.com>',
      to,
    });
    const ok = NotifyConfigSchema.safeParse({
      sinks: [email(['ops@example.com', 'Platform Team <platform@example.com>'])],
    });
    expect(ok.success).toBe(true);
    const r = NotifyConfigSchema.safeParse({
      sinks: [email(['not-an-email', 'a@b@c']), { type: 'webhook', name: 'ops', url, secret: SECRET }],
      routes: [{ events: ['*'], sink: 'ops', to: ['ops@example.com'] }],
    });
    expect(r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'sinks.0.to.0: an email address, or a name and one: "Ops <ops@example.com>"',
      'sinks.0.to.1: an email address, or a name and one: "Ops <ops@example.com>"',
      'routes.0.to: ops is a webhook sink: recipients (to) are for email sinks',
    ]);
  });

  it('refuses a webhook address with a user or password in it, which fetch would refuse to send', () => {
    const r = NotifyConfigSchema.safeParse({
      sinks: [
        { type: 'webhook', name: 'ops', url: 'https://deckhand:pw@hooks.example.com/x', secret: SECRET },
      ],
    });
    expect(r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      expect.stringMatching(/^sinks\.0\.url: holds a user or password, which fetch refuses to send/),
    ]);
  });

  it('refuses a label selector that does not parse', () => {
    const r = NotifyConfigSchema.safeParse({
      sinks: [{ type: 'webhook', name: 'ops', url, secret: SECRET }],
      routes: [{ events: ['*'], labels: 'team in (news', sink: 'ops' }],
    });
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['routes.0.labels']);
  });

  it('refuses routes to sinks that do not exist, and two sinks of one name', () => {
    const r = NotifyConfigSchema.safeParse({
      sinks: [
        { type: 'webhook', name: 'ops', url, secret: SECRET },
        { type: 'webhook', name: 'ops', url, secret: SECRET },
      ],
      routes: [{ events: ['digest'], sink: 'pager' }],
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'sinks.1.name: a second sink named ops',
      'routes.0.sink: no sink named pager (sinks: ops)',
    ]);
  });

  it('refuses an event name or glob that names no event, which would route nothing', () => {
    const r = NotifyConfigSchema.safeParse({
      sinks: [{ type: 'webhook', name: 'ops', url, secret: SECRET }],
      routes: [{ events: ['change.*', 'chnage.merged', 'incident.open'], sink: 'ops' }],
    });
    expect(r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message.split(' (')[0]}`)).toEqual([
      'routes.0.events.1: chnage.merged names no event',
      'routes.0.events.2: incident.open names no event',
    ]);
  });
});
