/**
 * Slack through Bolt: slash commands, mentions and buttons in, Block Kit out. Every interaction is
 * acknowledged at once and answered afterwards, so a slow backend never breaks Slack's 3-second
 * rule. Socket Mode needs no public endpoint; HTTP mode mounts Bolt's receiver (which verifies
 * request signatures and refuses stale ones) on deckhand's own HTTP server.
 */
import { App, HTTPReceiver, webApi, type AuthorizeResult, type RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { AdapterServices } from '../../core/adapter.ts';
import type { ChatAdapter, Deliver, Responder } from '../../core/chat.ts';
import type { Logger } from '../../core/logging.ts';
import type { Conversation, Message, MessageRef } from '../../core/message/model.ts';
import type { SlackConfig } from './config.ts';
import { slackLogger } from './logger.ts';
import { toSlack } from './render.ts';
import { UserGroups } from './user-groups.ts';

const ACTION_ID = /^a_[A-Za-z0-9_-]{20,40}$/;

/** How a turn may answer when the bot cannot post in the channel itself. */
interface TurnContext {
  userId?: string;
  respond?: RespondFn;
}

export class SlackAdapter implements ChatAdapter {
  readonly platform = 'slack';
  private readonly cfg: SlackConfig;
  private readonly services: AdapterServices;
  private readonly log: Logger;
  private readonly app: App;
  private readonly client: WebClient;
  private readonly receiver?: HTTPReceiver;
  private readonly groups: UserGroups;
  private connected = false;
  private deliver?: Deliver;

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
      this.app = new App({
        authorize: () => this.authorize(),
        appToken: cfg.appToken,
        socketMode: true,
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
      .then((r) => ({
        botToken: this.cfg.botToken,
        botId: r.bot_id,
        botUserId: r.user_id,
        teamId: r.team_id,
        enterpriseId: r.enterprise_id,
      }))
      .catch((e: unknown) => {
        this.authorized = undefined;
        throw e;
      });
    return this.authorized;
  }

  private async user(id: string, name?: string) {
    return { platform: 'slack', id, name, groups: this.cfg.userGroups ? await this.groups.of(id) : [] };
  }

  async start(deliver: Deliver): Promise<void> {
    this.deliver = deliver;
    this.app.command(/.*/, async ({ command, ack, respond }) => {
      await ack();
      const prefix = this.cfg.commands[command.command] ?? command.command.replace(/^\//, '');
      const text = [prefix, command.text].filter((s) => s && s.trim()).join(' ');
      const conversation: Conversation = { platform: 'slack', channel: command.channel_id };
      const user = await this.user(command.user_id, command.user_name);
      void this.deliver?.({
        kind: 'command',
        text,
        user,
        conversation,
        respond: this.responder(conversation, { userId: command.user_id, respond }),
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
    this.app.action(/.*/, async ({ ack, body, action }) => {
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
        respond: this.responder(conversation, { userId: b.user.id }),
      });
    });
    this.app.error(async (err) => {
      this.log.error({ err: err.message }, 'slack handler failed');
    });

    if (this.receiver) {
      this.services.http.route(this.cfg.path, this.receiver.requestListener);
      this.connected = true;
    } else {
      const socket = (this.app as unknown as { receiver: { client: NodeJS.EventEmitter } }).receiver.client;
      socket.on('connected', () => (this.connected = true));
      socket.on('disconnected', () => (this.connected = false));
      await this.app.start();
      this.connected = true;
    }
  }

  health(): string | null {
    return this.connected ? null : 'not connected to Slack';
  }

  async stop(): Promise<void> {
    this.deliver = undefined;
    if (!this.receiver) await this.app.stop().catch(() => undefined);
    this.connected = false;
  }

  /** A responder for one turn: a thread placement starts a thread under the turn's first message. */
  private responder(conv: Conversation, turn: TurnContext): Responder {
    let root: string | undefined;
    return {
      post: async (m) => {
        const thread = conv.thread ?? (m.placement === 'thread' ? root : undefined);
        const ref = await this.postTo({ ...conv, thread }, m, turn);
        root ??= ref.id;
        return ref;
      },
      update: (ref, m) => this.update(ref, m),
    };
  }

  post(to: Conversation, m: Message): Promise<MessageRef> {
    return this.postTo(to, m, {});
  }

  private async postTo(to: Conversation, m: Message, turn: TurnContext): Promise<MessageRef> {
    const { messages, files } = toSlack(m);
    let first: MessageRef | undefined;
    for (const part of messages) {
      const threadTs = to.thread ?? (first && m.placement === 'thread' ? first.id : undefined);
      let ts: string;
      if (m.ephemeral && turn.userId) {
        const r = await this.client.chat.postEphemeral({
          channel: to.channel,
          user: turn.userId,
          text: part.text,
          blocks: part.blocks,
          thread_ts: threadTs,
        });
        ts = r.message_ts ?? '';
      } else {
        try {
          const r = await this.client.chat.postMessage({
            channel: to.channel,
            text: part.text,
            blocks: part.blocks,
            thread_ts: threadTs,
            unfurl_links: false,
            unfurl_media: false,
          });
          ts = r.ts ?? '';
        } catch (err) {
          const code = (err as { data?: { error?: string } }).data?.error;
          if (!turn.respond || (code !== 'not_in_channel' && code !== 'channel_not_found')) throw err;
          // A slash command in a channel the bot has not joined: answer through response_url.
          await turn.respond({ response_type: 'in_channel', text: part.text, blocks: part.blocks });
          ts = `response-${Date.now()}`;
        }
      }
      first ??= { platform: 'slack', channel: to.channel, id: ts, thread: threadTs };
    }
    const ref = first ?? { platform: 'slack', channel: to.channel, id: '', thread: to.thread };
    for (const f of files)
      await this.upload(ref, f).catch((err: unknown) =>
        this.log.warn({ err: (err as Error).message }, 'file upload failed'),
      );
    return ref;
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

  async update(ref: MessageRef, m: Message): Promise<void> {
    if (ref.id.startsWith('response-')) {
      await this.post({ platform: 'slack', channel: ref.channel, thread: ref.thread }, m);
      return;
    }
    const { messages } = toSlack(m);
    const [first, ...rest] = messages;
    if (first)
      await this.client.chat.update({
        channel: ref.channel,
        ts: ref.id,
        text: first.text,
        blocks: first.blocks,
      });
    for (const part of rest) {
      await this.client.chat.postMessage({
        channel: ref.channel,
        thread_ts: ref.thread ?? ref.id,
        text: part.text,
        blocks: part.blocks,
      });
    }
  }
}
