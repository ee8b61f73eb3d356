/**
 * After a merge, deckhand follows the Application until the change is live: it waits for Argo CD
 * to sync the merged revision and for health to settle, then says so in the thread — "naver-news
 * synced to abc1234, Healthy in 48 s" — or, when the app degrades or does not sync before the
 * deadline, says that with a [Revert] button. A failure that is certain earlier — the new pods
 * cannot pull their image, crash again and again, or Argo CD's sync failed — is said at once
 * (rollout-signals.ts). Follow-ups are stored: a serving bot resumes them after a restart, and takes
 * over those a one-shot `deckhand exec` started and did not wait for.
 */
import { LoopHealth, startLoop } from '../../core/background.ts';
import type { ChatService } from '../../core/chat.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logging.ts';
import { code } from '../../core/message/markup.ts';
import type { Conversation, Message } from '../../core/message/model.ts';
import { duration } from '../../core/message/time.ts';
import type { Collection, Store } from '../../core/store/types.ts';
import type { TaskTracker } from '../../core/tasks.ts';
import type { Application, ArgoService } from '../argocd/index.ts';
import { newPods, podFailure, syncFailure, type Failure } from './rollout-signals.ts';

export interface FollowUp {
  id: string;
  app: string;
  namespace?: string;
  instance: string;
  /** The merged commit; the app is live when Argo CD reports it (or a later one) deployed. */
  revision: string;
  /**
   * When the change was merged elsewhere than the app's own source (its Application's manifest in
   * an app of apps' repository, or an app installed from a chart): the app is live when it runs
   * this image and is Synced, as its own revision never becomes the merged commit.
   */
  image?: string;
  startedAt: number;
  deadline: number;
  conversation: Conversation;
  /** Set once the app reached the revision. */
  syncedAt?: number;
  /** Since when the app has been Healthy without interruption (it must stay so for the settle time). */
  healthySince?: number;
  /** Since when Argo CD has not answered (cleared when it answers): the verdict must say so. */
  unreachableSince?: number;
  /** What the follow-up is about, for its messages: "scale to 3". */
  what: string;
  changeId?: string;
}

export type FollowUpOutcome = 'healthy' | 'degraded' | 'timeout';

export interface FollowUpHooks {
  /** A [Revert] button for a change that made things worse (or undefined when not possible). */
  revertButton(f: FollowUp): Promise<string | undefined>;
  /** Told about the end of every follow-up, with what was said (remediation guardrails, notifications). */
  onDone?(f: FollowUp, outcome: FollowUpOutcome, said: Message): void;
}

const short = (s: string) => s.slice(0, 7);

export class FollowUps {
  private readonly docs: Collection<FollowUp>;
  private readonly argo: ArgoService;
  private readonly chat: ChatService;
  private readonly clock: Clock;
  private readonly tasks: TaskTracker;
  private readonly log: Logger;
  private readonly hooks: FollowUpHooks;
  private readonly waiting = new Map<string, () => void>();
  private readonly rechecks = new Set<NodeJS.Timeout>();
  private loop?: { stop(): void };
  private unsubscribe?: () => void;
  /** start() ran: this process serves, sweeps every follow-up and hears every change. */
  private serving = false;
  private stopped = false;
  /** Per follow-up: the new pods' restart counts at the last look, and when the tree was read. */
  private readonly pods = new Map<
    string,
    { at: number; restarts: Record<string, number>; stuckSince: Record<string, number> }
  >();
  readonly settleMs: number;
  /** How often a one-shot process looks at the follow-ups it started itself. */
  private readonly ownPollMs: number;
  /** The resource tree is read at most this often per follow-up. */
  private readonly treeEveryMs: number;
  /** Follow-ups with a look at their pods already scheduled (one timer each, however many events). */
  private readonly podLooks = new Set<string>();

