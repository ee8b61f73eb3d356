/**
 * Transition alerts from the watch cache, not only on schedule: Healthy → Degraded, Missing, a
 * failed sync, and OutOfSync that lasts longer than a grace period. Each is posted once to the
 * team's channel with a [Diagnose] button, and followed up in its thread when it recovers. The
 * alert state lives in the store, so a restart neither repeats nor forgets an alert; only the
 * leader alerts.
 */
import { LoopHealth, startLoop } from '../../core/background.ts';
import type { Actor } from '../../core/access.ts';
import type { ActionService } from '../../core/actions.ts';
import type { ChatService } from '../../core/chat.ts';
import { parseTarget } from '../../core/chat.ts';
import type { Clock } from '../../core/clock.ts';
import type { Leader } from '../../core/leader.ts';
import type { Logger } from '../../core/logging.ts';
import { code, esc, truncate } from '../../core/message/markup.ts';
import type { Button, Message, MessageRef } from '../../core/message/model.ts';
import { duration } from '../../core/message/time.ts';
import type { Collection, Store } from '../../core/store/types.ts';
import { healthOf, syncOf, type AppChange, type Application, type ArgoService } from '../argocd/index.ts';
import type { DigestConfig } from './config.ts';
import { reasonOf } from './digest.ts';
import { selector } from './select.ts';

/** The [Diagnose] button of an alert (the digest plugin registers its handler). */
export const DIAGNOSE_ACTION = 'digest.diagnose';

type Kind = 'degraded' | 'missing' | 'sync-failed' | 'out-of-sync';

interface AlertState {
  kind: Kind;
  instance: string;
  app: string;
  since: number;
  /** Set once posted; pending OutOfSync records wait for the grace period. */
  ref?: MessageRef;
  operation?: string;
}

const SYSTEM: Actor = {
  id: 'deckhand',
  name: 'deckhand',
  platform: 'system',
  platformUserId: 'deckhand',
  groups: [],
  known: true,
};

export class TransitionWatcher {
  private readonly alerts: Collection<AlertState>;
  private readonly mutes: Collection<{ until: number; by: string }>;
  private readonly deps: {
    argo: ArgoService;
    chat: ChatService;
    actions: ActionService;
    clock: Clock;
    leader: Leader;
    log: Logger;
    cfg: DigestConfig['transitions'];
  };
  private readonly routes: { match: (i: string, a: Application) => boolean; channel: string }[];
  private unsubscribe?: () => void;
  /** Alerts posted so far: a sweep reports how many it added. */
  private posted = 0;
  private loop?: { stop(): void };

  constructor(deps: TransitionWatcher['deps'] & { store: Store }) {
    this.deps = deps;
    this.alerts = deps.store.collection<AlertState>('transition-alerts');
    this.mutes = deps.store.collection('mutes');
    this.routes = deps.cfg.routes.map((r) => ({ match: selector(r.select), channel: r.channel }));
  }

  start(sweepMs = 30_000): void {
    // One story per outage (the store or Argo CD down), not a warning per app per change.
    const health = new LoopHealth('transition alerts', this.deps.log, { baseMs: sweepMs, maxMs: 5 * 60_000 });
    this.unsubscribe = this.deps.argo.onChange((c) => void health.run(() => this.onChange(c)));
    this.loop = startLoop(health, () => this.sweep());
  }

  stop(): void {
    this.unsubscribe?.();
    this.loop?.stop();
  }

  async mute(instance: string, app: string, ms: number, by: string): Promise<number> {
    const until = this.deps.clock.now() + ms;
    await this.mutes.put(`${instance}/${app}`, { until, by }, { ttlMs: ms });
    return until;
  }

  unmute(instance: string, app: string): Promise<boolean> {
    return this.mutes.delete(`${instance}/${app}`);
  }

  private channelFor(instance: string, app: Application): string | undefined {
    return this.routes.find((r) => r.match(instance, app))?.channel ?? this.deps.cfg.defaultChannel;
  }

  private key(kind: Kind, instance: string, app: string) {
    return `${kind}/${instance}/${app}`;
  }

  async onChange(c: AppChange): Promise<void> {
    if (!this.deps.leader.isLeader() || c.type === 'DELETED') return;
    const { app, previous, instance } = c;
    if (await this.mutes.get(`${instance}/${app.metadata.name}`)) return;
    await this.evaluate(instance, app, previous ? healthOf(previous) : undefined);
  }

