/**
 * The plugin host owns the lifecycle. Boot: plugins initialise in dependency order (a plugin that
 * needs a service waits for the plugin that provides it), each within a deadline; a failing init
 * stops start-up with the plugin's name and the cause. Shutdown: adapters stop taking messages,
 * in-flight work drains, jobs stop, then close hooks run in reverse order, each bounded by what
 * is left of the deadline, so one hung plugin cannot keep the process alive.
 */
import type { ActionService } from './actions.ts';
import type { CommandRegistry } from './commands/registry.ts';
import { BootError } from './errors.ts';
import type { HttpServer } from './http/server.ts';
import type { JobRunner } from './jobs.ts';
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

type Hook = { plugin: string; fn: () => void | Promise<void> };

/** Order plugins so that providers come before their consumers; cycles and missing providers are boot errors. */
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
    for (const t of Object.values(p.deps ?? {})) {
      const provider = providerOf.get(t.key);
      if (provider) visit(byId.get(provider) as AnyPlugin, [...chain, p.id]);
      else if (!isCoreService(t)) {
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

export class PluginHost {
  private readonly startHooks: Hook[] = [];
  private readonly serveHooks: Hook[] = [];
  private readonly closeHooks: Hook[] = [];
  private readonly adapterStops: Hook[] = [];
  private stopping?: Promise<void>;
  readonly loaded: AnyPlugin[] = [];

  private readonly parts: HostParts;

  constructor(parts: HostParts) {
    this.parts = parts;
  }

  async init(): Promise<void> {
    const { parts } = this;
    const ordered = orderPlugins(parts.plugins, (t) => parts.services.has(t));
    for (const p of ordered) {
      const log = parts.log.child({ plugin: p.id });
      const provided = new Set<symbol>();
      const ctx: PluginContext<unknown, TokenMap> = {
        id: p.id,
        config: parts.pluginConfig(p.id),
        deps: {} as never,
        log,
        commands: {
          add: (...specs) => {
            for (const s of specs) {
              const effect = s.effect ?? 'read';
              if (effect === 'write') parts.access.markWrite(s.permission);
              parts.registry.add({ ...s, plugin: p.id, effect });
            }
          },
        },
        actions: {
          add: (...specs) => {
            for (const s of specs) {
              if ((s.effect ?? 'write') === 'write') parts.access.markWrite(s.permission);
              parts.actions.register(p.id, s);
            }
          },
        },
        jobs: { add: (...jobs) => jobs.forEach((j) => parts.jobs.add(p.id, j)) },
        webhooks: { add: (...routes) => routes.forEach((r) => parts.http.mount(p.id, r)) },
        provide: (token, value) => {
          if (!(p.provides ?? []).some((t) => t.key === token.key)) {
            throw new BootError(`Plugin ${p.id} provides ${token.name} without declaring it in 'provides'`);
          }
          parts.services.register(token, value);
          provided.add(token.key);
        },
        onStart: (fn) => this.startHooks.push({ plugin: p.id, fn }),
        onServe: (fn) => this.serveHooks.push({ plugin: p.id, fn }),
        onClose: (fn) => this.closeHooks.push({ plugin: p.id, fn }),
      };
      try {
        ctx.deps = parts.services.resolveDeps(p.id, p.deps ?? {}) as never;
        await withTimeout(
          Promise.resolve().then(() => p.init(ctx)),
          p.initTimeoutMs ?? parts.initTimeoutMs ?? 15_000,
          `init of plugin ${p.id}`,
        );
      } catch (cause) {
        if (cause instanceof BootError) throw cause;
        throw new BootError(`Plugin ${p.id} failed to start: ${(cause as Error).message ?? String(cause)}`, {
          cause,
        });
      }
      const missing = (p.provides ?? []).filter((t) => !provided.has(t.key));
      if (missing.length) {
        throw new BootError(
          `Plugin ${p.id} declared ${missing.map((t) => t.name).join(', ')} but did not provide it`,
        );
      }
      this.loaded.push(p);
      log.debug('plugin initialised');
    }
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
