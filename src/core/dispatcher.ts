/**
 * One path for everything users do: a command line or a button press comes in with who and where;
 * the dispatcher resolves it, checks access, validates, runs it with a deadline, posts the replies,
 * records it in the audit trail, and turns every failure into a reply. It never throws.
 */
import { randomUUID } from 'node:crypto';
import type { AccessPolicy, AccessScope, Actor } from './access.ts';
import type { ActionRequest, ActionService } from './actions.ts';
import type { DispatchResult, InboundEvent, Responder } from './chat.ts';
import { bindArgs } from './commands/bind.ts';
import type { Command, CommandResult, Visibility } from './commands/define.ts';
import { commandList, usageLine } from './commands/help.ts';
import type { CommandRegistry } from './commands/registry.ts';
import { tokenize } from './commands/tokenize.ts';
import { DeckError, InputError, NotFoundError, UpstreamError, isDeckError, newErrorId } from './errors.ts';
import type { IdentityResolver } from './identity.ts';
import type { Logger } from './logging.ts';
import type { Metrics } from './metrics.ts';
import { code } from './message/markup.ts';
import type { Conversation, Message, MessageRef } from './message/model.ts';
import type { Redactor } from './redact.ts';
import type { AuditLog } from './store/types.ts';
import type { TaskTracker } from './tasks.ts';

export interface DispatcherOptions {
  commandTimeoutMs: number;
  progressAfterMs: number;
  /** `commands.visibility`: per command name or group, who sees the answer. */
  visibility?: Record<string, Visibility>;
}

class CommandTimeout extends DeckError {
  constructor(name: string, ms: number) {
    super('DECK_COMMAND_TIMEOUT', `${name} did not finish within ${Math.round(ms / 1000)} s.`, {
      hint: 'A backend is slow or down; try again, or check /readyz.',
    });
  }
}

export function errorMessage(err: DeckError): Message {
  const tone = err.code === 'DECK_NOT_ALLOWED' || err.code === 'DECK_INPUT_INVALID' ? 'warn' : 'danger';
  return {
    text: err.message,
    tone,
    blocks: [
      { type: 'text', text: err.message },
      ...(err.hint ? [{ type: 'context' as const, items: [err.hint] }] : []),
    ],
    data: { error: { code: err.code, message: err.message, hint: err.hint } },
  };
}

/**
 * Strip what people put in front of a command: `/`, `@deckhand`, the `deckhand` prefix. A
 * platform's own mention syntax (Slack's `<@U…>`) is the adapter's to take off before delivering.
 */
