/**
 * A strict stand-in for Discord, on loopback: the REST API the adapter calls (through discord.js's
 * REST layer, pointed here with `apiUrl`), and Discord's side of HTTP interactions (signed
 * requests to the bot, whose HTTP answer is the interaction's initial response). It keeps the state
 * Discord keeps — channels and who can see them, messages and who can see them (ephemeral ones
 * only their user), interactions and their tokens' lifetimes, threads — and refuses what Discord
 * refuses, with Discord's status and JSON error code. Each rule names the page it comes from.
 *
 * Time is a Clock the test moves (the same one the adapter reads), so a 15-minute token expires
 * without waiting.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { discordPayloadProblems } from '../../src/adapters/discord/problems.ts';
import type { Clock } from '../../src/core/clock.ts';

const DOCS = {
  responding: 'https://discord.com/developers/docs/interactions/receiving-and-responding',
  thread: 'https://discord.com/developers/docs/resources/channel#start-thread-from-message',
  createMessage: 'https://discord.com/developers/docs/resources/message#create-message',
  editMessage: 'https://discord.com/developers/docs/resources/message#edit-message',
  codes: 'https://discord.com/developers/docs/topics/opcodes-and-status-codes#json',
  files: 'https://discord.com/developers/docs/reference#uploading-files',
  security:
    'https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers',
} as const;

/** Message flags (https://discord.com/developers/docs/resources/message#message-object-message-flags). */
export const FLAGS = { SUPPRESS_EMBEDS: 1 << 2, EPHEMERAL: 1 << 6, SUPPRESS_NOTIFICATIONS: 1 << 12 };
/** An interaction token is valid for 15 minutes (receiving-and-responding, "Followup Messages"). */
export const TOKEN_LIFE_MS = 15 * 60_000;

/** Bodies as Discord's JSON: free-form, walked by the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface StrictCall {
  method: string;
  /** Path under /api, e.g. `/v10/channels/1/messages`. */
  path: string;
  body: Json;
  files: StrictFile[];
  auth?: string;
  status: number;
  code?: number;
}

export interface StrictFile {
  filename: string;
  content: string;
}

export interface StrictChannel {
  id: string;
  /** 0 guild text, 1 DM, 11 public thread (https://discord.com/developers/docs/resources/channel#channel-object-channel-types). */
  type: 0 | 1 | 11;
  /** Whether the bot user can see the channel (VIEW_CHANNEL); interactions arrive from it either way. */
  visible: boolean;
  /** CREATE_PUBLIC_THREADS for the bot user. */
  threads: boolean;
  parent?: string;
  name?: string;
}

export interface StrictMessage {
  id: string;
  channel_id: string;
  content: string;
  embeds: Json[];
  components: Json[];
  attachments: { id: string; filename: string; content: string }[];
  /** Seen only by `ephemeralTo` (the interaction's user), never in the channel. */
  ephemeral: boolean;
  ephemeralTo?: string;
  /** A deferred reply not filled yet ("… is thinking"). */
  thinking: boolean;
  by: 'bot' | 'interaction' | 'user';
  token?: string;
  message_reference?: { message_id: string; channel_id?: string };
  allowed_mentions?: unknown;
  edits: number;
}

interface StrictInteraction {
  token: string;
  id: string;
  type: number;
  channel: string;
  user: string;
  createdAt: number;
  /** The initial response, once the bot answered the HTTP request. */
  ack?: { type: number; flags: number };
  answered: Promise<void>;
  original?: string;
  /** The message carrying the pressed component. */
  message?: string;
}

