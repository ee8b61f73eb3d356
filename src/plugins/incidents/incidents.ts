/**
 * One thread per Alertmanager alert group. The first notification of a group posts the root
 * message (the alert) to the team's channel and the diagnosis of the app in its thread; repeated
 * notifications edit the root in place; "resolved" says so and for how long it lasted. The mapping
 * from group to thread is in the store, so a restart neither duplicates nor forgets a thread, and
 * replicas sharing the store post one thread per group: the first to insert the group holds a claim
 * (a lease) while it posts, and the others wait for its root and edit that.
 *
 * Deliveries go through a bounded queue: a storm runs `concurrency` groups at a time (posting,
 * diagnosing and remediating), a repeated delivery of a waiting group replaces the waiting one,
 * and when `queueCapacity` groups wait, `busy` tells the webhook to answer 503.
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ChatService } from '../../core/chat.ts';
import { parseTarget } from '../../core/chat.ts';
import type { Clock } from '../../core/clock.ts';
import { anyGlob } from '../../core/glob.ts';
import type { Logger } from '../../core/logging.ts';
import type { Conversation, Message, MessageRef } from '../../core/message/model.ts';
import { duration } from '../../core/message/time.ts';
import type { Collection, Store } from '../../core/store/types.ts';
import { UpstreamError } from '../../core/errors.ts';
import { WorkQueue } from '../../core/work-queue.ts';
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
  /** Earlier times the group fired and resolved, before it fired again (the last 20, oldest first). */
  earlier?: { startedAt: number; resolvedAt?: number }[];
  appReason?: string;
  channel?: string;
  root?: MessageRef;
  diagnosed?: boolean;
  /**
   * The replica posting the thread now (`id` is its attempt). Until `until` nobody else posts; a
   * claim left by a replica that died before posting expires, and the next delivery takes over.
   */
  claim?: { owner: string; id: string; until: number };
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

/** How long a delivery that met a store outage is retried before it is given up. */
const STORE_RETRY_MS = 15 * 60_000;
/** While the store is down, deliveries are refused (503) but for one this often, and held ones retry this often. */
const STORE_PROBE_MS = 5_000;

/** The actor of incident audit entries: Alertmanager changed the incident, nobody in chat. */
export const ALERTMANAGER = 'alertmanager';

/** What a delivery did to its incident, as the audit trail names it. */
export type Transition = 'opened' | 'repeated' | 'resolved' | 'reopened';

/** Told of every delivery's outcome for an incident (notify sends it beyond chat). */
export type TransitionListener = (i: Incident, t: Transition) => void;

