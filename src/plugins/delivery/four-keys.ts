/**
 * The four keys of software delivery, as DORA defines them (docs/metrics.md), computed from
 * deckhand's own record of deployments and incidents. Pure: the same records in any order give the
 * same figures, and a figure that has nothing to stand on is absent, never 0 or NaN.
 */

export interface Deployment {
  /** `<instance>/<namespace>/<app>`: one app in one Argo CD. */
  app: string;
  name: string;
  project: string;
  /** Argo CD's history id (unique within the app). */
  id: number;
  revisions: string[];
  startedAt?: number;
  /** When it was live; absent while it runs. */
  finishedAt?: number;
  /** Who or what started it: `auto-sync`, a person, `deckhand` (a pull request it merged). */
  initiatedBy?: string;
  /** It took an earlier deployment back: an earlier revision again, or a revert deckhand merged. */
  restores?: boolean;
  /** The commits it brought, with their dates, when the Git host told. */
  commits?: { sha: string; at: number }[];
}

export interface IncidentSpan {
  key: string;
  app: string;
  title: string;
  startedAt: number;
  resolvedAt?: number;
}

export interface Failure {
  /** The deployment that failed. */
  app: string;
  deployment: number;
  cause: { kind: 'incident'; key: string; title: string } | { kind: 'rollback'; by: number };
  startedAt: number;
  restoredAt?: number;
}

export type Band = 'elite' | 'high' | 'medium' | 'low';

