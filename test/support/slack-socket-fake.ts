/**
 * Slack's Socket Mode on loopback, as strict as Slack, in front of the strict Web API fake
 * (slack-fake.ts), which it wraps rather than changes:
 *
 * - `apps.connections.open` (https://api.slack.com/methods/apps.connections.open): POST with an
 *   app-level token (`Authorization: Bearer xapp-…`); no token is `not_authed`, a bot or user
 *   token `not_allowed_token_type`, any other token `invalid_auth` (HTTP 200, ok:false, as every
 *   Web API error: https://api.slack.com/web#responses). It answers a WebSocket URL with a ticket
 *   that is good for one connection.
 * - the WebSocket (https://api.slack.com/apis/socket-mode): a `hello` first; then envelopes, each
 *   of which the app must acknowledge with `{"envelope_id": …}` (an optional `payload` object)
 *   within 3 seconds, on the connection it came on; a `disconnect` message (refresh_requested),
 *   after which Slack closes the connection itself if the app does not; or the connection just
 *   drops.
 *
 * Every other Web API method is passed to the Web API fake unchanged, so the bot's `apiUrl`
 * points here and the answers land in the Web API fake's messages.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { StrictSlack } from './slack-fake.ts';

/** Slack's limit on acknowledging an envelope (https://api.slack.com/apis/socket-mode#acknowledge). */
export const ACK_MS = 3_000;

export interface ConnectionsOpenCall {
  at: number;
  httpMethod: string;
  /** The bearer token, as sent. */
  token: string;
  /** `ok`, or the error code answered. */
  answer: string;
}

export interface SocketConnection {
  id: number;
  ticket: string;
  ws: WebSocket;
  openedAt: number;
  closedAt?: number;
  /** The close code the fake saw (1000 when the app closed it properly, 1006 when dropped). */
  closeCode?: number;
  /** How it ended: the app closed it, the fake dropped it, or the fake closed it after a warning. */
  endedBy?: 'app' | 'dropped' | 'slack';
}

export interface Ack {
  envelope_id: string;
  type: string;
  connection: number;
  /** Milliseconds from sending the envelope to receiving its acknowledgement. */
  ms: number;
  payload?: Record<string, unknown>;
}

interface Pending {
  type: string;
  connection: number;
  sentAt: number;
  timer: NodeJS.Timeout;
  resolve: (a: Ack) => void;
  reject: (e: Error) => void;
}

export class SocketModeSlack {
  readonly web: StrictSlack;
  readonly appToken: string;
  readonly appId: string;
  readonly opens: ConnectionsOpenCall[] = [];
  readonly connections: SocketConnection[] = [];
  readonly acks: Ack[] = [];
  /** What the fake refused on the socket: unknown tickets, malformed or late acknowledgements. */
  readonly violations: string[] = [];
  /**
   * How the next calls of apps.connections.open fail, in order: an HTTP status (Slack having
   * trouble), or an error code answered as Web API errors are.
   */
  readonly openFailures: ({ status: number } | { error: string })[] = [];
  /** While set, apps.connections.open waits for it before answering (see holdOpens). */
  private held?: Promise<void>;
  /** How long Slack waits after a `disconnect` warning before it closes the connection itself. */
  disconnectGraceMs = 10_000;
  url = '';
  private server?: Server;
  private wss?: WebSocketServer;
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private seq = 0;

  constructor(o: { web: StrictSlack; appToken: string; appId?: string }) {
    this.web = o.web;
    this.appToken = o.appToken;
    this.appId = o.appId ?? 'A0DECKHAND';
  }

  /** The connection the app is on now (opened, not closed). */
  get live(): SocketConnection | undefined {
    return this.connections.findLast((c) => c.closedAt === undefined);
  }

