/**
 * Webhook routes contributed by plugins: verified before parsing, size-limited, validated with zod,
 * answered fast (202) and processed in the background.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { Logger } from '../logging.ts';

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
