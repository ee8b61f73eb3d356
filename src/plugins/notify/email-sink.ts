/**
 * An email sink through nodemailer: a multipart message with a plain-text and an HTML body made
 * from the message model, charts inline as images, and thread headers so that every update of one
 * subject (an incident) follows the first mail in a mail client: the first carries
 * `Message-ID: <root>`, each later one `In-Reply-To` and `References` naming it (RFC 5322 §3.6.4).
 *
 * SMTP over TLS from the first byte or STARTTLS (required unless set otherwise), with
 * authentication. A 5xx reply is final (RFC 5321 §4.2.1: permanent negative completion); 4xx,
 * a timeout or a refused connection is tried again. At most `perRecipientPerHour` mails go to one
 * recipient an hour; more wait for the next send.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Transporter } from 'nodemailer';
import type { EmailSinkConfig } from './config.ts';
import { renderHtml } from './render-html.ts';
import { plainText, RateLimited, SendError, type Delivery, type Notification, type Sink } from './sink.ts';

/** What is kept for a mail until it is sent: nodemailer's message, with content as base64. */
interface Mail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  inReplyTo?: string;
  attachments: { filename: string; contentType: string; cid: string; content: string }[];
}

/** Events that open a subject's thread; the rest reply to it. */
const OPENS = new Set(['incident.opened', 'change.merged', 'digest']);

export class EmailSink implements Sink {
  readonly name: string;
  readonly kind = 'email';
  private readonly cfg: EmailSinkConfig;
  private readonly now: () => number;
  private transport?: Promise<Transporter>;
  /** Send times per recipient in the last hour. */
  private readonly sent = new Map<string, number[]>();
  /** The last SMTP failure, for /readyz. */
  lastFailure?: { at: number; error: string };

  constructor(cfg: EmailSinkConfig, now: () => number) {
    this.name = cfg.name;
    this.cfg = cfg;
    this.now = now;
  }

  get target(): string {
    return `smtp://${this.cfg.smtp.host}:${this.cfg.smtp.port} → ${this.cfg.to.join(', ')}`;
  }

  /** Connecting, the greeting and the data each have the timeout. */
  get maxSendMs(): number {
    return 3 * this.cfg.smtp.timeoutMs;
  }

  /** Who gets it when a route names no one. */
  get recipients(): string[] {
    return this.cfg.to;
  }

  render(n: Notification, id: string, _at: number, route: { to?: string[] }): string {
    const domain = (/@([^>\s]+)/.exec(this.cfg.from)?.[1] ?? 'deckhand.local').toLowerCase();
    // The thread, not just the subject: an incident that comes back weeks later is a new thread.
    const root = `<${createHash('sha256')
      .update(n.thread ?? n.subject)
      .digest('hex')
      .slice(0, 32)}@${domain}>`;
    // A digest is a thread of its own each time: a new root per mail.
    const opens = OPENS.has(n.event);
    const messageId = n.event === 'digest' ? `<${id}@${domain}>` : opens ? root : `<${id}@${domain}>`;
    const attachments = (n.message.attachments ?? []).flatMap((a, i) => {
      if (!a.contentType.startsWith('image/')) return [];
      const content = a.path
        ? readFileSync(a.path)
        : a.content !== undefined
          ? Buffer.from(a.content)
          : undefined;
      return content
        ? [
            {
              filename: a.filename,
              contentType: a.contentType,
              cid: `image-${i}-${id}@deckhand`,
              content: content.toString('base64'),
            },
          ]
        : [];
    });
    const m = n.message;
    const mail: Mail = {
      to: route.to ?? this.cfg.to,
      subject: `[deckhand] ${(m.header ?? m.text.split('\n')[0] ?? n.event).slice(0, 200)}`,
      text: plainText(m),
      html: renderHtml(
        m,
        attachments.map((a, i) => ({ cid: a.cid, title: m.attachments?.[i]?.title ?? a.filename })),
      ),
      messageId,
      ...(opens ? {} : { inReplyTo: root }),
      attachments,
    };
    return JSON.stringify(mail);
  }

  private client(): Promise<Transporter> {
    const s = this.cfg.smtp;
    this.transport ??= import('nodemailer').then(({ createTransport }) =>
      createTransport({
        host: s.host,
        port: s.port,
        secure: s.tls,
        requireTLS: !s.tls && s.starttls === 'required',
        ignoreTLS: false,
        ...(s.user ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
        tls: { rejectUnauthorized: s.rejectUnauthorized },
        connectionTimeout: s.timeoutMs,
        greetingTimeout: s.timeoutMs,
        socketTimeout: s.timeoutMs,
      }),
    );
    return this.transport;
  }

  async send(d: Delivery): Promise<void> {
    let mail: Mail;
    try {
      mail = JSON.parse(d.body) as Mail;
    } catch {
      throw new SendError('the stored mail is not readable', true);
    }
    const now = this.now();
    const recent = (to: string) => (this.sent.get(to) ?? []).filter((t) => now - t < 3_600_000);
    const over = mail.to.filter((to) => recent(to).length >= this.cfg.perRecipientPerHour);
    if (over.length) {
      // It waits until the oldest of those mails is an hour old (this process's count).
      const retryAt = Math.max(...over.map((to) => Math.min(...recent(to)))) + 3_600_000;
      throw new RateLimited(
        `${over.join(', ')} had ${this.cfg.perRecipientPerHour} mails this hour`,
        retryAt,
      );
    }
    try {
      await (
        await this.client()
      ).sendMail({
        from: this.cfg.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo, references: [mail.inReplyTo] } : {}),
        attachments: mail.attachments.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          cid: a.cid,
          content: Buffer.from(a.content, 'base64'),
        })),
      });
    } catch (err) {
      const e = err as Error & { responseCode?: number; code?: string };
      const error = e.responseCode
        ? `the server answered ${e.responseCode}: ${e.message}`
        : `${e.code ?? 'failed'}: ${e.message}`;
      this.lastFailure = { at: now, error };
      throw new SendError(
        error,
        e.responseCode !== undefined && e.responseCode >= 500 && e.responseCode < 600,
      );
    }
    this.lastFailure = undefined;
    for (const to of mail.to) this.sent.set(to, [...recent(to), now]);
  }
}