  constructor(deps: {
    store: Store;
    argo: ArgoService;
    chat: ChatService;
    clock: Clock;
    tasks: TaskTracker;
    log: Logger;
    hooks: FollowUpHooks;
    settleMs?: number;
    ownPollMs?: number;
    treeEveryMs?: number;
  }) {
    this.docs = deps.store.collection<FollowUp>('followups');
    this.argo = deps.argo;
    this.chat = deps.chat;
    this.clock = deps.clock;
    this.tasks = deps.tasks;
    this.log = deps.log;
    this.hooks = deps.hooks;
    this.settleMs = deps.settleMs ?? 20_000;
    this.ownPollMs = deps.ownPollMs ?? 1_000;
    this.treeEveryMs = deps.treeEveryMs ?? 2_000;
  }

  /**
   * Serve: resume stored follow-ups (a restart's, or a one-shot exec's) and react to every
   * application change. A one-shot process does not call this; it looks only at its own.
   */
  start(pollMs = 5_000): void {
    this.serving = true;
    this.unsubscribe = this.argo.onChange((c) => {
      this.guard(
        this.pending().then((list) => {
          for (const f of list)
            if (f.app === c.app.metadata.name && f.instance === c.instance)
              this.guard(this.check(f.id, c.app));
        }),
      );
    });
    // A store or Argo CD outage is one warning and a backoff (30 s at most), not a line per tick.
    this.loop = startLoop(
      new LoopHealth('follow-up sweep', this.log, { baseMs: pollMs, maxMs: 30_000 }),
      () => (this.stopped ? Promise.resolve() : this.sweep()),
      { runNow: true },
    );
  }

  /**
   * Background checks never reject into nothing: a read that fails is retried by the next look,
   * and once stopped (the store may be closing) nothing is said at all.
   */
  private guard(p: Promise<unknown>): void {
    p.catch((err: unknown) => {
      if (!this.stopped)
        this.log.debug({ err: (err as Error).message }, 'follow-up check failed; will retry');
    });
  }

  stop(): void {
    this.stopped = true;
    this.loop?.stop();
    for (const t of this.rechecks) clearTimeout(t);
    this.rechecks.clear();
    this.unsubscribe?.();
    for (const done of this.waiting.values()) done();
  }

  async pending(): Promise<FollowUp[]> {
    return (await this.docs.list()).map((d) => d.value);
  }

  /** Begin following; the returned promise settles when the follow-up ends (exec waits on it). */
  async follow(f: Omit<FollowUp, 'startedAt' | 'deadline'> & { deadlineMs: number }): Promise<void> {
    try {
      await (
        await this.begin(f)
      ).done;
    } catch (err) {
      // Callers fire and forget: a store that fails here must not become an unhandled rejection.
      this.log.error({ err, followUp: f.id, app: f.app }, 'could not store the follow-up; not following');
    }
  }

  /** Whether a follow-up is still stored (not finished). */
  async has(id: string): Promise<boolean> {
    return (await this.docs.get(id)) !== undefined;
  }

  /**
   * Store the follow-up and begin it; resolves once it is stored (a merge records its next step
   * only then), with `done` for the end. A store that fails rejects: the caller's step stays undone.
   */
  async begin(
    f: Omit<FollowUp, 'startedAt' | 'deadline'> & { deadlineMs: number },
  ): Promise<{ done: Promise<void> }> {
    const now = this.clock.now();
    const { deadlineMs, ...rest } = f;
    const doc: FollowUp = { ...rest, startedAt: now, deadline: now + deadlineMs };
    // Begun already here (a merge told twice: in chat and by the host's webhook): the same
    // follow-up, not a second one. One stored by a process that died is taken up as it is.
    if (!(await this.docs.insertIfAbsent(doc.id, doc))) {
      const waiting = this.waiting.get(doc.id);
      if (waiting)
        return {
          done: new Promise<void>((resolve) =>
            this.waiting.set(doc.id, () => {
              waiting();
              resolve();
            }),
          ),
        };
    }
    const done = new Promise<void>((resolve) => this.waiting.set(doc.id, resolve));
    void this.tasks.track(done, () => this.describe(doc.id));
    this.guard(this.check(doc.id));
    // The verdict at the deadline should not wait for the next sweep.
    this.recheck(doc.id, deadlineMs + 50);
    if (!this.serving) this.pollOwn(doc.id);
    return { done };
  }

