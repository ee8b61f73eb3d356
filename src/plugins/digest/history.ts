/**
 * Health over time for the digest chart: every few minutes the number of apps per project in each
 * state is sampled into the store, and samples older than the retention are dropped.
 */
import type { Clock } from '../../core/clock.ts';
import type { Collection, Store } from '../../core/store/types.ts';
import { healthOf, type ArgoService } from '../argocd/index.ts';

export type Counts = { healthy: number; progressing: number; degraded: number; other: number };
export type Sample = { at: number; projects: Record<string, Counts> };

const bucket = (h: string): keyof Counts =>
  h === 'Healthy'
    ? 'healthy'
    : h === 'Progressing'
      ? 'progressing'
      : h === 'Degraded' || h === 'Missing'
        ? 'degraded'
        : 'other';

export class HealthHistory {
  private readonly docs: Collection<Sample>;
  private readonly clock: Clock;
  private readonly retentionMs: number;

  constructor(store: Store, clock: Clock, retentionDays: number) {
    this.docs = store.collection<Sample>('health-history');
    this.clock = clock;
    this.retentionMs = retentionDays * 86_400_000;
  }

  async sample(argo: ArgoService): Promise<Sample> {
    const { apps } = await argo.list();
    const projects: Record<string, Counts> = {};
    for (const { app } of apps) {
      const p = (projects[app.spec.project] ??= { healthy: 0, progressing: 0, degraded: 0, other: 0 });
      p[bucket(healthOf(app))] += 1;
    }
    const at = this.clock.now();
    const sample = { at, projects };
    // Keys sort by time: the timestamp is zero-padded.
    await this.docs.put(String(at).padStart(15, '0'), sample, { ttlMs: this.retentionMs });
    return sample;
  }

  async since(ms: number): Promise<Sample[]> {
    const from = String(this.clock.now() - ms).padStart(15, '0');
    return (await this.docs.list()).filter((d) => d.key >= from).map((d) => d.value);
  }

  /** Per day (in the time zone), the worst-hour counts of the selected projects: what a team lived through. */
  async daily(
    days: number,
    timeZone: string,
    projects: (p: string) => boolean,
  ): Promise<{ label: string; counts: Counts }[]> {
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      month: '2-digit',
      day: '2-digit',
    });
    const out = new Map<string, Counts>();
    for (let d = days - 1; d >= 0; d--)
      out.set(fmt.format(this.clock.now() - d * 86_400_000), {
        healthy: 0,
        progressing: 0,
        degraded: 0,
        other: 0,
      });
    for (const s of await this.since(days * 86_400_000)) {
      const label = fmt.format(s.at);
      const day = out.get(label);
      if (!day) continue;
      const c: Counts = { healthy: 0, progressing: 0, degraded: 0, other: 0 };
      for (const [p, counts] of Object.entries(s.projects)) {
        if (!projects(p)) continue;
        for (const k of Object.keys(c) as (keyof Counts)[]) c[k] += counts[k];
      }
      // Keep the sample with the most apps in trouble for the day.
      if (
        c.degraded + c.progressing > day.degraded + day.progressing ||
        day.healthy + day.degraded + day.progressing + day.other === 0
      )
        out.set(label, c);
    }
    return [...out.entries()].map(([label, counts]) => ({
      label: label.replace(/,.*$/, '').slice(0, 3),
      counts,
    }));
  }
}
