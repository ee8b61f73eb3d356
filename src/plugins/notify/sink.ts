/** What a sink is: something outside chat that is told of events, each in its own format. */
import type { Message } from '../../core/message/model.ts';
import { renderText } from '../../core/message/render-text.ts';
import type { NotifyEvent } from './config.ts';

/** One thing that happened, in the neutral message model, and what it is about. */
export interface Notification {
  event: NotifyEvent;
  /**
   * What it is about, the same across its updates (an incident's key, a change's id): receivers
   * group by it, and email threads by it.
   */
  subject: string;
  /** One episode of the subject (an incident that fired again weeks later is a new one); subject when absent. */
  thread?: string;
  app?: string;
  /** The Argo CD instance of the app, to read its labels for routes by label (a team's). */
  instance?: string;
  project?: string;
  /** The app's labels, when the producer has them; otherwise read when a route needs them. */
  labels?: Record<string, string>;
  severity?: string;
  message: Message;
  /**
   * The same for every telling of one fact (a merge told again after a process died): each sink's
   * delivery then has the same id (X-Deckhand-Delivery), by which receivers de-duplicate.
   */
  once?: string;
}

/**
 * The message as plain text outside chat: its buttons only where they are links (actions need
 * chat), its attachments by name only (where the bot wrote a chart is its own business).
 */
export const plainText = (m: Message): string =>
  renderText({
    ...m,
    buttons: (m.buttons ?? []).filter((b) => 'url' in b && b.url),
    ...(m.attachments ? { attachments: m.attachments.map(({ path: _, content: __, ...a }) => a) } : {}),
  });

/** A notification rendered for one sink, as it is kept until delivered. */
export interface Delivery {
  id: string;
  sink: string;
  event: NotifyEvent;
  subject: string;
  body: string;
}

/** A send that failed; `permanent` when trying again cannot help. */
export class SendError extends Error {
  readonly permanent: boolean;
  constructor(message: string, permanent: boolean) {
    super(message);
    this.permanent = permanent;
  }
}

/**
 * Sent to some recipients, refused for others (an SMTP server refuses recipients one by one):
 * `rest` is the delivery's body for those still to try, or, when `permanent`, those refused.
 */
export class PartlySent extends SendError {
  readonly rest: string;
  /**
   * Recipients refused for good while others are tried again: a dead letter of their own, now,
   * with `refusedBody`, the delivery narrowed to them, to send again by hand once mended.
   */
  readonly refusedForGood?: string;
  readonly refusedBody?: string;
  constructor(message: string, permanent: boolean, rest: string, refused?: { why: string; body: string }) {
    super(message, permanent);
    this.rest = rest;
    this.refusedForGood = refused?.why;
    this.refusedBody = refused?.body;
  }
}

/** Not now: a limit says when (`retryAt`); the wait does not count as a failed attempt. */
export class RateLimited extends SendError {
  readonly retryAt: number;
  constructor(message: string, retryAt: number) {
    super(message, false);
    this.retryAt = retryAt;
  }
}

export interface Sink {
  readonly name: string;
  readonly kind: string;
  /** Where it sends, for people (no credentials). */
  readonly target: string;
  /** The longest one send may take before it gives up (its timeouts). */
  readonly maxSendMs: number;
  /** An email sink's recipients when a route names none. */
  readonly recipients?: string[];
  /** The body as the sink sends it; rendered once, when the event happens. */
  render(n: Notification, id: string, at: number, route: { to?: string[] }): string;
  /** The last failure to send, for /readyz (`brief` when `error` may name a recipient). */
  readonly lastFailure?: { at: number; error: string; brief?: string };
  /** Send one delivery; throws SendError. */
  send(d: Delivery): Promise<void>;
  /** Let go of what it keeps open (a pooled SMTP connection). */
  close?(): Promise<void>;
}
