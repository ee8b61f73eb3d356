/**
 * Buttons. A button carries only an opaque id; what it does (the handler kind and its parameters),
 * who may press it and until when live in the store. Nothing in a click is trusted, and a pressed
 * single-use button is claimed atomically so two people pressing at once run it once.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { AccessScope, Actor } from './access.ts';
import type { Effect } from './commands/define.ts';
import type { Clock } from './clock.ts';
import { BootError, ConflictError, NotFoundError } from './errors.ts';
import type { Logger } from './logging.ts';
import type { Conversation, Message, MessageRef } from './message/model.ts';
import type { Collection, Store } from './store/types.ts';

export interface ActionRequest {
  /** The handler that runs on press, e.g. `gitops.approve`. */
  kind: string;
  params?: Record<string, unknown>;
  /** Default 24 hours. */
  ttlMs?: number;
  /** Default true: once it ran successfully it cannot run again. */
  singleUse?: boolean;
  /** Scope for the handler's permission check (the app the button acts on). */
  scope?: AccessScope;
  /** Only these identities may press it. */
  users?: string[];
}

export interface StoredAction {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  createdBy: string;
  conversation: Conversation;
  createdAt: number;
  expiresAt: number;
  singleUse: boolean;
  scope?: AccessScope;
  users?: string[];
  /** Set while a press runs, so a second press at the same moment is refused. */
  claimedBy?: string;
  claimedAt?: number;
  usedBy?: string;
  usedAt?: number;
}

export interface ActionContext<P> {
  params: P;
  actor: Actor;
  conversation: Conversation;
  /** The message that carried the button, when the platform says which one it was. */
  source?: MessageRef;
  action: StoredAction;
  log: Logger;
  signal: AbortSignal;
  say(m: Message): Promise<MessageRef>;
  update(ref: MessageRef, m: Message): Promise<void>;
  button(req: ActionRequest): Promise<string>;
  authorize(permission: string, scope?: AccessScope): void;
}

export interface ActionResult {
  /** Replaces the message that carried the button (e.g. the buttons become the outcome). */
  update?: Message;
  /** Posted in the conversation (in the thread of the button's message where there is one). */
  reply?: Message | Message[];
}

export interface ActionSpec<S extends z.ZodType = z.ZodType> {
  kind: string;
  params: S;
  permission: string;
  effect?: Effect;
  summary?: string;
  run(ctx: ActionContext<z.output<S>>): Promise<ActionResult | void>;
}

export interface RegisteredAction extends ActionSpec {
  plugin: string;
  effect: Effect;
}

export const defineAction = <S extends z.ZodType>(spec: ActionSpec<S>): ActionSpec<S> => spec;

const idPattern = /^a_[A-Za-z0-9_-]{20,40}$/;
const CLAIM_LEASE_MS = 5 * 60_000;

export class ActionService {
  private readonly handlers = new Map<string, RegisteredAction>();
  private readonly docs: Collection<StoredAction>;

  private readonly clock: Clock;

  constructor(store: Store, clock: Clock) {
    this.clock = clock;
    this.docs = store.collection<StoredAction>('actions');
  }

  register(plugin: string, spec: ActionSpec): void {
    if (this.handlers.has(spec.kind))
      throw new BootError(`Plugin ${plugin}: action ${spec.kind} is registered twice`);
    this.handlers.set(spec.kind, { ...spec, plugin, effect: spec.effect ?? 'write' });
  }

  handler(kind: string): RegisteredAction | undefined {
    return this.handlers.get(kind);
  }

  all(): RegisteredAction[] {
    return [...this.handlers.values()];
  }

  async create(req: ActionRequest, by: { actor: Actor; conversation: Conversation }): Promise<string> {
    if (!this.handlers.has(req.kind)) throw new Error(`No handler for action kind ${req.kind}`);
    const id = 'a_' + randomBytes(18).toString('base64url');
    const now = this.clock.now();
    const ttl = req.ttlMs ?? 24 * 3600_000;
    await this.docs.put(
      id,
      {
        id,
        kind: req.kind,
        params: req.params ?? {},
        createdBy: by.actor.id,
        conversation: by.conversation,
        createdAt: now,
        expiresAt: now + ttl,
        singleUse: req.singleUse ?? true,
        scope: req.scope,
        users: req.users,
      },
      // Keep it a while past expiry so a late press hears "expired", not "unknown".
      { ttlMs: ttl + 7 * 24 * 3600_000 },
    );
    return id;
  }

  async get(id: string): Promise<StoredAction | undefined> {
    return idPattern.test(id) ? this.docs.get(id) : undefined;
  }

  /** Take the button for this press, or explain why it cannot be pressed. */
  async claim(id: string, actor: Actor): Promise<StoredAction> {
    if (!idPattern.test(id)) throw new NotFoundError('That button id is not one deckhand issued.');
    let refusal: Error | undefined;
    const now = this.clock.now();
    const claimed = await this.docs.update(id, (a) => {
      if (!a) {
        refusal = new NotFoundError('That button is unknown or too old.', { hint: 'Run the command again.' });
        return a;
      }
      if (a.expiresAt <= now) {
        refusal = new ConflictError(`That button expired ${new Date(a.expiresAt).toISOString()}.`, {
          hint: 'Run the command again for a fresh one.',
        });
        return a;
      }
      if (a.singleUse && a.usedAt) {
        refusal = new ConflictError(`Already done by ${a.usedBy} at ${new Date(a.usedAt).toISOString()}.`);
        return a;
      }
      if (a.singleUse && a.claimedBy && (a.claimedAt ?? 0) + CLAIM_LEASE_MS > now) {
        refusal = new ConflictError(`${a.claimedBy} pressed it a moment ago; it is being handled.`);
        return a;
      }
      if (a.users && !a.users.includes(actor.id)) {
        refusal = new ConflictError(`This button is for ${a.users.join(', ')} only.`);
        return a;
      }
      return a.singleUse ? { ...a, claimedBy: actor.id, claimedAt: now } : a;
    });
    if (refusal) throw refusal;
    return claimed as StoredAction;
  }

  /** The press failed in an expected way: let someone press again. */
  async release(id: string): Promise<void> {
    await this.docs.update(id, (a) => (a ? { ...a, claimedBy: undefined, claimedAt: undefined } : a));
  }

  async complete(id: string, actor: Actor): Promise<void> {
    await this.docs.update(id, (a) =>
      a && a.singleUse ? { ...a, usedBy: actor.id, usedAt: this.clock.now(), claimedBy: undefined } : a,
    );
  }

  /** Invalidate buttons (e.g. when a pull request closes elsewhere). */
  async revoke(id: string): Promise<void> {
    await this.docs.delete(id);
  }
}