  /**
   * A scheduled sweep over a selection: every app is checked as if it had just changed — so a
   * Degraded app without an alert gets one and a recovered one its follow-up, even if the watch
   * missed the change — with the open alerts and mutes read once instead of per app. With a
   * `channel` (a schedule's), the alerts this check raises for these apps go there instead of
   * to the routes; an alert already open stays where it was posted. Returns how many it posted.
   */
  async check(apps: { instance: string; app: Application }[], channel?: string): Promise<number> {
    if (!this.deps.leader.isLeader()) return 0;
    const before = this.posted;
    const open = new Set((await this.alerts.list()).map((d) => d.key));
    const muted = new Set((await this.mutes.list()).map((d) => d.key));
    const byKey = new Map<string, Application>();
    for (const { instance, app } of apps) {
      byKey.set(`${instance}/${app.metadata.name}`, app);
      if (muted.has(`${instance}/${app.metadata.name}`)) continue;
      await this.evaluate(
        instance,
        app,
        undefined,
        (kind) => open.has(this.key(kind, instance, app.metadata.name)),
        channel,
      );
    }
    await this.sweep((instance, name) => byKey.get(`${instance}/${name}`), channel);
    return this.posted - before;
  }

  /**
   * The alert rules for one app. `was` is its health before the change (unknown in a sweep);
   * `open`, when given, says which alerts the store holds, so the store is touched only to change.
   */
  private async evaluate(
    instance: string,
    app: Application,
    was: string | undefined,
    open?: (kind: Kind) => boolean,
    to?: string,
  ): Promise<void> {
    const name = app.metadata.name;
    const isOpen = (kind: Kind) => !open || open(kind);
    const isClosed = (kind: Kind) => !open || !open(kind);
    const now = this.deps.clock.now();
    const health = healthOf(app);
    if (health === 'Degraded' && was !== 'Degraded' && isClosed('degraded'))
      await this.raise('degraded', instance, app, now, undefined, to);
    if (health === 'Missing' && was !== 'Missing' && isClosed('missing'))
      await this.raise('missing', instance, app, now, undefined, to);
    if (health === 'Healthy') {
      if (isOpen('degraded')) await this.recover('degraded', instance, app, now);
      if (isOpen('missing')) await this.recover('missing', instance, app, now);
    }
    const op = app.status?.operationState;
    if (op && (op.phase === 'Failed' || op.phase === 'Error')) {
      // One alert per failed operation: a new failure replaces the alert of an older one.
      const existing = isOpen('sync-failed')
        ? await this.alerts.get(this.key('sync-failed', instance, name))
        : undefined;
      if (existing?.operation !== op.startedAt) {
        if (existing) await this.alerts.delete(this.key('sync-failed', instance, name));
        await this.raise('sync-failed', instance, app, now, op.startedAt, to);
      }
    }
    if (op?.phase === 'Succeeded' && isOpen('sync-failed'))
      await this.recover('sync-failed', instance, app, now);
    const sync = syncOf(app);
    if (sync === 'OutOfSync' && isClosed('out-of-sync'))
      await this.alerts.insertIfAbsent(this.key('out-of-sync', instance, name), {
        kind: 'out-of-sync',
        instance,
        app: name,
        since: now,
      });
    if (sync === 'Synced' && isOpen('out-of-sync')) await this.recover('out-of-sync', instance, app, now);
  }

  /**
   * OutOfSync alerts wait for the grace period; the sweep raises those that lasted. An app found
   * through `lookup` (a schedule's selection) has its alert posted to `to` when given.
   */
  async sweep(
    lookup?: (instance: string, name: string) => Application | undefined,
    to?: string,
  ): Promise<void> {
    if (!this.deps.leader.isLeader()) return;
    const now = this.deps.clock.now();
    for (const { value: a } of await this.alerts.list({ prefix: 'out-of-sync/' })) {
      if (a.ref || now - a.since < this.deps.cfg.outOfSyncGrace) continue;
      const selected = lookup?.(a.instance, a.app);
      const app = selected ?? this.deps.argo.cache(a.instance)?.named(a.app)[0];
      if (!app || syncOf(app) !== 'OutOfSync') {
        await this.alerts.delete(this.key('out-of-sync', a.instance, a.app));
        continue;
      }
      if (await this.mutes.get(`${a.instance}/${a.app}`)) continue;
      await this.post('out-of-sync', a.instance, app, a.since, undefined, selected ? to : undefined);
    }
  }

