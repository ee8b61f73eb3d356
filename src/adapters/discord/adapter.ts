/**
 * Discord through discord.js: slash commands registered from the command registry (retried with
 * backoff when Discord refuses, the reason shown in readiness), interactions answered through
 * their token for as long as it lives, private answers only through the interaction, threads as
 * Discord has them, and long answers as one message with the rest in a file. Interactions arrive
 * over the gateway, or over HTTP with Ed25519 signatures verified and replays refused.
 *
 * Discord's rules this follows, from
 * https://discord.com/developers/docs/interactions/receiving-and-responding:
 * - an interaction must be answered within 3 seconds; a deferred answer (type 5) fixes whether the
 *   reply is ephemeral (flag 64), and later edits cannot change it;
 * - the interaction token lives 15 minutes: `PATCH /webhooks/{app}/{token}/messages/@original`
 *   edits the reply (for a button deferred with type 6, the message that carries the button) and
 *   `POST /webhooks/{app}/{token}` follows up — even where the bot user cannot see the channel;
 * - ephemeral messages exist only as interaction responses and follow-ups.
 */
import {
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  REST,
  Routes,
  type Interaction,
} from 'discord.js';
import {
  ApplicationCommandType,
  GatewayCloseCodes,
  InteractionResponseType,
  InteractionType,
  RESTJSONErrorCodes,
  type APIChatInputApplicationCommandInteractionData,
  type APIInteraction,
  type APIMessage,
} from 'discord-api-types/v10';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdapterServices } from '../../core/adapter.ts';
import type { ChatAdapter, Deliver, Responder } from '../../core/chat.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { readBody, sendJson } from '../../core/http/server.ts';
import type { Logger } from '../../core/logging.ts';
import type { Conversation, Message, MessageRef } from '../../core/message/model.ts';
import { buildCommands, commandLine } from './commands.ts';
import type { DiscordConfig } from './config.ts';
import { compose, threadName, type Composed } from './compose.ts';
import { discordRestAgent } from './rest-agent.ts';
import { publicKeyFromHex, verifyInteraction } from './signature.ts';
import { Bounded, ReplayGuard } from './state.ts';

const ACTION_ID = /^a_[A-Za-z0-9_-]{20,40}$/;
const EPHEMERAL = MessageFlags.Ephemeral;
/** An interaction token is valid for 15 minutes; no call is started in its last 30 seconds. */
export const TOKEN_LIFE_MS = 15 * 60_000;
const TOKEN_MARGIN_MS = 30_000;
/** Discord wants an interaction answered within 3 seconds; a command's first message may take this long. */
const ACK_WINDOW_MS = 1_500;
/** After Discord refuses a thread in a channel, replies there quote the message for this long. */
const NO_THREADS_MS = 10 * 60_000;

export interface DiscordAdapterOptions {
  clock?: Clock;
  /** How long a command's first message may take before the interaction is deferred publicly. */
  ackWindowMs?: number;
  /** The wait before the n-th retry (from 1) of a failed start: registration or login. */
  retryDelayMs?: (attempt: number) => number;
}

const backoff = (n: number) => Math.min(5_000 * 2 ** (n - 1), 5 * 60_000);

/** Discord's own words for a failed call: status, JSON error code and message. */
export function discordError(err: unknown): { status?: number; code?: number | string; message: string } {
  if (err instanceof DiscordAPIError)
    return {
      status: err.status,
      code: err.code,
      message: 'message' in err.rawError ? err.rawError.message : err.message,
    };
  const e = err as { status?: unknown; code?: unknown; message?: unknown };
  return {
    ...(typeof e?.status === 'number' ? { status: e.status } : {}),
    ...(typeof e?.code === 'number' || typeof e?.code === 'string' ? { code: e.code } : {}),
    message: typeof e?.message === 'string' ? e.message : String(err),
  };
}

const apiCode = (err: unknown): number | undefined =>
  err instanceof DiscordAPIError && typeof err.code === 'number' ? err.code : undefined;

