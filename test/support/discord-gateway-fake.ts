/**
 * Discord's Gateway, on loopback, as strict as Discord: a WebSocket server speaking the Gateway
 * protocol (https://discord.com/developers/docs/events/gateway, close codes and opcodes from
 * https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway), and a REST front
 * that composes with the strict REST fake (test/support/discord-strict.ts): it answers what only
 * gateway bots call — `GET /gateway/bot` and the interaction callback `POST
 * /interactions/{id}/{token}/callback` (over HTTP, the callback is the HTTP answer itself) — and
 * passes every other request to the strict fake unchanged, so interactions sent over the Gateway
 * are followed up and edited through the strict fake's webhook rules.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { discordPayloadProblems } from '../../src/adapters/discord/problems.ts';
import { FLAGS, type Json, type StrictDiscord, type StrictMessage } from './discord-strict.ts';

export const GATEWAY_DOCS = {
  gateway: 'https://discord.com/developers/docs/events/gateway',
  codes: 'https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway',
  callback:
    'https://discord.com/developers/docs/interactions/receiving-and-responding#create-interaction-response',
} as const;

/** Gateway opcodes (opcodes-and-status-codes#gateway-gateway-opcodes). */
export const OP = {
  DISPATCH: 0,
  HEARTBEAT: 1,
  IDENTIFY: 2,
  PRESENCE_UPDATE: 3,
  VOICE_STATE_UPDATE: 4,
  RESUME: 6,
  RECONNECT: 7,
  REQUEST_GUILD_MEMBERS: 8,
  INVALID_SESSION: 9,
  HELLO: 10,
  HEARTBEAT_ACK: 11,
  REQUEST_SOUNDBOARD_SOUNDS: 31,
} as const;

/** Gateway close event codes (opcodes-and-status-codes#gateway-gateway-close-event-codes). */
export const CLOSE = {
  UNKNOWN_OPCODE: 4001,
  DECODE_ERROR: 4002,
  NOT_AUTHENTICATED: 4003,
  AUTHENTICATION_FAILED: 4004,
  ALREADY_AUTHENTICATED: 4005,
  INVALID_SEQ: 4007,
  INVALID_SHARD: 4010,
  INVALID_API_VERSION: 4012,
  INVALID_INTENTS: 4013,
  DISALLOWED_INTENTS: 4014,
} as const;

/** Privileged intents: GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT (gateway#privileged-intents). */
export const PRIVILEGED = (1 << 1) | (1 << 8) | (1 << 15);
/** Every intent Discord defines (gateway#list-of-intents): bits 0–16, 20, 21, 24, 25. */
const KNOWN_INTENTS = 0x1ffff | (1 << 20) | (1 << 21) | (1 << 24) | (1 << 25);

/** A payload the client sent, with the connection it came on. */
export interface Sent {
  conn: number;
  op: number;
  d: Json;
  at: number;
}

export interface Connection {
  n: number;
  /** The request path: `/` for the gateway URL, `/resume` for resume_gateway_url. */
  path: string;
  query: Record<string, string>;
  ws: WebSocket;
  /** Identified or resumed on this connection. */
  session?: Session;
  /** How it ended: the close code, and who closed it. */
  closed?: { code: number; by: 'client' | 'server' };
}

export interface Session {
  id: string;
  seq: number;
  /** Every dispatch of the session, replayed from the sequence a RESUME names. */
  log: { op: 0; t: string; s: number; d: Json }[];
  conn?: Connection;
  intents: number;
}

interface Waiter {
  pred: () => boolean;
  done: () => void;
}

export class DiscordGateway {
  readonly connections: Connection[] = [];
  readonly sent: Sent[] = [];
  readonly sessions = new Map<string, Session>();
  readonly acks: number[] = [];
  readonly identifies: number[] = [];
  /** Each RESUME accepted: on which connection, from which sequence, and the sequences replayed. */
  readonly resumes: { conn: number; seq: number; replayed: number[] }[] = [];
  /** The token the Gateway accepts; a reset token (REST still taking the old one) makes IDENTIFY fail with 4004. */
  token: string;
  /** Privileged intents enabled for the app in the developer portal. */
  privileged = 0;
  /** session_start_limit.remaining, decremented by each IDENTIFY. */
  remaining = 1000;
  readonly heartbeatMs: number;
  readonly app: string;
  private wss?: WebSocketServer;
  private port = 0;
  private last?: Session;
  private waiters: Waiter[] = [];