  async start(): Promise<string> {
    this.wss = new WebSocketServer({ noServer: true });
    this.server = createServer((req, res) => void this.http(req, res));
    this.server.on('upgrade', (req, socket, head) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const ticket = u.searchParams.get('ticket') ?? '';
      // A ticket is good for one connection.
      if (u.pathname !== '/link/' || !this.tickets.delete(ticket)) {
        this.violations.push(`websocket with an unknown or used ticket: ${req.url ?? ''}`);
        socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      this.wss?.handleUpgrade(req, socket, head, (ws) => this.accept(ws, ticket));
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  private async http(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path === '/api/apps.connections.open') return this.open(req, res);
    // Everything else is the Web API fake's.
    const headers: Record<string, string> = {};
    for (const k of ['authorization', 'content-type'])
      if (typeof req.headers[k] === 'string') headers[k] = req.headers[k];
    const answer = await fetch(this.web.url + (req.url ?? ''), {
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : raw,
    });
    const out: Record<string, string> = {};
    for (const k of ['content-type', 'retry-after']) {
      const v = answer.headers.get(k);
      if (v) out[k] = v;
    }
    res.writeHead(answer.status, out);
    res.end(Buffer.from(await answer.arrayBuffer()));
  }

  /** https://api.slack.com/methods/apps.connections.open */
  private async open(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    const call: ConnectionsOpenCall = { at: Date.now(), httpMethod: req.method ?? '', token, answer: '' };
    this.opens.push(call);
    await this.held;
    const answer = (body: Record<string, unknown>) => {
      call.answer = body.ok ? 'ok' : String(body.error);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const failure = this.openFailures.shift();
    if (failure && 'status' in failure) {
      call.answer = `HTTP ${failure.status}`;
      res.writeHead(failure.status, { 'content-type': 'text/plain' });
      res.end('upstream trouble');
      return;
    }
    if (failure) return answer({ ok: false, error: failure.error });
    if (req.method !== 'POST') return answer({ ok: false, error: 'invalid_request' });
    if (!token) return answer({ ok: false, error: 'not_authed' });
    if (!token.startsWith('xapp-')) return answer({ ok: false, error: 'not_allowed_token_type' });
    if (token !== this.appToken) return answer({ ok: false, error: 'invalid_auth' });
    const ticket = randomBytes(12).toString('hex');
    this.tickets.add(ticket);
    answer({
      ok: true,
      url: `${this.url.replace(/^http/, 'ws')}/link/?ticket=${ticket}&app_id=${this.appId}`,
    });
  }

  private accept(ws: WebSocket, ticket: string): void {
    const conn: SocketConnection = { id: this.connections.length + 1, ticket, ws, openedAt: Date.now() };
    this.connections.push(conn);
    ws.on('message', (data, isBinary) => this.onMessage(conn, isBinary ? '' : data.toString()));
    ws.on('close', (code) => {
      conn.closedAt = Date.now();
      conn.closeCode = code;
      conn.endedBy ??= 'app';
      // Envelopes not acknowledged on a closed connection are not acknowledged.
      for (const [id, p] of this.pending)
        if (p.connection === conn.id)
          this.fail(id, `connection ${conn.id} closed before envelope ${id} was acked`);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.connections.filter((c) => c.closedAt === undefined).length,
        debug_info: {
          host: 'applink-fake-1',
          build_number: 1,
          approximate_connection_time: 18060,
        },
        connection_info: { app_id: this.appId },
      }),
    );
  }

  private onMessage(conn: SocketConnection, text: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.violations.push(`connection ${conn.id}: not JSON: ${text.slice(0, 80)}`);
      return;
    }
    const id = typeof msg.envelope_id === 'string' ? msg.envelope_id : '';
    const p = this.pending.get(id);
    if (!p) {
      this.violations.push(`connection ${conn.id}: acknowledgement of an unknown envelope ${id || '(none)'}`);
      return;
    }
    if (p.connection !== conn.id) {
      this.violations.push(`connection ${conn.id}: envelope ${id} came on connection ${p.connection}`);
      return;
    }
    const extra = Object.keys(msg).filter((k) => k !== 'envelope_id' && k !== 'payload');
    if (
      extra.length ||
      (msg.payload !== undefined && (typeof msg.payload !== 'object' || msg.payload === null))
    ) {
      this.violations.push(`connection ${conn.id}: malformed acknowledgement ${text}`);
      return;
    }
    clearTimeout(p.timer);
    this.pending.delete(id);
    const ack: Ack = {
      envelope_id: id,
      type: p.type,
      connection: conn.id,
      ms: performance.now() - p.sentAt,
      payload: msg.payload as Record<string, unknown> | undefined,
    };
    this.acks.push(ack);
    p.resolve(ack);
  }

  private fail(id: string, why: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    this.violations.push(why);
    p.reject(new Error(why));
  }

  /**
   * Sends an envelope on the live connection; resolves with its acknowledgement, rejects when it
   * is not acknowledged within 3 seconds (Slack then shows the user an error).
   */
  envelope(type: string, payload: Record<string, unknown>, acceptsResponsePayload = false): Promise<Ack> {
    const conn = this.live;
    if (!conn) return Promise.reject(new Error('no live Socket Mode connection'));
    const envelope_id = `${Date.now().toString(16)}-${++this.seq}-${randomBytes(4).toString('hex')}`;
    const acked = new Promise<Ack>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(envelope_id, `envelope ${envelope_id} (${type}) not acked within ${ACK_MS} ms`),
        ACK_MS,
      );
      this.pending.set(envelope_id, {
        type,
        connection: conn.id,
        sentAt: performance.now(),
        timer,
        resolve,
        reject,
      });
      conn.ws.send(
        JSON.stringify({ envelope_id, payload, type, accepts_response_payload: acceptsResponsePayload }),
      );
    });
    // A test that stops waiting (it failed already) leaves no unhandled rejection behind; the
    // failure is in `violations` too.
    acked.catch(() => undefined);
    return acked;
  }

  /** A slash command as Slack sends it over Socket Mode, with a response_url the Web API fake issued. */
  slash(o: { command: string; text: string; user: string; userName: string; channel?: string }): {
    ack: Promise<Ack>;
    responseUrl: string;
  } {
    const channel = o.channel ?? 'C0OPS';
    const responseUrl = this.web.responseUrl({ channel, user: o.user, kind: 'command' });
    const ack = this.envelope(
      'slash_commands',
      {
        token: 'legacy-verification-token',
        team_id: 'T0TEAM',
        team_domain: 'deckhand-test',
        channel_id: channel,
        channel_name: 'ops',
        user_id: o.user,
        user_name: o.userName,
        command: o.command,
        text: o.text,
        api_app_id: this.appId,
        is_enterprise_install: 'false',
        response_url: responseUrl,
        trigger_id: `${++this.seq}.1.${randomBytes(4).toString('hex')}`,
      },
      true,
    );
    return { ack, responseUrl };
  }

  /** A button press (block_actions) on a message, as Slack sends it over Socket Mode. */
  press(o: {
    actionId: string;
    user: string;
    userName: string;
    messageTs: string;
    channel?: string;
    thread?: string;
  }): { ack: Promise<Ack>; responseUrl: string } {
    const channel = o.channel ?? 'C0OPS';
    const responseUrl = this.web.responseUrl({
      channel,
      user: o.user,
      kind: 'action',
      original: o.messageTs,
    });
    const ack = this.envelope('interactive', {
      type: 'block_actions',
      user: { id: o.user, username: o.userName, name: o.userName, team_id: 'T0TEAM' },
      api_app_id: this.appId,
      token: 'legacy-verification-token',
      container: {
        type: 'message',
        message_ts: o.messageTs,
        channel_id: channel,
        is_ephemeral: false,
        ...(o.thread ? { thread_ts: o.thread } : {}),
      },
      trigger_id: `${++this.seq}.2.${randomBytes(4).toString('hex')}`,
      team: { id: 'T0TEAM', domain: 'deckhand-test' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: channel, name: 'ops' },
      message: { type: 'message', ts: o.messageTs, ...(o.thread ? { thread_ts: o.thread } : {}) },
      state: { values: {} },
      response_url: responseUrl,
      actions: [
        {
          type: 'button',
          action_id: o.actionId,
          block_id: 'actions',
          text: { type: 'plain_text', text: 'button' },
          action_ts: `${Math.floor(Date.now() / 1000)}.000001`,
        },
      ],
    });
    return { ack, responseUrl };
  }

  /** Holds apps.connections.open's answers until the returned function is called. */
  holdOpens(): () => void {
    let release = () => {};
    this.held = new Promise<void>((r) => (release = r));
    return () => {
      this.held = undefined;
      release();
    };
  }

  /**
   * Slack's warning that it will close the connection (refresh_requested, every few hours); it
   * closes it itself after `disconnectGraceMs` if the app has not.
   */
  disconnect(reason = 'refresh_requested'): void {
    const conn = this.live;
    if (!conn) throw new Error('no live Socket Mode connection');
    conn.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake-1' } }));
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (conn.closedAt !== undefined) return;
      conn.endedBy = 'slack';
      conn.ws.close(1001, 'refresh');
    }, this.disconnectGraceMs);
    this.timers.add(t);
  }

  /** The connection drops: no close frame, the TCP connection just goes. */
  drop(): void {
    const conn = this.live;
    if (!conn) throw new Error('no live Socket Mode connection');
    conn.endedBy = 'dropped';
    conn.ws.terminate();
  }

  async waitFor(test: () => boolean, ms = 5_000, what = 'the Socket Mode fake'): Promise<void> {
    const stop = performance.now() + ms;
    while (!test()) {
      if (performance.now() > stop) throw new Error(`${what}: timed out after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(): Promise<void> {
    this.held = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const id of [...this.pending.keys()]) this.fail(id, `fake stopped before envelope ${id} was acked`);
    for (const c of this.connections) if (c.closedAt === undefined) c.ws.terminate();
    await new Promise<void>((r) => (this.wss ? this.wss.close(() => r()) : r()));
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