  private async raise(
    kind: Kind,
    instance: string,
    app: Application,
    now: number,
    operation?: string,
    to?: string,
  ): Promise<void> {
    const k = this.key(kind, instance, app.metadata.name);
    // Posted once: of two changes that race here, only the one that stores the alert posts it.
    if (
      !(await this.alerts.insertIfAbsent(k, {
        kind,
        instance,
        app: app.metadata.name,
        since: now,
        operation,
      }))
    )
      return;
    await this.post(kind, instance, app, now, operation, to);
  }

  private async post(
    kind: Kind,
    instance: string,
    app: Application,
    since: number,
    operation?: string,
    to?: string,
  ): Promise<void> {
    const name = app.metadata.name;
    const channel = to ?? this.channelFor(instance, app);
    if (!channel) return;
    const conversation = parseTarget(channel, this.deps.chat.defaultPlatform);
    const buttons: Button[] = [];
    if (this.deps.actions.handler(DIAGNOSE_ACTION)) {
      const id = await this.deps.actions.create(
        {
          kind: DIAGNOSE_ACTION,
          params: { app: name, instance },
          singleUse: false,
          ttlMs: 7 * 86_400_000,
          scope: { app: name, project: app.spec.project },
        },
        { actor: SYSTEM, conversation },
      );
      buttons.push({ actionId: id, label: 'Diagnose', style: 'primary' });
    }
    const what: Record<Kind, string> = {
      degraded: 'is Degraded',
      missing: 'is Missing',
      'sync-failed': 'failed to sync',
      'out-of-sync': `has been OutOfSync for ${duration(this.deps.clock.now() - since)}`,
    };
    const m: Message = {
      text: `${name} ${what[kind]}`,
      header: `${name} ${what[kind]}`,
      tone: kind === 'out-of-sync' ? 'warn' : 'danger',
      blocks: [
        { type: 'text', text: esc(truncate(reasonOf(app) || 'No message from Argo CD.', 600)) },
        {
          type: 'context',
          items: [
            `Argo CD ${esc(instance)}`,
            `project ${esc(app.spec.project)}`,
            `mute with ${code(`argo mute ${name} 2h`)}`,
          ],
        },
      ],
      buttons,
      data: { transition: { kind, app: name, instance, since } },
    };
    try {
      const ref = await this.deps.chat.post(conversation, m);
      this.posted++;
      const still = await this.alerts.update(this.key(kind, instance, name), (a) =>
        a ? { ...a, ref, operation: operation ?? a.operation } : a,
      );
      // It recovered while the alert was being posted: follow up now, or nobody ever would.
      if (!still) await this.followUp({ kind, instance, app: name, since, ref }, name, this.deps.clock.now());
    } catch (err) {
      this.deps.log.warn(
        { err: (err as Error).message, app: name, kind },
        'could not post a transition alert',
      );
    }
  }

  private async recover(kind: Kind, instance: string, app: Application, now: number): Promise<void> {
    const k = this.key(kind, instance, app.metadata.name);
    let alert: AlertState | undefined;
    await this.alerts.update(k, (a) => {
      alert = a;
      return undefined;
    });
    if (alert?.ref) await this.followUp(alert, app.metadata.name, now);
  }

  /** The recovery message, in the thread of the alert. */
  private async followUp(alert: AlertState, name: string, now: number): Promise<void> {
    if (!alert.ref) return;
    const kind = alert.kind;
    const words: Record<Kind, string> = {
      degraded: 'is Healthy again',
      missing: 'is back',
      'sync-failed': 'synced successfully',
      'out-of-sync': 'is Synced again',
    };
    await this.deps.chat
      .post(
        {
          platform: alert.ref.platform,
          channel: alert.ref.channel,
          thread: alert.ref.thread ?? alert.ref.id,
        },
        {
          text: `✅ ${name} ${words[kind]} after ${duration(now - alert.since)}.`,
          tone: 'ok',
          data: { recovered: { kind, app: name, instance: alert.instance } },
        },
      )
      .catch((err: unknown) =>
        this.deps.log.warn({ err: (err as Error).message }, 'could not post a recovery'),
      );
  }
}