/** One interaction being answered. */
interface Turn {
  kind: 'command' | 'action';
  token: string;
  /** When it arrived: its token lives 15 minutes from then. */
  at: number;
  asker: string;
  channel: string;
  dm: boolean;
  /** Sends the initial response (commands only), until it has been sent. */
  ack?: (ephemeral: boolean) => Promise<void>;
  ackTimer?: NodeJS.Timeout;
  /** A command's deferred reply (`@original`) is "thinking" until filled. */
  original: 'thinking' | 'filled';
  originalEphemeral: boolean;
  /** The first public message of a slash command's answer names who asked. */
  attributed: boolean;
  /** Messages of one turn leave in order. */
  queue: Promise<unknown>;
}

/** How a message posted through an interaction is edited while the token lives. */
interface ViaToken {
  token: string;
  at: number;
  target: string;
  ephemeral: boolean;
  /** The "asked by" line the message carries, kept through edits. */
  attribution?: string;
}

export class DiscordAdapter implements ChatAdapter {
  readonly platform = 'discord';
  private readonly cfg: DiscordConfig;
  private readonly services: AdapterServices;
  private readonly log: Logger;
  private readonly rest: REST;
  private readonly clock: Clock;
  private readonly ackWindowMs: number;
  private readonly retryDelayMs: (attempt: number) => number;
  private client?: Client;
  private deliver?: Deliver;
  private connected = false;
  private stopped = false;
  /** Why the adapter is not serving, from Discord's own answer; shown by /readyz. */
  private problem?: string;
  private retryTimer?: NodeJS.Timeout;
  private attempts = 0;
  private readonly turns = new Set<Turn>();
  // In memory (the adapter has no store): after a restart, messages older than the process are
  // edited with the bot token and threads are found again through Discord's 160004 answer.
  private readonly viaToken = new Bounded<string, ViaToken>(5_000);
  /** Message id → id of the thread started from it (the same id, for threads Discord starts from a message). */
  private readonly threads = new Bounded<string, string>(5_000);
  /** Names for threads: the header or first line of messages the bot posted. */
  private readonly names = new Bounded<string, string>(5_000);
  private readonly noThreads = new Bounded<string, number>(1_000);
  private readonly replays: ReplayGuard;
  /** See rest-agent.ts: discord.js's REST must not send through the process-wide dispatcher. */
  private readonly agent: ReturnType<typeof discordRestAgent>;

  constructor(cfg: DiscordConfig, services: AdapterServices, opts: DiscordAdapterOptions = {}) {
    this.cfg = cfg;
    this.services = services;
    this.log = services.log;
    this.clock = opts.clock ?? systemClock;
    this.ackWindowMs = opts.ackWindowMs ?? ACK_WINDOW_MS;
    this.retryDelayMs = opts.retryDelayMs ?? backoff;
    this.replays = new ReplayGuard(10_000, this.clock);
    this.agent = discordRestAgent();
    this.rest = new REST({
      version: '10',
      agent: this.agent,
      ...(cfg.apiUrl ? { api: cfg.apiUrl.replace(/\/$/, '') } : {}),
    }).setToken(cfg.botToken);
  }

  /**
   * The REST client for bot-token calls. discord.js's REST layer forgets the token after a 401;
   * setting it again each time lets every later call get Discord's own answer (a 401 again, or
   * success once the token is valid) instead of "Expected token to be set".
   */
  private bot(): REST {
    return this.rest.setToken(this.cfg.botToken);
  }

  private now(): number {
    return this.clock.now();
  }

  /**
   * Never throws for Discord's sake: a refused registration or login is logged with Discord's own
   * error, shown in readiness, and retried with backoff while the rest of the bot serves.
   */
  async start(deliver: Deliver): Promise<void> {
    this.deliver = deliver;
    this.stopped = false;
    if (this.cfg.mode === 'http') {
      const key = publicKeyFromHex(this.cfg.publicKey as string);
      this.services.http.route(this.cfg.path, (req, res) => this.onHttp(req, res, key));
    }
    await this.connect();
  }