  /** A one-shot process hears no changes and runs no sweep: it looks at its own follow-up itself. */
  private pollOwn(id: string): void {
    const t = setInterval(() => {
      if (this.stopped || !this.waiting.has(id)) {
        clearInterval(t);
        this.rechecks.delete(t);
        return;
      }
      this.guard(this.check(id));
    }, this.ownPollMs);
    t.unref();
    this.rechecks.add(t);
  }

  /**
   * Where a follow-up stands, in a sentence (for `deckhand exec` when its --wait runs out). The
   * follow-up stays in the store: the serving bot finishes it and reports in the thread.
   */
  async describe(id: string): Promise<string | undefined> {
    const f = await this.docs.get(id).catch(() => undefined);
    if (!f) return undefined;
    const app = await this.read(f).catch(() => undefined);
    const left = duration(Math.max(0, f.deadline - this.clock.now()));
    const where = !app
      ? 'Argo CD did not answer'
      : this.reached(app, f.revision, f.image)
        ? `synced to ${short(f.revision)}, ${app.status?.health?.status ?? 'health unknown'}${app.status?.health?.message ? ` (${app.status.health.message})` : ''}`
        : `Argo CD has not deployed ${short(f.revision)} yet (${app.status?.sync?.status ?? 'sync unknown'}, ${app.status?.health?.status ?? 'health unknown'})`;
    return `${f.app} (${f.what}): ${where}; followed for ${left} more, and the result is posted in its thread by the running bot.`;
  }

  private async read(f: FollowUp): Promise<Application | undefined> {
    const cache = this.argo.cache(f.instance);
    return cache?.warm
      ? cache.named(f.app).find((a) => !f.namespace || a.metadata.namespace === f.namespace)
      : await this.argo.client(f.instance).get({ name: f.app, namespace: f.namespace });
  }

  /** Look again after `ms` (the settle time), without waiting for the next sweep. */
  private recheck(id: string, ms: number): void {
    const t = setTimeout(
      () => {
        this.rechecks.delete(t);
        this.guard(this.check(id));
      },
      Math.max(10, ms),
    );
    t.unref();
    this.rechecks.add(t);
  }

  /**
   * Look at every stored follow-up. Reading the list is the sweep's own work (a store outage
   * fails it, and the loop backs off); one follow-up's failed check does not keep the others from
   * theirs, and is retried by the next look.
   */
  private async sweep(): Promise<void> {
    for (const f of await this.pending()) {
      if (this.stopped) return;
      await this.check(f.id).catch((err: unknown) =>
        this.log.debug({ err: (err as Error).message, followUp: f.id }, 'follow-up check failed; will retry'),
      );
    }
  }

  private reached(app: Application, revision: string, image?: string): boolean {
    const st = app.status;
    if (image)
      return (
        (st?.summary?.images ?? []).includes(image) &&
        (st?.sync?.status === 'Synced' || st?.sync?.status === undefined)
      );
    if (st?.sync?.revision === revision || st?.sync?.revisions?.includes(revision))
      return st.sync?.status === 'Synced' || st.sync?.status === undefined;
    return (st?.history ?? []).some((h) => h.revision === revision);
  }