class Refusal extends Error {
  status: number;
  code: number;
  constructor(status: number, code: number, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const refuse = (status: number, code: number, message: string): never => {
  throw new Refusal(status, code, message);
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export class StrictDiscord {
  readonly app: string;
  readonly botToken: string;
  readonly clock: Clock;
  readonly calls: StrictCall[] = [];
  readonly channels = new Map<string, StrictChannel>();
  readonly messages = new Map<string, StrictMessage>();
  readonly interactions = new Map<string, StrictInteraction>();
  /** Registered commands by route. */
  readonly commands = new Map<string, unknown[]>();
  /** Scripted refusals: the next `times` calls matching are answered with Discord's error. */
  private readonly scripted: {
    method: string;
    path: RegExp;
    status: number;
    code: number;
    message: string;
    times: number;
  }[] = [];
  private readonly limited: { method: string; path: RegExp; retryAfterS: number }[] = [];
  private readonly privateKey: KeyObject;
  readonly publicHex: string;
  private server?: Server;
  private seq = 0;

  constructor(opts: { app: string; botToken: string; clock: Clock }) {
    this.app = opts.app;
    this.botToken = opts.botToken;
    this.clock = opts.clock;
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    this.privateKey = privateKey;
    this.publicHex = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer)
      .subarray(-32)
      .toString('hex');
  }

  /** A snowflake-shaped id, unique in this fake. */
  id(): string {
    this.seq += 1;
    return String(1_400_000_000_000_000_000n + BigInt(this.seq));
  }

  channel(c: Partial<StrictChannel> & { id?: string } = {}): StrictChannel {
    const ch: StrictChannel = { id: c.id ?? this.id(), type: 0, visible: true, threads: true, ...c };
    this.channels.set(ch.id, ch);
    return ch;
  }

  /** A message the bot posted earlier (e.g. a card whose button is pressed). */
  botMessage(channel: string, content: string): StrictMessage {
    return this.store({ channel_id: channel, content, by: 'bot' });
  }

  /** A message someone else posted (a user), e.g. to start a thread from. */
  userMessage(channel: string, content: string): StrictMessage {
    return this.store({ channel_id: channel, content, by: 'user' });
  }

  refuseNext(method: string, path: RegExp, status: number, code: number, message: string, times = 1): void {
    this.scripted.push({ method, path, status, code, message, times });
  }

  /**
   * The next call matching is rate limited: 429 with `retry_after` in the body and the
   * `Retry-After` / `X-RateLimit-*` headers (https://discord.com/developers/docs/topics/rate-limits).
   */
  rateLimitNext(method: string, path: RegExp, retryAfterS: number): void {
    this.limited.push({ method, path, retryAfterS });
  }

  /** What the channel shows to everyone: its messages, without ephemeral ones. */
  visibleIn(channel: string): StrictMessage[] {
    return [...this.messages.values()].filter((m) => m.channel_id === channel && !m.ephemeral);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  async waitFor(pred: (c: StrictCall) => boolean, ms = 5_000): Promise<StrictCall> {
    const until = Date.now() + ms;
    for (;;) {
      const hit = this.calls.find(pred);
      if (hit) return hit;
      if (Date.now() > until) throw new Error('the expected Discord call never came');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Wait until nothing has reached the fake for `quietMs`. */
  async settle(quietMs = 150, ms = 5_000): Promise<void> {
    const until = Date.now() + ms;
    let n = -1;
    while (Date.now() < until) {
      if (n === this.calls.length) return;
      n = this.calls.length;
      await new Promise((r) => setTimeout(r, quietMs));
    }
  }

  /** Signed headers for a body, as Discord signs interaction requests (Ed25519 over timestamp + body). */
  signed(body: string, at = this.clock.now(), key = this.privateKey): Record<string, string> {
    const ts = String(Math.floor(at / 1000));
    return {
      'content-type': 'application/json',
      'x-signature-timestamp': ts,
      'x-signature-ed25519': sign(null, Buffer.from(ts + body), key).toString('hex'),
    };
  }

  /**
   * Discord sends an interaction to the bot's endpoint; the HTTP answer is its initial response,
   * due within 3 seconds (receiving-and-responding, "Responding to an Interaction").
   */
  async interact(
    url: string,
    o: {
      type: 2 | 3;
      data: object;
      channel: string;
      user?: string;
      username?: string;
      guild?: string | null;
      message?: string;
    },
  ): Promise<{ status: number; body: Json; token: string }> {
    const token = `itk-${randomBytes(12).toString('hex')}`;
    const user = o.user ?? '81234567890123456';
    const username = o.username ?? 'bob';
    let answered!: () => void;
    const it: StrictInteraction = {
      token,
      id: this.id(),
      type: o.type,
      channel: o.channel,
      user,
      createdAt: this.clock.now(),
      answered: new Promise<void>((r) => (answered = r)),
      ...(o.message ? { message: o.message } : {}),
    };
    this.interactions.set(token, it);
    const ch = this.channels.get(o.channel);
    const guild = o.guild === null || ch?.type === 1 ? undefined : (o.guild ?? '1000000000000000001');
    const msg = o.message ? this.messages.get(o.message) : undefined;
    const payload = JSON.stringify({
      id: it.id,
      application_id: this.app,
      type: o.type,
      data: o.data,
      ...(guild ? { guild_id: guild } : {}),
      channel_id: o.channel,
      channel: { id: o.channel, type: ch?.type ?? 0 },
      ...(guild ? { member: { user: { id: user, username }, roles: [] } } : { user: { id: user, username } }),
      ...(msg ? { message: { id: msg.id, channel_id: msg.channel_id } } : {}),
      token,
      version: 1,
    });
    const started = Date.now();
    const res = await fetch(url, { method: 'POST', headers: this.signed(payload), body: payload });
    const text = await res.text();
    const body: unknown = text ? JSON.parse(text) : undefined;
    if (res.status === 200 && isObj(body) && Date.now() - started <= 3_000) {
      const data = isObj(body.data) ? body.data : {};
      it.ack = { type: Number(body.type), flags: Number(data.flags ?? 0) };
      if (it.ack.type === 5) {
        // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: "thinking", ephemeral if the deferral said so.
        const eph = (it.ack.flags & FLAGS.EPHEMERAL) !== 0;
        it.original = this.store({
          channel_id: o.channel,
          content: '',
          by: 'interaction',
          token,
          thinking: true,
          ephemeral: eph,
          ...(eph ? { ephemeralTo: user } : {}),
        }).id;
      } else if (it.ack.type === 6 && o.message) {
        // DEFERRED_UPDATE_MESSAGE: @original is the message that carries the component.
        it.original = o.message;
      }
    }
    answered();
    return { status: res.status, body, token };
  }

  private store(m: Partial<StrictMessage> & { channel_id: string }): StrictMessage {
    const msg: StrictMessage = {
      id: this.id(),
      content: '',
      embeds: [],
      components: [],
      attachments: [],
      ephemeral: false,
      thinking: false,
      by: 'bot',
      edits: 0,
      ...m,
    };
    this.messages.set(msg.id, msg);
    return msg;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = decodeURIComponent(url.pathname.replace(/^\/api/, ''));
    const method = req.method ?? '';
    const { body, files } = parseBody(req.headers['content-type'] ?? '', raw);
    const call: StrictCall = {
      method,
      path,
      body,
      files,
      auth: req.headers.authorization,
      status: 200,
    };
    this.calls.push(call);
    const limit = this.limited.findIndex((l) => l.method === method && l.path.test(path));
    if (limit >= 0) {
      const [l] = this.limited.splice(limit, 1);
      call.status = 429;
      const s = JSON.stringify({
        message: 'You are being rate limited.',
        retry_after: l!.retryAfterS,
        global: false,
      });
      res.writeHead(429, {
        'content-type': 'application/json',
        'retry-after': String(l!.retryAfterS),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset-after': String(l!.retryAfterS),
        'x-ratelimit-bucket': 'strict-fake-bucket',
        'x-ratelimit-scope': 'user',
      });
      res.end(s);
      return;
    }
    try {
      const hit = this.scripted.find((s) => s.method === method && s.path.test(path) && s.times > 0);
      if (hit) {
        hit.times -= 1;
        refuse(hit.status, hit.code, hit.message);
      }
      const out = await this.route(method, path, body, files, req.headers.authorization);
      send(res, out === undefined ? 204 : 200, out);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      call.status = err.status;
      call.code = err.code;
      send(res, err.status, { message: err.message, code: err.code });
    }
  }

  private async route(
    method: string,
    path: string,
    body: Json,
    files: StrictFile[],
    auth: string | undefined,
  ): Promise<unknown> {
    let m: RegExpExecArray | null;
    const p = path.replace(/^\/v10/, '');
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/([^/]+))?$/.exec(p))) {
      // Interaction webhooks take the interaction token, not the bot token.
      return this.webhook(method, m[1] as string, m[2] as string, m[3], body, files);
    }
    this.authorize(auth);
    if ((m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(p)) && method === 'PUT') {
      if (m[1] !== this.app) refuse(403, 50001, 'Missing Access');
      if (!Array.isArray(body)) refuse(400, 50035, 'Invalid Form Body');
      this.commands.set(p, body);
      return (body as object[]).map((c) => ({ id: this.id(), application_id: this.app, ...c }));
    }
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(p)) && method === 'POST')
      return this.createMessage(m[1] as string, body, files);
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(p)) && method === 'PATCH') {
      const ch = this.viewable(m[1] as string);
      const msg = this.messages.get(m[2] as string);
      // Ephemeral messages are not in the channel: to the bot token they do not exist.
      if (!msg || msg.channel_id !== ch.id || msg.ephemeral) refuse(404, 10008, 'Unknown Message');
      if (msg!.by === 'user') refuse(403, 50005, 'Cannot edit a message authored by another user');
      return this.edit(msg!, body, files);
    }
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(p)) && method === 'POST')
      return this.startThread(m[1] as string, m[2] as string, body);
    return refuse(404, 0, '404: Not Found');
  }

  private authorize(auth: string | undefined): void {
    // A bad bot token is answered 401 with code 0 (opcodes-and-status-codes#http).
    if (auth !== `Bot ${this.botToken}`) refuse(401, 0, '401: Unauthorized');
  }

  /** The channel, if it exists and the bot user can see it. */
  private viewable(id: string): StrictChannel {
    const ch = this.channels.get(id);
    if (!ch) return refuse(404, 10003, 'Unknown Channel');
    const parent = ch.parent ? this.channels.get(ch.parent) : undefined;
    if (!ch.visible || (parent && !parent.visible)) refuse(403, 50001, 'Missing Access');
    return ch;
  }

  private createMessage(channel: string, body: Json, files: StrictFile[]): unknown {
    const ch = this.viewable(channel);
    this.checkPayload(body, files, 'create');
    // Only SUPPRESS_EMBEDS and SUPPRESS_NOTIFICATIONS may be set on a created message
    // (createMessage, "flags"): ephemeral messages exist only as interaction responses.
    const flags = Number(body.flags ?? 0);
    if (flags & ~(FLAGS.SUPPRESS_EMBEDS | FLAGS.SUPPRESS_NOTIFICATIONS))
      refuse(400, 50035, 'Invalid Form Body: flags');
    const ref = body.message_reference as { message_id?: string; channel_id?: string } | undefined;
    if (ref) {
      const target = ref.message_id ? this.messages.get(ref.message_id) : undefined;
      const ok = target && target.channel_id === ch.id && !target.ephemeral;
      if (!ok && body.message_reference.fail_if_not_exists !== false)
        refuse(400, 50035, 'Invalid Form Body: message_reference: Unknown message');
    }
    const msg = this.store({
      channel_id: ch.id,
      by: 'bot',
      ...(ref ? { message_reference: { message_id: ref.message_id as string, channel_id: ch.id } } : {}),
    });
    return this.edit(msg, body, files, true);
  }

  /** https://discord.com/developers/docs/resources/channel#start-thread-from-message */
  private startThread(channel: string, message: string, body: Json): unknown {
    const ch = this.viewable(channel);
    // Threads live in guild text (and announcement) channels; not in DMs, not in threads.
    if (ch.type !== 0) refuse(400, 50024, 'Cannot execute action on this channel type');
    const msg = this.messages.get(message);
    if (!msg || msg.channel_id !== ch.id || msg.ephemeral) refuse(404, 10008, 'Unknown Message');
    if (!ch.threads) refuse(403, 50013, 'Missing Permissions');
    // A thread started from a message has the message's id (one per message).
    if (this.channels.has(message)) refuse(400, 160004, 'A thread has already been created for this message');
    const name: unknown = body?.name;
    if (typeof name !== 'string' || name.length < 1 || name.length > 100)
      refuse(400, 50035, 'Invalid Form Body: name');
    const t = this.channel({
      id: message,
      type: 11,
      visible: ch.visible,
      threads: false,
      parent: ch.id,
      name: name as string,
    });
    return { id: t.id, type: 11, parent_id: ch.id, name, guild_id: '1000000000000000001' };
  }

  private async webhook(
    method: string,
    app: string,
    token: string,
    target: string | undefined,
    body: Json,
    files: StrictFile[],
  ): Promise<unknown> {
    const it = this.interactions.get(token);
    if (app !== this.app || !it) return refuse(404, 10015, 'Unknown Webhook');
    // Discord knows the interaction from the moment it sent it: wait for the bot's HTTP answer.
    await Promise.race([it.answered, new Promise((r) => setTimeout(r, 5_000))]);
    // "Interaction tokens are valid for 15 minutes" (receiving-and-responding).
    if (this.clock.now() - it.createdAt >= TOKEN_LIFE_MS) refuse(401, 50027, 'Invalid Webhook Token');
    // No initial response within 3 s: the interaction failed and its token is of no use.
    if (!it.ack) refuse(404, 10062, 'Unknown interaction');
    if (method === 'POST' && target === undefined) return this.followup(it, body, files);
    if (method === 'PATCH' && target !== undefined) {
      const id = target === '@original' ? it.original : target;
      const msg = id ? this.messages.get(id) : undefined;
      // A follow-up is edited only with the token of its own interaction.
      if (!msg || (target !== '@original' && msg.token !== token))
        return refuse(404, 10008, 'Unknown Message');
      return this.edit(msg, body, files);
    }
    return refuse(405, 0, '405: Method Not Allowed');
  }

  private followup(it: StrictInteraction, body: Json, files: StrictFile[]): unknown {
    this.checkPayload(body, files, 'create');
    const flags = Number(body.flags ?? 0);
    if (flags & ~(FLAGS.EPHEMERAL | FLAGS.SUPPRESS_EMBEDS | FLAGS.SUPPRESS_NOTIFICATIONS))
      refuse(400, 50035, 'Invalid Form Body: flags');
    const original = it.original ? this.messages.get(it.original) : undefined;
    if (it.ack?.type === 5 && original?.thinking) {
      // The first follow-up after a deferred response edits the "thinking" message, which keeps
      // the ephemerality the deferral chose (receiving-and-responding, "Followup Messages").
      return this.edit(original, body, files);
    }
    const eph = (flags & FLAGS.EPHEMERAL) !== 0;
    const msg = this.store({
      channel_id: it.channel,
      by: 'interaction',
      token: it.token,
      ephemeral: eph,
      ...(eph ? { ephemeralTo: it.user } : {}),
    });
    return this.edit(msg, body, files, true);
  }

  /** Apply a create or edit body. Edits cannot change flags beyond SUPPRESS_EMBEDS (editMessage). */
  private edit(msg: StrictMessage, body: Json, files: StrictFile[], created = false): unknown {
    if (!created) this.checkPayload(body, files, 'edit');
    // Filling a deferred reply is its first content, not an edit.
    if (!created && !msg.thinking) msg.edits += 1;
    msg.thinking = false;
    if ('content' in body) msg.content = body.content ?? '';
    if ('embeds' in body) msg.embeds = body.embeds ?? [];
    if ('components' in body) msg.components = body.components ?? [];
    if ('allowed_mentions' in body) msg.allowed_mentions = body.allowed_mentions;
    const uploaded = files.map((f) => ({ id: this.id(), filename: f.filename, content: f.content }));
    if (Array.isArray(body.attachments) && !created) {
      // On an edit, only the attachments listed are kept (reference#editing-message-attachments).
      const keep = new Set((body.attachments as { id: unknown }[]).map((a) => String(a.id)));
      msg.attachments = [...msg.attachments.filter((a) => keep.has(a.id)), ...uploaded];
    } else {
      msg.attachments = [...msg.attachments, ...uploaded];
    }
    // At most 10 attachments on a message (reference#uploading-files).
    if (msg.attachments.length > 10) refuse(400, 50035, 'Invalid Form Body: attachments');
    return this.json(msg);
  }

  private checkPayload(body: Json, files: StrictFile[], kind: 'create' | 'edit'): void {
    if (!isObj(body)) refuse(400, 50035, 'Invalid Form Body');
    if (files.length > 10) refuse(400, 50035, 'Invalid Form Body: files');
    const problems = discordPayloadProblems({
      ...(typeof body.content === 'string' ? { content: body.content } : {}),
      ...(Array.isArray(body.embeds) ? { embeds: body.embeds } : {}),
      ...(Array.isArray(body.components) ? { components: body.components } : {}),
    });
    const empty = problems.some((p) => p.startsWith('message: no content'));
    const broken = problems.filter((p) => !p.startsWith('message: no content'));
    // A broken field: 50035 with the error tree; nothing to show: 50006 (opcodes-and-status-codes#json).
    // An edit may leave out what it does not change; files alone are a message.
    if (broken.length) refuse(400, 50035, `Invalid Form Body: ${broken.join('; ')}`);
    if (kind === 'create' && empty && files.length === 0) refuse(400, 50006, 'Cannot send an empty message');
  }

  private json(m: StrictMessage): object {
    return {
      id: m.id,
      channel_id: m.channel_id,
      content: m.content,
      embeds: m.embeds,
      components: m.components,
      attachments: m.attachments.map((a) => ({ id: a.id, filename: a.filename })),
      flags: m.ephemeral ? FLAGS.EPHEMERAL : 0,
      ...(m.message_reference ? { message_reference: m.message_reference } : {}),
    };
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (status === 204) {
    res.writeHead(204).end();
    return;
  }
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
  res.end(s);
}

/** JSON, or multipart/form-data with `payload_json` and `files[n]` (reference#uploading-files). */
function parseBody(type: string, raw: Buffer): { body: Json; files: StrictFile[] } {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
  if (!type.startsWith('multipart/form-data') || !boundary) {
    const text = raw.toString('utf8');
    return { body: text ? JSON.parse(text) : {}, files: [] };
  }
  const b = `--${boundary[1] ?? boundary[2]}`;
  const files: StrictFile[] = [];
  let body: unknown = {};
  for (const part of raw.toString('latin1').split(b).slice(1, -1)) {
    const split = part.indexOf('\r\n\r\n');
    const head = part.slice(0, split);
    const data = Buffer.from(part.slice(split + 4, -2), 'latin1').toString('utf8');
    const name = /name="([^"]+)"/.exec(head)?.[1];
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    if (name === 'payload_json') body = JSON.parse(data);
    else if (filename !== undefined) files.push({ filename, content: data });
  }
  return { body, files };
}

export { DOCS as DISCORD_DOCS };
