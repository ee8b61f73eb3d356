/**
 * A strict fake of Slack on loopback: the Web API methods deckhand calls and the response_urls
 * Slack hands out with slash commands and button presses. It refuses what Slack refuses, each rule
 * citing the page it comes from, and keeps the messages it accepted so tests can ask what a user
 * in a channel actually sees. Time is `Date.now()`, so a test that fakes Date moves it too.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  /** A Web API method, or `response_url` for a post to one. */
  method: string;
  body: Record<string, unknown>;
  at: number;
  /** What the fake answered (`ok`, or the error code). */
  answer?: string;
  /** For response_url posts: which URL. */
  url?: string;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  thread_ts?: string;
  /** Posted by the bot through the Web API, or through a response_url. */
  via: 'api' | 'response_url';
  /** Only this user sees it. */
  only?: string;
  postedAt: number;
}

interface ResponseUrlState {
  id: string;
  channel: string;
  user: string;
  kind: 'command' | 'action';
  issued: number;
  uses: number;
  /** What replace_original replaces: the button's message, or a command's last response. */
  original?: string;
}

/** https://api.slack.com/interactivity/handling#message_responses: 30 minutes, up to 5 uses. */
export const RESPONSE_URL_MS = 30 * 60_000;
export const RESPONSE_URL_USES = 5;

export class StrictSlack {
  readonly calls: SlackCall[] = [];
  readonly messages: FakeMessage[] = [];
  readonly uploads: { channel: string; thread_ts?: string; filename: string }[] = [];
  /** Answer the next N calls of a method with 429 and this Retry-After (seconds). */
  rateLimit: { method: string; times: number; retryAfter: number } | undefined;
  /** Channels the bot is not a member of. */
  readonly notIn = new Set<string>();
  /** `channel/user` pairs where the user is not a member. */
  readonly usersNotIn = new Set<string>();
  /** When set, messages older than this cannot be edited (edit_window_closed). */
  editWindowMs: number | undefined;
  private readonly urls = new Map<string, ResponseUrlState>();
  private readonly pending = new Map<string, { filename: string }>();
  private server?: Server;
  private ts = 1_732_000_000;
  url = '';

  /** A response_url as Slack puts in a slash command or a button press payload. */
  responseUrl(o: { channel: string; user: string; kind: 'command' | 'action'; original?: string }): string {
    const id = `R${++this.ts}`;
    this.urls.set(id, { id, ...o, issued: Date.now(), uses: 0 });
    return `${this.url}/actions/${id}`;
  }

  /** Uses of a response_url so far. */
  usesOf(url: string): number {
    return this.urls.get(url.split('/').at(-1) ?? '')?.uses ?? 0;
  }

  /** What `user` sees in `channel`: every public message and the ephemeral ones shown to them. */
  seen(channel: string, user: string): FakeMessage[] {
    return this.messages.filter((m) => m.channel === channel && (!m.only || m.only === user));
  }

  /** Messages in a channel's main view (not in a thread). */
  topLevel(channel: string, user: string): FakeMessage[] {
    return this.seen(channel, user).filter((m) => !m.thread_ts);
  }

  private nextTs(): string {
    return `${++this.ts}.000100`;
  }

