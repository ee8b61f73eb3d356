/**
 * Where the sandbox's bot sends notifications, so the demo shows them arriving: an SMTP server on
 * loopback (`smtp-server`, with STARTTLS on its own self-signed certificate, and a user and
 * password made for this start, as a real relay asks) and a webhook receiver that checks each
 * delivery's signature the way a receiver should. What arrived is read through the control API
 * (`GET /mail`, `GET /received`).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { SandboxServer, json, readBody } from './http.ts';
import { FaultsSchema } from './scenario.ts';

export interface ReceivedMail {
  at: string;
  from: string;
  to: string[];
  subject: string;
  messageId?: string;
  inReplyTo?: string;
  text: string;
  html: boolean;
  attachments: { filename?: string; contentType: string; inline: boolean; bytes: number }[];
}

export interface ReceivedHook {
  at: string;
  event: string;
  delivery: string;
  /** Whether the signature is right and the timestamp within five minutes. */
  verified: boolean;
  body: unknown;
}

/** The SMTP relay the demo's bot sends mail through. */
export class SandboxMailbox {
  readonly mails: ReceivedMail[] = [];
  readonly user = 'deckhand';
  readonly password = `smtp-${randomBytes(9).toString('hex')}`;
  private readonly server: SMTPServer;
  port = 0;

  constructor() {
    this.server = new SMTPServer({
      secure: false,
      authOptional: false,
      logger: false,
      banner: 'deckhand sandbox mail',
      // Stopping drops the connections a bot keeps open (its sinks pool one) after a second.
      closeTimeout: 1_000,
      onAuth: (auth, _session, cb) =>
        auth.username === this.user && auth.password === this.password
          ? cb(null, { user: this.user })
          : cb(new Error('Invalid username or password')),
      onData: (stream, _session, cb) => {
        simpleParser(stream, { keepCidLinks: true }).then((m) => {
          this.mails.push({
            at: new Date().toISOString(),
            from: m.from?.text ?? '',
            // One header may name several recipients: each address on its own.
            to: (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) =>
              a.value.map((v) => v.address ?? v.name),
            ),
            subject: m.subject ?? '',
            ...(m.messageId ? { messageId: m.messageId } : {}),
            ...(m.inReplyTo ? { inReplyTo: m.inReplyTo } : {}),
            text: m.text ?? '',
            html: typeof m.html === 'string',
            attachments: m.attachments.map((a) => ({
              ...(a.filename ? { filename: a.filename } : {}),
              contentType: a.contentType,
              inline: a.contentDisposition === 'inline',
              bytes: a.size,
            })),
          });
          // A demo keeps the last hundred.
          if (this.mails.length > 100) this.mails.shift();
          cb();
        }, cb);
      },
    });
    // A client's connection that breaks (a bot killed mid-mail, a reset during STARTTLS) is that
    // connection's end; smtp-server emits it on the server, where an unheard error would end the
    // sandbox's process.
    this.server.on('error', () => undefined);
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this.port;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** The webhook receiver: POST /<anything>, signed with `secret` (X-Deckhand-Signature). */
export function createHookReceiver(secret: string): SandboxServer & { received: ReceivedHook[] } {
  const received: ReceivedHook[] = [];
  const server = new SandboxServer({
    name: 'hooks',
    faults: { faults: FaultsSchema.parse({}) },
    unavailable: (res) => json(res, 503, { message: 'unavailable' }),
    handler: async (req, res) => {
      if (req.method !== 'POST') return json(res, 405, { message: 'POST only' });
      const raw = (await readBody(req)).toString('utf8');
      const ts = String(req.headers['x-deckhand-timestamp'] ?? '');
      const sent = Buffer.from(String(req.headers['x-deckhand-signature'] ?? ''));
      const want = Buffer.from(`v1=${createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')}`);
      const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
      const verified = fresh && sent.length === want.length && timingSafeEqual(sent, want);
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        /* kept as text */
      }
      received.push({
        at: new Date().toISOString(),
        event: String(req.headers['x-deckhand-event'] ?? ''),
        delivery: String(req.headers['x-deckhand-delivery'] ?? ''),
        verified,
        body,
      });
      if (received.length > 100) received.shift();
      // As a careful receiver does: a delivery it cannot verify is refused.
      json(res, verified ? 200 : 401, verified ? { ok: true } : { message: 'signature or timestamp wrong' });
    },
  });
  return Object.assign(server, { received });
}