export class IncidentService {
  private readonly docs: Collection<Incident>;
  private readonly queue: WorkQueue;
  /** The newest payload of each waiting group, and how many deliveries it stands for. */
  private readonly waiting = new Map<string, { p: AlertmanagerPayload; deliveries: number; seq: number }>();
  /** Who claims threads, as the claim shows it (host, process and this service). */
  // Per service, not per process: "a claim of mine is a dead one" (rootOrClaim) holds only for the
  // queue that serialises this service's deliveries; two services in one process are two replicas.
  private readonly replica = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private readonly listeners = new Set<DiagnosedListener>();
  private readonly transitions = new Set<TransitionListener>();
  /** When a delivery last failed because the store is down (cleared by the next that succeeds). */
  private storeFailedAt?: number;
  private readonly retries = new Set<NodeJS.Timeout>();
  /** Per group, the number of the newest delivery taken: a held retry older than it is stale. */
  private readonly newest = new Map<string, number>();
  private deliveries = 0;
  private stopped = false;
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
    this.queue = new WorkQueue({ concurrency: deps.cfg.concurrency, capacity: deps.cfg.queueCapacity });
  }

  /**
   * Seconds the sender should wait when this delivery cannot be taken now; undefined when it can.
   * A full queue, or a store known to be down (the delivery could not be recorded: answering 202
   * would lose it, a 503 makes Alertmanager send it again).
   */
  busy(p: { receiver: string; groupKey: string }): number | undefined {
    // One delivery every STORE_PROBE_MS still goes through: it finds out when the store is back.
    if (this.storeFailedAt !== undefined && this.deps.clock.now() - this.storeFailedAt < STORE_PROBE_MS)
      return this.deps.cfg.retryAfterSeconds;
    return this.queue.full(IncidentService.keyOf(p)) ? this.deps.cfg.retryAfterSeconds : undefined;
  }

  /** Stop retrying deliveries held back by a store outage (shutdown). */
  stop(): void {
    this.stopped = true;
    for (const t of this.retries) clearTimeout(t);
    this.retries.clear();
  }

  /** Groups being handled and groups waiting, for the metrics. */
  get load(): { running: number; waiting: number } {
    return this.queue.size;
  }

  async open(): Promise<Incident[]> {
    return (await this.docs.list()).map((d) => d.value).filter((i) => i.status === 'firing');
  }

  /** How long a resolved incident is kept (what looks further back sees none). */
  get retentionDays(): number {
    return this.deps.cfg.retentionDays;
  }

  /** Every incident kept, firing or resolved (what delivery metrics count time to restore from). */
  async all(): Promise<Incident[]> {
    return (await this.docs.list()).map((d) => d.value);
  }

  /**
   * Drop incidents resolved before the retention, with every earlier occurrence of their group; a
   * firing one stays whatever its age. Returns how many were dropped.
   */
  async prune(): Promise<number> {
    const limit = this.deps.clock.now() - this.deps.cfg.retentionDays * 86_400_000;
    let n = 0;
    for (const { key, value } of await this.docs.list()) {
      if (value.status !== 'resolved' || (value.resolvedAt ?? Infinity) >= limit) continue;
      // Only if it is still resolved and as old when deleted: the group may have fired again.
      let dropped = false;
      await this.docs.update(key, (cur) => {
        dropped = cur?.status === 'resolved' && (cur.resolvedAt ?? Infinity) < limit;
        return dropped ? undefined : cur;
      });
      if (dropped) n++;
    }
    return n;
  }

  get(key: string): Promise<Incident | undefined> {
    return this.docs.get(key);
  }

  /**
   * Be told, once per new incident, after its diagnosis is posted. The delivery waits for the
   * listeners (so the webhook's background task covers their work); a failing listener is logged
   * and does not affect the others or the incident. Returns the unsubscribe function.
   */
  /** Listen to each incident's transitions, after they are recorded; a listener that throws is logged. */
  onTransition(fn: TransitionListener): () => void {
    this.transitions.add(fn);
    return () => this.transitions.delete(fn);
  }

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

  /**
   * Queue a delivery. Alertmanager sends the whole state of a group each time, so while a group
   * waits, a newer delivery replaces the older one (counted in `notifications`); rejects with
   * QueueFullError when `queueCapacity` groups wait (check `busy` first to answer 503).
   */
  ingest(
    p: AlertmanagerPayload,
    log: Logger,
    deliveryId?: string,
    held?: { attempt: number; since: number; seq: number },
  ): Promise<Incident> {
    const key = IncidentService.keyOf(p);
    if (held && this.newest.get(key) !== held.seq) {
      // A newer delivery of this group was taken meanwhile: it carries the group's state, and
      // this older one must not undo it (a "firing" after a "resolved" would say it fired again).
      return this.docs.get(key).then((i) => i as Incident);
    }
    const seq = held?.seq ?? ++this.deliveries;
    this.newest.set(key, seq);
    const folded = this.queue.isWaiting(key) ? this.waiting.get(key) : undefined;
    if (folded) {
      folded.p = p;
      folded.deliveries++;
      folded.seq = seq;
    } else if (!this.queue.full(key)) this.waiting.set(key, { p, deliveries: 1, seq });
    return this.queue.push(key, async () => {
      const w = this.waiting.get(key) ?? { p, deliveries: 1, seq };
      this.waiting.delete(key);
      let handled: Awaited<ReturnType<IncidentService['handle']>>;
      try {
        handled = await this.handle(key, w.p, w.deliveries, log);
      } catch (err) {
        if (err instanceof UpstreamError && err.backend === 'store')
          this.holdForStore(w.p, log, deliveryId, {
            attempt: held?.attempt ?? 0,
            since: held?.since ?? this.deps.clock.now(),
            seq: w.seq,
          });
        throw err;
      }
      if (this.newest.get(key) === w.seq) this.newest.delete(key);
      this.storeFailedAt = undefined;
      await this.audited(handled.incident, handled.transition, deliveryId, log);
      for (const fn of this.transitions)
        try {
          fn(handled.incident, handled.transition);
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'an incident listener failed');
        }
      return handled.incident;
    });
  }

  /**
   * A delivery accepted (202) that met a store outage is not dropped: it is handled again with
   * backoff until the store answers (Alertmanager will not resend what it was told was taken), for
   * up to STORE_RETRY_MS; meanwhile `busy` answers 503 so new deliveries wait at Alertmanager
   * instead of in this process's memory.
   */
  private holdForStore(
    p: AlertmanagerPayload,
    log: Logger,
    deliveryId: string | undefined,
    held: { attempt: number; since: number; seq: number },
  ): void {
    const now = this.deps.clock.now();
    this.storeFailedAt = now;
    if (this.stopped) return;
    if (now - held.since > STORE_RETRY_MS) {
      log.error(
        { deliveryId, group: p.groupKey },
        'the store stayed down; this delivery is dropped (Alertmanager resends the group at its repeat interval)',
      );
      return;
    }
    const wait = Math.min(STORE_PROBE_MS, 500 * 2 ** held.attempt);
    const t = setTimeout(() => {
      this.retries.delete(t);
      this.ingest(p, log, deliveryId, { ...held, attempt: held.attempt + 1 }).catch(() => undefined);
    }, wait);
    t.unref();
    this.retries.add(t);
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
    deliveries: number,
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
    // Inserting the group and claiming its thread is one step, so of replicas that got the same
    // new group at the same moment exactly one posts.
    const claim = this.newClaim(now);
    const created = await this.docs.insertIfAbsent(key, { ...fresh, notifications: deliveries, claim });
    if (created) {
      const opened = { ...fresh, notifications: deliveries, claim };
      return { incident: await this.start(opened, labels, claim.id, log), transition: 'opened' };
    }
    const before = (await this.docs.get(key)) as Incident;
    const reopened = before.status === 'resolved' && p.status === 'firing';
    let updated = (await this.docs.update(key, (cur) => {
      const c = cur ?? fresh;
      return {
        ...c,
        status: p.status,
        alerts,
        lastNotifiedAt: now,
        notifications: c.notifications + deliveries,
        resolvedAt: p.status === 'resolved' ? (fresh.resolvedAt ?? now) : undefined,
        startedAt: reopened ? startedAt : c.startedAt,
        // A group that fires again starts a new occurrence; the one before is kept, not overwritten.
        ...(reopened && c.status === 'resolved'
          ? {
              earlier: [
                ...(c.earlier ?? []),
                {
                  startedAt: c.startedAt,
                  ...(c.resolvedAt !== undefined ? { resolvedAt: c.resolvedAt } : {}),
                },
              ].slice(-20),
            }
          : {}),
      };
    })) as Incident;
    const transition: Transition = reopened
      ? 'reopened'
      : before.status === 'firing' && p.status === 'resolved'
        ? 'resolved'
        : 'repeated';
    if (!updated.root) {
      // Another replica may be posting the thread now: wait for its root, or take over when its
      // claim lapsed (it died, or could not post: no channel then, or the chat was down).
      const next = await this.rootOrClaim(key);
      if (next.claimed)
        return { incident: await this.start(next.incident, labels, next.claimed, log), transition };
      // Still the other replica's to post: it shows the state stored above when it does.
      if (!next.incident.root) return { incident: next.incident, transition };
      updated = next.incident;
    }
    const root = updated.root as MessageRef;
    await this.deps.chat
      .update(root, incidentCard(updated, now))
      .catch((err: unknown) =>
        log.warn({ err: (err as Error).message }, 'could not update the incident message'),
      );
    const thread = { platform: root.platform, channel: root.channel, thread: root.thread ?? root.id };
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

  /** A claim on a group's thread for this attempt, valid for `claimLeaseMs` from `now`. */
  private newClaim(now: number): NonNullable<Incident['claim']> {
    return { owner: this.replica, id: randomUUID(), until: now + this.deps.cfg.claimLeaseMs };
  }

  /** Let go of the claim `id` (when still ours), so the next delivery may post without waiting. */
  private async release(key: string, id: string): Promise<Incident> {
    return (await this.docs.update(key, (c) =>
      c?.claim?.id === id ? { ...c, claim: undefined } : c,
    )) as Incident;
  }

  /**
   * A group another replica inserted and has not posted yet: poll (25 ms steps, `claimWaitMs` at
   * most) until its root is stored, or until the group is free to claim — the claim lapsed or was
   * released — and claim it. `claimed` is then this attempt's claim id.
   */
  private async rootOrClaim(key: string): Promise<{ incident: Incident; claimed?: string }> {
    const deadline = performance.now() + this.deps.cfg.claimWaitMs;
    for (;;) {
      const cur = (await this.docs.get(key)) as Incident;
      if (cur.root) return { incident: cur };
      const now = this.deps.clock.now();
      // A claim of this process is a dead one: the queue runs one delivery of a group at a time,
      // and this is it (an earlier attempt failed after claiming, e.g. the store blinked).
      const lapsed = (c: Incident) => !c.claim || c.claim.until <= now || c.claim.owner === this.replica;
      if (lapsed(cur)) {
        const claim = this.newClaim(now);
        // Claimed in one transaction, re-checked inside it: of two replicas taking over, one wins.
        const after = (await this.docs.update(key, (c) =>
          c && !c.root && lapsed(c) ? { ...c, claim } : c,
        )) as Incident;
        if (after.claim?.id === claim.id) return { incident: after, claimed: claim.id };
        if (after.root) return { incident: after };
      }
      if (performance.now() >= deadline) return { incident: cur };
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Post the thread of a group this replica holds the claim `claimId` on, then diagnose it. */
  private async start(
    i: Incident,
    labels: Record<string, string>,
    claimId: string,
    log: Logger,
  ): Promise<Incident> {
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
      return this.release(i.key, claimId);
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
      return this.release(i.key, claimId);
    }
    const posted = incident;
    incident = (await this.docs.update(i.key, (c) =>
      c && !c.root ? { ...c, root, claim: c.claim?.id === claimId ? undefined : c.claim } : c,
    )) as Incident;
    if (incident.root?.id !== root.id) {
      // Our claim lapsed while posting and another replica's thread was stored first: that one is
      // the incident's; ours stays as posted (a lease longer than a post makes this rare).
      log.warn({ incident: i.key }, 'another replica posted this incident first; leaving its thread');
      return incident;
    }
    if (incident.notifications !== posted.notifications || incident.status !== posted.status) {
      // Deliveries that arrived on other replicas while this one posted: show the newest state.
      await this.deps.chat
        .update(root, incidentCard(incident, this.deps.clock.now()))
        .catch((err: unknown) =>
          log.warn({ err: (err as Error).message }, 'could not update the incident message'),
        );
    }
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
