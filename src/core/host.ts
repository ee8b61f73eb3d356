/**
 * The plugin host owns the lifecycle. Boot: plugins initialise in dependency order (a plugin that
 * needs a service waits for the plugin that provides it), each within a deadline. A plugin can be
 * switched off in the config; one whose init fails is switched off too, reported in the log, by
 * /readyz and by `plugins` — only a `required` plugin's failure stops start-up. Either way the
 * plugins that cannot work without it are left out, each with the reason, and a plugin registers
 * nothing until its init has succeeded, so a failure leaves no half of it behind (the model is
 * avvio's plugin boundary and Backstage's per-plugin start-up isolation).
 * Shutdown: adapters stop taking messages, in-flight work drains, jobs stop, then close hooks run
 * in reverse order, each bounded by what is left of the deadline, so one hung plugin cannot keep
 * the process alive.
 */
import type { ActionService, ActionSpec } from './actions.ts';
import type { CommandSpec } from './commands/define.ts';
import type { CommandRegistry } from './commands/registry.ts';
import { pluginSection } from './config/schema.ts';
import { BootError } from './errors.ts';
import type { HttpServer } from './http/server.ts';
import type { WebhookSpec } from './http/webhooks.ts';
import type { JobRunner, JobSpec } from './jobs.ts';
import type { Logger } from './logging.ts';
import type { AccessPolicy } from './access.ts';
import type { AnyPlugin, PluginContext } from './plugin.ts';
import type { TaskTracker } from './tasks.ts';
import type { Token, TokenMap } from './token.ts';

/** What the composition root gives the host: how to resolve and register services. */
export interface ServiceScope {
  resolveDeps(plugin: string, deps: TokenMap): Record<string, unknown>;
  register<T>(token: Token<T>, value: T): void;
  has(token: Token<unknown>): boolean;
}

export interface HostParts {
  plugins: AnyPlugin[];
  /** The plugin's parsed `plugins.<id>` section, `enabled` included. */
  pluginConfig: (id: string) => unknown;
  services: ServiceScope;
  registry: CommandRegistry;
  actions: ActionService;
  access: AccessPolicy;
  jobs: JobRunner;
  http: HttpServer;
  tasks: TaskTracker;
  log: Logger;
  initTimeoutMs?: number;
}

/** Where a plugin stands after boot, for `plugins`, /readyz and the boot log. */
export type PluginState =
  | { id: string; state: 'loaded' }
  | { id: string; state: 'disabled'; reason: string }
  | { id: string; state: 'failed'; reason: string }
  | { id: string; state: 'left-out'; reason: string };

type Hook = { plugin: string; fn: () => void | Promise<void> };

/** How long a failed plugin's own close hooks get to release what its init opened. */
const FAILED_CLOSE_MS = 2_000;

const tokensOf = (p: AnyPlugin) => [
  ...Object.values(p.deps ?? {}).map((t) => ({ t, optional: false })),
  ...Object.values(p.optionalDeps ?? {}).map((t) => ({ t, optional: true })),
];

/**
 * Order plugins so that providers come before their consumers, optional dependencies included;
 * cycles and required services that no plugin in the list provides are boot errors (a wrong
 * plugin list, not a configuration choice).
 */
