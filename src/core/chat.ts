/**
 * The seam between chat platforms and the core. Adapters normalise what arrives (a command line or
 * a button press, with who and where) and render what leaves; the core never sees a platform type.
 */
import { InputError } from './errors.ts';
import type { PlatformUser } from './identity.ts';
import type { Conversation, Message, MessageRef } from './message/model.ts';
import { Redactor } from './redact.ts';

/** Where replies to one inbound event go. */
export interface Responder {
  /** Post in the conversation; `placement: 'thread'` starts or continues a thread. */
  post(m: Message): Promise<MessageRef>;
  update(ref: MessageRef, m: Message): Promise<void>;
}

interface InboundBase {
  user: PlatformUser;
  conversation: Conversation;
  respond: Responder;
  /** The message this event came from: a mention, or the message that carried the button. */
  source?: MessageRef;
}

export type InboundEvent =
  (InboundBase & { kind: 'command'; text: string }) | (InboundBase & { kind: 'action'; actionId: string });

export interface DispatchResult {
  ok: boolean;
  messages: Message[];
}

export type Deliver = (e: InboundEvent) => Promise<DispatchResult>;

export interface ChatAdapter {
  readonly platform: string;
  start(deliver: Deliver): Promise<void>;
  /** Post outside of a conversation turn (incidents, digests, follow-ups). */
  post(to: Conversation, m: Message): Promise<MessageRef>;
  update(ref: MessageRef, m: Message): Promise<void>;
  stop(): Promise<void>;
  /** null when connected, else why not (for /readyz). */
  health?(): string | null;
}

/** A channel named in config: `slack:C0123`, `discord:1234/5678` or just `C0123` on the default platform. */
export function parseTarget(target: string, defaultPlatform: string): Conversation {
  const m = /^(?:([a-z]+):)?([^\s/]+)(?:\/(\S+))?$/.exec(target.trim());
  if (!m) throw new InputError(`'${target}' is not a channel reference (platform:channel)`);
  return { platform: m[1] ?? defaultPlatform, channel: m[2] as string, ...(m[3] ? { thread: m[3] } : {}) };
}

/**
 * Posting for plugins: to whichever adapter serves the target's platform. What the bot says on its
 * own (incidents, digests, alerts, follow-ups) leaves through here, so it is redacted here; replies
 * to a command or a button are redacted by the dispatcher with the same Redactor.
 */
export class ChatService {
  private readonly adapters = new Map<string, ChatAdapter>();
  private readonly redactor: Redactor;

  /** Without a redactor (unit tests), the well-known secret shapes are still masked. */
  constructor(redactor: Redactor = new Redactor()) {
    this.redactor = redactor;
  }

  add(adapter: ChatAdapter): void {
    this.adapters.set(adapter.platform, adapter);
  }

  list(): ChatAdapter[] {
    return [...this.adapters.values()];
  }

  get defaultPlatform(): string {
    return this.adapters.keys().next().value ?? 'console';
  }

  private adapter(platform: string): ChatAdapter {
    const a = this.adapters.get(platform);
    if (!a) throw new InputError(`No ${platform} adapter is configured.`);
    return a;
  }

  post(to: Conversation | string, m: Message): Promise<MessageRef> {
    const conv = typeof to === 'string' ? parseTarget(to, this.defaultPlatform) : to;
    return this.adapter(conv.platform).post(conv, this.redactor.object(m));
  }

  update(ref: MessageRef, m: Message): Promise<void> {
    return this.adapter(ref.platform).update(ref, this.redactor.object(m));
  }
}
