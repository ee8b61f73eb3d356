/**
 * Issue 25: an incident storm told beyond chat. 500 incidents, each routed to a webhook receiver
 * and to an SMTP server (smtp-server on loopback, STARTTLS and a password, as the sandbox's relay),
 * through the outbox in a SQLite file as a serving bot keeps it. Measures what queuing costs the
 * producer (it runs inside incident handling), how long until every delivery is sent, and the
 * memory the outbox holds meanwhile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { systemClock } from '../src/core/clock.ts';
import { createLogger } from '../src/core/logging.ts';
import { Redactor } from '../src/core/redact.ts';
import { SqliteStore } from '../src/core/store/sqlite.ts';
import { NotifyConfigSchema } from '../src/plugins/notify/config.ts';
import { EmailSink } from '../src/plugins/notify/email-sink.ts';
import { Notifier } from '../src/plugins/notify/notifier.ts';
import { WebhookSink } from '../src/plugins/notify/webhook-sink.ts';
import { mb, ms, print, summarize, type Result } from './lib/measure.ts';

const INCIDENTS = 500;

async function notifyStorm(): Promise<Result[]> {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-bench-notify-'));
  let hooks = 0;
  let mails = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hooks++;
      res.writeHead(200).end();
    });
  });
  const smtp = new SMTPServer({
    authOptional: false,
    onAuth: (auth, _s, cb) =>
      auth.password === 'bench-password-0123' ? cb(null, { user: 'deckhand' }) : cb(new Error('no')),
    onData: (stream, _s, cb) => {
      stream.resume();
      stream.on('end', () => {
        mails++;
        cb();
      });
    },
    logger: false,
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  smtp.on('error', () => undefined);
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const store = new SqliteStore(join(dir, 'deckhand.db'), systemClock);
  try {
    const config = NotifyConfigSchema.parse({
      sinks: [
        {
          type: 'webhook',
          name: 'pager',
          url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
          secret: 'bench-webhook-secret-0123456789',
        },
        {
          type: 'email',
          name: 'mail',
          smtp: {
            host: '127.0.0.1',
            port: (smtp.server.address() as AddressInfo).port,
            user: 'deckhand',
            password: 'bench-password-0123',
            rejectUnauthorized: false,
          },
          from: 'deckhand <deckhand@example.com>',
          to: ['oncall@example.com'],
          perRecipientPerHour: 10_000,
        },
      ],
      routes: [
        { events: ['incident.*'], sink: 'pager' },
        { events: ['incident.*'], sink: 'mail' },
      ],
    });
    const notifier = new Notifier({
      sinks: config.sinks.map((s) =>
        s.type === 'webhook' ? new WebhookSink(s, systemClock.now) : new EmailSink(s, systemClock.now),
      ),
      config,
      store,
      clock: systemClock,
      log: createLogger({ level: 'silent' }),
      redactor: new Redactor(),
    });
    notifier.serve();
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    const queueTimes: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < INCIDENTS; i++) {
      const t = performance.now();
      await notifier.notify({
        event: 'incident.opened',
        subject: `incident/bench-${i}`,
        app: 'naver-news',
        severity: 'critical',
        message: {
          text: `KubePodCrashLooping naver-news #${i}`,
          header: `🔥 KubePodCrashLooping — naver-news #${i}`,
          tone: 'danger',
          blocks: [
            { type: 'text', text: 'Pod naver-news-7d9f is crash looping (exit 137, OOMKilled).' },
            { type: 'table', table: { columns: ['pod', 'restarts'], rows: [['naver-news-7d9f', '7']] } },
          ],
          data: { incident: { key: `bench-${i}`, restarts: 7 } },
        },
      });
      queueTimes.push(performance.now() - t);
    }
    while (hooks < INCIDENTS || mails < INCIDENTS) {
      if (performance.now() - t0 > 120_000)
        throw new Error(`only ${hooks} hooks and ${mails} mails in 120 s`);
      await new Promise((r) => setTimeout(r, 20));
      // The serving bot's loop looks every 5 s; here, as often as it takes.
      if (!(await notifier.status()).every((s) => s.waiting === 0)) void notifier.drain();
    }
    const allSent = performance.now() - t0;
    clearInterval(sampler);
    await notifier.close();
    global.gc?.();
    const heapAfter = process.memoryUsage().heapUsed;
    const q = summarize(queueTimes);
    return [
      {
        bench: 'notify storm',
        metric: `queue one incident for 2 sinks, p99 (${INCIDENTS})`,
        value: ms(q.p99),
        target: '< 20 ms',
        ok: q.p99 < 20,
      },
      {
        bench: 'notify storm',
        metric: `${INCIDENTS} webhooks and ${INCIDENTS} mails delivered`,
        value: ms(allSent),
        target: '< 60 s',
        ok: allSent < 60_000,
      },
      {
        bench: 'notify storm',
        // The receiver and the SMTP server run in this process too: an upper bound for the bot's.
        metric: 'RSS growth at peak (with the receivers)',
        value: mb(rssPeak - rssBefore),
        target: '< 200 MB',
        ok: rssPeak - rssBefore < 200 * 1024 * 1024,
      },
      {
        bench: 'notify storm',
        metric: 'heap still held once all is sent',
        value: mb(heapAfter - heapBefore),
        target: '< 10 MB',
        ok: heapAfter - heapBefore < 10 * 1024 * 1024,
      },
    ];
  } finally {
    await store.close();
    await new Promise((r) => receiver.close(r));
    await new Promise<void>((r) => smtp.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
}

export const run = notifyStorm;

if (import.meta.main) print(await run());