  constructor(o: { token: string; app: string; heartbeatMs?: number }) {
    this.token = o.token;
    this.app = o.app;
    this.heartbeatMs = o.heartbeatMs ?? 200;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get resumeUrl(): string {
    return `ws://127.0.0.1:${this.port}/resume`;
  }

  /** The session the last READY started. */
  get session(): Session | undefined {
    return this.last;
  }

  async start(): Promise<string> {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => this.wss!.once('listening', () => r()));
    this.port = (this.wss.address() as AddressInfo).port;
    this.wss.on('connection', (ws, req) => this.open(ws, req));
    return this.url;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    await new Promise<void>((r) => (this.wss ? this.wss.close(() => r()) : r()));
  }

  /** Resolves once `pred` holds; checked on every payload and close. */
  until(pred: () => boolean, what: string, ms = 5_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w: Waiter = { pred, done: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`gateway: ${what} never happened; the client sent:\n${this.transcript()}`));
      }, ms);
      this.waiters.push(w);
    });
  }

  transcript(): string {
    return this.sent
      .map((s) => `#${s.conn} op ${s.op} ${JSON.stringify(s.d)?.slice(0, 120)}`)
      .concat(this.connections.map((c) => `#${c.n} ${c.path} closed ${JSON.stringify(c.closed)}`))
      .join('\n');
  }

  private wake(): void {
    const ready = this.waiters.filter((w) => w.pred());
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.done();
  }

  /** A dispatch to the current session: sent if it has a connection, kept for a RESUME otherwise. */
  dispatch(t: string, d: Json, session = this.last): number {
    if (!session) throw new Error('gateway: no session to dispatch to');
    session.seq += 1;
    const p = { op: OP.DISPATCH, t, s: session.seq, d };
    session.log.push(p);
    if (session.conn && session.conn.ws.readyState === WebSocket.OPEN)
      session.conn.ws.send(JSON.stringify(p));
    return session.seq;
  }

  /** op 7: the client should reconnect and resume. */
  reconnect(): void {
    this.send(this.live(), { op: OP.RECONNECT, d: null });
  }

  /** The connection goes away without a close frame (a network drop). */
  drop(): void {
    const c = this.live();
    c.closed = { code: 1006, by: 'server' };
    if (c.session?.conn === c) c.session.conn = undefined;
    c.ws.terminate();
  }

  /** op 9 with d: false: the session is gone and cannot be resumed. */
  invalidate(): void {
    const c = this.live();
    if (c.session) {
      this.sessions.delete(c.session.id);
      c.session.conn = undefined;
    }
    this.send(c, { op: OP.INVALID_SESSION, d: false });
  }

  /** Whether the last session has an open connection (a client may be resuming after a zombie). */
  get connected(): boolean {
    return this.last?.conn?.ws.readyState === WebSocket.OPEN;
  }

  private live(): Connection {
    const c = this.last?.conn;
    if (!c || c.ws.readyState !== WebSocket.OPEN) throw new Error('gateway: the session has no connection');
    return c;
  }

  private send(c: Connection, p: object): void {
    if (c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify(p));
  }

  private close(c: Connection, code: number, reason: string): void {
    c.closed ??= { code, by: 'server' };
    if (c.session?.conn === c) c.session.conn = undefined;
    c.ws.close(code, reason);
  }

  private open(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'ws://fake');
    const c: Connection = {
      n: this.connections.length + 1,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ws,
    };
    this.connections.push(c);
    ws.on('close', (code) => {
      c.closed ??= { code, by: 'client' };
      const s = c.session;
      if (s?.conn === c) s.conn = undefined;
      // A client that closes with 1000 or 1001 ends its session: it cannot be resumed (gateway#disconnecting).
      if (s && c.closed.by === 'client' && (code === 1000 || code === 1001)) this.sessions.delete(s.id);
      this.wake();
    });
    ws.on('message', (raw, binary) => this.receive(c, raw as Buffer, binary));
    // The gateway URL takes the API version and the encoding (gateway#connecting).
    if (c.query.v !== '10') return this.close(c, CLOSE.INVALID_API_VERSION, 'Invalid API version.');
    if ((c.query.encoding ?? 'json') !== 'json') return this.close(c, CLOSE.DECODE_ERROR, 'Decode error.');
    this.send(c, { op: OP.HELLO, d: { heartbeat_interval: this.heartbeatMs }, s: null, t: null });
  }

  private receive(c: Connection, raw: Buffer, binary: boolean): void {
    let p: { op?: unknown; d?: Json };
    try {
      if (binary) throw new Error('binary without compression');
      p = JSON.parse(raw.toString('utf8')) as typeof p;
    } catch {
      return this.close(c, CLOSE.DECODE_ERROR, 'Decode error.');
    }
    if (typeof p !== 'object' || p === null || typeof p.op !== 'number')
      return this.close(c, CLOSE.DECODE_ERROR, 'Decode error.');
    this.sent.push({ conn: c.n, op: p.op, d: p.d, at: Date.now() });
    try {
      this.handle(c, p.op, p.d);
    } finally {
      this.wake();
    }
  }

  private handle(c: Connection, op: number, d: Json): void {
    switch (op) {
      case OP.HEARTBEAT: {
        // d is the last sequence number the client received, or null (gateway#sending-heartbeats).
        if (d !== null && (typeof d !== 'number' || d > (c.session?.seq ?? d)))
          return this.close(c, CLOSE.DECODE_ERROR, 'Decode error.');
        this.acks.push(c.n);
        return this.send(c, { op: OP.HEARTBEAT_ACK });
      }
      case OP.IDENTIFY:
        return this.identify(c, d);
      case OP.RESUME:
        return this.resume(c, d);
      case OP.PRESENCE_UPDATE:
      case OP.VOICE_STATE_UPDATE:
      case OP.REQUEST_GUILD_MEMBERS:
      case OP.REQUEST_SOUNDBOARD_SOUNDS:
        // Anything but a heartbeat before IDENTIFY or RESUME: 4003.
        if (!c.session) return this.close(c, CLOSE.NOT_AUTHENTICATED, 'Not authenticated.');
        return;
      default:
        // Receive-only opcodes (0, 7, 9, 10, 11) and unknown ones.
        return this.close(c, CLOSE.UNKNOWN_OPCODE, 'Unknown opcode.');
    }
  }

  private identify(c: Connection, d: Json): void {
    if (c.session) return this.close(c, CLOSE.ALREADY_AUTHENTICATED, 'Already authenticated.');
    const props = d?.properties;
    if (
      typeof d !== 'object' ||
      d === null ||
      typeof d.token !== 'string' ||
      typeof d.intents !== 'number' ||
      typeof props !== 'object' ||
      props === null ||
      !['os', 'browser', 'device'].every((k) => typeof props[k] === 'string')
    )
      return this.close(c, CLOSE.DECODE_ERROR, 'Decode error.');
    this.identifies.push(c.n);
    if (d.token !== this.token) return this.close(c, CLOSE.AUTHENTICATION_FAILED, 'Authentication failed.');
    const intents = d.intents as number;
    if (!Number.isInteger(intents) || intents < 0 || intents & ~KNOWN_INTENTS)
      return this.close(c, CLOSE.INVALID_INTENTS, 'Invalid intent(s).');
    if (intents & PRIVILEGED & ~this.privileged)
      return this.close(c, CLOSE.DISALLOWED_INTENTS, 'Disallowed intent(s).');
    if (d.shard !== undefined) {
      const [id, count] = d.shard as [unknown, unknown];
      if (
        !Array.isArray(d.shard) ||
        typeof id !== 'number' ||
        typeof count !== 'number' ||
        id < 0 ||
        id >= count ||
        count !== 1
      )
        return this.close(c, CLOSE.INVALID_SHARD, 'Invalid shard.');
    }
    this.remaining -= 1;
    const s: Session = { id: randomBytes(16).toString('hex'), seq: 0, log: [], conn: c, intents };
    this.sessions.set(s.id, s);
    c.session = s;
    this.last = s;
    this.dispatch(
      'READY',
      {
        v: 10,
        user: {
          id: this.app,
          username: 'deckhand',
          discriminator: '0',
          global_name: null,
          avatar: null,
          bot: true,
        },
        guilds: [],
        session_id: s.id,
        resume_gateway_url: this.resumeUrl,
        shard: d.shard ?? [0, 1],
        application: { id: this.app, flags: 0 },
      },
      s,
    );
  }

  private resume(c: Connection, d: Json): void {
    if (c.session) return this.close(c, CLOSE.ALREADY_AUTHENTICATED, 'Already authenticated.');
    if (
      typeof d !== 'object' ||
      d === null ||
      typeof d.token !== 'string' ||
      typeof d.session_id !== 'string' ||
      typeof d.seq !== 'number'
    )
      return this.close(c, CLOSE.DECODE_ERROR, 'Decode error.');
    if (d.token !== this.token) return this.close(c, CLOSE.AUTHENTICATION_FAILED, 'Authentication failed.');
    const s = this.sessions.get(d.session_id);
    // A session that is gone (or still held by another connection) cannot be resumed: op 9, d false.
    if (!s || (s.conn && s.conn !== c && s.conn.ws.readyState === WebSocket.OPEN))
      return this.send(c, { op: OP.INVALID_SESSION, d: false });
    if (d.seq > s.seq) return this.close(c, CLOSE.INVALID_SEQ, 'Invalid seq.');
    c.session = s;
    s.conn = c;
    // Replay what was missed, in order, then RESUMED (gateway#resuming).
    const missed = s.log.filter((p) => p.s > d.seq);
    this.resumes.push({ conn: c.n, seq: d.seq, replayed: missed.map((p) => p.s) });
    for (const p of missed) this.send(c, p);
    this.dispatch('RESUMED', null, s);
  }
}

