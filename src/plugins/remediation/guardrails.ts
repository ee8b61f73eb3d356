/**
 * The limits on automatic changes: a kill switch, an optional time window, a cooldown per app and
 * action, a cap per app per day and across all apps per hour, no new change while the last one has
 * not become Healthy, none while a deckhand pull request is open for the app — and a per-app lock
 * so two alerts at the same moment lead to one change. Everything is in the store.
 */
import type { Clock } from '../../core/clock.ts';
import type { Collection, Store } from '../../core/store/types.ts';
import type { RemediationConfig, Rule } from './config.ts';

export interface AutoChange {
  at: number;
  app: string;
  action: string;
  rule: string;
  changeId?: string;
  /** The pull request it merged, for messages. */
  pr?: number;
  /** For an automatic revert: the history key of the change it undoes. */
  revertOf?: string;
  /**
   * pending until the follow-up says how it went; degraded and timeout keep holding the app until
   * the change is reverted or a person acknowledges it (`remediation resume <app>`).
   */
  state: 'pending' | 'healthy' | 'degraded' | 'timeout' | 'reverted' | 'acknowledged';
}

/** Which guardrail holds an automatic change back. */
export type Guardrail =
  | 'paused'
  | 'window'
  | 'open-pull-request'
  | 'not-healthy'
  | 'cooldown'
  | 'max-per-app-per-day'
  | 'max-per-hour';

export interface Hold {
  guardrail: Guardrail;
  reason: string;
}

type Day = 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';

export class Guardrails {
  private readonly history: Collection<AutoChange>;
  private readonly switches: Collection<{ by: string; at: number }>;
  private readonly locks: Collection<{ at: number }>;
  private readonly clock: Clock;
  private readonly cfg: RemediationConfig['guardrails'];
  private seq = 0;

  constructor(store: Store, clock: Clock, cfg: RemediationConfig['guardrails']) {
    this.history = store.collection<AutoChange>('remediation-history');
    this.switches = store.collection('remediation-switch');
    this.locks = store.collection('remediation-locks');
    this.clock = clock;
    this.cfg = cfg;
  }

  paused(): Promise<{ by: string; at: number } | undefined> {
    return this.switches.get('paused');
  }

  async pause(by: string): Promise<void> {
    await this.switches.put('paused', { by, at: this.clock.now() });
  }

  async resume(): Promise<boolean> {
    return this.switches.delete('paused');
  }

  /** Take the app for one decision; false when another decision for it is in progress. */
  lock(app: string): Promise<boolean> {
    return this.locks.insertIfAbsent(app, { at: this.clock.now() }, { ttlMs: 5 * 60_000 });
  }

  async unlock(app: string): Promise<void> {
    await this.locks.delete(app);
  }

  inWindow(now = this.clock.now()): boolean {
    const w = this.cfg.window;
    if (!w) return true;
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: w.timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(now);
    const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
    const day = get('weekday').toLowerCase().slice(0, 3) as Day;
    const hm = `${get('hour')}:${get('minute')}`;
    return w.days.includes(day) && hm >= w.from && hm < w.to;
  }

