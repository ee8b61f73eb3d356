/**
 * Discord through discord.js: slash commands registered from the command registry, interactions
 * answered at once with a deferred response and completed through discord.js's REST layer
 * (editing the deferred reply, following up), embeds and buttons within Discord's limits, and
 * threads for incidents. Interactions arrive over the gateway, or over HTTP with Ed25519
 * signatures verified.
 */
import { Client, Events, GatewayIntentBits, REST, Routes, type Interaction } from 'discord.js';
import {
  InteractionResponseType,
  InteractionType,
  type APIChatInputApplicationCommandInteractionData,
  type APIInteraction,
  type APIMessage,
} from 'discord-api-types/v10';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdapterServices } from '../../core/adapter.ts';
import type { ChatAdapter, Deliver, Responder } from '../../core/chat.ts';
import { readBody, sendJson } from '../../core/http/server.ts';
import type { Logger } from '../../core/logging.ts';
import type { Conversation, Message, MessageRef } from '../../core/message/model.ts';
import { buildCommands, commandLine } from './commands.ts';
import type { DiscordConfig } from './config.ts';
import { toDiscord } from './render.ts';
import { publicKeyFromHex, verifyInteraction } from './signature.ts';

const ACTION_ID = /^a_[A-Za-z0-9_-]{20,40}$/;

type Payload = ReturnType<typeof toDiscord>['messages'][number];
type OutFile = ReturnType<typeof toDiscord>['files'][number];

/** Discord allows 10 files per message; full logs, diffs and tables ride on the last part. */
const uploads = (files: OutFile[]) =>
  files.slice(0, 10).map((f) => ({
    name: f.filename,
    data: f.path ? readFileSync(f.path) : Buffer.from(f.content ?? '', 'utf8'),
    contentType: f.contentType,
  }));

/** How one interaction is answered: its token edits the deferred reply and posts follow-ups. */
interface InteractionTurn {
  token: string;
  /** Whether the deferred reply (`@original`) has been filled yet. */
  replied: boolean;
}

export class DiscordAdapter implements ChatAdapter {
  readonly platform = 'discord';
  private readonly cfg: DiscordConfig;
  private readonly services: AdapterServices;
  private readonly log: Logger;
  private readonly rest: REST;
  private client?: Client;
  private deliver?: Deliver;
  private ready = false;

  constructor(cfg: DiscordConfig, services: AdapterServices) {
    this.cfg = cfg;
    this.services = services;
    this.log = services.log;
    this.rest = new REST({
      version: '10',
      ...(cfg.apiUrl ? { api: cfg.apiUrl.replace(/\/$/, '') } : {}),
    }).setToken(cfg.botToken);
  }

