/**
 * One thread per Alertmanager alert group. The first notification of a group posts the root
 * message (the alert) to the team's channel and the diagnosis of the app in its thread; repeated
 * notifications edit the root in place; "resolved" says so and for how long it lasted. The mapping
 * from group to thread is in the store, so a restart neither duplicates nor forgets a thread.
 */
import { createHash } from 'node:crypto';
import type { ChatService } from '../../core/chat.ts';
import { parseTarget } from '../../core/chat.ts';
import type { Clock } from '../../core/clock.ts';
import { anyGlob } from '../../core/glob.ts';
import type { Logger } from '../../core/logging.ts';
import type { Conversation, Message, MessageRef } from '../../core/message/model.ts';
import { duration } from '../../core/message/time.ts';
import type { Collection, Store } from '../../core/store/types.ts';
import type { ArgoService, ResolvedApp } from '../argocd/index.ts';
import type { Diagnosis } from '../diagnosis/index.ts';
import { hasEnded, type AlertmanagerPayload } from './alertmanager.ts';
import { incidentCard } from './card.ts';
import type { IncidentsConfig } from './config.ts';

export interface Incident {
  key: string;
  groupKey: string;
  receiver: string;
  alertname: string;
  severity?: string;
  status: 'firing' | 'resolved';
  startedAt: number;
  resolvedAt?: number;
  lastNotifiedAt: number;
  notifications: number;
  externalURL?: string;
  alerts: {
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    generatorURL?: string;
  }[];
  app?: { name: string; namespace?: string; instance: string; project: string };
  appReason?: string;
  channel?: string;
  root?: MessageRef;
  diagnosed?: boolean;
}

/** The diagnosis posted in an incident's thread (`thread` is where buttons will live). */
export type Diagnoser = (r: ResolvedApp, incident: Incident, thread: Conversation) => Promise<Message>;

/** A new incident whose diagnosis has just been posted in its thread (remediation listens). */
export interface DiagnosedIncident {
  incident: Incident;
  app: ResolvedApp;
  diagnosis: Diagnosis;
  /** The incident's thread: where listeners say what they did. */
  thread: Conversation;
}

export type DiagnosedListener = (e: DiagnosedIncident, log: Logger) => Promise<void> | void;

/** Serialises work per key inside this process (two deliveries of one group at the same moment). */
class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.tails.set(
      key,
      next.catch(() => undefined),
    );
    // The caller sees the failure; this bookkeeping must not turn it into an unhandled rejection.
    const forget = () => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    };
    next.then(forget, forget);
    return next;
  }
}

/** The actor of incident audit entries: Alertmanager changed the incident, nobody in chat. */
export const ALERTMANAGER = 'alertmanager';

/** What a delivery did to its incident, as the audit trail names it. */
type Transition = 'opened' | 'repeated' | 'resolved' | 'reopened';

export class IncidentService {
  private readonly docs: Collection<Incident>;
  private readonly queue = new KeyedQueue();
  private readonly listeners = new Set<DiagnosedListener>();
  private readonly deps: {
    argo: ArgoService;
    chat: ChatService;
    clock: Clock;
    log: Logger;
    cfg: IncidentsConfig;
    diagnose?: Diagnoser;
    store: Store;
  };

  constructor(deps: IncidentService['deps']) {
    this.deps = deps;
    this.docs = deps.store.collection<Incident>('incidents');
  }

  async open(): Promise<Incident[]> {
    return (await this.docs.list()).map((d) => d.value).filter((i) => i.status === 'firing');
  }

  get(key: string): Promise<Incident | undefined> {
    return this.docs.get(key);
  }