  private async check(id: string, seen?: Application): Promise<void> {
    if (this.stopped) return;
    const f = await this.docs.get(id);
    if (!f) {
      // Another replica (or the serving bot, for an exec's) finished it and said so: stop waiting.
      this.waiting.get(id)?.();
      this.waiting.delete(id);
      this.pods.delete(id);
      return;
    }
    let app = seen;
    const now = this.clock.now();
    try {
      app ??= await this.read(f);
    } catch (err) {
      this.log.debug({ err: (err as Error).message, followUp: id }, 'follow-up read failed; will retry');
    }
    // Argo CD's silence is remembered: at the deadline it is the verdict, not "Unknown".
    if (!app && f.unreachableSince === undefined) {
      f.unreachableSince = now;
      await this.docs.update(id, (x) =>
        x && x.unreachableSince === undefined ? { ...x, unreachableSince: now } : x,
      );
    } else if (app && f.unreachableSince !== undefined) {
      f.unreachableSince = undefined;
      await this.docs.update(id, (x) => (x ? { ...x, unreachableSince: undefined } : x));
    }
    const failed = app
      ? (syncFailure(app, f.revision, f.startedAt) ?? (await this.podsFailed(f, app)))
      : undefined;
    if (failed) return this.finish(f, 'degraded', await this.failed(f, failed));
    if (app && this.reached(app, f.revision, f.image)) {
      const syncedAt = f.syncedAt ?? now;
      if (!f.syncedAt) await this.docs.update(id, (x) => (x ? { ...x, syncedAt } : x));
      const health = app.status?.health?.status ?? 'Unknown';
      if (health === 'Healthy') {
        // Healthy must last: new pods are ready for a moment before an OOM or a failing probe.
        const since = f.healthySince ?? now;
        if (f.healthySince === undefined)
          await this.docs.update(id, (x) => (x ? { ...x, healthySince: since } : x));
        if (now - since >= this.settleMs) return this.finish(f, 'healthy', this.healthy(f, since));
        this.recheck(id, since + this.settleMs - now);
        return;
      }
      if (f.healthySince !== undefined)
        await this.docs.update(id, (x) => (x ? { ...x, healthySince: undefined } : x));
      // Give a rollout time to settle before calling it degraded.
      if (health === 'Degraded' || health === 'Missing') {
        if (now - syncedAt >= this.settleMs)
          return this.finish(f, 'degraded', await this.degraded(f, health, app.status?.health?.message));
        this.recheck(id, syncedAt + this.settleMs - now);
      }
    }
    if (now >= f.deadline) {
      if (!app) return this.finish(f, 'timeout', this.unanswered(f));
      const state = app?.status?.health?.status;
      return this.finish(
        f,
        'timeout',
        await this.degraded(
          f,
          state ?? 'Unknown',
          app && !this.reached(app, f.revision, f.image)
            ? `Argo CD has not deployed ${short(f.revision)} yet`
            : app?.status?.health?.message,
          true,
        ),
      );
    }
  }

  /**
   * The new pods, when the app is synced to the change and not Healthy: a failure that will not
   * heal on its own, or nothing. The tree is read at most every treeEveryMs per follow-up.
   */
  private async podsFailed(f: FollowUp, app: Application): Promise<Failure | undefined> {
    if (!this.reached(app, f.revision, f.image) || app.status?.health?.status === 'Healthy') return undefined;
    const now = this.clock.now();
    const last = this.pods.get(f.id);
    // An Application whose pods crash-loop may not change at all (its health stays Progressing),
    // so no change event comes: look at the pods again soon rather than at the next sweep.
    const readNow = !last || now - last.at >= this.treeEveryMs;
    this.lookAtPodsAgain(f.id, readNow ? this.treeEveryMs : last.at + this.treeEveryMs - now);
    if (!readNow) return undefined;
    const tree = await this.argo
      .client(f.instance)
      .resourceTree({ name: f.app, namespace: f.namespace })
      .catch(() => undefined);
    if (!tree) return undefined;
    const pods = newPods(tree, f.startedAt);
    // When each pod was first seen with its current reason: a stuck reason must last the settle time.
    const stuckSince: Record<string, number> = {};
    for (const p of pods)
      stuckSince[`${p.pod}/${p.reason}`] = last?.stuckSince[`${p.pod}/${p.reason}`] ?? now;
    const failure = podFailure(pods, last?.restarts ?? {}, { since: stuckSince, now, forMs: this.settleMs });
    this.pods.set(f.id, {
      at: now,
      restarts: Object.fromEntries(pods.map((p) => [p.pod, p.restarts])),
      stuckSince,
    });
    return failure;
  }

  private lookAtPodsAgain(id: string, ms: number): void {
    if (this.podLooks.has(id) || this.stopped) return;
    this.podLooks.add(id);
    const t = setTimeout(
      () => {
        this.rechecks.delete(t);
        this.podLooks.delete(id);
        this.guard(this.check(id));
      },
      Math.max(10, ms),
    );
    t.unref();
    this.rechecks.add(t);
  }

