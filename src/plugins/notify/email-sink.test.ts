/**
 * Email sinks against a real SMTP server on loopback (the `smtp-server` package, with its own
 * self-signed certificate for STARTTLS), each received mail read back by an independent MIME
 * parser (`mailparser`): both bodies and the inline chart, the thread headers of an incident's
 * updates, authentication, STARTTLS required, refusals final or retried, the per-recipient limit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logging.ts';
import { Redactor } from '../../core/redact.ts';
import { redactingStore } from '../../core/store/redacting.ts';
import { SqliteStore } from '../../core/store/sqlite.ts';
import { NotifyConfigSchema, type NotifyEvent } from './config.ts';
import { EmailSink } from './email-sink.ts';
import { Notifier } from './notifier.ts';

let smtp: SMTPServer | undefined;
let port = 0;
let dir: string;
let clock: ManualClock;
let store: SqliteStore;
const mails: ParsedMail[] = [];
const opened: Notifier[] = [];
/** Who each mail was delivered to (its envelope), as the headers name everyone. */
const envelopes: string[][] = [];
/** Each mail's envelope sender, where bounces go. */
const senders: string[] = [];
let refuse: { code: number; message: string } | undefined;
/** Refusals of single recipients, by address. */
const refuseRcpt = new Map<string, { code: number; message: string }>();

async function startSmtp(extra: Partial<SMTPServerOptions> = {}) {
  smtp = new SMTPServer({
    secure: false,
    authOptional: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'deckhand' && auth.password === 'smtp-password-0123')
        return cb(null, { user: 'deckhand' });
      cb(new Error('Invalid username or password'));
    },
    onRcptTo(addr, _session, cb) {
      const no = refuseRcpt.get(addr.address) ?? refuse;
      if (!no) return cb();
      const err = new Error(no.message) as Error & { responseCode: number };
      err.responseCode = no.code;
      cb(err);
    },
    onData(stream, session, cb) {
      // cid: links kept as sent, so the test sees what the mail's HTML names.
      simpleParser(stream, { keepCidLinks: true }).then((m) => {
        mails.push(m);
        envelopes.push(session.envelope.rcptTo.map((r) => r.address));
        senders.push(session.envelope.mailFrom ? session.envelope.mailFrom.address : '');
        cb();
      }, cb);
    },
    logger: false,
    // A server that goes away drops the connections it has (the sinks keep one open).
    closeTimeout: 50,
    ...extra,
  });
  // A client connection that breaks is emitted on the server: heard, as the sandbox's relay does.
  smtp.on('error', () => undefined);
  await new Promise<void>((r) => smtp?.listen(0, '127.0.0.1', r));
  port = (smtp.server.address() as AddressInfo).port;
}

