/**
 * The composition root, and the only place that knows about tsyringe. It registers the core
 * services under typed tokens, lets plugins add theirs, resolves each plugin's declared
 * dependencies, and wires the dispatcher, adapters and HTTP server together.
 */
import 'reflect-metadata';
import { container, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { join } from 'node:path';
import { AccessPolicy, rolesWith } from './access.ts';
import { ActionService } from './actions.ts';
import { ApprovalService } from './approvals.ts';
import type { AdapterModule } from './adapter.ts';
import { ChatService, type ChatAdapter } from './chat.ts';
import { systemClock, type Clock } from './clock.ts';
import { CommandRegistry } from './commands/registry.ts';
import type { CoreConfig } from './config/schema.ts';
import { Dispatcher } from './dispatcher.ts';
import { BootError, UpstreamError } from './errors.ts';
import { HttpServer } from './http/server.ts';
import { IdentityResolver } from './identity.ts';
import { JobRunner } from './jobs.ts';
import { LeaseLeader, SingleProcessLeader, type Leader } from './leader.ts';
import { CronScheduler } from './scheduler.ts';
import { createLogger, type Logger } from './logging.ts';
import { Metrics } from './metrics.ts';
import { PluginHost, type ServiceScope } from './host.ts';
import type { AnyPlugin } from './plugin.ts';
import { Redactor, collectSecrets } from './redact.ts';
import { redactingStore } from './store/redacting.ts';
import { postgresOptions, postgresSecrets } from './store/postgres-config.ts';
import { LoopHealth, startLoop } from './background.ts';
import { SqliteStore } from './store/sqlite.ts';
import type { Store } from './store/types.ts';
import { TaskTracker } from './tasks.ts';
import type { Token, TokenMap } from './token.ts';
import * as T from './tokens.ts';

export interface BotOptions {
  config: CoreConfig;
  configPath?: string;
  plugins: AnyPlugin[];
  adapters?: AdapterModule[];
  /** Adapters made by the caller (the console chat of `start`, test adapters). */
  extraAdapters?: ChatAdapter[];
  /** Replace core services (a fake clock, an in-memory store, a capturing logger). */
  overrides?: { clock?: Clock; store?: Store; log?: Logger; leader?: Leader };
  version: string;
  /** Start the HTTP server (default: config.server.enabled). `exec` runs without it. */
  http?: boolean;
  /** Run schedules and leader election (default true). A one-shot `exec` does not. */
  background?: boolean;
  /**
   * Run the plugins' serving work: watch-driven alerts, resumed follow-ups (default: as
   * `background`). A one-shot `exec` does not; tests that drive a bot without schedules do.
   */
  serve?: boolean;
}

export interface Bot {
  host: PluginHost;
  dispatcher: Dispatcher;
  chat: ChatService;
  registry: CommandRegistry;
  jobs: JobRunner;
  scheduler: CronScheduler;
  leader: Leader;
  http: HttpServer;
  metrics: Metrics;
  tasks: TaskTracker;
  store: Store;
  log: Logger;
  config: CoreConfig;
  /** The one redaction step, for exits outside the core (the console's history file). */
  redactor: Redactor;
  /** The port the HTTP server listens on, once started. */
  port?: number;
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

function scopeFor(root: DependencyContainer): ServiceScope {
  return {
    register: (token, value) => {
      root.register(token.key, { useValue: value });
    },
    has: (token) => root.isRegistered(token.key, true),
    resolveDeps: (plugin: string, deps: TokenMap) => {
      const scope = root.createChildContainer();
      const out: Record<string, unknown> = {};
      for (const [name, t] of Object.entries(deps)) {
        if (!scope.isRegistered(t.key, true)) {
          throw new BootError(`Plugin ${plugin} needs ${t.name} (as '${name}'), which nothing provides`);
        }
        // The plugin's logger is its own child, so every line names the plugin.
        out[name] =
          t.key === T.LoggerToken.key
            ? (scope.resolve(t.key) as Logger).child({ plugin })
            : scope.resolve(t.key as symbol);
      }
      return out;
    },
  };
}

const factory = <V>(root: DependencyContainer, t: Token<V>, make: () => V) =>
  root.register(t.key, { useFactory: instanceCachingFactory(make) });

export async function createBot(opts: BotOptions): Promise<Bot> {
  const { config } = opts;
  const redactor = new Redactor();
  redactor.addSecrets(collectSecrets(config));
  const log =
    opts.overrides?.log ??
    createLogger({ level: config.log.level, format: config.log.format, file: config.log.file, redactor });
  const clock = opts.overrides?.clock ?? systemClock;
  const root = container.createChildContainer();

  const pg =
    config.store.postgres && !opts.overrides?.store ? postgresOptions(config.store.postgres) : undefined;
  if (pg) redactor.addSecrets(postgresSecrets(pg.url));
  const store = redactingStore(
    opts.overrides?.store ??
      (pg
        ? await (
            await import('./store/postgres.ts')
          ).PostgresStore.open(
            {
              ...pg,
              onConnectionError: (err) =>
                log.warn(
                  { err: err.message },
                  'a PostgreSQL connection broke; the next query opens a new one',
                ),
            },
            clock,
          )
        : new SqliteStore(config.store.file ?? join(config.dataDir, 'deckhand.db'), clock)),
    redactor,
  );
  const tasks = new TaskTracker();
  const registry = new CommandRegistry();
  // Roles hold the core's permissions and what each plugin grants them by default.
  const access = new AccessPolicy(config.access, rolesWith(opts.plugins));
  const identities = new IdentityResolver(config.identities);
  const actions = new ActionService(store, clock);
  const jobs = new JobRunner(log.child({ component: 'jobs' }));
  const http = new HttpServer(log.child({ component: 'http' }), tasks);
  const chat = new ChatService(redactor);
  const metrics = new Metrics({ defaults: opts.http ?? config.server.enabled, redactor });
  const approvals = new ApprovalService(store, clock, config.approvals);
  metrics.gauge('deckhand_approvals_pending', 'Proposed changes waiting for approval', () =>
    approvals.pendingCount(),
  );
  http.route('/metrics', async (_req, res) => {
    const body = await metrics.text();
    res.writeHead(200, { 'content-type': metrics.contentType });
    res.end(body);
  });
  const leader: Leader =
    opts.overrides?.leader ??
    (config.leaderElection.enabled
      ? new LeaseLeader(config.leaderElection, clock, log)
      : new SingleProcessLeader());
  const scheduler = new CronScheduler(jobs, leader, log.child({ component: 'scheduler' }));

  root.register(T.ConfigToken.key, { useValue: config });
  root.register(T.LoggerToken.key, { useValue: log });
  root.register(T.ClockToken.key, { useValue: clock });
  root.register(T.StoreToken.key, { useValue: store });
  root.register(T.TasksToken.key, { useValue: tasks });
  root.register(T.CommandsToken.key, { useValue: registry });
  root.register(T.AccessToken.key, { useValue: access });
  root.register(T.IdentityToken.key, { useValue: identities });
  root.register(T.ActionsToken.key, { useValue: actions });
  root.register(T.ApprovalsToken.key, { useValue: approvals });
  root.register(T.MetricsToken.key, { useValue: metrics });
  root.register(T.JobsToken.key, { useValue: jobs });
  root.register(T.LeaderToken.key, { useValue: leader });
  root.register(T.SchedulerToken.key, { useValue: scheduler });
  root.register(T.HttpToken.key, { useValue: http });
  root.register(T.ChatToken.key, { useValue: chat });
  root.register(T.RedactorToken.key, { useValue: redactor });
  factory(root, T.BotInfoToken, () => ({
    version: opts.version,
    node: process.version,
    startedAt: clock.now(),
    configPath: opts.configPath,
    plugins: () =>
      opts.plugins.map((p) => {
        const s = host.states.find((x) => x.id === p.id);
        return {
          id: p.id,
          summary: p.summary,
          commands: registry.all().filter((c) => c.plugin === p.id).length,
          state: s?.state ?? 'loaded',
          reason: s && s.state !== 'loaded' ? s.reason : undefined,
        };
      }),
  }));

  const host = new PluginHost({
    plugins: opts.plugins,
    pluginConfig: (id) => config.plugins[id] ?? {},
    services: scopeFor(root),
    registry,
    actions,
    access,
    jobs,
    http,
    tasks,
    log,
  });
  const dispatcher = new Dispatcher({
    registry,
    actions,
    access,
    identities,
    audit: store.audit,
    redactor,
    tasks,
    metrics,
    log: log.child({ component: 'dispatch' }),
    options: {
      commandTimeoutMs: config.commands.timeoutMs,
      progressAfterMs: config.commands.progressAfterMs,
      visibility: config.commands.visibility,
    },
  });

  const adapters: ChatAdapter[] = [...(opts.extraAdapters ?? [])];
  for (const m of opts.adapters ?? []) {
    const section = config.adapters[m.platform];
    if (section && m.enabled(section)) {
      adapters.push(
        await m.create(section, {
          log: log.child({ adapter: m.platform }),
          http,
          identities,
          registry,
          config,
        }),
      );
    }
  }
  for (const a of adapters) chat.add(a);
  for (const a of adapters) {
    if (a.health) {
      const check = a.health.bind(a);
      http.readiness.push({ name: `adapter:${a.platform}`, check: async () => check() });
    }
  }
  http.readiness.push({
    name: 'store',
    check: async () => {
      // Bounded: a database that does not answer makes the bot not ready within seconds.
      const probe = store.collection('health').get('probe');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer within 3 s')), 3_000);
      });
      try {
        await Promise.race([probe, late]);
        return null;
      } catch (err) {
        probe.catch(() => undefined);
        // The store names itself when it knows the database is gone (UpstreamError 'store').
        const said =
          err instanceof UpstreamError
            ? err.message
            : `${pg ? 'PostgreSQL' : 'the SQLite store'} did not answer: ${(err as Error).message}.`;
        return `${said} Writes fail until it is back.`;
      } finally {
        clearTimeout(timer);
      }
    },
  });

  const bot: Bot = {
    host,
    dispatcher,
    chat,
    registry,
    jobs,
    scheduler,
    leader,
    http,
    metrics,
    tasks,
    store,
    log,
    config,
    redactor,
    async start() {
      await host.init();
      // A plugin whose init failed is off; the bot serves without it but is not ready, and says why.
      for (const f of host.failed) {
        const reason = `${f.id} failed to start: ${f.reason}`;
        http.readiness.push({ name: `plugin:${f.id}`, check: async () => reason });
      }
      const background = opts.background ?? true;
      if (background) {
        await leader.start();
        host.onClose('leader', () => leader.stop());
      }
      await host.start({ serve: opts.serve ?? background });
      if (background) {
        scheduler.start();
        host.onClose('scheduler', () => scheduler.stop());
        // Expired buttons, approvals and other documents leave the store hourly, so they do not
        // pile up; every replica sweeps (a shared store takes it idempotently).
        const sweep = startLoop(new LoopHealth('store sweep', log, { baseMs: 3_600_000 }), async () => {
          const n = await store.sweep();
          if (n) log.debug({ removed: n }, 'store swept');
        });
        host.onClose('store-sweep', () => sweep.stop());
      }
      if (opts.http ?? config.server.enabled) {
        try {
          bot.port = await http.listen(config.server.port, config.server.host);
        } catch (err) {
          // Half a bot is worse than none: what started stops, so the process can exit.
          await host.stop(2_000).catch(() => undefined);
          throw err;
        }
        log.info({ port: bot.port }, 'http server listening');
        host.onClose('http', () => http.close());
      }
      for (const a of adapters) {
        await a.start(dispatcher.deliver);
        host.addAdapterStop(a.platform, () => a.stop());
      }
    },
    stop: (graceMs) => host.stop(graceMs),
  };
  // Registered first so it closes last, after every plugin.
  host.onClose('store', () => store.close());
  return bot;
}
