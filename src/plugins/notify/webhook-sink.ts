/**
 * A webhook sink: each notification as one JSON POST, signed (signature.ts). The body holds the
 * message's plain text, its header and tone, and its structured `data` (the digest's figures, the
 * incident and its diagnosis), so a receiver can act on fields rather than parse words.
 *
 *   X-Deckhand-Event: incident.opened        X-Deckhand-Delivery: <id, the same on every retry>
 *   X-Deckhand-Timestamp: <seconds>          X-Deckhand-Signature: v1=<hex>
 *
 * 2xx is delivered. 408, 429 and 5xx, a timeout or a refused connection are tried again later;
 * any other answer is final (the receiver said no, and saying it again will not change that).
 */
import type { WebhookSinkConfig } from './config.ts';
import { signature } from './signature.ts';
import { plainText, SendError, type Delivery, type Notification, type Sink } from './sink.ts';

export class WebhookSink implements Sink {
  readonly name: string;
  readonly kind = 'webhook';
  private readonly cfg: WebhookSinkConfig;
  private readonly now: () => number;

  constructor(cfg: WebhookSinkConfig, now: () => number) {
    this.name = cfg.name;
    this.cfg = cfg;
    this.now = now;
  }

  /** Where it goes, for `sinks`: the host only (Slack, Discord and Teams put a token in the path). */
  get target(): string {
    return `${new URL(this.cfg.url).origin}/…`;
  }

  get maxSendMs(): number {
    return this.cfg.timeoutMs;
  }

  render(n: Notification, id: string, at: number, _route: { to?: string[] } = {}): string {
    const m = n.message;
    return JSON.stringify({
      id,
      event: n.event,
      subject: n.subject,
      at: new Date(at).toISOString(),
      ...(n.app ? { app: n.app } : {}),
      ...(n.project ? { project: n.project } : {}),
      ...(n.severity ? { severity: n.severity } : {}),
      header: m.header ?? null,
      tone: m.tone ?? null,
      text: plainText(m),
      data: m.data ?? null,
    });
  }

  /** The last failure to deliver, for /readyz; a delivery that goes through clears it. */
  lastFailure?: { at: number; error: string };

  async send(d: Delivery): Promise<void> {
    try {
      await this.post(d);
      this.lastFailure = undefined;
    } catch (err) {
      this.lastFailure = { at: this.now(), error: (err as Error).message };
      throw err;
    }
  }

  private async post(d: Delivery): Promise<void> {
    const timestamp = Math.floor(this.now() / 1000);
    let res: Response;
    try {
      res = await fetch(this.cfg.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'deckhand-notify',
          'x-deckhand-event': d.event,
          'x-deckhand-delivery': d.id,
          'x-deckhand-timestamp': String(timestamp),
          'x-deckhand-signature': signature(this.cfg.secret, timestamp, d.body),
        },
        body: d.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.cfg.timeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      throw new SendError(
        e.name === 'TimeoutError'
          ? `no answer within ${this.cfg.timeoutMs} ms`
          : `could not connect (${(e.cause as Error | undefined)?.message ?? e.message})`,
        false,
      );
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.ok) return;
    const again = res.status === 408 || res.status === 429 || res.status >= 500;
    throw new SendError(`answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, !again);
  }
}
