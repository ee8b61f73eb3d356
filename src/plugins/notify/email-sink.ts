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
import { readFileSync, statSync } from 'node:fs';
import type { Transporter } from 'nodemailer';
import type { EmailSinkConfig } from './config.ts';
import { renderHtml } from './render-html.ts';
import { plural } from '../../core/text/plural.ts';
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
  /** Who is still to get it, when not everyone in `to` (after some took it and others were refused). */
  envelopeTo?: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  inReplyTo?: string;
  attachments: { filename: string; contentType: string; cid: string; content: string }[];
}

/** Events that open a subject's thread; the rest reply to it. */
// An incident that fires again after it was resolved (incident.updated) is a new episode, a new thread.
const OPENS = new Set(['incident.opened', 'incident.updated', 'change.merged', 'digest']);

export class EmailSink implements Sink {
  readonly name: string;
  readonly kind = 'email';
  private readonly cfg: EmailSinkConfig;
  private readonly now: () => number;
  private transport?: Promise<Transporter>;
  /** Send times per recipient in the last hour. */
  private readonly sent = new Map<string, number[]>();
  /**
   * The last SMTP failure: `error` in full for `sinks` (readers with notify.read), `brief` for
   * /readyz, which anyone who reaches the port may read: it names no recipient.
   */
  lastFailure?: { at: number; error: string; brief?: string };

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
    const images = (n.message.attachments ?? []).flatMap((a, i) => {
      if (!a.contentType.startsWith('image/')) return [];
      const content = a.path
        ? readImage(a.path)
        : a.content !== undefined
          ? Buffer.from(a.content)
          : undefined;
      return content
        ? [
            {
              title: a.title ?? a.filename,
              filename: a.filename,
              contentType: a.contentType,
              cid: `image-${i}-${id}@deckhand`,
              content: content.toString('base64'),
            },
          ]
        : [];
    });
    const attachments = images.map(({ title: _, ...a }) => a);
    const m = n.message;
    const mail: Mail = {
      to: route.to ?? this.cfg.to,
      subject: `[deckhand] ${(m.header ?? m.text.split('\n')[0] ?? n.event).slice(0, 200)}`,
      text: plainText(m),
      html: renderHtml(
        m,
        images.map((a) => ({ cid: a.cid, title: a.title })),
      ),
      messageId,
      ...(opens ? {} : { inReplyTo: root }),
      attachments,
    };
    return JSON.stringify(mail);
  }

  private client(): Promise<Transporter> {
    const s = this.cfg.smtp;
    this.transport ??= import('nodemailer').then(({ createTransport }) => {
      const t = createTransport({
        // One connection kept open and reused: a storm of mails does not pay a TLS handshake and
        // a login each (bench/notify.bench.ts).
        pool: true,
        maxConnections: 1,
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
      });
      // The kept connection fails between mails (the server restarts, a reset): nodemailer emits
      // it, and an emitter's unheard error would end the process. It is the last failure; the next
      // mail opens a new connection.
      t.on('error', (err: Error & { code?: string }) => {
        this.lastFailure = { at: this.now(), error: `${err.code ?? 'failed'}: ${err.message}` };
      });
      return t;
    });
    return this.transport;
  }

  /** Close the kept connection (the bot stops). */
  async close(): Promise<void> {
    const t = this.transport;
    this.transport = undefined;
    (await t?.catch(() => undefined))?.close();
  }

  async send(d: Delivery): Promise<void> {
    let mail: Mail;
    try {
      mail = JSON.parse(d.body) as Mail;
    } catch {
      throw new SendError('the stored mail is not readable', true);
    }
    // Those still to get it: everyone, or after a partial refusal only those refused for now.
    const recipients = mail.envelopeTo ?? mail.to;
    const now = this.now();
    const recent = (to: string) => (this.sent.get(address(to)) ?? []).filter((t) => now - t < 3_600_000);
    const over = recipients.filter((to) => recent(to).length >= this.cfg.perRecipientPerHour);
    if (over.length) {
      // It waits until the oldest of those mails is an hour old (this process's count).
      const retryAt = Math.max(...over.map((to) => Math.min(...recent(to)))) + 3_600_000;
      throw new RateLimited(
        `${over.join(', ')} had ${this.cfg.perRecipientPerHour} mails this hour`,
        retryAt,
      );
    }
    // The envelope is set when it differs from the headers: a return path for bounces, or a
    // retry to some recipients of a mail whose headers (To, Message-ID) stay as they were.
    const envelope =
      this.cfg.returnPath || mail.envelopeTo
        ? { from: this.cfg.returnPath ?? bare(this.cfg.from), to: recipients.map(bare) }
        : undefined;
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
        ...(envelope ? { envelope } : {}),
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
        // A server's reply may name a recipient (a refused DATA): /readyz gets its code only.
        this.lastFailure = {
          at: now,
          error,
          ...(e.responseCode ? { brief: `the server answered ${e.responseCode}` } : {}),
        };
        throw new SendError(error, isPermanent(e));
      }
    }
    // Some recipients refused while the others took it (RFC 5321 §3.3: RCPT is answered one by
    // one): a bounce at the door. The mail went to the rest, so only those refused for now (4xx)
    // are tried again, under the same Message-ID; those refused for good (5xx) are a dead letter.
    // The refused are taken as nodemailer wrote them in the envelope (an international domain in
    // punycode), so a retry names them as the server saw them.
    const refused = (info.rejected ?? []).map((a) =>
      typeof a === 'string' ? a : String((a as { address?: string }).address ?? ''),
    );
    const refusedKeys = new Set(refused.map(address));
    for (const to of recipients)
      if (!refusedKeys.has(address(to))) this.sent.set(address(to), [...recent(to), now]);
    if (!refused.length) {
      this.lastFailure = undefined;
      return;
    }
    const reply = (to: string) => info.rejectedErrors?.find((e) => e.recipient === to);
    const forGood = refused.filter((to) => {
      const e = reply(to);
      return e !== undefined && isPermanent(e);
    });
    const forNow = refused.filter((to) => !forGood.includes(to));
    const said = (list: string[]) =>
      list.map((to) => `${to} (${reply(to)?.response ?? reply(to)?.message ?? 'refused'})`).join(', ');
    const took = recipients.length - refused.length;
    const error = `refused ${said(refused)}; ${took > 0 ? `${took} of ${recipients.length} took it` : 'no one took it'}`;
    const codes = [...new Set(refused.map((to) => reply(to)?.responseCode ?? '?'))].join(', ');
    const brief = `refused ${refused.length} of ${plural(recipients.length, 'recipient')} (${codes})`;
    this.lastFailure = { at: now, error, brief };
    const rest = (envelopeTo: string[]) => JSON.stringify({ ...mail, envelopeTo });
    throw forNow.length
      ? new PartlySent(
          error,
          false,
          rest(forNow),
          forGood.length ? { why: `refused for good: ${said(forGood)}`, body: rest(forGood) } : undefined,
        )
      : new PartlySent(error, true, rest(forGood));
  }
}

type SmtpError = Error & { responseCode?: number; response?: string; code?: string; recipient?: unknown };
/** What nodemailer says of the envelope: the recipients the server refused, each with its reply. */
type Envelope = { rejected?: unknown[]; rejectedErrors?: SmtpError[] };

/** The most an inline image may weigh: a chart is tens of kilobytes; more is not a chart. */
const MAX_IMAGE_BYTES = 2 * 1024 * 1024;

/** A chart file the bot wrote, or undefined when it is gone or too large (the mail goes without it). */
function readImage(path: string): Buffer | undefined {
  try {
    return statSync(path).size <= MAX_IMAGE_BYTES ? readFileSync(path) : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 5321 §4.2.1: 5yz is a permanent negative completion; anything else may pass later. */
const isPermanent = (e: SmtpError): boolean =>
  e.responseCode !== undefined && e.responseCode >= 500 && e.responseCode < 600;

/** A recipient's bare address as written (`Ops <ops@example.com>` → `ops@example.com`). */
const bare = (s: string): string => (/<([^>]+)>\s*$/.exec(s)?.[1] ?? s).trim();

/** The same, lowercased, to compare and count (the local part is the server's to tell apart). */
const address = (s: string): string => bare(s).toLowerCase();