  /** Said as soon as the failure is certain, with the revert. */
  private async failed(f: FollowUp, why: Failure): Promise<Message> {
    const button = await this.hooks.revertButton(f).catch(() => undefined);
    const after = duration(this.clock.now() - f.startedAt);
    const lead = why.pod
      ? `❌ ${f.app}: the rollout of ${short(f.revision)} is failing (${f.what}) — ${why.reason} in its new pods, ${after} after the merge.`
      : `❌ ${f.app}: Argo CD could not sync ${short(f.revision)} (${f.what}) — ${why.reason}, ${after} after the merge.`;
    return {
      text: lead,
      tone: 'danger',
      blocks: [
        { type: 'text', text: `${lead}\n${why.detail}` },
        {
          type: 'context',
          items: ['`diagnose ' + f.app + '` says why; reverting brings back what ran before.'],
        },
      ],
      buttons: button ? [{ actionId: button, label: 'Revert', style: 'danger' }] : undefined,
      data: {
        followUp: {
          app: f.app,
          revision: f.revision,
          outcome: 'failed',
          reason: why.reason,
          ...(why.pod ? { pod: why.pod } : {}),
        },
      },
    };
  }

  /**
   * The deadline passed while Argo CD did not answer: nobody can tell how the change went, so
   * that is what is said — no "did not become Healthy", no Revert of a change that may be fine.
   */
  private unanswered(f: FollowUp): Message {
    const since = f.unreachableSince ?? this.clock.now();
    const at = new Date(since).toISOString().slice(11, 16);
    const lead = `⚠️ Argo CD (instance ${f.instance}) did not answer since ${at} UTC; cannot tell whether ${f.app} runs ${short(f.revision)} (${f.what}).`;
    return {
      text: lead,
      tone: 'warn',
      blocks: [
        { type: 'text', text: lead },
        {
          type: 'context',
          items: ['`argo status ' + f.app + '` says where it stands once Argo CD answers again.'],
        },
      ],
      data: {
        followUp: { app: f.app, revision: f.revision, outcome: 'unknown', unreachableSince: since },
      },
    };
  }

  private healthy(f: FollowUp, now: number): Message {
    return {
      text: `${f.app} synced to ${short(f.revision)}, Healthy in ${duration(now - f.startedAt)}`,
      tone: 'ok',
      blocks: [
        {
          type: 'text',
          text: `✅ ${f.app} synced to ${code(short(f.revision))}, **Healthy** in ${duration(now - f.startedAt)} (${f.what}).`,
        },
      ],
      data: {
        followUp: {
          app: f.app,
          revision: f.revision,
          outcome: 'healthy',
          seconds: Math.round((now - f.startedAt) / 1000),
        },
      },
    };
  }

  private async degraded(
    f: FollowUp,
    health: string,
    why: string | undefined,
    timeout = false,
  ): Promise<Message> {
    const button = await this.hooks.revertButton(f).catch(() => undefined);
    const lead = timeout
      ? `⏱ ${f.app} did not become Healthy within ${duration(f.deadline - f.startedAt)} after the merge (${health}).`
      : `❌ ${f.app} is ${health} after ${short(f.revision)} went live (${f.what}).`;
    return {
      text: lead,
      tone: 'danger',
      blocks: [
        { type: 'text', text: lead + (why ? `\n${why}` : '') },
        {
          type: 'context',
          items: ['`diagnose ' + f.app + '` says why; reverting brings back what ran before.'],
        },
      ],
      buttons: button ? [{ actionId: button, label: 'Revert', style: 'danger' }] : undefined,
      data: {
        followUp: { app: f.app, revision: f.revision, outcome: timeout ? 'timeout' : 'degraded', health },
      },
    };
  }

  private async finish(f: FollowUp, outcome: FollowUpOutcome, m: Message): Promise<void> {
    this.pods.delete(f.id);
    // Only one checker may finish a follow-up (change events and the sweep race).
    let mine = false;
    await this.docs.update(f.id, (x) => {
      mine = !!x;
      return undefined;
    });
    if (!mine) return;
    try {
      await this.chat.post(f.conversation, m);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, followUp: f.id }, 'could not post the follow-up');
    }
    this.hooks.onDone?.(f, outcome, m);
    this.waiting.get(f.id)?.();
    this.waiting.delete(f.id);
  }
}
