/**
 * After a merge, deckhand follows the Application until the change is live: it waits for Argo CD
 * to sync the merged revision and for health to settle, then says so in the thread — "naver-news
 * synced to abc1234, Healthy in 48 s" — or, when the app degrades or does not sync before the
 * deadline, says that with a [Revert] button. Follow-ups are stored, so a restart resumes them.
 */
import type { ChatService } from '../../core/chat.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logging.ts';
import { code } from '../../core/message/markup.ts';
import type { Conversation, Message } from '../../core/message/model.ts';
import { duration } from '../../core/message/time.ts';
import type { Collection, Store } from '../../core/store/types.ts';
import type { TaskTracker } from '../../core/tasks.ts';
import type { Application, ArgoService } from '../argocd/index.ts';

export interface FollowUp {
  id: string;
  app: string;
  namespace?: string;
  instance: string;
  /** The merged commit; the app is live when Argo CD reports it (or a later one) deployed. */
  revision: string;
  startedAt: number;
  deadline: number;
  conversation: Conversation;
  /** Set once the app reached the revision. */
  syncedAt?: number;
  /** Since when the app has been Healthy without interruption (it must stay so for the settle time). */
  healthySince?: number;
  /** What the follow-up is about, for its messages: "scale to 3". */
  what: string;
  changeId?: string;
}

export type FollowUpOutcome = 'healthy' | 'degraded' | 'timeout';

export interface FollowUpHooks {
  /** A [Revert] button for a change that made things worse (or undefined when not possible). */
  revertButton(f: FollowUp): Promise<string | undefined>;
  /** Told about the end of every follow-up (remediation guardrails listen). */
  onDone?(f: FollowUp, outcome: FollowUpOutcome): void;
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
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  readonly settleMs: number;

  constructor(deps: {
    store: Store;
    argo: ArgoService;
    chat: ChatService;
    clock: Clock;
    tasks: TaskTracker;
    log: Logger;
    hooks: FollowUpHooks;
    settleMs?: number;
  }) {
    this.docs = deps.store.collection<FollowUp>('followups');
    this.argo = deps.argo;
    this.chat = deps.chat;
    this.clock = deps.clock;
    this.tasks = deps.tasks;
    this.log = deps.log;
    this.hooks = deps.hooks;
    this.settleMs = deps.settleMs ?? 20_000;
  }

  /** Resume stored follow-ups and react to every application change. */
  start(pollMs = 5_000): void {
    this.unsubscribe = this.argo.onChange((c) => {
      void this.pending().then((list) => {
        for (const f of list)
          if (f.app === c.app.metadata.name && f.instance === c.instance) void this.check(f.id, c.app);
      });
    });
    this.timer = setInterval(() => void this.sweep(), pollMs);
    this.timer.unref();
    void this.sweep();
  }

  stop(): void {
    clearInterval(this.timer);
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
    const now = this.clock.now();
    const { deadlineMs, ...rest } = f;
    const doc: FollowUp = { ...rest, startedAt: now, deadline: now + deadlineMs };
    await this.docs.put(doc.id, doc);
    const done = new Promise<void>((resolve) => this.waiting.set(doc.id, resolve));
    void this.tasks.track(done);
    void this.check(doc.id);
    // The verdict at the deadline should not wait for the next sweep.
    this.recheck(doc.id, deadlineMs + 50);
    return done;
  }

  /** Look again after `ms` (the settle time), without waiting for the next sweep. */
  private recheck(id: string, ms: number): void {
    const t = setTimeout(
      () => {
        this.rechecks.delete(t);
        void this.check(id).catch((err: unknown) =>
          this.log.debug({ err: (err as Error).message }, 'follow-up check failed'),
        );
      },
      Math.max(10, ms),
    );
    t.unref();
    this.rechecks.add(t);
  }

  private async sweep(): Promise<void> {
    for (const f of await this.pending()) await this.check(f.id);
  }

  private reached(app: Application, revision: string): boolean {
    const st = app.status;
    if (st?.sync?.revision === revision || st?.sync?.revisions?.includes(revision))
      return st.sync?.status === 'Synced' || st.sync?.status === undefined;
    return (st?.history ?? []).some((h) => h.revision === revision);
  }

  private async check(id: string, seen?: Application): Promise<void> {
    const f = await this.docs.get(id);
    if (!f) return;
    let app = seen;
    try {
      if (!app) {
        const cache = this.argo.cache(f.instance);
        app = cache?.warm
          ? cache.named(f.app).find((a) => !f.namespace || a.metadata.namespace === f.namespace)
          : await this.argo.client(f.instance).get({ name: f.app, namespace: f.namespace });
      }
    } catch (err) {
      this.log.debug({ err: (err as Error).message, followUp: id }, 'follow-up read failed; will retry');
    }
    const now = this.clock.now();
    if (app && this.reached(app, f.revision)) {
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
      const state = app?.status?.health?.status;
      return this.finish(
        f,
        'timeout',
        await this.degraded(
          f,
          state ?? 'Unknown',
          app && !this.reached(app, f.revision)
            ? `Argo CD has not deployed ${short(f.revision)} yet`
            : app?.status?.health?.message,
          true,
        ),
      );
    }
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
    this.hooks.onDone?.(f, outcome);
    this.waiting.get(f.id)?.();
    this.waiting.delete(f.id);
  }
}