  /**
   * Be told, once per new incident, after its diagnosis is posted. The delivery waits for the
   * listeners (so the webhook's background task covers their work); a failing listener is logged
   * and does not affect the others or the incident. Returns the unsubscribe function.
   */
  onDiagnosed(fn: DiagnosedListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private async diagnosed(e: DiagnosedIncident, log: Logger): Promise<void> {
    const results = await Promise.allSettled([...this.listeners].map(async (fn) => fn(e, log)));
    for (const r of results)
      if (r.status === 'rejected')
        log.warn({ err: (r.reason as Error)?.message ?? String(r.reason) }, 'an incident listener failed');
  }

  static keyOf(p: { receiver: string; groupKey: string }): string {
    return createHash('sha1').update(`${p.receiver}\n${p.groupKey}`).digest('hex').slice(0, 16);
  }

  ingest(p: AlertmanagerPayload, log: Logger, deliveryId?: string): Promise<Incident> {
    const key = IncidentService.keyOf(p);
    return this.queue.run(key, async () => {
      const { incident, transition } = await this.handle(key, p, log);
      await this.audited(incident, transition, deliveryId, log);
      return incident;
    });
  }

  /** One entry per delivery: which incident, what changed, and the delivery that changed it. */
  private async audited(i: Incident, transition: Transition, deliveryId: string | undefined, log: Logger) {
    await this.deps.store.audit
      .record({
        actor: ALERTMANAGER,
        platform: 'webhook',
        channel: i.channel,
        kind: 'incident',
        name: transition,
        app: i.app?.name,
        outcome: i.root ? 'posted' : 'not posted',
        detail: { incident: i.key, alertname: i.alertname, severity: i.severity, deliveryId },
      })
      .catch((err: unknown) => log.error({ err }, 'audit write failed'));
  }

  private async handle(
    key: string,
    p: AlertmanagerPayload,
    log: Logger,
  ): Promise<{ incident: Incident; transition: Transition }> {
    const now = this.deps.clock.now();
    const labels = { ...(p.alerts[0]?.labels ?? {}), ...p.commonLabels };
    const startedAt = Math.min(
      ...p.alerts.map((a) => Date.parse(a.startsAt)).filter((t) => !Number.isNaN(t)),
      now,
    );
    const alerts = p.alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      generatorURL: a.generatorURL,
    }));
    const fresh: Incident = {
      key,
      groupKey: p.groupKey,
      receiver: p.receiver,
      alertname: labels.alertname ?? p.groupLabels.alertname ?? 'alert',
      severity: labels.severity,
      status: p.status,
      startedAt,
      resolvedAt:
        p.status === 'resolved'
          ? Math.max(...p.alerts.filter(hasEnded).map((a) => Date.parse(a.endsAt as string)), startedAt)
          : undefined,
      lastNotifiedAt: now,
      notifications: 1,
      externalURL: p.externalURL,
      alerts,
    };
    const created = await this.docs.insertIfAbsent(key, fresh);
    if (created) return { incident: await this.start(fresh, labels, log), transition: 'opened' };
    const before = (await this.docs.get(key)) as Incident;
    const reopened = before.status === 'resolved' && p.status === 'firing';
    const updated = (await this.docs.update(key, (cur) => {
      const c = cur ?? fresh;
      return {
        ...c,
        status: p.status,
        alerts,
        lastNotifiedAt: now,
        notifications: c.notifications + 1,
        resolvedAt: p.status === 'resolved' ? (fresh.resolvedAt ?? now) : undefined,
        startedAt: reopened ? startedAt : c.startedAt,
      };
    })) as Incident;
    const transition: Transition = reopened
      ? 'reopened'
      : before.status === 'firing' && p.status === 'resolved'
        ? 'resolved'
        : 'repeated';
    if (!updated.root) {
      // The first delivery could not post (no channel then, or the chat was down): try again now.
      return { incident: await this.start(updated, labels, log), transition };
    }
    await this.deps.chat
      .update(updated.root, incidentCard(updated, now))
      .catch((err: unknown) =>
        log.warn({ err: (err as Error).message }, 'could not update the incident message'),
      );
    const thread = {
      platform: updated.root.platform,
      channel: updated.root.channel,
      thread: updated.root.thread ?? updated.root.id,
    };
    if (before.status === 'firing' && p.status === 'resolved') {
      await this.say(
        thread,
        {
          text: `✅ Resolved after ${duration((updated.resolvedAt ?? now) - updated.startedAt)}.`,
          tone: 'ok',
        },
        log,
      );
    } else if (reopened) {
      await this.say(thread, { text: `🔥 ${updated.alertname} fired again.`, tone: 'danger' }, log);
    }
    return { incident: updated, transition };
  }

  private async say(
    to: { platform: string; channel: string; thread?: string },
    m: Message,
    log: Logger,
  ): Promise<void> {
    await this.deps.chat
      .post(to, m)
      .catch((err: unknown) =>
        log.warn({ err: (err as Error).message }, 'could not post in the incident thread'),
      );
  }

  private async start(i: Incident, labels: Record<string, string>, log: Logger): Promise<Incident> {
    const resolved = await this.resolveApp(labels).catch(
      (e: unknown) => ({ reason: (e as Error).message }) as const,
    );
    const r = 'app' in resolved ? resolved.app : undefined;
    const app = r
      ? {
          name: r.app.metadata.name,
          namespace: r.app.metadata.namespace,
          instance: r.instance,
          project: r.app.spec.project,
        }
      : undefined;
    const channel = this.route(app, labels);
    let incident = (await this.docs.update(i.key, (c) =>
      c ? { ...c, app, appReason: 'reason' in resolved ? resolved.reason : undefined, channel } : c,
    )) as Incident;
    if (!channel) {
      log.warn(
        { alertname: i.alertname, app: app?.name },
        'no route and no default channel for this incident; not posted',
      );
      return incident;
    }
    const now = this.deps.clock.now();
    let root: MessageRef;
    try {
      root = await this.deps.chat.post(parseTarget(channel, this.deps.chat.defaultPlatform), {
        ...incidentCard(incident, now),
        placement: 'thread',
      });
    } catch (err) {
      log.warn({ err: (err as Error).message, channel }, 'could not post the incident');
      return incident;
    }
    incident = (await this.docs.update(i.key, (c) => (c ? { ...c, root } : c))) as Incident;
    if (r && this.deps.diagnose && this.deps.cfg.diagnose && incident.status === 'firing') {
      const thread = { platform: root.platform, channel: root.channel, thread: root.thread ?? root.id };
      let diagnosis: Diagnosis | undefined;
      try {
        const m = await this.deps.diagnose(r, incident, thread);
        await this.deps.chat.post(thread, m);
        incident = (await this.docs.update(i.key, (c) => (c ? { ...c, diagnosed: true } : c))) as Incident;
        diagnosis = (m.data as { diagnosis?: Diagnosis } | undefined)?.diagnosis;
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'diagnosis for the incident failed');
        await this.say(
          thread,
          { text: `Could not diagnose ${r.ref}: ${(err as Error).message}`, tone: 'warn' },
          log,
        );
      }
      if (diagnosis) await this.diagnosed({ incident, app: r, diagnosis, thread }, log);
    }
    return incident;
  }

  /** The app an alert is about: a label that names it, else its namespace and workload in Argo CD's resource index. */
  private async resolveApp(
    labels: Record<string, string>,
  ): Promise<{ app: ResolvedApp } | { reason: string }> {
    for (const l of this.deps.cfg.appLabels) {
      const name = labels[l];
      if (name) return { app: await this.deps.argo.resolve(name) };
    }
    const ns = labels[this.deps.cfg.namespaceLabel];
    const workload = this.deps.cfg.workloadLabels.map((l) => labels[l]).find(Boolean);
    if (!ns)
      return { reason: `no ${this.deps.cfg.appLabels.join('/')} or ${this.deps.cfg.namespaceLabel} label` };
    const { apps } = await this.deps.argo.list();
    const candidates = apps.filter(({ app }) =>
      (app.status?.resources ?? []).some(
        (res) =>
          res.namespace === ns && (!workload || workload === res.name || workload.startsWith(`${res.name}-`)),
      ),
    );
    if (candidates.length !== 1) {
      return {
        reason: candidates.length
          ? `${candidates.length} applications own resources in ${ns}`
          : `no application owns ${workload ?? 'resources'} in ${ns}`,
      };
    }
    const hit = candidates[0] as { instance: string; app: { metadata: { name: string } } };
    return { app: await this.deps.argo.resolve(`${hit.app.metadata.name}@${hit.instance}`) };
  }

  private route(app: Incident['app'], labels: Record<string, string>): string | undefined {
    const r = this.deps.cfg.routes.find(
      (x) =>
        (!x.apps || (app && anyGlob(x.apps, app.name))) &&
        (!x.projects || (app && anyGlob(x.projects, app.project))) &&
        (!x.labels || Object.entries(x.labels).every(([k, v]) => labels[k] === v)),
    );
    return r?.channel ?? this.deps.cfg.defaultChannel;
  }
}
