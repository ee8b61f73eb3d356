/**
 * A local stand-in for the part of Discord's REST API the adapter uses (command registration,
 * interaction webhooks, channel messages, threads), on loopback. discord.js's REST client is
 * pointed at it with `apiUrl`; it records each call and answers with message objects.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DiscordCall {
  method: string;
  path: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  auth?: string;
}

export class FakeDiscord {
  readonly calls: DiscordCall[] = [];
  private server?: Server;
  private n = 0;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // multipart uploads stay text
        }
        const path = decodeURIComponent((req.url ?? '').replace(/^\/api/, ''));
        this.calls.push({ method: req.method ?? '', path, body, auth: req.headers.authorization });
        this.n += 1;
        const channel = /\/channels\/(\d+)/.exec(path)?.[1] ?? '900000000000000001';
        const reply = Array.isArray(body)
          ? body
          : { id: String(800000000000000000 + this.n), channel_id: channel, ...(body as object) };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  async waitFor(pred: (c: DiscordCall) => boolean, ms = 15_000): Promise<DiscordCall> {
    const until = Date.now() + ms;
    for (;;) {
      const hit = this.calls.find(pred);
      if (hit) return hit;
      if (Date.now() > until) throw new Error('the expected Discord call never came');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
