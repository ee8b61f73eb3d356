/**
 * A guard in front of Bolt's HTTP receiver. Bolt checks the signature but only refuses timestamps
 * in the past, and accepts the same signed request any number of times. Slack's rule
 * (https://api.slack.com/authentication/verifying-requests-from-slack) is that a request whose
 * timestamp is more than five minutes from the local time, either way, may be a replay and is
 * ignored; within that window, a request already seen is refused here by its signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Slack's window: five minutes either side of now. */
export const WINDOW_SECONDS = 5 * 60;
/** Bolt's own default body limit; a larger body is refused before it is read in full. */
const BODY_LIMIT = 4 * 1024 * 1024;

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Signatures seen within the window, oldest first; at most `max`, each dropped once its time is out. */
export class SeenSignatures {
  private readonly seen = new Map<string, number>();
  private readonly max: number;
  constructor(max = 5_000) {
    this.max = max;
  }

  /** true the first time a signature is offered; false when it was seen and has not expired. */
  add(signature: string, expiresAtMs: number, nowMs: number): boolean {
    for (const [sig, until] of this.seen) {
      if (until > nowMs) break;
      this.seen.delete(sig);
    }
    const until = this.seen.get(signature);
    if (until !== undefined && until > nowMs) return false;
    this.seen.delete(signature);
    this.seen.set(signature, expiresAtMs);
    // Entries are kept in insertion order; expiry follows the request's own timestamp, so an old
    // entry may sit behind a newer one until the size bound drops it.
    while (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value as string);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
};

function refuse(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

async function body(req: IncomingMessage): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface GuardOptions {
  signingSecret: string;
  now?: () => number;
  seen?: SeenSignatures;
  onRefused?: (why: string) => void;
}

/**
 * Wraps Bolt's request listener: reads the body (and hands it to Bolt as `rawBody`, which Bolt
 * reuses), refuses a timestamp outside the window either way, a bad signature, or a signature
 * already seen, and passes everything else to Bolt, which verifies again and dispatches.
 */
export function guardRequests(listener: Listener, o: GuardOptions): Listener {
  const now = o.now ?? Date.now;
  const seen = o.seen ?? new SeenSignatures();
  return (req, res) => {
    void (async () => {
      const raw = await body(req).catch(() => undefined);
      if (!raw) return refuse(res, 413);
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
      const text = raw.toString();
      // Slack's SSL check carries no signature; Bolt answers it and strips anything else from it.
      if (
        header(req, 'content-type') === 'application/x-www-form-urlencoded' &&
        new URLSearchParams(text).get('ssl_check') === '1'
      )
        return listener(req, res);
      const signature = header(req, 'x-slack-signature') ?? '';
      const tsText = header(req, 'x-slack-request-timestamp') ?? '';
      const ts = /^\d{1,12}$/.test(tsText) ? Number(tsText) : NaN;
      const nowMs = now();
      if (!Number.isFinite(ts) || Math.abs(nowMs / 1000 - ts) > WINDOW_SECONDS) {
        o.onRefused?.('timestamp outside the five-minute window');
        return refuse(res, 401);
      }
      const expected =
        'v0=' + createHmac('sha256', o.signingSecret).update(`v0:${tsText}:${text}`).digest('hex');
      const a = Buffer.from(signature);
      const b = Buffer.from(expected);
      if (a.length !== b.length || !timingSafeEqual(a, b)) {
        o.onRefused?.('signature mismatch');
        return refuse(res, 401);
      }
      if (!seen.add(signature, (ts + WINDOW_SECONDS) * 1000, nowMs)) {
        o.onRefused?.('replayed request');
        return refuse(res, 401);
      }
      listener(req, res);
    })().catch(() => {
      // Nothing here may become an unhandled rejection: answer and carry on.
      if (!res.headersSent) refuse(res, 500);
    });
  };
}
