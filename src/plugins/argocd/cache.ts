/**
 * A watch-fed copy of every Application of one Argo CD instance. It lists once, then follows the
 * stream (whose items, unlike the list's, carry per-resource health), reconnects with backoff and
 * re-lists on reconnect and periodically to heal missed events. Readers use it only while it is
 * warm: listed and connected. Otherwise they call the API directly and get its errors.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../../core/logging.ts';
import type { ArgoInstanceClient } from './client.ts';
import type { Application } from './types.ts';

export const appKey = (a: { metadata: { name: string; namespace?: string } }): string =>
  `${a.metadata.namespace ?? ''}/${a.metadata.name}`;

export interface AppChange {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  instance: string;
  app: Application;
  previous?: Application;
}

export class AppCache extends EventEmitter {
  private readonly byKey = new Map<string, Application>();
  private readonly byName = new Map<string, Set<string>>();
  private listed = false;
  private connected = false;
  private stopped = false;
  private readonly stopCtrl = new AbortController();
  private ctrl?: AbortController;
  private loop?: Promise<void>;
  private resyncTimer?: NodeJS.Timeout;
  private readonly client: ArgoInstanceClient;
  private readonly log: Logger;
  private readonly resyncMs: number;
  lastError?: string;

  constructor(client: ArgoInstanceClient, log: Logger, resyncMs: number) {
    super();
    this.setMaxListeners(0);
    this.client = client;
    this.log = log.child({ cache: client.name });
    this.resyncMs = resyncMs;
  }

  get warm(): boolean {
    return this.listed && this.connected && !this.stopped;
  }

  get size(): number {
    return this.byKey.size;
  }

  all(): Application[] {
    return [...this.byKey.values()];
  }

  /** Apps with this name (one per namespace). */
  named(name: string): Application[] {
    const keys = this.byName.get(name);
    return keys ? [...keys].map((k) => this.byKey.get(k) as Application) : [];
  }

  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
    this.resyncTimer = setInterval(() => void this.relist().catch(() => undefined), this.resyncMs);
    this.resyncTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopCtrl.abort();
    clearInterval(this.resyncTimer);
    this.ctrl?.abort(new Error('cache stopped'));
    await this.loop?.catch(() => undefined);
  }

  /** Resolves once the cache is warm, or after `ms` (whichever comes first). */
  async ready(ms: number): Promise<boolean> {
    if (this.warm) return true;
    return new Promise((resolve) => {
      const t = setTimeout(() => (this.off('warm', onWarm), resolve(this.warm)), ms);
      const onWarm = () => (clearTimeout(t), resolve(true));
      this.once('warm', onWarm);
    });
  }

  private set(app: Application, type: AppChange['type']): void {
    const key = appKey(app);
    const previous = this.byKey.get(key);
    if (type === 'DELETED') {
      this.byKey.delete(key);
      this.byName.get(app.metadata.name)?.delete(key);
    } else {
      this.byKey.set(key, app);
      let s = this.byName.get(app.metadata.name);
      if (!s) this.byName.set(app.metadata.name, (s = new Set()));
      s.add(key);
    }
    if (this.listed)
      this.emit('change', { type, instance: this.client.name, app, previous } satisfies AppChange);
  }

  private async relist(signal?: AbortSignal): Promise<void> {
    const { items } = await this.client.list({}, signal);
    const seen = new Set<string>();
    for (const app of items) {
      const key = appKey(app);
      seen.add(key);
      const prev = this.byKey.get(key);
      // A list item lacks per-resource health; keep the richer watched copy of the same version.
      if (prev?.metadata.resourceVersion && prev.metadata.resourceVersion === app.metadata.resourceVersion)
        continue;
      this.set(app, prev ? 'MODIFIED' : 'ADDED');
    }
    for (const [key, app] of this.byKey) if (!seen.has(key)) this.set(app, 'DELETED');
    if (!this.listed) {
      this.listed = true;
      this.log.info({ apps: this.byKey.size }, 'application cache listed');
    }
  }

  private async run(): Promise<void> {
    let backoff = 500;
    while (!this.stopped) {
      this.ctrl = new AbortController();
      try {
        await this.relist(this.ctrl.signal);
        this.connected = true;
        this.lastError = undefined;
        this.emit('warm');
        backoff = 500;
        await this.client.watch({}, (e) => this.set(e.application, e.type), this.ctrl.signal);
        if (!this.stopped) this.log.info('application stream ended; reconnecting');
      } catch (err) {
        if (this.stopped) break;
        this.lastError = (err as Error).message;
        this.log.warn({ err: this.lastError, retryInMs: backoff }, 'application stream failed');
      } finally {
        this.connected = false;
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, backoff + Math.random() * backoff * 0.3);
        this.stopCtrl.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
      backoff = Math.min(backoff * 2, 30_000);
    }
  }
}
