/**
 * Slack through Bolt: slash commands, mentions and buttons in, Block Kit out. Every interaction is
 * acknowledged at once and answered afterwards, so a slow backend never breaks Slack's 3-second
 * rule. Socket Mode needs no public endpoint; HTTP mode mounts Bolt's receiver (which verifies
 * request signatures) on deckhand's own HTTP server, behind a guard that refuses timestamps more
 * than five minutes off either way and replayed requests (verify.ts).
 *
 * A reply keeps the channel it came in on: a slash command's answers are bot messages where the
 * bot can post, else go through the command's response_url (replaced and continued there while it
 * is valid); private messages reach only the asker; a slash command's public answers name who
 * asked, since Slack does not show the command.
 */
import {
  App,
  HTTPReceiver,
  SocketModeReceiver,
  webApi,
  type AuthorizeResult,
  type RespondArguments,
  type RespondFn,
} from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { AdapterServices } from '../../core/adapter.ts';
import type { ChatAdapter, Deliver, Responder } from '../../core/chat.ts';
import type { Logger } from '../../core/logging.ts';
import type { Conversation, Message, MessageRef } from '../../core/message/model.ts';
import type { OutFile } from '../shared/files.ts';
import type { SlackConfig } from './config.ts';
import { slackLogger } from './logger.ts';
import { toSlack, type SlackMessage } from './render.ts';
import { UserGroups } from './user-groups.ts';
import { QuietGate } from './quiet-gate.ts';
import { guardRequests } from './verify.ts';

const ACTION_ID = /^a_[A-Za-z0-9_-]{20,40}$/;

/**
 * A response_url is valid for 30 minutes and up to 5 uses
 * (https://api.slack.com/interactivity/handling#message_responses).
 */
const RESPONSE_URL_MINUTES = 30;
const RESPONSE_URL_USES = 5;
/** chat.postMessage's answers where the bot cannot post (https://api.slack.com/methods/chat.postMessage#errors). */
const CANNOT_POST = new Set(['not_in_channel', 'channel_not_found']);
/** chat.postEphemeral's, and the user not being in the channel (https://api.slack.com/methods/chat.postEphemeral#errors). */
const PRIVATE_FALLBACK = new Set([...CANNOT_POST, 'user_not_in_channel']);
/** chat.update's, where the bot cannot edit the message (https://api.slack.com/methods/chat.update#errors). */
const UPDATE_FALLBACK = new Set([
  ...CANNOT_POST,
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
]);
/** How long before the asker is told again that the bot cannot post in a channel. */
const TELL_AGAIN_MS = 24 * 3600_000;
/** Bounds of the adapter's small memories (messages sent through response_urls, who was told). */
const MEMORY = 2_000;
/** Socket Mode: how long before trying again after a refused or failed connection (doubling). */
const RECONNECT_MS = 2_000;
const RECONNECT_MAX_MS = 300_000;
/** apps.connections.open's answers that mean the app-level token is wrong (https://api.slack.com/methods/apps.connections.open#errors). */
const TOKEN_REFUSED = new Set(['not_authed', 'invalid_auth', 'not_allowed_token_type', 'account_inactive']);

const errorCode = (err: unknown): string => (err as { data?: { error?: string } }).data?.error ?? '';
/** A ts of a message the bot posted itself (not a response_url or ephemeral message). */
const isBotTs = (id: string): boolean => /^\d+\.\d+$/.test(id);

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > MEMORY) map.delete(map.keys().next().value as K);
}

/** One interaction's response_url and what it has been used for. */
class ResponseUrl {
  private uses = 0;
  private readonly until: number;
  /**
   * What `replace_original` replaces: for a slash command, the last message posted through the
   * URL; for a button, the message that carried it.
   */
  original?: string;

  private readonly respond: RespondFn;
  readonly kind: 'command' | 'action';

  constructor(respond: RespondFn, kind: 'command' | 'action', original?: string) {
    this.respond = respond;
    this.kind = kind;
    this.until = Date.now() + RESPONSE_URL_MINUTES * 60_000;
    this.original = original;
  }

  usable(n = 1): boolean {
    return this.uses + n <= RESPONSE_URL_USES && Date.now() < this.until;
  }

  async send(body: RespondArguments): Promise<void> {
    this.uses += 1;
    await this.respond(body);
  }
}

/** How a turn may answer, besides posting as the bot. */
interface Turn {
  userId?: string;
  /** A slash command's asker: Slack does not show the command, so its public answers name them. */
  askedBy?: string;
  response?: ResponseUrl;
  /** Set once the bot found it cannot post in the turn's channel. */
  cannotPost?: boolean;
}