export interface GatewayInteraction {
  id: string;
  token: string;
}

type StrictInteraction = Parameters<StrictDiscord['interactions']['set']>[1];

/**
 * The REST API a gateway bot sees: `GET /gateway/bot` and interaction callbacks answered here,
 * everything else passed to the strict fake. Its calls are recorded in the strict fake's `calls`.
 */
export class GatewayFront {
  private server?: Server;
  private target = '';

  readonly rest: StrictDiscord;
  readonly gateway: DiscordGateway;

  constructor(rest: StrictDiscord, gateway: DiscordGateway) {
    this.rest = rest;
    this.gateway = gateway;
  }

  async start(restUrl: string): Promise<string> {
    this.target = restUrl.replace(/\/api$/, '');
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /**
   * Discord sends an interaction over the Gateway (INTERACTION_CREATE): the bot must answer it
   * within 3 seconds through the callback endpoint.
   */
  interact(o: {
    type: 2 | 3;
    data: object;
    channel: string;
    user: string;
    username: string;
    guild: string;
    message?: string;
  }): GatewayInteraction {
    const d = this.rest;
    let answered!: () => void;
    const it: StrictInteraction = {
      token: `itk-${randomBytes(12).toString('hex')}`,
      id: d.id(),
      type: o.type,
      channel: o.channel,
      user: o.user,
      createdAt: d.clock.now(),
      answered: new Promise<void>((r) => (answered = r)),
      ...(o.message ? { message: o.message } : {}),
    };
    this.answer.set(it.token, { answered, sentAt: Date.now() });
    // After 3 s without a callback the interaction has failed; webhook calls then get 10062.
    setTimeout(answered, 3_000).unref();
    d.interactions.set(it.token, it);
    const msg = o.message ? d.messages.get(o.message) : undefined;
    const user = { id: o.user, username: o.username, discriminator: '0', global_name: null, avatar: null };
    this.gateway.dispatch('INTERACTION_CREATE', {
      id: it.id,
      application_id: d.app,
      type: o.type,
      data: o.data,
      guild_id: o.guild,
      channel_id: o.channel,
      channel: { id: o.channel, type: d.channels.get(o.channel)?.type ?? 0, guild_id: o.guild, name: 'ops' },
      member: {
        user,
        roles: [],
        joined_at: '2024-01-01T00:00:00.000000+00:00',
        deaf: false,
        mute: false,
        flags: 0,
        permissions: '2248473465835073',
      },
      token: it.token,
      version: 1,
      app_permissions: '2248473465835073',
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': o.guild },
      context: 0,
      attachment_size_limit: 10_485_760,
      ...(msg
        ? {
            message: {
              id: msg.id,
              channel_id: msg.channel_id,
              type: 0,
              content: msg.content,
              embeds: msg.embeds,
              components: msg.components,
              attachments: [],
              author: { id: d.app, username: 'deckhand', discriminator: '0', avatar: null, bot: true },
              timestamp: '2024-01-01T00:00:00.000000+00:00',
              edited_timestamp: null,
              tts: false,
              mention_everyone: false,
              mentions: [],
              mention_roles: [],
              pinned: false,
              flags: msg.ephemeral ? FLAGS.EPHEMERAL : 0,
            },
          }
        : {}),
    });
    return { id: it.id, token: it.token };
  }

  private readonly answer = new Map<string, { answered: () => void; sentAt: number }>();

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/api/, '');
    const method = req.method ?? '';
    const reply = (status: number, body?: unknown, code?: number) => {
      this.rest.calls.push({
        method,
        path,
        body: raw.length ? safeJson(raw) : {},
        files: [],
        ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
        status,
        ...(code !== undefined ? { code } : {}),
      });
      if (body === undefined) return void res.writeHead(status).end();
      const s = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
      res.end(s);
    };
    if (method === 'GET' && path === '/v10/gateway/bot') {
      // A bot token is required: 401, code 0 otherwise (opcodes-and-status-codes#http).
      if (req.headers.authorization !== `Bot ${this.rest.botToken}`)
        return reply(401, { message: '401: Unauthorized', code: 0 }, 0);
      return reply(200, {
        url: this.gateway.url,
        shards: 1,
        session_start_limit: {
          total: 1000,
          remaining: this.gateway.remaining,
          reset_after: 14_400_000,
          max_concurrency: 1,
        },
      });
    }
    const cb = /^\/v10\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path);
    if (cb && method === 'POST') {
      const [status, body, code] = this.callback(cb[1] as string, cb[2] as string, raw, url.searchParams);
      return reply(status, body, code);
    }
    // Everything else is the strict fake's.
    const headers: Record<string, string> = {};
    for (const h of ['content-type', 'authorization', 'user-agent', 'x-audit-log-reason'])
      if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
    const out = await fetch(this.target + (req.url ?? '/'), {
      method,
      headers,
      ...(raw.length ? { body: raw } : {}),
    });
    const text = Buffer.from(await out.arrayBuffer());
    const back: Record<string, string> = {};
    out.headers.forEach((v, k) => {
      if (k === 'content-type' || k === 'retry-after' || k.startsWith('x-ratelimit')) back[k] = v;
    });
    res.writeHead(out.status, back);
    res.end(text);
  }

  /** https://discord.com/developers/docs/interactions/receiving-and-responding#create-interaction-response */
  private callback(
    id: string,
    token: string,
    raw: Buffer,
    query: URLSearchParams,
  ): [number, unknown, number | undefined] {
    const d = this.rest;
    const it = d.interactions.get(token);
    const a = this.answer.get(token);
    if (!it || !a || it.id !== id) return [404, { message: 'Unknown interaction', code: 10062 }, 10062];
    // Answered already: 40060. Not answered within 3 s: the interaction is gone.
    if (it.ack) return [400, { message: 'Interaction has already been acknowledged.', code: 40060 }, 40060];
    if (Date.now() - a.sentAt > 3_000) return [404, { message: 'Unknown interaction', code: 10062 }, 10062];
    const body = safeJson(raw) as Json;
    const type = Number(body?.type);
    const flags = Number(body?.data?.flags ?? 0);
    const invalid = (why: string): [number, unknown, number] => [
      400,
      { message: `Invalid Form Body: ${why}`, code: 50035 },
      50035,
    ];
    // Types 6 and 7 only answer a component; 1 (PONG) only answers a PING, which never comes over the Gateway.
    if (![4, 5, 6, 7].includes(type) || ((type === 6 || type === 7) && it.type !== 3)) return invalid('type');
    if (flags & ~(FLAGS.EPHEMERAL | FLAGS.SUPPRESS_EMBEDS | FLAGS.SUPPRESS_NOTIFICATIONS))
      return invalid('flags');
    if (type === 4 || type === 7) {
      const problems = discordPayloadProblems(body.data ?? {});
      if (problems.length) return invalid(problems.join('; '));
    }
    it.ack = { type, flags };
    const eph = (flags & FLAGS.EPHEMERAL) !== 0;
    if (type === 4 || type === 5) {
      const m: StrictMessage = {
        id: d.id(),
        channel_id: it.channel,
        content: type === 4 ? (body.data?.content ?? '') : '',
        embeds: type === 4 ? (body.data?.embeds ?? []) : [],
        components: type === 4 ? (body.data?.components ?? []) : [],
        attachments: [],
        ephemeral: eph,
        ...(eph ? { ephemeralTo: it.user } : {}),
        thinking: type === 5,
        by: 'interaction',
        token,
        edits: 0,
      };
      d.messages.set(m.id, m);
      it.original = m.id;
    } else if (it.message) {
      // DEFERRED_UPDATE_MESSAGE / UPDATE_MESSAGE: @original is the message that carries the component.
      it.original = it.message;
      const m = d.messages.get(it.message);
      if (type === 7 && m) {
        for (const k of ['content', 'embeds', 'components'] as const)
          if (body.data && k in body.data) (m as unknown as Record<string, unknown>)[k] = body.data[k];
        m.edits += 1;
      }
    }
    a.answered();
    if (query.get('with_response') === 'true')
      return [200, { interaction: { id: it.id, type: it.type }, resource: { type } }, undefined];
    return [204, undefined, undefined];
  }
}

function safeJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return {};
  }
}
