/**
 * Argo CD for the rest of deckhand: every configured instance, its client and its cache, app
 * reference resolution with close matches, and cached revision metadata. Provided to other plugins
 * under ArgoToken.
 */
import { closest } from '../../core/commands/suggest.ts';
import { DeckError, InputError, NotFoundError } from '../../core/errors.ts';
import type { Logger } from '../../core/logging.ts';
import { code } from '../../core/message/markup.ts';
import { AppCache, type AppChange } from './cache.ts';
import { ArgoInstanceClient, type AppLocator } from './client.ts';
import type { ArgoConfig } from './config.ts';
import { formatAppRef, parseAppRef } from './refs.ts';
import type { Application, RevisionMetadata } from './types.ts';
import { readApplication, type AppView } from './view/app-view.ts';
import { GitLinks } from './view/links.ts';
import { isCommitSha } from './view/sources.ts';

export interface ResolvedApp {
  instance: string;
  client: ArgoInstanceClient;
  app: Application;
  /** The one reading of `app` every renderer uses. */
  view: AppView;
  locator: AppLocator;
  /** How to refer to it in replies (`name`, `ns/name`, `name@instance` when ambiguous). */
  ref: string;
  /** Whether the app came from the warm cache rather than a direct call. */
  cached: boolean;
}

export interface ListResult {
  apps: { instance: string; app: Application }[];
  /** Instances that could not be read, with the reason. */
  failures: { instance: string; error: DeckError | Error }[];
}

class NotConfigured extends DeckError {
  constructor() {
    super('DECK_NOT_CONFIGURED', 'No Argo CD instance is configured.', {
      hint: 'Add plugins.argocd.instances to deckhand.yaml, or run `npm start` for the sandbox world.',
    });
  }
}

export class ArgoService {
  private readonly instances = new Map<string, { client: ArgoInstanceClient; cache?: AppCache }>();
  private readonly metadata = new Map<string, RevisionMetadata>();
  /** Web links into the Git hosts the apps' sources live on (known hosts only). */
  readonly links: GitLinks;

  constructor(cfg: ArgoConfig, log: Logger) {
    this.links = new GitLinks(cfg.gitWeb);
    for (const inst of cfg.instances) {
      const client = new ArgoInstanceClient(inst);
      const cache = cfg.cache.enabled
        ? new AppCache(client, log, cfg.cache.resyncMinutes * 60_000)
        : undefined;
      this.instances.set(inst.name, { client, cache });
    }
  }

  get names(): string[] {
    return [...this.instances.keys()];
  }

  get multiInstance(): boolean {
    return this.instances.size > 1;
  }

  client(instance: string): ArgoInstanceClient {
    const i = this.instances.get(instance);
    if (!i) {
      if (this.instances.size === 0) throw new NotConfigured();
      const near = closest(instance, this.instances.keys());
      throw new NotFoundError(
        `There is no Argo CD instance ${code(instance)}.` +
          (near.length ? ` Did you mean ${code(near[0] as string)}?` : ''),
        { hint: `Configured: ${this.names.join(', ')}.` },
      );
    }
    return i.client;
  }

  cache(instance: string): AppCache | undefined {
    return this.instances.get(instance)?.cache;
  }