export function orderPlugins(
  plugins: AnyPlugin[],
  isCoreService: (t: Token<unknown>) => boolean,
): AnyPlugin[] {
  const providerOf = new Map<symbol, string>();
  for (const p of plugins) {
    for (const t of p.provides ?? []) {
      const prev = providerOf.get(t.key);
      if (prev) throw new BootError(`Plugins ${prev} and ${p.id} both provide ${t.name}`);
      providerOf.set(t.key, p.id);
    }
  }
  const byId = new Map(plugins.map((p) => [p.id, p]));
  if (byId.size !== plugins.length) throw new BootError('Two plugins share an id');
  const ordered: AnyPlugin[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (p: AnyPlugin, chain: string[]) => {
    if (state.get(p.id) === 'done') return;
    if (state.get(p.id) === 'visiting') {
      throw new BootError(`Plugin dependency cycle: ${[...chain, p.id].join(' → ')}`);
    }
    state.set(p.id, 'visiting');
    for (const { t, optional } of tokensOf(p)) {
      const provider = providerOf.get(t.key);
      if (provider) visit(byId.get(provider) as AnyPlugin, [...chain, p.id]);
      else if (!optional && !isCoreService(t)) {
        throw new BootError(`Plugin ${p.id} needs ${t.name}, which no loaded plugin provides`);
      }
    }
    state.set(p.id, 'done');
    ordered.push(p);
  };
  for (const p of plugins) visit(p, []);
  return ordered;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * What one plugin registers during init, held back until init has succeeded. A plugin that
 * throws halfway (or times out and goes on running) then leaves no command, button, job, route,
 * hook or service behind: the buffer is dropped, and late calls land in a buffer nobody reads.
 */
interface Pending {
  commands: CommandSpec[];
  actions: ActionSpec[];
  jobs: JobSpec[];
  webhooks: WebhookSpec[];
  services: { token: Token<unknown>; value: unknown }[];
  start: Hook[];
  serve: Hook[];
  close: Hook[];
}

export class PluginHost {
  private readonly startHooks: Hook[] = [];
  private readonly serveHooks: Hook[] = [];
  private readonly closeHooks: Hook[] = [];
  private readonly adapterStops: Hook[] = [];
  private stopping?: Promise<void>;
  readonly loaded: AnyPlugin[] = [];
  /** Every plugin's state after init, in boot order. */
  readonly states: PluginState[] = [];

  private readonly parts: HostParts;

  constructor(parts: HostParts) {
    this.parts = parts;
  }

  /** The plugins whose init failed, with the cause: each is a failing readiness check. */
  get failed(): { id: string; reason: string }[] {
    return this.states.flatMap((s) => (s.state === 'failed' ? [{ id: s.id, reason: s.reason }] : []));
  }

  async init(): Promise<void> {
    const { parts } = this;
    // Ordered over every plugin, switched off or not: a cycle is a bug whatever the config says.
    const ordered = orderPlugins(parts.plugins, (t) => parts.services.has(t));
    const providerOf = new Map<symbol, string>();
    for (const p of parts.plugins) for (const t of p.provides ?? []) providerOf.set(t.key, p.id);
    const stateOf = new Map<string, PluginState>();
    const settle = (s: PluginState) => {
      stateOf.set(s.id, s);
      this.states.push(s);
    };
    const why = (s: PluginState) =>
      s.state === 'disabled' ? 'is disabled' : s.state === 'failed' ? 'failed to start' : 'is off';

    for (const p of ordered) {
      const log = parts.log.child({ plugin: p.id });
      const section = pluginSection(parts.pluginConfig(p.id));
      if (!section.enabled) {
        settle({
          id: p.id,
          state: 'disabled',
          reason: `disabled by config (plugins.${p.id}.enabled: false)`,
        });
        log.info(`${p.id} is off: disabled by config`);
        continue;
      }
      // Ordering put every provider first, so its state is known here.
      const missing = Object.values(p.deps ?? {}).flatMap((t) => {
        const provider = providerOf.get(t.key);
        const s = provider === undefined ? undefined : stateOf.get(provider);
        return s && s.state !== 'loaded' ? [`it needs ${t.name}, and ${s.id} ${why(s)}`] : [];
      });
      if (missing.length) {
        const reason = missing.join('; ');
        settle({ id: p.id, state: 'left-out', reason });
        log.warn(`${p.id} is off: ${reason}`);
        continue;
      }
      const outcome = await this.initOne(p, section.config, log);
      if (outcome === 'loaded') {
        settle({ id: p.id, state: 'loaded' });
        this.loaded.push(p);
        log.debug('plugin initialised');
      } else {
        settle({ id: p.id, state: 'failed', reason: outcome.reason });
        log.error({ err: outcome.cause }, `${p.id} failed to start and is off: ${outcome.reason}`);
      }
    }
  }

  /** Run one plugin's init; a non-required plugin's failure is returned, a required one's thrown. */
  private async initOne(
    p: AnyPlugin,
    config: unknown,
    log: Logger,
  ): Promise<'loaded' | { reason: string; cause: unknown }> {
    const { parts } = this;
    const pending: Pending = {
      commands: [],
      actions: [],
      jobs: [],
      webhooks: [],
      services: [],
      start: [],
      serve: [],
      close: [],
    };
    const ctx: PluginContext<unknown, TokenMap, TokenMap> = {
      id: p.id,
      config,
      deps: {} as never,
      log,
      commands: { add: (...specs) => pending.commands.push(...specs) },
      actions: { add: (...specs) => pending.actions.push(...specs) },
      jobs: { add: (...jobs) => pending.jobs.push(...jobs) },
      webhooks: { add: (...routes) => pending.webhooks.push(...routes) },
      provide: (token, value) => {
        if (!(p.provides ?? []).some((t) => t.key === token.key)) {
          throw new BootError(`Plugin ${p.id} provides ${token.name} without declaring it in 'provides'`);
        }
        pending.services.push({ token, value });
      },
      onStart: (fn) => pending.start.push({ plugin: p.id, fn }),
      onServe: (fn) => pending.serve.push({ plugin: p.id, fn }),
      onClose: (fn) => pending.close.push({ plugin: p.id, fn }),
    };
    try {
      const optional = Object.entries(p.optionalDeps ?? {});
      const present = Object.fromEntries(optional.filter(([, t]) => parts.services.has(t)));
      ctx.deps = {
        ...Object.fromEntries(optional.map(([name]) => [name, undefined])),
        ...parts.services.resolveDeps(p.id, { ...present, ...(p.deps ?? {}) }),
      } as never;
      await withTimeout(
        Promise.resolve().then(() => p.init(ctx)),
        p.initTimeoutMs ?? parts.initTimeoutMs ?? 15_000,
        `init of plugin ${p.id}`,
      );
      const missing = (p.provides ?? []).filter((t) => !pending.services.some((s) => s.token.key === t.key));
      if (missing.length) {
        throw new BootError(
          `Plugin ${p.id} declared ${missing.map((t) => t.name).join(', ')} but did not provide it`,
        );
      }
    } catch (cause) {
      // A BootError is a wiring mistake (an undeclared service, a missing core service): it is
      // the same in every configuration, so it stops start-up rather than hiding as a failure.
      if (cause instanceof BootError) throw cause;
      const reason = messageOf(cause);
      if (p.required) throw new BootError(`Plugin ${p.id} failed to start: ${reason}`, { cause });
      await this.release(pending.close, log);
      return { reason, cause };
    }
    this.commit(p, pending);
    return 'loaded';
  }

  /** A failed plugin's own close hooks release what its init opened before it failed. */
  private async release(hooks: Hook[], log: Logger): Promise<void> {
    for (const h of [...hooks].reverse()) {
      try {
        await withTimeout(Promise.resolve().then(h.fn), FAILED_CLOSE_MS, `close of ${h.plugin}`);
      } catch (err) {
        log.warn({ err }, 'close of a plugin that failed to start failed or timed out; going on');
      }
    }
  }

  private commit(p: AnyPlugin, pending: Pending): void {
    const { parts } = this;
    try {
      for (const s of pending.commands) {
        const effect = s.effect ?? 'read';
        if (effect === 'write') parts.access.markWrite(s.permission);
        parts.registry.add({ ...s, plugin: p.id, effect });
      }
      for (const s of pending.actions) {
        if ((s.effect ?? 'write') === 'write') parts.access.markWrite(s.permission);
        parts.actions.register(p.id, s);
      }
      for (const j of pending.jobs) parts.jobs.add(p.id, j);
      for (const r of pending.webhooks) parts.http.mount(p.id, r);
      for (const s of pending.services) parts.services.register(s.token, s.value);
    } catch (cause) {
      // Two plugins claiming one command name or job id: a bug in the plugin list, not in one plugin.
      if (cause instanceof BootError) throw cause;
      throw new BootError(`Plugin ${p.id} failed to start: ${messageOf(cause)}`, { cause });
    }
    this.startHooks.push(...pending.start);
    this.serveHooks.push(...pending.serve);
    this.closeHooks.push(...pending.close);
  }

  /** `serve`: a bot that keeps running (not a one-shot `exec`) also starts its background work. */
  async start(opts: { serve: boolean } = { serve: true }): Promise<void> {
    for (const h of opts.serve ? [...this.startHooks, ...this.serveHooks] : this.startHooks) {
      try {
        await h.fn();
      } catch (cause) {
        throw new BootError(`Plugin ${h.plugin} failed to start: ${(cause as Error).message}`, { cause });
      }
    }
  }

  /** Adapters register how to stop taking input; they stop first on shutdown. */
  addAdapterStop(name: string, fn: () => Promise<void>): void {
    this.adapterStops.push({ plugin: name, fn });
  }

  /** Also used by the composition root for core resources (the store, the HTTP server). */
  onClose(name: string, fn: () => void | Promise<void>): void {
    this.closeHooks.push({ plugin: name, fn });
  }

  stop(graceMs = 10_000): Promise<void> {
    this.stopping ??= this.doStop(graceMs);
    return this.stopping;
  }

  private async doStop(graceMs: number): Promise<void> {
    const { log, tasks, jobs } = this.parts;
    const deadline = Date.now() + graceMs;
    const left = () => Math.max(0, deadline - Date.now());
    const runBounded = async (h: Hook, what: string) => {
      try {
        await withTimeout(Promise.resolve().then(h.fn), Math.max(1, left()), `${what} of ${h.plugin}`);
      } catch (err) {
        log.warn({ plugin: h.plugin, err }, `${what} failed or timed out; going on`);
      }
    };
    for (const h of this.adapterStops) await runBounded(h, 'adapter stop');
    // A follow-up lives in the store and the next serving bot resumes it: no reason to wait.
    if (!(await tasks.idle(Math.min(left(), graceMs / 2), { exceptResumable: true })))
      log.warn({ inflight: tasks.size }, 'in-flight work abandoned');
    jobs.stop();
    for (const h of [...this.closeHooks].reverse()) await runBounded(h, 'close');
    log.info('stopped');
  }
}
