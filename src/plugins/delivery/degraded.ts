/**
 * When each app was Degraded. Argo CD keeps only the current health of an app, with the time it
 * last changed (`status.health.lastTransitionTime`, set only when the status changes:
 * controller/appcontroller.go); deckhand keeps the spans, so a deployment followed by a Degraded
 * app counts as failed and its recovery (Healthy again) as restored.
 */
import type { Clock } from '../../core/clock.ts';
import type { Collection, Store } from '../../core/store/types.ts';
import { healthOf, type Application } from '../argocd/index.ts';
import { appKey, pad } from './deployments.ts';
import type { IncidentSpan } from './four-keys.ts';

interface Span {
  app: string;
  startedAt: number;
  endedAt?: number;
  /** The app was deleted while Degraded: it never came back. */
  deleted?: number;
}

export class DegradedLog {
  /** One document per app Degraded now (few), so a sweep reads them all at once. */
  private readonly open: Collection<Span>;
  private readonly closed: Collection<Span>;
  private readonly clock: Clock;
  private readonly retentionMs: number;

  constructor(store: Store, clock: Clock, retentionDays: number) {
    this.open = store.collection<Span>('degraded-open');
    this.closed = store.collection<Span>('degraded-spans');
    this.clock = clock;
    this.retentionMs = retentionDays * 86_400_000;
  }

  /** When the app's health last changed: Argo CD's word for it, else now (seen late, not earlier). */
  private changedAt(app: Application): number {
    const t = Date.parse(app.status?.health?.lastTransitionTime ?? '');
    const now = this.clock.now();
    return Number.isFinite(t) && t <= now ? t : now;
  }

  /**
   * The app as it is now: Degraded opens its span, Healthy closes it. Anything between
   * (Progressing, Suspended, Missing, Unknown) leaves the span as it is: the app is not back yet,
   * and a state deckhand cannot read is not evidence either way.
   */
  async observe(instance: string, app: Application): Promise<void> {
    const key = appKey(instance, app);
    const health = healthOf(app);
    if (health === 'Degraded') {
      const at = this.changedAt(app);
      if (await this.open.insertIfAbsent(key, { app: key, startedAt: at })) return;
      // Argo CD moves the transition time only when the health changes: a later one means the
      // app recovered and broke again while deckhand did not look. The first span ends by then
      // at the latest (the bound is all that is known), and a new one starts.
      const span = await this.open.get(key);
      if (span && at > span.startedAt) {
        await this.closed.put(`${key}#${pad(span.startedAt)}`, { ...span, endedAt: at });
        await this.open.put(key, { app: key, startedAt: at });
      }
      return;
    }
    if (health !== 'Healthy') return;
    const span = await this.open.get(key);
    if (!span) return;
    const endedAt = Math.max(span.startedAt, this.changedAt(app));
    await this.closed.put(`${key}#${pad(span.startedAt)}`, { ...span, endedAt });
    await this.open.delete(key);
  }

  /**
   * The app was deleted: its open span is kept as never restored, and a new app of the same name
   * starts with none.
   */
  async forget(instance: string, app: Application): Promise<void> {
    const key = appKey(instance, app);
    const span = await this.open.get(key);
    if (!span) return;
    await this.closed.put(`${key}#${pad(span.startedAt)}`, { ...span, deleted: this.clock.now() });
    await this.open.delete(key);
  }

  /**
   * A sweep over every app listed: spans the watch missed are opened or closed. Only apps whose
   * state differs from the record are written; an app no longer listed keeps its span.
   */
  async reconcile(apps: { instance: string; app: Application }[]): Promise<void> {
    const open = new Set((await this.open.list()).map((d) => d.key));
    for (const { instance, app } of apps) {
      const health = healthOf(app);
      const isOpen = open.has(appKey(instance, app));
      if ((health === 'Degraded' && !isOpen) || (health === 'Healthy' && isOpen))
        await this.observe(instance, app);
    }
  }

  /** Every span kept, as trouble of its app (open ones without an end), by app key. */
  async spans(): Promise<Map<string, IncidentSpan[]>> {
    const out = new Map<string, IncidentSpan[]>();
    const all = [...(await this.closed.list()), ...(await this.open.list())];
    for (const { value: s } of all) {
      const span: IncidentSpan = {
        key: `degraded:${s.app}#${s.startedAt}`,
        app: s.app,
        title: 'Degraded in Argo CD',
        startedAt: s.startedAt,
        ...(s.endedAt !== undefined ? { resolvedAt: s.endedAt } : {}),
        kind: 'degraded',
      };
      out.set(s.app, [...(out.get(s.app) ?? []), span]);
    }
    return out;
  }

  /** Drop spans that ended (or whose app was deleted) before the retention. */
  async prune(): Promise<number> {
    const limit = this.clock.now() - this.retentionMs;
    let n = 0;
    for (const d of await this.closed.list())
      if ((d.value.endedAt ?? d.value.deleted ?? Infinity) < limit && (await this.closed.delete(d.key))) n++;
    return n;
  }
}