  /** Register the commands and, in gateway mode, log in; on failure, try again later. */
  private async connect(): Promise<void> {
    if (this.stopped) return;
    let step = 'command registration';
    try {
      if (this.cfg.registerCommands) await this.register();
      step = 'login';
      if (this.cfg.mode === 'gateway') await this.login();
      this.attempts = 0;
      this.problem = undefined;
      if (this.cfg.mode === 'http') this.connected = true;
    } catch (err) {
      if (this.stopped) return;
      this.failed(step, discordError(err));
    }
  }

  /** Say why Discord refused `step` (readiness and the log), and connect again after a backoff. */
  private failed(step: string, e: ReturnType<typeof discordError>): void {
    this.attempts += 1;
    const wait = this.retryDelayMs(this.attempts);
    const status = e.status ? `${e.status} ` : '';
    const code = e.code !== undefined && e.code !== '' ? ` (code ${e.code})` : '';
    this.problem = `Discord refused ${step}: ${status}${e.message}${code}; retrying in ${Math.ceil(wait / 1000)} s`;
    this.log.error(
      { status: e.status, code: e.code, discordMessage: e.message, attempt: this.attempts, retryMs: wait },
      `discord ${step} failed`,
    );
    this.retryTimer = setTimeout(() => void this.connect(), wait);
    this.retryTimer.unref();
  }