  async start(): Promise<string> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks);
      const path = (req.url ?? '').split('?')[0] ?? '';
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (path.startsWith('/upload/')) {
        const p = this.pending.get(path.slice('/upload/'.length));
        if (!p) return json(404, { ok: false });
        res.writeHead(200);
        return res.end('OK');
      }
      if (path.startsWith('/actions/'))
        return this.respond(path.slice('/actions/'.length), raw.toString(), json);
      const method = path.replace(/^\/api\//, '');
      let body: Record<string, unknown>;
      const type = req.headers['content-type'] ?? '';
      const text = raw.toString();
      if (type.includes('json')) body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      else body = Object.fromEntries(new URLSearchParams(text));
      for (const k of ['blocks', 'attachments', 'files'])
        if (typeof body[k] === 'string') body[k] = JSON.parse(body[k] as string);
      const call: SlackCall = { method, body, at: Date.now() };
      this.calls.push(call);
      const fail = (error: string) => {
        call.answer = error;
        json(200, { ok: false, error });
      };
      const ok = (rest: Record<string, unknown> = {}) => {
        call.answer = 'ok';
        json(200, { ok: true, ...rest });
      };
      // https://api.slack.com/apis/rate-limits: HTTP 429 with a Retry-After header (seconds).
      if (this.rateLimit && this.rateLimit.method === method && this.rateLimit.times > 0) {
        this.rateLimit.times -= 1;
        call.answer = 'ratelimited';
        return json(
          429,
          { ok: false, error: 'ratelimited' },
          { 'retry-after': String(this.rateLimit.retryAfter) },
        );
      }
      // https://api.slack.com/web#responses: API errors are HTTP 200 with ok:false and an error code.
      if (req.headers.authorization !== 'Bearer xoxb-test-token') return fail('invalid_auth');
      const channel = String(body.channel ?? body.channel_id ?? '');
      const hasContent = (typeof body.text === 'string' && body.text.trim()) || Array.isArray(body.blocks);
      switch (method) {
        case 'chat.postMessage': {
          // https://api.slack.com/methods/chat.postMessage#errors
          if (this.notIn.has(channel)) return fail('not_in_channel');
          if (!hasContent) return fail('no_text');
          const thread = typeof body.thread_ts === 'string' ? body.thread_ts : undefined;
          const ts = this.nextTs();
          this.messages.push({
            channel,
            ts,
            text: String(body.text ?? ''),
            blocks: (body.blocks as unknown[]) ?? [],
            thread_ts: thread,
            via: 'api',
            postedAt: Date.now(),
          });
          return ok({ channel, ts, message: { text: body.text } });
        }
        case 'chat.postEphemeral': {
          // https://api.slack.com/methods/chat.postEphemeral#errors: the bot and the user must
          // both be in the channel.
          if (this.notIn.has(channel)) return fail('not_in_channel');
          if (this.usersNotIn.has(`${channel}/${String(body.user)}`)) return fail('user_not_in_channel');
          if (!hasContent) return fail('no_text');
          const ts = this.nextTs();
          this.messages.push({
            channel,
            ts,
            text: String(body.text ?? ''),
            blocks: (body.blocks as unknown[]) ?? [],
            thread_ts: typeof body.thread_ts === 'string' ? body.thread_ts : undefined,
            via: 'api',
            only: String(body.user),
            postedAt: Date.now(),
          });
          return ok({ message_ts: ts });
        }
        case 'chat.update': {
          // https://api.slack.com/methods/chat.update#errors
          if (this.notIn.has(channel)) return fail('not_in_channel');
          const m = this.messages.find((x) => x.channel === channel && x.ts === body.ts);
          // An ephemeral message is not a message of the channel: chat.update cannot find it.
          if (!m || m.only) return fail('message_not_found');
          // Only what the bot posted through the Web API is the bot's to edit.
          if (m.via !== 'api') return fail('cant_update_message');
          if (this.editWindowMs !== undefined && Date.now() - m.postedAt > this.editWindowMs)
            return fail('edit_window_closed');
          if (!hasContent) return fail('no_text');
          m.text = String(body.text ?? '');
          m.blocks = (body.blocks as unknown[]) ?? [];
          return ok({ channel, ts: m.ts });
        }
        case 'usergroups.list':
          return ok({ usergroups: [{ id: 'S0PLATFORM', handle: 'platform', users: ['U0BOB'] }] });
        case 'files.getUploadURLExternal': {
          const id = `F${++this.ts}`;
          this.pending.set(id, { filename: String(body.filename) });
          return ok({ upload_url: `${this.url}/upload/${id}`, file_id: id });
        }
        case 'files.completeUploadExternal': {
          // https://api.slack.com/methods/files.completeUploadExternal#errors
          if (channel && this.notIn.has(channel)) return fail('not_in_channel');
          const files = (body.files as { id: string }[]) ?? [];
          for (const f of files) {
            const p = this.pending.get(f.id);
            if (!p) return fail('file_not_found');
            this.uploads.push({
              channel,
              thread_ts: typeof body.thread_ts === 'string' ? body.thread_ts : undefined,
              filename: p.filename,
            });
          }
          return ok({ files: files.map((f) => ({ id: f.id })) });
        }
        case 'auth.test':
          return ok({ user: 'deckhand', user_id: 'U0DECKHAND', bot_id: 'B0DECKHAND', team_id: 'T0TEAM' });
        default:
          return fail('unknown_method');
      }
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
    return this.url;
  }

  /**
   * A post to a response_url (https://api.slack.com/interactivity/handling#message_responses):
   * valid 30 minutes and 5 uses; `response_type` ephemeral (the default) or in_channel;
   * `replace_original` replaces the message it belongs to. Slack does not make an ephemeral
   * message public by replacing it, nor the reverse.
   */
  private respond(
    id: string,
    raw: string,
    json: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const call: SlackCall = {
      method: 'response_url',
      body,
      at: Date.now(),
      url: `${this.url}/actions/${id}`,
    };
    this.calls.push(call);
    const fail = (status: number, error: string) => {
      call.answer = error;
      json(status, { ok: false, error });
    };
    const u = this.urls.get(id);
    if (!u) return fail(404, 'no_such_url');
    if (Date.now() - u.issued > RESPONSE_URL_MS) return fail(404, 'expired_url');
    if (u.uses >= RESPONSE_URL_USES) return fail(404, 'used_url');
    u.uses += 1;
    if (!(typeof body.text === 'string' && body.text.trim()) && !Array.isArray(body.blocks))
      return fail(400, 'no_text');
    const ephemeral = body.response_type !== 'in_channel';
    const content = { text: String(body.text ?? ''), blocks: (body.blocks as unknown[]) ?? [] };
    if (body.replace_original === true) {
      const m = this.messages.find((x) => x.channel === u.channel && x.ts === u.original);
      if (!m) return fail(404, 'no_original_message');
      if (!!m.only !== ephemeral) return fail(400, 'cannot_change_response_type');
      Object.assign(m, content);
    } else {
      const ts = this.nextTs();
      this.messages.push({
        channel: u.channel,
        ts,
        ...content,
        via: 'response_url',
        ...(ephemeral ? { only: u.user } : {}),
        postedAt: Date.now(),
      });
      if (u.kind === 'command') u.original = ts;
    }
    call.answer = 'ok';
    json(200, { ok: true });
  }

  /** Web API and response_url calls that reached the fake, of one method. */
  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  posts(): SlackCall[] {
    return this.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update');
  }

  /** A message the bot posted through the Web API, as a button press would carry it. */
  addMessage(m: Omit<FakeMessage, 'ts' | 'postedAt'>): string {
    const ts = this.nextTs();
    this.messages.push({ ...m, ts, postedAt: Date.now() });
    return ts;
  }

  async waitFor(test: () => boolean, ms = 5_000): Promise<void> {
    const stop = performance.now() + ms;
    while (!test()) {
      if (performance.now() > stop) throw new Error('the fake Slack did not see what the test waited for');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}