export function normalizeCommandLine(text: string): string {
  let s = text.trim().replace(/^@deckhand\b\s*/i, '');
  s = s.replace(/^\//, '');
  if (/^deckhand(\s|$)/i.test(s)) s = s.slice('deckhand'.length).trim() || 'help';
  return s;
}

export class Dispatcher {
  private readonly deps: {
    registry: CommandRegistry;
    actions: ActionService;
    access: AccessPolicy;
    identities: IdentityResolver;
    audit: AuditLog;
    redactor: Redactor;
    tasks: TaskTracker;
    metrics?: Metrics;
    log: Logger;
    options: DispatcherOptions;
  };

  constructor(deps: {
    registry: CommandRegistry;
    actions: ActionService;
    access: AccessPolicy;
    identities: IdentityResolver;
    audit: AuditLog;
    redactor: Redactor;
    tasks: TaskTracker;
    metrics?: Metrics;
    log: Logger;
    options: DispatcherOptions;
  }) {
    this.deps = deps;
  }

  /** Entry point for adapters. */
  deliver = (e: InboundEvent): Promise<DispatchResult> =>
    this.deps.tasks.track(e.kind === 'command' ? this.command(e) : this.press(e));

  /**
   * Every message of one invocation goes out through here: redacted, collected for `exec`, and
   * marked private (only the asker sees it) when `isPrivate()` says so at the time it leaves.
   */
  private sink(respond: Responder, collected: Message[], isPrivate: () => boolean = () => false) {
    const redact = (m: Message) => {
      const safe = this.deps.redactor.object(m);
      return isPrivate() ? { ...safe, ephemeral: true } : safe;
    };
    return {
      post: async (m: Message): Promise<MessageRef> => {
        const safe = redact(m);
        collected.push(safe);
        return respond.post(safe);
      },
      update: async (ref: MessageRef, m: Message): Promise<void> => {
        const safe = redact(m);
        collected.push(safe);
        return respond.update(ref, safe);
      },
    };
  }

  private async command(e: Extract<InboundEvent, { kind: 'command' }>): Promise<DispatchResult> {
    const invocationId = randomUUID().slice(0, 8);
    const actor = this.deps.identities.resolve(e.user);
    const collected: Message[] = [];
    // Private until a public command is found: help, usage and refusals concern the asker alone.
    let visibility: Visibility = 'private';
    const out = this.sink(e.respond, collected, () => visibility === 'private');
    const line = normalizeCommandLine(e.text);
    let log = this.deps.log.child({ invocationId, actor: actor.id, platform: e.user.platform });
    let name = line.split(/\s+/).slice(0, 2).join(' ');
    let scopeApp: string | undefined;
    try {
      const words = tokenize(line.length ? line : 'help');
      const r = this.deps.registry.resolve(words);
      if (r.kind === 'unknown') {
        const did = r.suggestions.length
          ? ` Did you mean ${r.suggestions.map((s) => code(s)).join(' or ')}?`
          : '';
        throw new NotFoundError(`Unknown command ${code(r.input)}.${did}`, {
          hint: '`help` lists every command.',
        });
      }
      if (r.kind === 'group') {
        const visible = r.commands.filter((c) => !c.hidden && this.deps.access.can(actor, c.permission));
        await out.post(commandList(visible.length ? visible : r.commands, `${r.group} commands`));
        await this.audit(actor, e.conversation, 'command', r.group, 'ok');
        return { ok: true, messages: collected };
      }
      const cmd = r.command;
      name = cmd.name;
      log = log.child({ command: cmd.name });
      this.deps.access.require(actor, cmd.permission, { channel: e.conversation.channel });
      const args = this.bind(cmd, r.rest);
      visibility = this.visibilityOf(cmd);
      scopeApp = typeof args.app === 'string' ? args.app : undefined;
      const started = Date.now();
      await this.runWithProgress(
        cmd.progress,
        cmd.timeoutMs ?? this.deps.options.commandTimeoutMs,
        cmd.name,
        out,
        (signal) =>
          cmd.run({
            args,
            actor,
            conversation: e.conversation,
            log,
            signal,
            invocationId,
            say: out.post,
            update: out.update,
            button: (req: ActionRequest) =>
              this.deps.actions.create(req, { actor, conversation: e.conversation }),
            authorize: (perm: string, scope?: AccessScope) =>
              this.deps.access.require(actor, perm, { channel: e.conversation.channel, ...scope }),
            can: (perm: string, scope?: AccessScope) =>
              this.deps.access.can(actor, perm, { channel: e.conversation.channel, ...scope }),
          }),
      );
      log.info({ ms: Date.now() - started }, 'command done');
      this.deps.metrics?.commandSeconds.observe({ command: cmd.name }, (Date.now() - started) / 1000);
      await this.audit(actor, e.conversation, 'command', cmd.name, 'ok', scopeApp, { line });
      return { ok: true, messages: collected };
    } catch (err) {
      visibility = 'private';
      const outcome = await this.fail(err, out.post, log, name);
      await this.audit(actor, e.conversation, 'command', name, outcome, scopeApp, { line });
      return { ok: false, messages: collected };
    }
  }

  private async press(e: Extract<InboundEvent, { kind: 'action' }>): Promise<DispatchResult> {
    const actor = this.deps.identities.resolve(e.user);
    const collected: Message[] = [];
    // A button's answer is the team's (a merge, a diagnosis); a refusal is the presser's alone.
    let refused = false;
    const out = this.sink(e.respond, collected, () => refused);
    let log = this.deps.log.child({
      actionId: e.actionId.slice(0, 10),
      actor: actor.id,
      platform: e.user.platform,
    });
    let kind = 'unknown';
    let claimed = false;
    let app: string | undefined;
    try {
      const stored = await this.deps.actions.get(e.actionId);
      const handler = stored && this.deps.actions.handler(stored.kind);
      if (stored && !handler) throw new NotFoundError('That button belongs to a feature that is not loaded.');
      if (stored && handler) {
        kind = stored.kind;
        app = stored.scope?.app;
        log = log.child({ action: kind });
        this.deps.access.require(actor, handler.permission, {
          channel: e.conversation.channel,
          ...stored.scope,
        });
      }
      const action = await this.deps.actions.claim(e.actionId, actor);
      claimed = true;
      const h = this.deps.actions.handler(action.kind);
      if (!h) throw new NotFoundError('That button belongs to a feature that is not loaded.');
      const params = h.params.safeParse(action.params);
      if (!params.success)
        throw new InputError('That button was issued by an older version and cannot run now.');
      const conversation: Conversation = e.conversation;
      await this.runWithProgress(
        undefined,
        this.deps.options.commandTimeoutMs,
        kind,
        out,
        (signal) =>
          h.run({
            params: params.data,
            actor,
            conversation,
            source: e.source,
            action,
            log,
            signal,
            say: out.post,
            update: out.update,
            button: (req: ActionRequest) => this.deps.actions.create(req, { actor, conversation }),
            authorize: (perm: string, scope?: AccessScope) =>
              this.deps.access.require(actor, perm, { channel: conversation.channel, ...scope }),
          }),
        e.source,
      );
      await this.deps.actions.complete(action.id, actor);
      await this.audit(actor, e.conversation, 'action', kind, 'ok', app, { actionId: e.actionId });
      return { ok: true, messages: collected };
    } catch (err) {
      if (claimed && isDeckError(err)) await this.deps.actions.release(e.actionId);
      refused = true;
      const outcome = await this.fail(err, out.post, log, kind);
      await this.audit(actor, e.conversation, 'action', kind, outcome, app, { actionId: e.actionId });
      return { ok: false, messages: collected };
    }
  }

  /**
   * Run the handler under a deadline. When it is slow and has a progress text, show that text and
   * later replace it with the first message of the answer.
   */
  private async runWithProgress(
    progress: string | undefined,
    timeoutMs: number,
    name: string,
    out: { post(m: Message): Promise<MessageRef>; update(ref: MessageRef, m: Message): Promise<void> },
    run: (
      signal: AbortSignal,
    ) => Promise<CommandResult | { update?: Message; reply?: Message | Message[] } | void>,
    source?: MessageRef,
  ): Promise<void> {
    const ctrl = new AbortController();
    let progressRef: Promise<MessageRef> | undefined;
    const timers: NodeJS.Timeout[] = [];
    const deadline = new Promise<never>((_, reject) => {
      timers.push(
        setTimeout(() => {
          ctrl.abort(new CommandTimeout(name, timeoutMs));
          reject(new CommandTimeout(name, timeoutMs));
        }, timeoutMs),
      );
    });
    if (progress) {
      timers.push(
        setTimeout(() => {
          progressRef = out.post({ text: progress, tone: 'info' });
        }, this.deps.options.progressAfterMs),
      );
    }
    try {
      const result = await Promise.race([run(ctrl.signal), deadline]);
      for (const t of timers) clearTimeout(t);
      const { update, replies } = splitResult(result);
      const pending = progressRef ? await progressRef : undefined;
      if (update && source) await out.update(source, update);
      else if (update) replies.unshift(update);
      let first = true;
      for (const m of replies) {
        if (first && pending) await out.update(pending, m);
        else await out.post(m);
        first = false;
      }
      if (pending && replies.length === 0) await out.update(pending, { text: 'Done.', tone: 'ok' });
    } catch (err) {
      // The progress note is in the channel; the reason goes to the asker alone. The note must
      // not say "collecting…" forever.
      const pending = progressRef ? await progressRef.catch(() => undefined) : undefined;
      if (pending)
        await out
          .update(pending, { text: `${code(name)} stopped; the reason went to whoever asked.`, tone: 'warn' })
          .catch(() => undefined);
      throw err;
    } finally {
      for (const t of timers) clearTimeout(t);
    }
  }

  /**
   * The command's arguments. A command that has commands under it (`sinks` and `sinks retry`)
   * names them when its arguments do not fit: `sinks retyr hooks` is a slip for one of them.
   */
  private bind(cmd: Command, rest: Parameters<typeof bindArgs>[1]): Record<string, unknown> {
    try {
      return bindArgs(cmd, rest) as Record<string, unknown>;
    } catch (err) {
      const under = this.deps.registry.all().filter((c) => c.name.startsWith(`${cmd.name} `) && !c.hidden);
      if (!(err instanceof InputError) || !under.length) throw err;
      const others = under.map((c) => code(usageLine(c))).join(', or ');
      throw new InputError(err.message, {
        hint: err.hint ? `${err.hint}, or ${others}` : `Under ${code(cmd.name)}: ${others}.`,
      });
    }
  }

  /** The command's own visibility, unless the configuration says otherwise for it or its group. */
  private visibilityOf(cmd: { name: string; visibility?: Visibility; effect?: string }): Visibility {
    // What changes things is the team's to see: a proposal only its asker saw could never be approved.
    if (cmd.effect === 'write') return 'public';
    const cfg = this.deps.options.visibility ?? {};
    const group = cmd.name.split(' ')[0] as string;
    return cfg[cmd.name] ?? cfg[group] ?? cmd.visibility ?? 'public';
  }

  private async fail(
    err: unknown,
    post: (m: Message) => Promise<MessageRef>,
    log: Logger,
    name: string,
  ): Promise<string> {
    let reply: Message;
    let outcome: string;
    if (isDeckError(err)) {
      log.info({ code: err.code, reason: err.message }, 'command refused');
      if (err instanceof UpstreamError)
        this.deps.metrics?.backendErrors.inc({ backend: err.backend, kind: err.failure });
      reply = errorMessage(err);
      outcome = err.code;
    } else {
      const id = newErrorId();
      log.error({ err, errorId: id }, 'command failed unexpectedly');
      reply = {
        text: `Something went wrong while running ${code(name)} (error ${id}). The details are in the bot's log.`,
        tone: 'danger',
        data: { error: { code: 'DECK_INTERNAL', errorId: id } },
      };
      outcome = 'DECK_INTERNAL';
    }
    try {
      await post(reply);
    } catch (postErr) {
      log.error({ err: postErr }, 'could not post the error reply');
    }
    return outcome;
  }

  private async audit(
    actor: Actor,
    conv: Conversation,
    kind: string,
    name: string,
    outcome: string,
    app?: string,
    detail?: Record<string, unknown>,
  ): Promise<void> {
    // Label values must stay a known set: what someone mistyped is in the audit entry, not a label.
    const known =
      kind !== 'command' ||
      this.deps.registry.get(name) !== undefined ||
      this.deps.registry.inGroup(name).length > 0;
    this.deps.metrics?.commands.inc({
      command: known ? name : '(unknown)',
      outcome: outcome === 'ok' ? 'ok' : outcome,
    });
    try {
      await this.deps.audit.record({
        actor: actor.id,
        platform: actor.platform,
        channel: conv.channel,
        kind,
        name,
        app,
        outcome,
        detail: detail && this.deps.redactor.object(detail),
      });
      this.deps.log.info({ audit: true, actor: actor.id, kind, name, app, outcome }, 'audit');
    } catch (err) {
      this.deps.log.error({ err }, 'audit write failed');
    }
  }
}

function splitResult(r: unknown): { update?: Message; replies: Message[] } {
  if (!r) return { replies: [] };
  if (Array.isArray(r)) return { replies: r as Message[] };
  const o = r as Record<string, unknown>;
  if ('text' in o) return { replies: [o as unknown as Message] };
  const reply = o.reply as Message | Message[] | undefined;
  return {
    update: o.update as Message | undefined,
    replies: reply ? (Array.isArray(reply) ? reply : [reply]) : [],
  };
}
