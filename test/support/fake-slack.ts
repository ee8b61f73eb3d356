/**
 * A fake Slack Web API on loopback for the Slack adapter's tests: the methods deckhand calls
 * (chat.postMessage/update/postEphemeral, files upload v2, usergroups.list), answering as Slack
 * does (HTTP 200 with `{ok:false,error}` for API errors, 429 with Retry-After when told to). It
 * records every call so tests can check the payloads.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
  at: number;
}

export class FakeSlack {
  readonly calls: SlackCall[] = [];
  /** Answer the next N calls of a method with 429 and this Retry-After (seconds). */
  rateLimit: { method: string; times: number; retryAfter: number } | undefined;
  /** Channels the bot is not in (chat.postMessage answers not_in_channel). */
  readonly notIn = new Set<string>();
  private server?: Server;
  private ts = 1_732_000_000;
  url = '';

  async start(): Promise<string> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString();
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (method === 'upload') return json(200, { ok: true });
      let body: Record<string, unknown>;
      const type = req.headers['content-type'] ?? '';
      if (type.includes('json')) body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      else body = Object.fromEntries(new URLSearchParams(raw));
      for (const k of ['blocks', 'attachments'])
        if (typeof body[k] === 'string') body[k] = JSON.parse(body[k] as string);
      this.calls.push({ method, body, at: Date.now() });
      if (this.rateLimit && this.rateLimit.method === method && this.rateLimit.times > 0) {
        this.rateLimit.times -= 1;
        return json(
          429,
          { ok: false, error: 'ratelimited' },
          { 'retry-after': String(this.rateLimit.retryAfter) },
        );
      }
      if (req.headers.authorization !== 'Bearer xoxb-test-token')
        return json(200, { ok: false, error: 'invalid_auth' });
      switch (method) {
        case 'chat.postMessage':
          if (this.notIn.has(String(body.channel))) return json(200, { ok: false, error: 'not_in_channel' });
          return json(200, {
            ok: true,
            channel: body.channel,
            ts: `${++this.ts}.000100`,
            message: { text: body.text },
          });
        case 'chat.update':
          return json(200, { ok: true, channel: body.channel, ts: body.ts });
        case 'chat.postEphemeral':
          return json(200, { ok: true, message_ts: `${++this.ts}.000200` });
        case 'usergroups.list':
          return json(200, {
            ok: true,
            usergroups: [{ id: 'S0PLATFORM', handle: 'platform', users: ['U0BOB'] }],
          });
        case 'files.getUploadURLExternal':
          return json(200, { ok: true, upload_url: `${this.url}/api/upload`, file_id: `F${++this.ts}` });
        case 'files.completeUploadExternal':
          return json(200, { ok: true, files: [{ id: 'F1' }] });
        case 'auth.test':
          return json(200, { ok: true, user_id: 'U0DECKHAND', bot_id: 'B0DECKHAND', team_id: 'T0TEAM' });
        default:
          return json(200, { ok: false, error: 'unknown_method' });
      }
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  posts(): SlackCall[] {
    return this.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update');
  }

  async waitFor(test: () => boolean, ms = 5_000): Promise<void> {
    const stop = Date.now() + ms;
    while (!test()) {
      if (Date.now() > stop) throw new Error('the fake Slack did not see what the test waited for');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}