beforeEach(async () => {
  mails.length = 0;
  envelopes.length = 0;
  senders.length = 0;
  refuse = undefined;
  refuseRcpt.clear();
  dir = mkdtempSync(join(tmpdir(), 'deckhand-mail-'));
  clock = new ManualClock(Date.parse('2026-12-07T10:00:00Z'));
  store = new SqliteStore(':memory:', clock);
  await startSmtp();
});
afterEach(async () => {
  // The sinks keep their SMTP connection open (pooled); the server waits for it to go.
  await Promise.all(opened.splice(0).map((n) => n.close()));
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  smtp = undefined;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function setup(over: Record<string, unknown> = {}, retry = {}) {
  const config = NotifyConfigSchema.parse({
    sinks: [
      {
        type: 'email',
        name: 'mail',
        smtp: {
          host: '127.0.0.1',
          port,
          user: 'deckhand',
          password: 'smtp-password-0123',
          rejectUnauthorized: false,
        },
        from: 'deckhand <deckhand@example.com>',
        to: ['oncall@example.com'],
        ...over,
      },
    ],
    routes: [{ events: ['*'], sink: 'mail' }],
    retry,
  });
  const redactor = new Redactor();
  const sink = new EmailSink(config.sinks[0] as never, () => clock.now());
  const notifier = new Notifier({
    sinks: [sink],
    config,
    // As the bot composes it: the store is an exit that redacts what it keeps.
    store: redactingStore(store, redactor),
    clock,
    log: createLogger({ level: 'silent' }),
    redactor,
  });
  opened.push(notifier);
  return { sink, notifier };
}

// A 1×1 PNG, as a chart file the digest would have written.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

describe('email sinks', () => {
  it('sends a digest with a plain-text and an HTML body and its chart inline, over STARTTLS with authentication', async () => {
    const chart = join(dir, 'chart.png');
    writeFileSync(chart, PNG);
    const { notifier } = setup();
    await notifier.notify({
      event: 'digest',
      subject: 'digest/ops',
      message: {
        text: 'Digest ops: 12 apps, 2 need attention',
        header: 'Digest — ops',
        blocks: [
          { type: 'text', text: '**2** apps need attention: <script>alert(1)</script>' },
          { type: 'table', table: { columns: ['app', 'health'], rows: [['naver-news', 'Degraded']] } },
        ],
        attachments: [
          { filename: 'health.png', contentType: 'image/png', path: chart, title: 'Health, 7 days' },
        ],
      },
    });
    expect(await notifier.drain()).toEqual({ sent: 1, retried: 0, dead: 0 });
    const [m] = mails;
    expect(m?.subject).toBe('[deckhand] Digest — ops');
    expect(m?.from?.text).toBe('"deckhand" <deckhand@example.com>');
    // Without a return path, bounces go to the from address (the envelope sender).
    expect(senders).toEqual(['deckhand@example.com']);
    expect(m?.text).toContain('naver-news');
    expect(m?.html).toContain('<th style="border:1px solid #ddd;padding:4px 8px;text-align:left">app</th>');
    expect(m?.html).toContain('<strong>2</strong>');
    expect(m?.html).not.toContain('<script>');
    const image = m?.attachments.find((a) => a.contentType === 'image/png');
    expect(image?.contentDisposition).toBe('inline');
    expect(image?.content.equals(PNG)).toBe(true);
    expect(m?.html).toContain(`src="cid:${image?.cid}"`);
  });

  it('threads a change’s outcome under its merge, a remediation under its incident, an incident fired again apart', async () => {
    const { notifier } = setup();
    const send = async (event: NotifyEvent, subject: string, thread?: string) => {
      await notifier.notify({ event, subject, ...(thread ? { thread } : {}), message: { text: event } });
      await notifier.drain();
    };
    await send('change.merged', 'change/ch_1');
    await send('change.failed', 'change/ch_1');
    await send('incident.opened', 'incident/k', 'incident/k/1000');
    await send('remediation', 'incident/k', 'incident/k/1000');
    // The group fires again weeks later (incident.updated): a new episode, a thread of its own.
    await send('incident.updated', 'incident/k', 'incident/k/9000');
    await send('incident.resolved', 'incident/k', 'incident/k/9000');
    const [merged, failed, opened, fixed, again, resolved] = mails;
    expect(failed?.inReplyTo).toBe(merged?.messageId);
    expect(fixed?.inReplyTo).toBe(opened?.messageId);
    expect(again?.inReplyTo).toBeUndefined();
    expect(resolved?.inReplyTo).toBe(again?.messageId);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(6);
  });

  it('threads an incident’s updates under its first mail', async () => {
    const { notifier } = setup();
    const incident = (event: 'incident.opened' | 'incident.resolved', text: string) =>
      notifier.notify({
        event,
        subject: 'incident/abc',
        message: { text, header: `KubePodCrashLooping — ${text}` },
      });
    await incident('incident.opened', 'firing');
    await notifier.drain();
    await incident('incident.resolved', 'resolved');
    await notifier.drain();
    expect(mails).toHaveLength(2);
    const [opened, resolved] = mails;
    expect(opened?.messageId).toMatch(/^<[0-9a-f]{32}@example\.com>$/);
    expect(resolved?.inReplyTo).toBe(opened?.messageId);
    expect(resolved?.references).toBe(opened?.messageId);
    expect(resolved?.messageId).not.toBe(opened?.messageId);
  });

  it('a 5xx refusal is final, a 4xx is tried again; a server gone is retried, then a dead letter, never a throw', async () => {
    const { notifier, sink } = setup({}, { attempts: 2, firstDelaySeconds: 1 });
    refuse = { code: 550, message: 'No such user' };
    await notifier.notify({ event: 'digest', subject: 'digest/a', message: { text: 'a' } });
    expect(await notifier.drain()).toEqual({ sent: 0, retried: 0, dead: 1 });
    expect(sink.lastFailure?.error).toBe('refused oncall@example.com (550 No such user); no one took it');
    refuse = { code: 451, message: 'Try again later' };
    await notifier.notify({ event: 'digest', subject: 'digest/b', message: { text: 'b' } });
    expect(await notifier.drain()).toEqual({ sent: 0, retried: 1, dead: 0 });
    refuse = undefined;
    clock.advance(1_000);
    expect(await notifier.drain()).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect(sink.lastFailure).toBeUndefined();
    await new Promise<void>((r) => smtp?.close(() => r()));
    smtp = undefined;
    await notifier.notify({ event: 'digest', subject: 'digest/c', message: { text: 'c' } });
    expect(await notifier.drain()).toEqual({ sent: 0, retried: 1, dead: 0 });
    clock.advance(1_000);
    expect(await notifier.drain()).toEqual({ sent: 0, retried: 0, dead: 1 });
    expect(sink.lastFailure?.error).toMatch(/ECONNREFUSED/);
  });

  it('a recipient refused while others take the mail: only those refused for now are tried again', async () => {
    const { notifier, sink } = setup(
      {
        to: ['oncall@example.com', 'Gone <gone@example.com>', 'busy@example.com'],
        returnPath: 'bounces@example.com',
      },
      { attempts: 3, firstDelaySeconds: 1 },
    );
    // Bounces that come later go to the team's mailbox, not to deckhand's from address.
    expect(senders).toEqual([]);
    refuseRcpt.set('gone@example.com', { code: 550, message: '5.1.1 No such user' });
    refuseRcpt.set('busy@example.com', { code: 452, message: '4.2.2 Mailbox full' });
    await notifier.notify({ event: 'digest', subject: 'digest/p', message: { text: 'p' } });
    expect(await notifier.drain()).toEqual({ sent: 0, retried: 1, dead: 0 });
    expect(envelopes).toEqual([['oncall@example.com']]);
    expect(senders).toEqual(['bounces@example.com']);
    expect(sink.lastFailure?.error).toBe(
      'refused gone@example.com (550 5.1.1 No such user), busy@example.com (452 4.2.2 Mailbox full); 1 of 3 took it',
    );
    // /readyz, which anyone who reaches the port reads, says as much without the addresses.
    expect(sink.lastFailure?.brief).toBe('refused 2 of 3 recipients (550, 452)');
    // The one refused for good is a dead letter at once, while the full mailbox waits.
    let [status] = await notifier.status();
    expect(status).toMatchObject({ waiting: 1 });
    expect(status?.dead.map((x) => x.lastError)).toEqual([
      'refused for good: gone@example.com (550 5.1.1 No such user)',
    ]);
    // The full mailbox empties: the mail goes to it alone, not again to oncall, nor to gone,
    // and it is the same mail (its headers name everyone, its Message-ID is the first one's).
    refuseRcpt.delete('busy@example.com');
    clock.advance(1_000);
    expect(await notifier.drain()).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect(envelopes).toEqual([['oncall@example.com'], ['busy@example.com']]);
    expect(senders).toEqual(['bounces@example.com', 'bounces@example.com']);
    expect(mails[1]?.messageId).toBe(mails[0]?.messageId);
    expect(mails[1]?.to).toEqual(mails[0]?.to);
    expect(sink.lastFailure).toBeUndefined();
    // Only permanent refusals left: a dead letter that says who and why; the rest got it.
    refuseRcpt.set('busy@example.com', { code: 550, message: '5.1.1 Gone too' });
    await notifier.notify({ event: 'digest', subject: 'digest/q', message: { text: 'q' } });
    expect(await notifier.drain()).toEqual({ sent: 0, retried: 0, dead: 1 });
    expect(envelopes.at(-1)).toEqual(['oncall@example.com']);
    [status] = await notifier.status();
    expect(status?.dead[0]?.lastError).toMatch(
      /^refused gone@example.com \(550 5.1.1 No such user\), busy@example.com/,
    );
    // The mailboxes are made: `sinks retry` sends each refused mail again to those it refused
    // only, as the same mail (its Message-ID), and those who took it get no second copy.
    refuseRcpt.clear();
    const { requeued, bodiless } = await notifier.retryDead('mail');
    expect(bodiless).toEqual([]);
    expect(requeued.map((d) => d.subject).sort()).toEqual(['digest/p', 'digest/q']);
    expect(await notifier.drain()).toEqual({ sent: 2, retried: 0, dead: 0 });
    expect(envelopes.slice(-2)).toEqual([['gone@example.com'], ['gone@example.com', 'busy@example.com']]);
    expect(mails.at(-2)?.messageId).toBe(mails[0]?.messageId);
    [status] = await notifier.status();
    expect(status).toMatchObject({ waiting: 0, dead: [] });
  });

  it('keeps every recipient refused for good, over attempts and at the last one, to send again', async () => {
    const { notifier } = setup(
      { to: ['a@example.com', 'b@example.com', 'c@example.com'] },
      { attempts: 2, firstDelaySeconds: 1 },
    );
    // First a is refused for good and b, c for now; then b for good and c for now, the last try.
    refuseRcpt.set('a@example.com', { code: 550, message: '5.1.1 No such user' });
    refuseRcpt.set('b@example.com', { code: 452, message: '4.2.2 Mailbox full' });
    refuseRcpt.set('c@example.com', { code: 452, message: '4.2.2 Mailbox full' });
    await notifier.notify({ event: 'digest', subject: 'digest/r', message: { text: 'r' } });
    expect(await notifier.drain()).toEqual({ sent: 0, retried: 1, dead: 0 });
    refuseRcpt.set('b@example.com', { code: 550, message: '5.1.1 Gone' });
    clock.advance(1_000);
    expect(await notifier.drain()).toEqual({ sent: 0, retried: 0, dead: 1 });
    const [status] = await notifier.status();
    // The last try's own dead letter (c, still refused for now), and one per refusal for good.
    expect(status?.dead.map((d) => d.lastError).sort()).toEqual([
      'refused b@example.com (550 5.1.1 Gone), c@example.com (452 4.2.2 Mailbox full); no one took it',
      'refused for good: a@example.com (550 5.1.1 No such user)',
      'refused for good: b@example.com (550 5.1.1 Gone)',
    ]);
    // All mended: each goes again to those it missed, once.
    refuseRcpt.clear();
    expect((await notifier.retryDead('mail')).requeued).toHaveLength(3);
    expect(await notifier.drain()).toEqual({ sent: 3, retried: 0, dead: 0 });
    expect(envelopes.flat().sort()).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
  });

  it('a sender refused for good (5xx to MAIL FROM) is final for the whole mail', async () => {
    await new Promise<void>((r) => smtp?.close(() => r()));
    await startSmtp({
      onMailFrom(_addr, _session, cb) {
        const err = new Error('5.7.1 Sender not allowed') as Error & { responseCode: number };
        err.responseCode = 553;
        cb(err);
      },
    });
    const { notifier, sink } = setup();
    await notifier.notify({ event: 'digest', subject: 'digest/s', message: { text: 's' } });
    expect(await notifier.drain()).toEqual({ sent: 0, retried: 0, dead: 1 });
    expect(sink.lastFailure?.error).toMatch(/^the server answered 553: .*Sender not allowed/);
  });

  it('refuses to send in clear to a server without STARTTLS, and to a wrong password', async () => {
    await new Promise<void>((r) => smtp?.close(() => r()));
    await startSmtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    const { notifier, sink } = setup({}, { attempts: 1 });
    await notifier.notify({ event: 'digest', subject: 'digest/x', message: { text: 'x' } });
    expect(await notifier.drain()).toEqual({ sent: 0, retried: 0, dead: 1 });
    expect(sink.lastFailure?.error).toMatch(/STARTTLS/i);
    await new Promise<void>((r) => smtp?.close(() => r()));
    await startSmtp();
    const wrong = setup(
      {
        smtp: { host: '127.0.0.1', port, user: 'deckhand', password: 'nope-nope', rejectUnauthorized: false },
      },
      { attempts: 1 },
    );
    await wrong.notifier.notify({ event: 'digest', subject: 'digest/y', message: { text: 'y' } });
    expect(await wrong.notifier.drain()).toEqual({ sent: 0, retried: 0, dead: 1 });
    expect(mails).toHaveLength(0);
  });

  it('sends at most perRecipientPerHour mails to one recipient; more wait', async () => {
    // With the default retries (6 attempts from 5 s): waiting for the limit spends none of them.
    const { notifier } = setup({ perRecipientPerHour: 1 });
    await notifier.notify({ event: 'digest', subject: 'digest/1', message: { text: 'one' } });
    await notifier.notify({ event: 'digest', subject: 'digest/2', message: { text: 'two' } });
    await notifier.drain();
    expect(mails).toHaveLength(1);
    expect((await notifier.status())[0]?.waiting).toBe(1);
    for (let i = 0; i < 8; i++) {
      clock.advance(5 * 60_000);
      await notifier.drain();
    }
    expect(mails).toHaveLength(1);
    expect((await notifier.status())[0]).toMatchObject({ waiting: 1, dead: [] });
    clock.advance(3_600_000);
    await notifier.drain();
    expect(mails.map((m) => m.text?.trim())).toEqual(['one', 'two']);
  });
});