  async start(deliver: Deliver): Promise<void> {
    this.deliver = deliver;
    if (this.cfg.registerCommands) await this.register();
    if (this.cfg.mode === 'http') {
      const key = publicKeyFromHex(this.cfg.publicKey as string);
      this.services.http.route(this.cfg.path, (req, res) => this.onHttp(req, res, key));
      this.ready = true;
      return;
    }
    this.client = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: { ...(this.cfg.apiUrl ? { api: this.cfg.apiUrl } : {}) },
    });
    this.client.on(Events.InteractionCreate, (i) => void this.onGateway(i));
    this.client.on(Events.ClientReady, () => (this.ready = true));
    this.client.on(Events.ShardDisconnect, () => (this.ready = false));
    await this.client.login(this.cfg.botToken);
  }

  health(): string | null {
    return this.ready ? null : 'not connected to Discord';
  }

  async stop(): Promise<void> {
    this.deliver = undefined;
    this.ready = false;
    await this.client?.destroy();
  }

  /** Register the slash commands (per guild: instant; global otherwise). */
  async register(): Promise<void> {
    const body = buildCommands(this.services.registry.all(), this.cfg.groups);
    const route = this.cfg.guildId
      ? Routes.applicationGuildCommands(this.cfg.applicationId, this.cfg.guildId)
      : Routes.applicationCommands(this.cfg.applicationId);
    await this.rest.put(route, { body });
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
    if (!verifyInteraction(key, sig, ts, raw)) {
      this.log.warn('discord interaction refused: bad signature');
      return sendJson(res, 401, { error: 'invalid request signature' });
    }
    let i: APIInteraction;
    try {
      i = JSON.parse(raw.toString('utf8')) as APIInteraction;
    } catch {
      return sendJson(res, 400, { error: 'body is not JSON' });
    }
    if (i.type === InteractionType.Ping) return sendJson(res, 200, { type: InteractionResponseType.Pong });
    if (i.type === InteractionType.ApplicationCommand) {
      // Deferred at once: the answer follows through the interaction token.
      sendJson(res, 200, { type: InteractionResponseType.DeferredChannelMessageWithSource });
      const data = i.data as APIChatInputApplicationCommandInteractionData;
      this.dispatch('command', commandLine(data, this.services.registry.all()), i, undefined);
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
  ): void {
    const user = i.member?.user ?? i.user;
    const roles = i.member?.roles ?? [];
    const channel = i.channel?.id ?? (i as { channel_id?: string }).channel_id ?? '';
    const conversation: Conversation = { platform: 'discord', channel };
    const turn: InteractionTurn = { token: i.token, replied: kind === 'action' };
    const platformUser = {
      platform: 'discord',
      id: user?.id ?? 'unknown',
      name: user?.username,
      groups: roles.map((r) => `discord:role:${r}`),
    };
    const respond = this.responder(conversation, turn);
    const event =
      kind === 'command'
        ? ({ kind, text: value, user: platformUser, conversation, respond } as const)
        : ({ kind, actionId: value, user: platformUser, conversation, respond, source } as const);
    void this.deliver?.(event);
  }

  private async onGateway(i: Interaction): Promise<void> {
    try {
      if (i.isChatInputCommand()) {
        await i.deferReply();
        const raw = i.toJSON() as { data?: APIChatInputApplicationCommandInteractionData };
        const data = (raw.data ?? {
          name: i.commandName,
          options: [],
        }) as APIChatInputApplicationCommandInteractionData;
        this.dispatch('command', commandLine(data, this.services.registry.all()), this.asApi(i), undefined);
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
      this.log.error({ err: (err as Error).message }, 'discord interaction failed');
    }
  }

  private asApi(i: Interaction): APIInteraction {
    return {
      ...(i.toJSON() as object),
      token: i.token,
      channel: { id: i.channelId },
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

  private responder(conv: Conversation, turn: InteractionTurn): Responder {
    let root: MessageRef | undefined;
    return {
      post: async (m) => {
        let ref: MessageRef;
        if (conv.thread) ref = await this.postTo({ ...conv }, m);
        else if (m.placement === 'thread' && root)
          ref = await this.postTo({ ...conv, thread: await this.threadFor(root, m) }, m);
        else ref = await this.viaInteraction(conv, turn, m);
        root ??= ref;
        return ref;
      },
      update: (ref, m) => this.update(ref, m),
    };
  }

  /** The first answer fills the deferred reply; later ones are follow-ups. */
  private async viaInteraction(conv: Conversation, turn: InteractionTurn, m: Message): Promise<MessageRef> {
    const { messages, files } = toDiscord(m);
    let first: MessageRef | undefined;
    for (const [n, part] of messages.entries()) {
      const attach = n === messages.length - 1 && files.length ? { files: uploads(files) } : {};
      let msg: APIMessage;
      if (!turn.replied) {
        msg = (await this.rest.patch(Routes.webhookMessage(this.cfg.applicationId, turn.token, '@original'), {
          body: part,
          auth: false,
          ...attach,
        })) as APIMessage;
        turn.replied = true;
      } else {
        msg = (await this.rest.post(Routes.webhook(this.cfg.applicationId, turn.token), {
          body: part,
          auth: false,
          ...attach,
        })) as APIMessage;
      }
      first ??= { platform: 'discord', channel: msg.channel_id ?? conv.channel, id: msg.id };
    }
    return first ?? { platform: 'discord', channel: conv.channel, id: '' };
  }

  private async threadFor(root: MessageRef, m: Message): Promise<string> {
    if (root.thread) return root.thread;
    const name = (m.header ?? m.text).slice(0, 90) || 'deckhand';
    const t = (await this.rest.post(Routes.threads(root.channel, root.id), {
      body: { name, auto_archive_duration: 1440 },
    })) as { id: string };
    root.thread = t.id;
    return t.id;
  }

  post(to: Conversation, m: Message): Promise<MessageRef> {
    return this.postTo(to, m);
  }

  private async postTo(to: Conversation, m: Message): Promise<MessageRef> {
    const { messages, files } = toDiscord(m);
    let first: MessageRef | undefined;
    for (const [n, part] of messages.entries()) {
      const channel = to.thread ?? (first?.thread as string | undefined) ?? to.channel;
      const attach = n === messages.length - 1 && files.length ? { files: uploads(files) } : {};
      const msg = (await this.rest.post(Routes.channelMessages(channel), {
        body: part,
        ...attach,
      })) as APIMessage;
      first ??= { platform: 'discord', channel, id: msg.id, ...(to.thread ? { thread: to.thread } : {}) };
      if (m.placement === 'thread' && !first.thread && !to.thread)
        first.thread = await this.threadFor(first, m);
    }
    return first ?? { platform: 'discord', channel: to.channel, id: '' };
  }

  async update(ref: MessageRef, m: Message): Promise<void> {
    const [first, ...rest] = toDiscord(m).messages as Payload[];
    if (first) await this.rest.patch(Routes.channelMessage(ref.channel, ref.id), { body: first });
    for (const part of rest)
      await this.rest.post(Routes.channelMessages(ref.thread ?? ref.channel), { body: part });
  }
}
