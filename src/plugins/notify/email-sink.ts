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
import {
  PartlySent,
  plainText,
  RateLimited,
  SendError,
  type Delivery,
  type Notification,
  type Sink,
} from './sink.ts';

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
    let info: Envelope;
    try {
      info = await (
        await this.client()
      ).sendMail({
        from: this.cfg.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        // Bounces that come later, as mail, go to the return path: a mailbox people read.
        ...(this.cfg.returnPath ? { envelope: { from: this.cfg.returnPath, to: mail.to.map(address) } } : {}),
        ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo, references: [mail.inReplyTo] } : {}),
        attachments: mail.attachments.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          cid: a.cid,
          content: Buffer.from(a.content, 'base64'),
        })),
      });
    } catch (err) {
      const e = err as SmtpError & Envelope;
      if (e.rejectedErrors?.length) {
        // Every recipient refused: each as the server said, as when only some are.
        info = { rejected: e.rejected ?? [], rejectedErrors: e.rejectedErrors };
      } else {
        // The server itself (a refusal of the sender or the data, a timeout, no connection).
        const error = e.responseCode
          ? `the server answered ${e.responseCode}: ${e.message}`
          : `${e.code ?? 'failed'}: ${e.message}`;
        this.lastFailure = { at: now, error };
        throw new SendError(error, isPermanent(e));
      }
    }
    // Some recipients refused while the others took it (RFC 5321 §3.3: RCPT is answered one by
    // one): a bounce at the door. The mail went to the rest, so only the refused are tried again,
    // those refused for now (4xx); those refused for good (5xx) are said and not mailed again.
    const refused = (info.rejected ?? []).map(address);
    const isRefused = (to: string) => refused.includes(address(to));
    const taken = mail.to.filter((to) => !isRefused(to));
    for (const to of taken) this.sent.set(to, [...recent(to), now]);
    if (!refused.length) {
      this.lastFailure = undefined;
      return;
    }
    const why = (to: string) => info.rejectedErrors?.find((e) => address(e.recipient) === to);
    const later = refused.filter((to) => {
      const e = why(to);
      return !e || !isPermanent(e);
    });
    const error = `refused ${refused
      .map((to) => `${to} (${why(to)?.response ?? why(to)?.message ?? 'refused'})`)
      .join(', ')}; sent to ${taken.length ? taken.join(', ') : 'no one'}`;
    this.lastFailure = { at: now, error };
    const rest = (to: string[]) => JSON.stringify({ ...mail, to });
    throw later.length
      ? new PartlySent(error, false, rest(mail.to.filter((t) => later.includes(address(t)))))
      : new PartlySent(error, true, rest(mail.to.filter(isRefused)));
  }
}

/** nodemailer's error: the server's reply line (`response`) and its code, for a recipient its address. */
type SmtpError = Error & { responseCode?: number; response?: string; code?: string; recipient?: unknown };
/** What nodemailer says of the envelope: the recipients the server refused, each with its reply. */
type Envelope = { rejected?: unknown[]; rejectedErrors?: SmtpError[] };

/** RFC 5321 §4.2.1: 5yz is a permanent negative completion; anything else may pass later. */
const isPermanent = (e: SmtpError): boolean =>
  e.responseCode !== undefined && e.responseCode >= 500 && e.responseCode < 600;

/**
 * A recipient's bare address, lowercased to compare: nodemailer reports the envelope's bare
 * addresses; the configuration may say `Ops <ops@example.com>`.
 */
const address = (a: unknown): string => {
  const s = typeof a === 'string' ? a : String((a as { address?: string } | undefined)?.address ?? '');
  return (/<([^>]+)>\s*$/.exec(s)?.[1] ?? s).trim().toLowerCase();
};