export class SlackAdapter implements ChatAdapter {
  readonly platform = 'slack';
  private readonly cfg: SlackConfig;
  private readonly services: AdapterServices;
  private readonly log: Logger;
  private readonly app: App;
  private readonly client: WebClient;
  private readonly receiver?: HTTPReceiver;
  private readonly socket?: SocketModeReceiver;
  private readonly groups: UserGroups;
  private connected = false;
  /** Socket Mode: why the last connection attempt failed, until one succeeds. */
  private problem?: string;
  private attempts = 0;
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;
  private deliver?: Deliver;
  private seq = 0;
  /** Messages posted through a response_url, by the id their MessageRef carries. */
  private readonly viaResponse = new Map<string, { url: ResponseUrl; ephemeral: boolean }>();
  /** Ephemeral messages posted with chat.postEphemeral, and whom to. */
  private readonly ephemeralUsers = new Map<string, string>();
  /** When a user was last told the bot cannot post in a channel (`channel/user`). */
  private readonly told = new Map<string, number>();
  private botName?: string;

  constructor(cfg: SlackConfig, services: AdapterServices) {
    this.cfg = cfg;
    this.services = services;
    this.log = services.log;
    const logger = slackLogger(this.log);
    const clientOptions = {
      ...(cfg.apiUrl ? { slackApiUrl: cfg.apiUrl.endsWith('/') ? cfg.apiUrl : cfg.apiUrl + '/' } : {}),
      retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 30_000 },
    };
    if (cfg.mode === 'http') {
      this.receiver = new HTTPReceiver({
        signingSecret: cfg.signingSecret as string,
        endpoints: cfg.path,
        logger,
        processBeforeResponse: false,
      });
      this.app = new App({
        authorize: () => this.authorize(),
        receiver: this.receiver,
        logger,
        clientOptions,
      });
    } else {
      // The adapter reconnects itself (reconnect()): the client's own reconnection gives up for good,
      // with an unhandled rejection, when apps.connections.open fails once during a reconnect, and
      // retries a refused token type forever without saying so where readiness can see it.
      this.socket = new SocketModeReceiver({
        appToken: cfg.appToken as string,
        logger,
        autoReconnectEnabled: false,
        installerOptions: { clientOptions },
      });
      this.app = new App({
        authorize: () => this.authorize(),
        receiver: this.socket,
        logger,
        clientOptions,
      });
    }
    // The bot's own client, for posts outside a listener (follow-ups, incidents, digests).
    this.client = new webApi.WebClient(cfg.botToken, { ...clientOptions, logger });
    this.groups = new UserGroups(this.client, this.log);
  }

  private authorized?: Promise<AuthorizeResult>;

  /**
   * Who the bot is, asked of Slack once (auth.test) rather than before every event: an
   * acknowledgement must not wait on a Web API round trip. A failure is asked again next time.
   */
  private authorize(): Promise<AuthorizeResult> {
    this.authorized ??= this.client.auth
      .test()
      .then((r) => {
        this.botName = r.user;
        return {
          botToken: this.cfg.botToken,
          botId: r.bot_id,
          botUserId: r.user_id,
          teamId: r.team_id,
          enterpriseId: r.enterprise_id,
        };
      })
      .catch((e: unknown) => {
        this.authorized = undefined;
        throw e;
      });
    return this.authorized;
  }

  private readonly afterBurst = new QuietGate();

  private async user(id: string, name?: string) {
    return { platform: 'slack', id, name, groups: this.cfg.userGroups ? await this.groups.of(id) : [] };
  }

  async start(deliver: Deliver): Promise<void> {
    this.deliver = deliver;
    this.app.command(/.*/, async ({ command, ack, respond }) => {
      await ack();
      // Slack waits 3 s for acks, not for answers: in a burst, ack everything first.
      await this.afterBurst.wait();
      const prefix = this.cfg.commands[command.command] ?? command.command.replace(/^\//, '');
      const text = [prefix, command.text].filter((s) => s && s.trim()).join(' ');
      const conversation: Conversation = { platform: 'slack', channel: command.channel_id };
      const user = await this.user(command.user_id, command.user_name);
      void this.deliver?.({
        kind: 'command',
        text,
        user,
        conversation,
        respond: this.responder(conversation, {
          userId: command.user_id,
          askedBy: command.user_id,
          response: new ResponseUrl(respond, 'command'),
        }),
      });
    });
    this.app.event('app_mention', async ({ event }) => {
      if (!event.user) return;
      const text = event.text.replace(/<@[A-Z0-9]+>/g, '').trim();
      // Replies to a mention go into its thread, or the thread it was typed in.
      const conversation: Conversation = {
        platform: 'slack',
        channel: event.channel,
        thread: event.thread_ts ?? event.ts,
      };
      const user = await this.user(event.user);
      void this.deliver?.({
        kind: 'command',
        text,
        user,
        conversation,
        source: { platform: 'slack', channel: event.channel, id: event.ts, thread: event.thread_ts },
        respond: this.responder(conversation, { userId: event.user }),
      });
    });
    this.app.action(/.*/, async ({ ack, body, action, respond }) => {
      await ack();
      const actionId = (action as { action_id?: string }).action_id ?? '';
      if (!ACTION_ID.test(actionId)) return; // link buttons and foreign actions
      const b = body as {
        user: { id: string; name?: string; username?: string };
        channel?: { id: string };
        container?: { channel_id?: string; message_ts?: string; thread_ts?: string };
        message?: { ts: string; thread_ts?: string };
      };
      const channel = b.channel?.id ?? b.container?.channel_id ?? '';
      const ts = b.message?.ts ?? b.container?.message_ts;
      const thread = b.message?.thread_ts ?? b.container?.thread_ts;
      const source: MessageRef | undefined = ts ? { platform: 'slack', channel, id: ts, thread } : undefined;
      // Answers to a button go into the thread of the message that carried it.
      const conversation: Conversation = { platform: 'slack', channel, thread: thread ?? ts };
      const user = await this.user(b.user.id, b.user.username ?? b.user.name);
      void this.deliver?.({
        kind: 'action',
        actionId,
        user,
        conversation,
        source,
        respond: this.responder(conversation, {
          userId: b.user.id,
          response: respond ? new ResponseUrl(respond, 'action', ts) : undefined,
        }),
      });
    });
    this.app.error(async (err) => {
      this.log.error({ err: err.message }, 'slack handler failed');
    });

    if (this.receiver) {
      // Bolt verifies signatures; the guard adds what it leaves out (future timestamps, replays).
      this.services.http.route(
        this.cfg.path,
        guardRequests(this.receiver.requestListener, {
          signingSecret: this.cfg.signingSecret as string,
          onRefused: (why) => this.log.warn({ why }, 'slack: request refused'),
        }),
      );
      this.connected = true;
    } else if (this.socket) {
      this.stopped = false;
      const client = this.socket.client;
      // Connected from Slack's hello until the connection closes: after Slack's refresh warning
      // (type disconnect), a dropped connection or a missed pong, a new one is opened.
      client.on('connected', () => {
        this.connected = true;
        this.problem = undefined;
        this.attempts = 0;
      });
      client.on('disconnected', () => {
        this.connected = false;
        if (!this.stopped) this.log.info('slack: Socket Mode connection closed; opening a new one');
        this.reconnect();
      });
      // Startup waits for one attempt only: a refusal is said (log, readiness), not thrown, and
      // tried again later.
      await this.app.start().catch((err: unknown) => this.refused(err));
    }
  }

  /** Opens a new Socket Mode connection (apps.connections.open, then the WebSocket). */
  private reconnect(): void {
    if (this.stopped || this.retryTimer || !this.socket) return;
    const socket = this.socket;
    const wait = this.attempts ? Math.min(RECONNECT_MAX_MS, RECONNECT_MS * 2 ** (this.attempts - 1)) : 0;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopped) return;
      socket.client.start().catch((err: unknown) => this.refused(err));
    }, wait);
    this.retryTimer.unref();
  }

  private refused(err: unknown): void {
    if (this.stopped) return;
    this.connected = false;
    this.attempts += 1;
    const code = errorCode(err) || (err instanceof Error ? err.message : String(err ?? 'connection closed'));
    const wait = Math.min(RECONNECT_MAX_MS, RECONNECT_MS * 2 ** (this.attempts - 1));
    const hint = TOKEN_REFUSED.has(code)
      ? ' (adapters.slack.appToken must be an app-level token, xapp-…, with connections:write)'
      : '';
    this.problem = `Slack Socket Mode connection failed: ${code}${hint}; trying again in ${Math.ceil(wait / 1000)} s`;
    this.log.error({ error: code, attempt: this.attempts, retryMs: wait }, this.problem);
    this.reconnect();
  }

  health(): string | null {
    if (this.problem) return this.problem;
    return this.connected ? null : 'not connected to Slack';
  }

  async stop(): Promise<void> {
    this.deliver = undefined;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (!this.receiver) await this.app.stop().catch(() => undefined);
    this.connected = false;
  }

  /** A responder for one turn: a thread placement starts a thread under the turn's first message. */
  private responder(conv: Conversation, turn: Turn): Responder {
    let root: string | undefined;
    return {
      post: async (m) => {
        const thread = conv.thread ?? (m.placement === 'thread' ? root : undefined);
        const ref = await this.postTo({ ...conv, thread }, m, turn);
        // Only a message the bot posted itself has a ts a thread can hang from.
        if (isBotTs(ref.id)) root ??= ref.id;
        return ref;
      },
      update: (ref, m) => this.updateIn(ref, m, turn),
    };
  }

  post(to: Conversation, m: Message): Promise<MessageRef> {
    return this.postTo(to, m, {});
  }

  update(ref: MessageRef, m: Message): Promise<void> {
    return this.updateIn(ref, m, {});
  }

  /** The message as Slack messages; a slash command's public answers name who asked. */
  private render(m: Message, turn: Turn) {
    const ephemeral = !!m.ephemeral && !!turn.userId;
    return {
      ephemeral,
      ...toSlack(m, !ephemeral && turn.askedBy ? { footer: `asked by <@${turn.askedBy}>` } : {}),
    };
  }

  private async postTo(to: Conversation, m: Message, turn: Turn): Promise<MessageRef> {
    const { ephemeral, messages, files } = this.render(m, turn);
    if (ephemeral) return this.postPrivately(to, messages, turn);
    return this.postPublicly(to, messages, files, turn);
  }

  /**
   * Only the asker sees it. A slash command answers through its response_url (ephemeral): it works
   * in any channel, where chat.postEphemeral needs the bot in it. Elsewhere chat.postEphemeral to
   * the user, or the interaction's response_url when the bot cannot post there.
   */
  private async postPrivately(to: Conversation, parts: SlackMessage[], turn: Turn): Promise<MessageRef> {
    const user = turn.userId as string;
    let first: MessageRef | undefined;
    for (const part of parts) {
      let ref: MessageRef;
      const url = turn.response;
      if (url?.kind === 'command' && url.usable()) {
        ref = await this.respondWith(url, to, part, { ephemeral: true });
      } else {
        try {
          const r = await this.client.chat.postEphemeral({
            channel: to.channel,
            user,
            text: part.text,
            blocks: part.blocks,
            thread_ts: to.thread,
          });
          const id = `ephemeral-${r.message_ts ?? ''}`;
          remember(this.ephemeralUsers, id, user);
          ref = { platform: 'slack', channel: to.channel, id, thread: to.thread };
        } catch (err) {
          if (!url?.usable() || !PRIVATE_FALLBACK.has(errorCode(err))) throw err;
          ref = await this.respondWith(url, to, part, { ephemeral: true });
        }
      }
      first ??= ref;
    }
    return first ?? { platform: 'slack', channel: to.channel, id: '', thread: to.thread };
  }

  /**
   * For everyone in the channel: a bot message, continuation pages in its thread. Where the bot
   * cannot post (a slash command in a channel it has not joined), through the turn's response_url
   * (in_channel) while that is valid, and the asker is told once how to let the bot in.
   */
  private async postPublicly(
    to: Conversation,
    parts: SlackMessage[],
    files: OutFile[],
    turn: Turn,
  ): Promise<MessageRef> {
    let first: MessageRef | undefined;
    for (const part of parts) {
      if (!turn.cannotPost) {
        try {
          const r = await this.client.chat.postMessage({
            channel: to.channel,
            text: part.text,
            blocks: part.blocks,
            // Continuation pages go in the first page's thread, not as messages of their own.
            thread_ts: to.thread ?? first?.id,
            unfurl_links: false,
            unfurl_media: false,
          });
          first ??= { platform: 'slack', channel: to.channel, id: r.ts ?? '', thread: to.thread };
          continue;
        } catch (err) {
          if (!CANNOT_POST.has(errorCode(err)) || !turn.response?.usable()) throw err;
          turn.cannotPost = true;
          await this.tellCannotPost(to.channel, turn);
        }
      }
      const url = turn.response;
      if (!url?.usable()) {
        this.log.warn(
          { channel: to.channel },
          'slack: response_url used up; the rest of the answer is not shown',
        );
        break;
      }
      const ref = await this.respondWith(url, to, part, { ephemeral: false });
      first ??= ref;
    }
    const ref = first ?? { platform: 'slack', channel: to.channel, id: '', thread: to.thread };
    if (files.length && isBotTs(ref.id)) {
      for (const f of files)
        await this.upload(ref, f).catch((err: unknown) =>
          this.log.warn({ err: (err as Error).message }, 'file upload failed'),
        );
    } else if (files.length) {
      this.log.warn(
        { channel: to.channel, files: files.length },
        'slack: files not uploaded where the bot cannot post',
      );
    }
    return ref;
  }

  /** Once a day per channel and user: the bot cannot post here, and how to change that. */
  private async tellCannotPost(channel: string, turn: Turn): Promise<void> {
    const key = `${channel}/${turn.userId ?? ''}`;
    const now = Date.now();
    const told = this.told.get(key);
    if (told !== undefined && now - told < TELL_AGAIN_MS) return;
    const url = turn.response;
    if (!url || !url.usable(2)) return; // the answer itself comes first
    remember(this.told, key, now);
    const name = this.botName ?? 'deckhand';
    const text =
      `I am not a member of this channel, so here I can answer only through your command ` +
      `(for ${RESPONSE_URL_MINUTES} minutes, up to ${RESPONSE_URL_USES} messages) and cannot attach files. ` +
      `To let me post here, invite me: \`/invite @${name}\``;
    await url.send({ response_type: 'ephemeral', replace_original: false, text });
  }

  /** A message through a response_url; `replace` is the id of the message it replaces. */
  private async respondWith(
    url: ResponseUrl,
    to: Conversation,
    part: SlackMessage,
    o: { ephemeral: boolean; replace?: string },
  ): Promise<MessageRef> {
    await url.send({
      response_type: o.ephemeral ? 'ephemeral' : 'in_channel',
      replace_original: !!o.replace,
      text: part.text,
      blocks: part.blocks,
    });
    const id = o.replace ?? `response-${++this.seq}`;
    if (url.kind === 'command') url.original = id;
    remember(this.viaResponse, id, { url, ephemeral: o.ephemeral });
    return { platform: 'slack', channel: to.channel, id, thread: to.thread };
  }

  private async updateIn(ref: MessageRef, m: Message, turn: Turn): Promise<void> {
    const conv: Conversation = { platform: 'slack', channel: ref.channel, thread: ref.thread };
    const user = turn.userId ?? this.ephemeralUsers.get(ref.id);
    const { ephemeral, messages } = this.render(m, { ...turn, userId: user });
    const [first, ...rest] = messages;
    if (!first) return;
    const via = this.viaResponse.get(ref.id);
    const url = via?.url ?? turn.response;
    // Posted through a response_url: replaced through it (replace_original) while it is valid and
    // the message is the one it replaces; a public message cannot turn private, nor the reverse.
    if (via && url?.usable(1 + rest.length) && url.original === ref.id && via.ephemeral === ephemeral) {
      await this.respondWith(url, conv, first, { ephemeral, replace: ref.id });
      for (const part of rest) await this.respondWith(url, conv, part, { ephemeral });
      return;
    }
    if (via || this.ephemeralUsers.has(ref.id)) {
      // Out of response_url, or an ephemeral message (chat.update cannot edit one): said anew,
      // as a bot message only where the bot can post.
      await this.postTo(conv, m, { ...turn, userId: user, response: url, cannotPost: false }).catch(
        (err: unknown) => {
          if (!CANNOT_POST.has(errorCode(err))) throw err;
          this.log.warn({ channel: ref.channel }, 'slack: cannot post here and the response_url is used up');
        },
      );
      return;
    }
    if (ephemeral) {
      // A public message is not edited into a private one: the asker alone is told.
      await this.postTo(conv, m, { ...turn, userId: user });
      return;
    }
    try {
      await this.client.chat.update({
        channel: ref.channel,
        ts: ref.id,
        text: first.text,
        blocks: first.blocks,
      });
    } catch (err) {
      // The message that carried a button, where the bot cannot edit it: through the
      // interaction's response_url, which replaces exactly that message.
      if (!UPDATE_FALLBACK.has(errorCode(err)) || !url?.usable() || url.original !== ref.id) throw err;
      await this.respondWith(url, conv, first, { ephemeral, replace: ref.id });
      for (const part of rest) if (url.usable()) await this.respondWith(url, conv, part, { ephemeral });
      return;
    }
    for (const part of rest) {
      await this.client.chat.postMessage({
        channel: ref.channel,
        thread_ts: ref.thread ?? ref.id,
        text: part.text,
        blocks: part.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
    }
  }

  private async upload(
    ref: MessageRef,
    f: { filename: string; content?: string; path?: string; title?: string },
  ): Promise<void> {
    await this.client.filesUploadV2({
      channel_id: ref.channel,
      thread_ts: ref.thread ?? ref.id,
      filename: f.filename,
      title: f.title ?? f.filename,
      ...(f.path ? { file: f.path } : { content: f.content ?? '' }),
    });
  }
}