export interface FourKeys {
  from: number;
  to: number;
  deployments: number;
  running: number;
  perDay: number;
  leadTime: { median?: number; p90?: number; commits: number };
  changeFailureRate: { rate?: number; failed: number; of: number };
  timeToRestore: { median?: number; restored: number; open: number };
  failures: Failure[];
  bands: { frequency?: Band; leadTime?: Band; changeFailureRate?: Band; timeToRestore?: Band };
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The value at quantile q of sorted numbers (nearest rank); undefined for none. */
export function quantile(sorted: number[], q: number): number | undefined {
  if (!sorted.length) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * DORA's performance levels, from the clusters of the 2023 Accelerate State of DevOps report:
 * on demand / daily–weekly / weekly–monthly deployments; lead time under a day / a week / a month;
 * change failure rate 5% / 10% / 15%; failed deployment recovery under an hour / a day / a week.
 */
export const bands = {
  frequency: (perDay: number): Band =>
    perDay >= 1 ? 'elite' : perDay >= 1 / 7 ? 'high' : perDay >= 1 / 30 ? 'medium' : 'low',
  leadTime: (ms: number): Band =>
    ms < DAY ? 'elite' : ms <= 7 * DAY ? 'high' : ms <= 30 * DAY ? 'medium' : 'low',
  changeFailureRate: (rate: number): Band =>
    rate <= 0.05 ? 'elite' : rate <= 0.1 ? 'high' : rate <= 0.15 ? 'medium' : 'low',
  timeToRestore: (ms: number): Band =>
    ms < HOUR ? 'elite' : ms < DAY ? 'high' : ms <= 7 * DAY ? 'medium' : 'low',
};

const byTime = (a: Deployment, b: Deployment) =>
  (a.finishedAt ?? Infinity) - (b.finishedAt ?? Infinity) || a.id - b.id;

/**
 * The four keys over [from, to). A deployment counts when it finished in the window. A failure is
 * a counted deployment that, within `failureWindowMs` and before the app's next deployment, was
 * rolled back or saw an incident of its app start; it is restored when the incident resolved or
 * the rollback went live.
 */
export function fourKeys(
  deployments: Deployment[],
  incidents: IncidentSpan[],
  window: { from: number; to: number },
  opts: { failureWindowMs: number },
): FourKeys {
  const { from, to } = window;
  const inWindow = (t: number | undefined) => t !== undefined && t >= from && t < to;
  const byApp = new Map<string, Deployment[]>();
  // One record per deployment, whatever arrived twice.
  const seen = new Set<string>();
  for (const d of deployments) {
    const key = `${d.app}#${d.id}#${d.finishedAt ?? 'running'}`;
    if (seen.has(key)) continue;
    seen.add(key);
    byApp.set(d.app, [...(byApp.get(d.app) ?? []), d]);
  }
  for (const list of byApp.values()) list.sort(byTime);

  const counted: Deployment[] = [];
  let running = 0;
  for (const list of byApp.values())
    for (const d of list) {
      if (d.finishedAt === undefined) {
        if (d.startedAt === undefined || d.startedAt < to) running++;
      } else if (inWindow(d.finishedAt)) counted.push(d);
    }

  // Lead time: each commit once per app, from its date to the first deployment that brought it.
  const firstLive = new Map<string, number>();
  for (const [app, list] of byApp)
    for (const d of list)
      for (const c of d.commits ?? [])
        if (d.finishedAt !== undefined) {
          const k = `${app}#${c.sha}`;
          const prev = firstLive.get(k);
          if (prev === undefined || d.finishedAt < prev) firstLive.set(k, d.finishedAt);
        }
  const leads: number[] = [];
  for (const d of counted)
    for (const c of d.commits ?? [])
      if (firstLive.get(`${d.app}#${c.sha}`) === d.finishedAt)
        leads.push(Math.max(0, (d.finishedAt as number) - c.at));
  leads.sort((a, b) => a - b);

  // Failures: a rollback of it, or an incident of its app while it was the app's last deployment.
  const incidentsOf = new Map<string, IncidentSpan[]>();
  for (const i of incidents) incidentsOf.set(i.app, [...(incidentsOf.get(i.app) ?? []), i]);
  const failures: Failure[] = [];
  for (const d of counted) {
    const list = byApp.get(d.app) as Deployment[];
    const next = list.slice(list.indexOf(d) + 1).find((x) => x.finishedAt !== undefined);
    const live = d.finishedAt as number;
    const until = Math.min(live + opts.failureWindowMs, next?.finishedAt ?? Infinity);
    const rolledBack = next?.restores && (next.finishedAt as number) <= live + opts.failureWindowMs;
    const incident = (incidentsOf.get(d.app) ?? [])
      .filter((i) => i.startedAt >= live && i.startedAt < until)
      .sort((a, b) => a.startedAt - b.startedAt || a.key.localeCompare(b.key))[0];
    if (incident)
      failures.push({
        app: d.app,
        deployment: d.id,
        cause: { kind: 'incident', key: incident.key, title: incident.title },
        startedAt: incident.startedAt,
        ...(incident.resolvedAt !== undefined ? { restoredAt: incident.resolvedAt } : {}),
      });
    else if (rolledBack && next)
      failures.push({
        app: d.app,
        deployment: d.id,
        cause: { kind: 'rollback', by: next.id },
        startedAt: live,
        restoredAt: next.finishedAt as number,
      });
  }
  failures.sort(
    (a, b) => a.startedAt - b.startedAt || a.app.localeCompare(b.app) || a.deployment - b.deployment,
  );
  const restores = failures
    .filter((f) => f.restoredAt !== undefined)
    .map((f) => Math.max(0, (f.restoredAt as number) - f.startedAt))
    .sort((a, b) => a - b);

  const days = Math.max(1, to - from) / DAY;
  const perDay = counted.length / days;
  const rate = counted.length ? failures.length / counted.length : undefined;
  const lead = quantile(leads, 0.5);
  const restore = quantile(restores, 0.5);
  return {
    from,
    to,
    deployments: counted.length,
    running,
    perDay,
    leadTime: {
      ...(lead !== undefined ? { median: lead, p90: quantile(leads, 0.9) } : {}),
      commits: leads.length,
    },
    changeFailureRate: {
      ...(rate !== undefined ? { rate } : {}),
      failed: failures.length,
      of: counted.length,
    },
    timeToRestore: {
      ...(restore !== undefined ? { median: restore } : {}),
      restored: restores.length,
      open: failures.length - restores.length,
    },
    failures,
    bands: {
      ...(counted.length ? { frequency: bands.frequency(perDay) } : {}),
      ...(lead !== undefined ? { leadTime: bands.leadTime(lead) } : {}),
      ...(rate !== undefined ? { changeFailureRate: bands.changeFailureRate(rate) } : {}),
      ...(restore !== undefined ? { timeToRestore: bands.timeToRestore(restore) } : {}),
    },
  };
}
