/**
 * The shared shell of every sandbox server: a node:http server on loopback that applies the fault
 * knobs (latency, error rate, down) before the real handler runs. "Down" really stops listening,
 * so clients see ECONNREFUSED as they would with a dead server; "up" listens on the same port
 * again.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Faults } from './scenario.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

/** The sandbox's self-signed certificate for loopback (see tls/README.md). */
export const sandboxTls = (): { cert: string; key: string } => ({
  cert: readFileSync(new URL('./tls/sandbox-cert.pem', import.meta.url), 'utf8'),
  key: readFileSync(new URL('./tls/sandbox-key.pem', import.meta.url), 'utf8'),
});

export interface FaultSource {
  faults: Faults;
}

export class SandboxServer {
  private server?: Server;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly name: string;
  private readonly handler: Handler;
  private readonly faults: FaultSource;
  /** Answered with 503 in Argo CD's or Kubernetes' own error shape. */
  private readonly unavailable: (res: ServerResponse) => void;
  private readonly tls?: { cert: string; key: string };

  constructor(opts: {
    name: string;
    handler: Handler;
    faults: FaultSource;
    unavailable: (res: ServerResponse) => void;
    tls?: { cert: string; key: string };
  }) {
    this.name = opts.name;
    this.tls = opts.tls;
    this.handler = opts.handler;
    this.faults = opts.faults;
    this.unavailable = opts.unavailable;
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  async listen(port = 0): Promise<string> {
    const serve = (req: IncomingMessage, res: ServerResponse) => void this.serve(req, res);
    const server: Server = this.tls
      ? createTlsServer({ cert: this.tls.cert, key: this.tls.key }, serve)
      : createServer(serve);
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.url;
  }

  private rng?: { seed: number; next: () => number };

  /** A number in [0, 1): random, or from a seeded sequence (mulberry32) so a fault run repeats. */
  private draw(seed: number | undefined): number {
    if (seed === undefined) return Math.random();
    if (this.rng?.seed !== seed) {
      let a = seed >>> 0;
      this.rng = {
        seed,
        next: () => {
          a = (a + 0x6d2b79f5) >>> 0;
          let t = a;
          t = Math.imul(t ^ (t >>> 15), t | 1);
          t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
          return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
        },
      };
    }
    return this.rng.next();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    try {
      const f = this.faults.faults;
      if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
      if (f.errorRate > 0 && this.draw(f.seed) < f.errorRate) return this.unavailable(res);
      await this.handler(req, res, url);
    } catch (err) {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: `sandbox ${this.name}: ${(err as Error).message}`,
            code: 13,
            message: `sandbox ${this.name}: ${(err as Error).message}`,
          }),
        );
      } else res.destroy();
    }
  }

  /** Stop listening and drop open connections (streams included); `up()` restores the same port. */
  async down(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  async up(): Promise<void> {
    if (this.server) return;
    await this.listen(this.port);
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  async close(): Promise<void> {
    await this.down();
  }
}

/** The raw request body, refused past `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes = 5 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function readJson(req: IncomingMessage, maxBytes = 5 * 1024 * 1024): Promise<unknown> {
  const text = (await readBody(req, maxBytes)).toString('utf8');
  if (!text.trim()) return undefined;
  return JSON.parse(text);
}

export const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  const s = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(s)),
    ...headers,
  });
  res.end(s);
};
