/**
 * Webhook routes contributed by plugins: verified before parsing, size-limited, validated with zod,
 * answered fast (202) and processed in the background.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { Logger } from '../logging.ts';
import type { AuditLog } from '../store/types.ts';

export interface WebhookRequest {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

export interface WebhookContext<B> {
  body: B;
  headers: IncomingHttpHeaders;
  log: Logger;
  deliveryId: string;
}

export interface WebhookSpec<S extends z.ZodType = z.ZodType> {
  /** Path under the plugin's prefix, e.g. `/alertmanager` → `/hooks/incidents/alertmanager`. */
  path: string;
  /** Default 1 MiB. */
  maxBytes?: number;
  /** Returns null when the request is authentic, else the reason it is refused (logged, not sent). */
  verify(req: WebhookRequest): string | null;
  body: S;
  /**
   * Seconds the sender should wait when this delivery cannot be taken now (a full work queue):
   * the server then answers 503 with Retry-After instead of handling it. Alertmanager retries any
   * 5xx with backoff, and drops a 4xx (notify/util.go, Retrier.Check), so busy must not be a 4xx.
   */
  busy?(body: z.output<S>): number | undefined;
  /** `async` (default) answers 202 before handling; `sync` answers with the handler's result. */
  mode?: 'async' | 'sync';
  handle(ctx: WebhookContext<z.output<S>>): Promise<unknown>;
}

export interface MountedWebhook extends WebhookSpec {
  plugin: string;
  fullPath: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison of two secrets of any length. */
export const safeEqual = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

/** `Authorization: Bearer <token>`, as Alertmanager's http_config.authorization sends it. */
export const bearerToken =
  (expected: string | undefined) =>
  (req: WebhookRequest): string | null => {
    if (!expected) return 'no token is configured for this webhook, so it accepts nothing';
    const h = req.headers.authorization;
    if (!h) return 'no Authorization header';
    const m = /^Bearer\s+(.+)$/i.exec(h);
    if (!m) return 'Authorization is not a bearer token';
    return safeEqual(m[1] as string, expected) ? null : 'wrong bearer token';
  };

/** Where a spec's deliveries are audited, and as whom. */
export interface DeliveryAudit {
  /** Who sends the deliveries: the actor of their entries, e.g. `alertmanager`. */
  source: string;
  audit: AuditLog;
  log: Logger;
  /** Keeps an audit write in flight visible to shutdown and to tests waiting for the bot to settle. */
  track?: (p: Promise<unknown>) => unknown;
}

/**
 * The spec, with every delivery the server lets it see in the audit trail: refused (the token,
 * the JSON, the schema — checked in the server's order, with the server's words), accepted, or
 * failed while handled. Only why is kept: never a header, the token or the body. The server
 * refuses an oversized body before any of the spec runs, so that refusal is in its log only.
 */
export function audited<S extends z.ZodType>(spec: WebhookSpec<S>, a: DeliveryAudit): WebhookSpec<S> {
  const write = (outcome: string, detail: Record<string, unknown>, actor = a.source) => {
    const done = a.audit
      .record({ actor, platform: 'webhook', kind: 'webhook', name: spec.path, outcome, detail })
      .catch((err: unknown) => a.log.error({ err }, 'audit write failed'));
    a.track?.(done);
  };
  const refusals = new RefusalWindow();
  return {
    ...spec,
    verify(req) {
      const refusal = spec.verify(req);
      const why = refusal ? `not authenticated: ${refusal}` : malformed(spec.body, req.rawBody);
      // Anyone who reaches the port can be refused: one row per reason a minute, with how many
      // more there were, so a flood neither grows the store without bound nor buries real entries.
      const folded = why ? refusals.admit(why, Date.now()) : undefined;
      if (why && folded !== undefined)
        write(
          'refused',
          {
            reason: why,
            bytes: req.rawBody.length,
            agent: agentOf(req.headers),
            ...(folded ? { alsoRefusedLastMinute: folded } : {}),
          },
          refusal ? 'unauthenticated' : a.source,
        );
      return refusal;
    },
    busy: spec.busy
      ? (body) => {
          const wait = spec.busy?.(body);
          // Deferred deliveries come back; like refusals, one row per minute with a count.
          const folded = wait === undefined ? undefined : refusals.admit('busy', Date.now());
          if (folded !== undefined)
            write('deferred', {
              reason: 'busy',
              retryAfter: wait,
              ...(folded ? { alsoDeferredLastMinute: folded } : {}),
            });
          return wait;
        }
      : undefined,
    async handle(ctx) {
      const seen = { deliveryId: ctx.deliveryId, agent: agentOf(ctx.headers) };
      write('accepted', seen);
      try {
        return await spec.handle(ctx);
      } catch (err) {
        write('failed', { ...seen, reason: (err as Error).message ?? String(err) });
        throw err;
      }
    },
  };
}

/** At most one refusal row per reason a minute; the rest are counted into the next row. */
class RefusalWindow {
  private readonly seen = new Map<string, { since: number; folded: number }>();
  /** The count folded since the last row when this one is to be written; undefined to skip it. */
  admit(reason: string, now: number): number | undefined {
    const w = this.seen.get(reason);
    if (w && now - w.since < 60_000) {
      w.folded++;
      return undefined;
    }
    if (this.seen.size > 100) this.seen.clear();
    this.seen.set(reason, { since: now, folded: 0 });
    return w?.folded ?? 0;
  }
}

/** Why the server will answer 400, in its words; the body is parsed twice, within its size limit. */
function malformed(schema: z.ZodType, raw: Buffer): string | null {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return 'malformed: the body is not JSON';
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return null;
  const first = parsed.error.issues[0];
  const where = first?.path.length ? first.path.join('.') : '(body)';
  return `malformed: ${where}: ${first?.message ?? 'invalid'}`;
}

/** The sender's own name for itself (`Alertmanager/0.27.0`), short: it is not authenticated. */
const agentOf = (h: IncomingHttpHeaders): string | undefined => h['user-agent']?.slice(0, 80);