  start(): void {
    for (const { cache } of this.instances.values()) cache?.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.instances.values()].flatMap((i) => (i.cache ? [i.cache.stop()] : [])));
  }

  /** An app from an instance's warm cache, without calling the API (undefined when not cached). */
  peek(instance: string, name: string, namespace?: string): Application | undefined {
    const cache = this.instances.get(instance)?.cache;
    if (!cache?.warm) return undefined;
    return cache.named(name).find((a) => !namespace || a.metadata.namespace === namespace);
  }

  /** Subscribe to application changes from every instance's cache (transition alerts, follow-ups). */
  onChange(fn: (c: AppChange) => void): () => void {
    const caches = [...this.instances.values()].flatMap((i) => (i.cache ? [i.cache] : []));
    for (const c of caches) c.on('change', fn);
    return () => caches.forEach((c) => c.off('change', fn));
  }

  /** Every app of the selected instances: from warm caches, else by listing (instances in parallel). */
  async list(opts: { instance?: string; signal?: AbortSignal } = {}): Promise<ListResult> {
    if (this.instances.size === 0) throw new NotConfigured();
    const names = opts.instance ? [this.client(opts.instance).name] : this.names;
    const result: ListResult = { apps: [], failures: [] };
    await Promise.all(
      names.map(async (name) => {
        const { client, cache } = this.instances.get(name) as {
          client: ArgoInstanceClient;
          cache?: AppCache;
        };
        try {
          const items = cache?.warm ? cache.all() : (await client.list({}, opts.signal)).items;
          for (const app of items) result.apps.push({ instance: name, app });
        } catch (error) {
          result.failures.push({ instance: name, error: error as Error });
        }
      }),
    );
    return result;
  }

  /** Find one application from a user's reference, or explain why not (ambiguous, unknown, unreachable). */
  async resolve(input: string, opts: { signal?: AbortSignal; fresh?: boolean } = {}): Promise<ResolvedApp> {
    if (this.instances.size === 0) throw new NotConfigured();
    const ref = parseAppRef(input);
    const names = ref.instance ? [this.client(ref.instance).name] : this.names;
    const found: ResolvedApp[] = [];
    const failures: { instance: string; error: Error }[] = [];
    const allNames = new Set<string>();
    await Promise.all(
      names.map(async (name) => {
        const { client, cache } = this.instances.get(name) as {
          client: ArgoInstanceClient;
          cache?: AppCache;
        };
        try {
          if (cache?.warm) {
            const cached = cache
              .named(ref.name)
              .filter((app) => !ref.namespace || app.metadata.namespace === ref.namespace);
            if (found.length === 0 && cached.length === 0) for (const n of cache.names()) allNames.add(n);
            if (!opts.fresh) {
              for (const app of cached) found.push(this.resolved(name, client, app, true));
              return;
            }
            // Fresh, but the cache knows where it is: one read, not a list and a read.
            for (const app of await Promise.all(
              cached.map((c) =>
                client.get(
                  { name: c.metadata.name, namespace: c.metadata.namespace },
                  { signal: opts.signal },
                ),
              ),
            ))
              found.push(this.resolved(name, client, app, false));
            return;
          }
          // Cold: list names only (cheap with `fields`), then read the match in full.
          const { items } = await client.list(
            { fields: ['items.metadata.name', 'items.metadata.namespace'], appNamespace: ref.namespace },
            opts.signal,
          );
          for (const item of items) {
            allNames.add(item.metadata.name);
            if (item.metadata.name !== ref.name) continue;
            if (ref.namespace && item.metadata.namespace !== ref.namespace) continue;
            const app = await client.get(
              { name: item.metadata.name, namespace: item.metadata.namespace },
              { signal: opts.signal },
            );
            found.push(this.resolved(name, client, app, false));
          }
        } catch (error) {
          failures.push({ instance: name, error: error as Error });
        }
      }),
    );
    if (found.length === 1) return found[0] as ResolvedApp;
    if (found.length > 1) {
      const options = found.map((f) =>
        code(formatAppRef({ ...f.locator, instance: f.instance }, this.multiInstance || true)),
      );
      throw new InputError(`${code(ref.raw)} matches ${found.length} applications: ${options.join(', ')}.`, {
        hint: 'Say which one with namespace/name or name@instance.',
      });
    }
    // Nothing found: if an instance failed, that is the more useful answer.
    if (failures.length) throw failures[0]?.error as Error;
    const near = closest(ref.name, allNames);
    throw new NotFoundError(
      `No application ${code(ref.raw)}${ref.instance ? ` in Argo CD ${ref.instance}` : ''}.` +
        (near.length ? ` Did you mean ${near.map((n) => code(n)).join(' or ')}?` : ''),
      { hint: '`argo list` shows every application.' },
    );
  }

  /** A listed app as a resolved one, without asking Argo CD again (for readers of a list). */
  resolvedFrom(instance: string, app: Application): ResolvedApp {
    const entry = this.instances.get(instance);
    if (!entry) throw new NotFoundError(`No Argo CD instance named ${instance}.`);
    return this.resolved(instance, entry.client, app, true);
  }

  private resolved(
    instance: string,
    client: ArgoInstanceClient,
    app: Application,
    cached: boolean,
  ): ResolvedApp {
    const view = readApplication(app);
    const locator = { name: view.name, namespace: view.namespace };
    return {
      instance,
      client,
      app,
      view,
      locator,
      ref: formatAppRef({ ...locator, instance, namespace: undefined }, this.multiInstance),
      cached,
    };
  }

  /**
   * Commit metadata of a Git source's revision, cached forever (a commit never changes). Only a
   * commit sha is asked about: Argo CD answers other revisions (a chart version, a digest) with an
   * error. `sourceIndex` picks the source of a multi-source app.
   */
  async revisionMetadata(
    r: ResolvedApp,
    revision: string,
    signal?: AbortSignal,
    sourceIndex?: number,
  ): Promise<RevisionMetadata | undefined> {
    if (!isCommitSha(revision)) return undefined;
    const source = r.view.sources[sourceIndex ?? 0];
    if (source && source.origin !== 'git') return undefined;
    const key = `${r.instance}|${source?.repoURL ?? ''}|${revision}`;
    const hit = this.metadata.get(key);
    if (hit) return hit;
    try {
      const md = await r.client.revisionMetadata(
        r.locator,
        revision,
        signal,
        r.view.multiSource ? (sourceIndex ?? 0) : undefined,
      );
      if (this.metadata.size > 5_000) this.metadata.clear();
      this.metadata.set(key, md);
      return md;
    } catch {
      return undefined;
    }
  }
}