  private async login(): Promise<void> {
    await this.client?.destroy();
    const client = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: { agent: this.agent, ...(this.cfg.apiUrl ? { api: this.cfg.apiUrl } : {}) },
    });
    client.on(Events.InteractionCreate, (i) => void this.onGateway(i));
    client.on(Events.ClientReady, () => (this.connected = true));
    client.on(Events.ShardDisconnect, ({ code }) => {
      const wasConnected = this.connected;
      this.connected = false;
      // discord.js gives up for good on a close code it cannot recover from (4004 authentication
      // failed, 4014 disallowed intents, …). At login the rejected login() says so; once
      // connected, nothing else would: say why, and log in again with backoff.
      if (!wasConnected || this.stopped || this.client !== client) return;
      this.failed('login', {
        code,
        message: `the Gateway closed with ${GatewayCloseCodes[code] ?? 'an error'}`,
      });
    });
    this.client = client;
    try {
      await client.login(this.cfg.botToken);
    } catch (err) {
      await client.destroy().catch(() => undefined);
      this.client = undefined;
      throw err;
    }
  }

  health(): string | null {
    if (this.problem) return this.problem;
    return this.connected ? null : 'not connected to Discord';
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.deliver = undefined;
    this.connected = false;
    clearTimeout(this.retryTimer);
    for (const t of this.turns) clearTimeout(t.ackTimer);
    this.turns.clear();
    await this.client?.destroy();
    await this.agent.close().catch(() => undefined);
  }

  /** Register the slash commands (per guild: instant; global otherwise). */
  async register(): Promise<void> {
    const body = buildCommands(this.services.registry.all(), this.cfg.groups);
    const route = this.cfg.guildId
      ? Routes.applicationGuildCommands(this.cfg.applicationId, this.cfg.guildId)
      : Routes.applicationCommands(this.cfg.applicationId);
    await this.bot().put(route, { body });
    this.log.info(
      { commands: body.length, guild: this.cfg.guildId ?? 'global' },
      'discord commands registered',
    );
  }

  private async onHttp(
    req: IncomingMessage,
    res: ServerResponse,
    key: ReturnType<typeof publicKeyFromHex>,
  ): Promise<void> {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' });
    let raw: Buffer;
    try {
      raw = await readBody(req, 1024 * 1024);
    } catch {
      return sendJson(res, 413, { error: 'payload too large' });
    }
    const sig = req.headers['x-signature-ed25519'] as string | undefined;
    const ts = req.headers['x-signature-timestamp'] as string | undefined;
    // The timestamp is signed with the body: one more than 5 minutes off either way is refused.
    if (!verifyInteraction(key, sig, ts, raw, this.now())) {
      this.log.warn('discord interaction refused: bad signature');
      return sendJson(res, 401, { error: 'invalid request signature' });
    }
    // A correctly signed request seen before is a replay.
    if (!this.replays.first(sig as string)) {
      this.log.warn('discord interaction refused: replayed');
      return sendJson(res, 401, { error: 'replayed request' });
    }
    let i: APIInteraction;
    try {
      i = JSON.parse(raw.toString('utf8')) as APIInteraction;
    } catch {
      return sendJson(res, 400, { error: 'body is not JSON' });
    }
    if (i.type === InteractionType.Ping) return sendJson(res, 200, { type: InteractionResponseType.Pong });
    if (i.type === InteractionType.ApplicationCommand) {
      // The answer (type 5, ephemeral or not) waits for the first message, within Discord's 3 s.
      const data = i.data as APIChatInputApplicationCommandInteractionData;
      const ack = async (ephemeral: boolean) =>
        sendJson(res, 200, {
          type: InteractionResponseType.DeferredChannelMessageWithSource,
          ...(ephemeral ? { data: { flags: EPHEMERAL } } : {}),
        });
      this.dispatch('command', commandLine(data, this.services.registry.all()), i, undefined, ack);
      return;
    }
    if (i.type === InteractionType.MessageComponent) {
      sendJson(res, 200, { type: InteractionResponseType.DeferredMessageUpdate });
      const customId = (i.data as { custom_id?: string }).custom_id ?? '';
      const msg = i.message as APIMessage | undefined;
      const source = msg ? { platform: 'discord', channel: msg.channel_id, id: msg.id } : undefined;
      if (ACTION_ID.test(customId)) this.dispatch('action', customId, i, source);
      return;
    }
    return sendJson(res, 400, { error: 'unsupported interaction type' });
  }

  private dispatch(
    kind: 'command' | 'action',
    value: string,
    i: APIInteraction,
    source: MessageRef | undefined,
    ack?: (ephemeral: boolean) => Promise<void>,
  ): void {
    const user = i.member?.user ?? i.user;
    const roles = i.member?.roles ?? [];
    const channel = i.channel?.id ?? (i as { channel_id?: string }).channel_id ?? '';
    const conversation: Conversation = { platform: 'discord', channel };
    const turn: Turn = {
      kind,
      token: i.token,
      at: this.now(),
      asker: user?.id ?? '',
      channel,
      dm: !i.guild_id,
      ...(ack ? { ack } : {}),
      original: kind === 'command' ? 'thinking' : 'filled',
      originalEphemeral: false,
      attributed: kind !== 'command',
      queue: Promise.resolve(),
    };
    if (turn.ack) {
      turn.ackTimer = setTimeout(() => void this.acknowledge(turn, false), this.ackWindowMs);
      this.turns.add(turn);
    }
    // Deferred with type 6, the press's `@original` is the message that carries the button.
    if (kind === 'action' && source)
      this.viaToken.set(source.id, {
        token: i.token,
        at: turn.at,
        target: '@original',
        ephemeral: false,
        ...(this.viaToken.get(source.id)?.attribution
          ? { attribution: this.viaToken.get(source.id)?.attribution }
          : {}),
      });
    const platformUser = {
      platform: 'discord',
      id: user?.id ?? 'unknown',
      name: user?.username,
      groups: roles.map((r) => `discord:role:${r}`),
    };
    // A button's thread answers go under the message that carried it.
    const respond = this.responder(conversation, turn, source);
    const event =
      kind === 'command'
        ? ({ kind, text: value, user: platformUser, conversation, respond } as const)
        : ({ kind, actionId: value, user: platformUser, conversation, respond, source } as const);
    const done = this.deliver?.(event) ?? Promise.resolve();
    // Nothing said at all: the interaction is still answered, so Discord does not call it failed.
    void done
      .catch(() => undefined)
      .then(() => turn.queue)
      .then(() => this.acknowledge(turn, true))
      .catch((err: unknown) => this.log.warn(discordError(err), 'discord interaction answer failed'));
  }

  /** Send the initial response of a command, once: ephemeral when its first message is. */
  private async acknowledge(turn: Turn, ephemeral: boolean): Promise<void> {
    const ack = turn.ack;
    if (!ack) return;
    turn.ack = undefined;
    clearTimeout(turn.ackTimer);
    this.turns.delete(turn);
    turn.originalEphemeral = ephemeral;
    await ack(ephemeral);
  }

  private async onGateway(i: Interaction): Promise<void> {
    try {
      if (i.isChatInputCommand()) {
        // discord.js keeps no raw `data` (toJSON() has none): the options tree it parsed is
        // `options.data`, with each option's name, type, value and sub-options as Discord sent them.
        const data = {
          id: i.commandId,
          name: i.commandName,
          type: ApplicationCommandType.ChatInput,
          options: i.options.data,
        } as unknown as APIChatInputApplicationCommandInteractionData;
        const ack = async (ephemeral: boolean) => {
          await i.deferReply(ephemeral ? { flags: EPHEMERAL } : {});
        };
        this.dispatch(
          'command',
          commandLine(data, this.services.registry.all()),
          this.asApi(i),
          undefined,
          ack,
        );
      } else if (i.isButton()) {
        await i.deferUpdate();
        if (ACTION_ID.test(i.customId)) {
          this.dispatch('action', i.customId, this.asApi(i), {
            platform: 'discord',
            channel: i.channelId,
            id: i.message.id,
          });
        }
      }
    } catch (err) {
      this.log.error(discordError(err), 'discord interaction failed');
    }
  }

  private asApi(i: Interaction): APIInteraction {
    return {
      ...(i.toJSON() as object),
      token: i.token,
      channel: { id: i.channelId },
      guild_id: i.guildId ?? undefined,
      member: i.inGuild()
        ? {
            user: { id: i.user.id, username: i.user.username },
            roles: [
              ...(i.member?.roles && 'cache' in i.member.roles
                ? i.member.roles.cache.keys()
                : ((i.member?.roles as string[] | undefined) ?? [])),
            ],
          }
        : undefined,
      user: { id: i.user.id, username: i.user.username },
    } as unknown as APIInteraction;
  }

  private responder(conv: Conversation, turn: Turn, source?: MessageRef): Responder {
    let root: MessageRef | undefined = source;
    const post = async (m: Message): Promise<MessageRef> => {
      if (m.placement === 'thread' && root && !m.ephemeral && !turn.dm) {
        const thread = await this.threadOf(root.channel, root.id, this.names.get(root.id) ?? threadName(m));
        if (thread) return this.postTo({ ...conv, channel: root.channel, thread }, m);
        // No thread allowed here: the answer stays in the interaction.
      }
      const ref = await this.viaInteraction(conv, turn, m);
      if (!m.ephemeral && ref.id) root ??= ref;
      return ref;
    };
    return {
      post: (m) => {
        const next = turn.queue.then(() => post(m));
        turn.queue = next.catch(() => undefined);
        return next;
      },
      update: (ref, m) => {
        const next = turn.queue.then(() => this.update(ref, m));
        turn.queue = next.catch(() => undefined);
        return next;
      },
    };
  }

  private live(at: number): boolean {
    return this.now() < at + TOKEN_LIFE_MS - TOKEN_MARGIN_MS;
  }

  /** A message of an interaction's answer: through its token while it lives, never as the bot when private. */
  private async viaInteraction(conv: Conversation, turn: Turn, m: Message): Promise<MessageRef> {
    const none = { platform: 'discord', channel: conv.channel, id: '' };
    if (!this.live(turn.at)) {
      if (m.ephemeral) {
        this.log.warn('discord interaction token expired: a private answer could not be sent');
        return none;
      }
      return this.postTo(conv, m);
    }
    await this.acknowledge(turn, !!m.ephemeral);
    const ephemeral = !!m.ephemeral;
    if (turn.original === 'thinking' && ephemeral !== turn.originalEphemeral && !turn.originalEphemeral) {
      // Deferred publicly, but this answer is private: the public reply says so, the answer follows privately.
      await this.webhook('PATCH', turn, '@original', {
        body: {
          content: `<@${turn.asker}> — the answer was sent privately.`,
          embeds: [],
          components: [],
          allowed_mentions: { parse: [] },
        },
        files: [],
      });
      turn.original = 'filled';
      turn.attributed = true;
    }
    let attribution: string | undefined;
    if (!ephemeral && !turn.attributed && turn.asker) {
      attribution = `asked by <@${turn.asker}>`;
      turn.attributed = true;
    }
    const out = compose(m, attribution);
    let first: MessageRef | undefined;
    for (const [n, part] of [out.first, ...out.extra].entries()) {
      const files = n === 0 ? out.files : [];
      let msg: APIMessage;
      let target: string;
      if (turn.original === 'thinking') {
        msg = await this.webhook('PATCH', turn, '@original', { body: part, files });
        target = '@original';
        turn.original = 'filled';
      } else {
        msg = await this.webhook('POST', turn, undefined, {
          body: { ...part, ...(ephemeral ? { flags: EPHEMERAL } : {}) },
          files,
        });
        target = msg.id;
      }
      this.viaToken.set(msg.id, {
        token: turn.token,
        at: turn.at,
        target,
        ephemeral: target === '@original' ? turn.originalEphemeral : ephemeral,
        ...(n === 0 && attribution ? { attribution } : {}),
      });
      if (n === 0) {
        this.names.set(msg.id, threadName(m));
        first = { platform: 'discord', channel: msg.channel_id ?? conv.channel, id: msg.id };
      }
    }
    return first ?? none;
  }

  private async webhook(
    method: 'POST' | 'PATCH',
    via: { token: string },
    target: string | undefined,
    o: { body: object; files: Composed['files'] },
  ): Promise<APIMessage> {
    const route =
      target === undefined
        ? Routes.webhook(this.cfg.applicationId, via.token)
        : Routes.webhookMessage(this.cfg.applicationId, via.token, target);
    const req = { body: withAttachments(o.body, o.files), auth: false, ...uploads(o.files) };
    const res = method === 'POST' ? await this.rest.post(route, req) : await this.rest.patch(route, req);
    return res as APIMessage;
  }

  /**
   * The thread of a message, starting it when there is none (`POST
   * /channels/{channel.id}/messages/{message.id}/threads`,
   * https://discord.com/developers/docs/resources/channel#start-thread-from-message). undefined
   * where Discord allows no thread (a DM, missing permissions): the caller replies to the message.
   */
  private async threadOf(channel: string, message: string, name: string): Promise<string | undefined> {
    if (message === channel) return channel;
    const known = this.threads.get(message);
    if (known) return known;
    if ((this.noThreads.get(channel) ?? 0) > this.now()) return undefined;
    let id: string;
    try {
      const t = (await this.bot().post(Routes.threads(channel, message), {
        body: { name, auto_archive_duration: 1440 },
      })) as { id: string };
      id = t.id;
    } catch (err) {
      const code = apiCode(err);
      if (code === RESTJSONErrorCodes.ThreadAlreadyCreatedForMessage) {
        // A thread started from a message has the message's id.
        id = message;
      } else if (code === RESTJSONErrorCodes.UnknownMessage) {
        // Not a message of this channel: the id names a thread channel already.
        id = message;
      } else if (
        code === RESTJSONErrorCodes.MissingPermissions ||
        code === RESTJSONErrorCodes.MissingAccess ||
        code === RESTJSONErrorCodes.CannotExecuteActionOnThisChannelType
      ) {
        this.log.info({ channel, ...discordError(err) }, 'discord thread refused: replying in the channel');
        this.noThreads.set(channel, this.now() + NO_THREADS_MS);
        return undefined;
      } else {
        throw err;
      }
    }
    this.threads.set(message, id);
    return id;
  }

  post(to: Conversation, m: Message): Promise<MessageRef> {
    return this.postTo(to, m);
  }

  /** As the bot user: in the channel, in a thread (started if need be), or as a reply to a message. */
  private async postTo(to: Conversation, m: Message): Promise<MessageRef> {
    if (m.ephemeral) {
      // Only an interaction can show a message to one person; as the bot it would be public.
      this.log.warn({ channel: to.channel }, 'discord private message outside an interaction not sent');
      return { platform: 'discord', channel: to.channel, id: '' };
    }
    let target = to.channel;
    let thread: string | undefined;
    let reference: string | undefined;
    if (to.thread) {
      thread = await this.threadOf(to.channel, to.thread, this.names.get(to.thread) ?? threadName(m));
      if (thread) target = thread;
      else reference = to.thread;
    }
    const out = compose(m);
    let first: MessageRef | undefined;
    for (const [n, part] of [out.first, ...out.extra].entries()) {
      const files = n === 0 ? out.files : [];
      const body = {
        ...withAttachments(part, files),
        ...(reference && n === 0
          ? {
              message_reference: { message_id: reference, channel_id: to.channel, fail_if_not_exists: false },
            }
          : {}),
      };
      let msg: APIMessage;
      try {
        msg = (await this.bot().post(Routes.channelMessages(target), {
          body,
          ...uploads(files),
        })) as APIMessage;
      } catch (err) {
        // The thread is gone (or never was: the message was deleted): say it in the channel.
        if (n > 0 || !thread || apiCode(err) !== RESTJSONErrorCodes.UnknownChannel) throw err;
        this.log.info({ channel: to.channel, thread }, 'discord thread unknown: posting in the channel');
        this.threads.delete(to.thread as string);
        target = to.channel;
        thread = undefined;
        msg = (await this.bot().post(Routes.channelMessages(target), {
          body: withAttachments(part, files),
          ...uploads(files),
        })) as APIMessage;
      }
      if (n === 0) {
        this.names.set(msg.id, threadName(m));
        first = { platform: 'discord', channel: target, id: msg.id, ...(thread ? { thread } : {}) };
      }
    }
    const ref = first ?? { platform: 'discord', channel: to.channel, id: '' };
    if (m.placement === 'thread' && !ref.thread && ref.id) {
      const t = await this.threadOf(ref.channel, ref.id, threadName(m));
      if (t) ref.thread = t;
    }
    return ref;
  }

  /** Through the interaction token while it lives (the bot user may not see the channel); as the bot after. */
  async update(ref: MessageRef, m: Message): Promise<void> {
    const via = this.viaToken.get(ref.id);
    const out = compose(m, via?.attribution);
    const body = { ...out.first, content: out.first.content ?? '' };
    if (via && this.live(via.at)) {
      await this.webhook('PATCH', via, via.target, { body, files: out.files });
    } else if (via?.ephemeral) {
      this.log.warn('discord interaction token expired: a private message cannot be edited');
      return;
    } else {
      await this.bot().patch(Routes.channelMessage(ref.channel, ref.id), {
        body: withAttachments(body, out.files),
        ...uploads(out.files),
      });
    }
    for (const part of out.extra)
      await this.bot().post(Routes.channelMessages(ref.thread ?? ref.channel), { body: part });
  }
}

/** Files for discord.js's REST layer (multipart `files[n]`). */
function uploads(files: Composed['files']): {
  files?: { name: string; data: Buffer; contentType: string }[];
} {
  if (!files.length) return {};
  return {
    files: files.map((f) => ({
      name: f.filename,
      data: f.path ? readFileSync(f.path) : Buffer.from(f.content ?? '', 'utf8'),
      contentType: f.contentType,
    })),
  };
}

/**
 * The files of a message listed in `attachments` (id n is `files[n]`): on an edit, Discord keeps
 * only the attachments listed, so an edited message carries its files once, not once per edit
 * (https://discord.com/developers/docs/reference#editing-message-attachments).
 */
function withAttachments(body: object, files: Composed['files']): object {
  if (!files.length) return body;
  return { ...body, attachments: files.map((f, id) => ({ id, filename: f.filename })) };
}
