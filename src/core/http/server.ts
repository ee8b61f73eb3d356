/**
 * The bot's own HTTP server: webhooks under /hooks/<plugin>/, and /healthz, /readyz, /metrics.
 * Plain node:http; every handler failure becomes a JSON error, never a crash.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BootError } from '../errors.ts';
import type { Logger } from '../logging.ts';
import type { TaskTracker } from '../tasks.ts';
import type { MountedWebhook, WebhookSpec } from './webhooks.ts';

export interface ReadinessCheck {
  name: string;
  /** null when ready; a reason when not. `degraded` checks report but do not fail readiness. */
  check(): Promise<string | null>;
  degraded?: boolean;
}

export interface RouteHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<void> | void;
}

class BodyTooLarge extends Error {}

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
  res.end(s);
};

export class HttpServer {
  private server?: Server;
  private readonly hooks = new Map<string, MountedWebhook>();
  private readonly routes = new Map<string, RouteHandler>();
  readonly readiness: ReadinessCheck[] = [];

  private readonly log: Logger;

  private readonly tasks: TaskTracker;

  constructor(log: Logger, tasks: TaskTracker) {
    this.log = log;

    this.tasks = tasks;
  }

  mount(plugin: string, spec: WebhookSpec): string {
    const fullPath = `/hooks/${plugin}${spec.path.startsWith('/') ? spec.path : '/' + spec.path}`;
    if (this.hooks.has(fullPath)) throw new Error(`webhook ${fullPath} is mounted twice`);
    this.hooks.set(fullPath, { ...spec, plugin, fullPath });
    return fullPath;
  }

  /** A GET/POST route outside /hooks (e.g. /metrics, adapters' endpoints). */
  route(path: string, handler: RouteHandler): void {
    this.routes.set(path, handler);
  }

  webhooks(): MountedWebhook[] {
    return [...this.hooks.values()];
  }

  async listen(port: number, host: string): Promise<number> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log.error({ err, url: req.url }, 'http handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.end();
      });
    });
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, port, host)));
      this.server?.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname;
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') return this.ready(res);
    const route = this.routes.get(path);
    if (route) return route(req, res);
    const hook = this.hooks.get(path);
    if (!hook) return sendJson(res, 404, { error: 'not found' });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return sendJson(res, 405, { error: 'method not allowed' });
    }
    return this.webhook(hook, req, res);
  }

  private async ready(res: ServerResponse): Promise<void> {
    const results = await Promise.all(
      this.readiness.map(async (c) => {
        const reason = await c.check().catch((e: unknown) => String((e as Error).message ?? e));
        // `degraded` is said of a check that fails without failing readiness, not of one that passes.
        return {
          name: c.name,
          ok: reason === null,
          ...(reason !== null ? { reason } : {}),
          ...(reason !== null && c.degraded ? { degraded: true } : {}),
        };
      }),
    );
    const ready = results.every((r) => r.ok || r.degraded);
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks: results });
  }

  private async webhook(hook: MountedWebhook, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const deliveryId = randomUUID();
    const log = this.log.child({ webhook: hook.fullPath, deliveryId });
    let raw: Buffer;
    try {
      raw = await readBody(req, hook.maxBytes ?? 1024 * 1024);
    } catch (e) {
      if (e instanceof BodyTooLarge) {
        log.warn('refused: body too large');
        // Drain nothing more; tell the client and close the connection.
        res.setHeader('connection', 'close');
        return sendJson(res, 413, { error: 'payload too large' });
      }
      throw e;
    }
    const refusal = hook.verify({ headers: req.headers, rawBody: raw });
    if (refusal) {
      log.warn({ reason: refusal }, 'refused: not authenticated');
      return sendJson(res, 401, { error: 'unauthorized' });
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      log.warn('refused: body is not JSON');
      return sendJson(res, 400, { error: 'body is not valid JSON' });
    }
    const parsed = hook.body.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first?.path.length ? first.path.join('.') : '(body)';
      log.warn({ where, issue: first?.message }, 'refused: body does not match the schema');
      return sendJson(res, 400, { error: `${where}: ${first?.message ?? 'invalid'}` });
    }
    const wait = hook.busy?.(parsed.data);
    if (wait !== undefined) {
      log.warn({ retryAfter: wait }, 'deferred: the receiver is busy');
      res.setHeader('retry-after', String(wait));
      return sendJson(res, 503, { error: 'busy, retry later', retryAfter: wait });
    }
    const run = () => hook.handle({ body: parsed.data, headers: req.headers, log, deliveryId });
    if (hook.mode === 'sync') {
      const result = await run();
      return sendJson(res, 200, result ?? { ok: true });
    }
    sendJson(res, 202, { accepted: true, deliveryId });
    void this.tasks.track(
      run().catch((err: unknown) => {
        log.error({ err }, 'webhook handler failed');
      }),
    );
  }
}

/** A port that cannot be had is a plain sentence, not a stack trace. */
function listenError(err: NodeJS.ErrnoException, port: number, host: string): Error {
  const where = `${host}:${port}`;
  if (err.code === 'EADDRINUSE')
    return new BootError(
      `The HTTP port ${where} is in use (another deckhand?). Stop it, or set server.port (npm start -- --port 8081 for the demo).`,
      { cause: err },
    );
  if (err.code === 'EACCES')
    return new BootError(`Not allowed to listen on ${where}: choose a port above 1023 in server.port.`, {
      cause: err,
    });
  if (err.code === 'EADDRNOTAVAIL')
    return new BootError(`server.host ${host} is not an address of this machine.`, { cause: err });
  return err;
}