  /** Automatic changes of the last `ms` (24 hours by default), newest first, with their keys. */
  async recent(ms = 86_400_000): Promise<(AutoChange & { key: string })[]> {
    const since = this.clock.now() - ms;
    return (
      (await this.history.list())
        .map((d) => ({ ...d.value, key: d.key }))
        .filter((c) => c.at >= since)
        // Newest first; within one millisecond, the later record (keys carry a sequence).
        .sort((a, b) => b.at - a.at || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0))
    );
  }

  /** Why an automatic change must wait, or null when it may go. */
  async holdReason(rule: Rule, app: string, openPullRequest?: { number: number }): Promise<string | null> {
    return (await this.hold(rule, app, openPullRequest))?.reason ?? null;
  }

  /** Which guardrail holds an automatic change back (the first that does), or null. */
  async hold(rule: Rule, app: string, openPullRequest?: { number: number }): Promise<Hold | null> {
    const now = this.clock.now();
    const paused = await this.paused();
    if (paused)
      return {
        guardrail: 'paused',
        reason: `automatic remediation is paused (kill switch, by ${paused.by})`,
      };
    if (!this.inWindow(now)) {
      const w = this.cfg.window;
      return {
        guardrail: 'window',
        reason: `outside the remediation window (${w?.days.join(',')} ${w?.from}–${w?.to} ${w?.timeZone})`,
      };
    }
    if (openPullRequest)
      return {
        guardrail: 'open-pull-request',
        reason: `${app} already has a deckhand pull request open (#${openPullRequest.number})`,
      };
    const day = await this.recent();
    const mine = day.filter((c) => c.app === app);
    const last = mine[0];
    const pr = last?.pr ? ` #${last.pr}` : '';
    if (last?.state === 'pending')
      return {
        guardrail: 'not-healthy',
        reason: `the last automatic change to ${app} (${last.action}${pr}, rule ${last.rule}) has not become Healthy yet`,
      };
    if (last?.state === 'degraded' || last?.state === 'timeout')
      return {
        guardrail: 'not-healthy',
        reason: `the last automatic change to ${app} (${last.action}${pr}, rule ${last.rule}) did not make it Healthy (${last.state}); a person has to look first (\`remediation resume ${app}\` when done)`,
      };
    const sameAction = mine.find((c) => c.action === rule.action.kind);
    if (sameAction && now - sameAction.at < rule.cooldown) {
      return {
        guardrail: 'cooldown',
        reason: `cooldown: the last ${rule.action.kind} change to ${app} was ${Math.round((now - sameAction.at) / 60_000)}m ago (rule ${rule.name} waits ${Math.round(rule.cooldown / 60_000)}m)`,
      };
    }
    if (mine.length >= this.cfg.maxPerAppPerDay)
      return {
        guardrail: 'max-per-app-per-day',
        reason: `${app} had ${mine.length} automatic changes in 24 h (the maximum is ${this.cfg.maxPerAppPerDay})`,
      };
    const hour = day.filter((c) => c.at >= now - 3_600_000);
    if (hour.length >= this.cfg.maxPerHour)
      return {
        guardrail: 'max-per-hour',
        reason: `${hour.length} automatic changes in the last hour across all apps (the maximum is ${this.cfg.maxPerHour})`,
      };
    return null;
  }

  async record(c: Omit<AutoChange, 'at' | 'state'>): Promise<string> {
    const at = this.clock.now();
    const key = `${String(at).padStart(15, '0')}-${String(++this.seq).padStart(6, '0')}-${c.app}-${c.action}`;
    await this.history.put(key, { ...c, at, state: 'pending' }, { ttlMs: 7 * 86_400_000 });
    return key;
  }

  async settle(
    key: string,
    state: AutoChange['state'],
    link?: { changeId?: string; pr?: number },
  ): Promise<void> {
    await this.history.update(key, (c) =>
      c ? { ...c, state, changeId: link?.changeId ?? c.changeId, pr: link?.pr ?? c.pr } : c,
    );
  }

  /** An attempt that merged nothing is not a change: it must not count against the limits. */
  async forget(key: string): Promise<void> {
    await this.history.delete(key);
  }

  /**
   * A person looked at the app after an automatic change that did not make it Healthy: automatic
   * changes to it may go again. Returns how many changes were acknowledged.
   */
  async acknowledge(app: string): Promise<number> {
    let n = 0;
    for (const c of await this.recent(7 * 86_400_000)) {
      if (c.app !== app || (c.state !== 'degraded' && c.state !== 'timeout')) continue;
      await this.settle(c.key, 'acknowledged');
      n++;
    }
    return n;
  }

  get(key: string): Promise<AutoChange | undefined> {
    return this.history.get(key);
  }

  async find(changeId: string): Promise<{ key: string; change: AutoChange } | undefined> {
    const hit = (await this.history.list()).find((d) => d.value.changeId === changeId);
    return hit ? { key: hit.key, change: hit.value } : undefined;
  }
}
