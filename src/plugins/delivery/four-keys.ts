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
  /** The images running once it was live (Argo CD's `status.summary.images`), when deckhand saw it live. */
  images?: string[];
  /** The images the Application itself set (Image Updater's write-back argocd), as history recorded them. */
  overrides?: string[];
  /** Its commits are still to be read from the Git host (a later pass reads them). */
  commitsPending?: boolean;
  /** Passes that could not read its commits yet (a Git host or registry down). */
  tries?: number;
  /** Why its commits cannot be known (no Git source, a path deckhand cannot read, …). */
  commitsUnknown?: string;
  /**
   * Deployments Argo CD made before this one that deckhand never saw: its history ids go up by
   * one per deployment, and more of them than revisionHistoryLimit came between two reads.
   */
  missedBefore?: number;
}

/**
 * Trouble an app was seen in: an incident (an alert group of the app) or a Degraded span (Argo
 * CD's health of the app, as deckhand saw it change). Either starting after a deployment fails it.
 */
export interface IncidentSpan {
  key: string;
  app: string;
  title: string;
  startedAt: number;
  resolvedAt?: number;
  /** Where it comes from; an incident when absent. */
  kind?: 'incident' | 'degraded';
  /** Where to read about it (the alert's source or Alertmanager). */
  url?: string;
}

export interface Failure {
  /** The deployment that failed. */
  app: string;
  deployment: number;
  cause: { kind: 'incident' | 'degraded'; key: string; title: string } | { kind: 'rollback'; by: number };
  startedAt: number;
  restoredAt?: number;
  /** Where to read about the cause: the incident's alert, or the app's history in Argo CD. */
  url?: string;
}

export type Band = 'elite' | 'high' | 'medium' | 'low';

export interface FourKeys {
  from: number;
  to: number;
  deployments: number;
  running: number;
  /** Deployments made between deckhand's reads that it never saw (see Deployment.missedBefore). */
  missed: number;
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

/** One app's share of the figures over a window; shares add up (combine) to the four keys. */
export interface AppShare {
  counted: number;
  running: number;
  missed: number;
  leads: number[];
  failures: Failure[];
}

/** Group records by app, each app's deployments once, in the order they went live. */
export function byApp(deployments: Iterable<Deployment>): Map<string, Deployment[]> {
  const out = new Map<string, Deployment[]>();
  const seen = new Set<string>();
  for (const d of deployments) {
    const key = `${d.app}#${d.id}#${d.finishedAt ?? 'running'}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const list = out.get(d.app);
    if (list) list.push(d);
    else out.set(d.app, [d]);
  }
  for (const list of out.values()) list.sort(byTime);
  return out;
}

/**
 * One app's share over [from, to): `list` is its deployments once each in the order they went
 * live (byApp), `incidents` its incidents and Degraded spans. A deployment counts when it went live
 * in the window. A failure is a counted deployment that was taken back within `failureWindowMs`,
 * or in whose span trouble of its app started: from the deployment starting (a rollout can break
 * before it finishes) until `failureWindowMs` after it went live or the next deployment started,
 * whichever comes first, so trouble that starts during the next rollout is the next one's. It is
 * restored when the trouble ended or the deployment that took it back went live.
 */
export function appShare(
  list: Deployment[],
  incidents: IncidentSpan[],
  window: { from: number; to: number },
  opts: { failureWindowMs: number },
): AppShare {
  const { from, to } = window;
  const share: AppShare = { counted: 0, running: 0, missed: 0, leads: [], failures: [] };
  // Each commit once, at the first deployment that brought it.
  const firstLive = new Map<string, Deployment>();
  for (const d of list)
    if (d.finishedAt !== undefined)
      for (const c of d.commits ?? []) if (!firstLive.has(c.sha)) firstLive.set(c.sha, d);
  const sorted =
    incidents.length > 1
      ? [...incidents].sort((a, b) => a.startedAt - b.startedAt || a.key.localeCompare(b.key))
      : incidents;
  for (const [i, d] of list.entries()) {
    if (d.finishedAt === undefined) {
      if (d.startedAt === undefined || d.startedAt < to) share.running++;
      continue;
    }
    if (d.finishedAt < from || d.finishedAt >= to) continue;
    share.counted++;
    share.missed += d.missedBefore ?? 0;
    const live = d.finishedAt;
    for (const c of d.commits ?? [])
      if (firstLive.get(c.sha) === d) share.leads.push(Math.max(0, live - c.at));
    let next: Deployment | undefined;
    for (let j = i + 1; j < list.length && !next; j++) if (list[j]?.finishedAt !== undefined) next = list[j];
    // The next deployment to start, finished or still running, ends this one's span.
    const after = list[i + 1];
    const nextStart = after ? (after.startedAt ?? after.finishedAt ?? Infinity) : Infinity;
    const begin = Math.min(d.startedAt ?? live, live);
    const until = Math.min(live + opts.failureWindowMs, Math.max(nextStart, live));
    const incident = sorted.find((x) => x.startedAt >= begin && x.startedAt < until);
    if (incident)
      share.failures.push({
        app: d.app,
        deployment: d.id,
        cause: { kind: incident.kind ?? 'incident', key: incident.key, title: incident.title },
        startedAt: incident.startedAt,
        ...(incident.url ? { url: incident.url } : {}),
        ...(incident.resolvedAt !== undefined ? { restoredAt: incident.resolvedAt } : {}),
      });
    else if (next?.restores && (next.finishedAt as number) <= live + opts.failureWindowMs)
      share.failures.push({
        app: d.app,
        deployment: d.id,
        cause: { kind: 'rollback', by: next.id },
        startedAt: live,
        restoredAt: next.finishedAt as number,
      });
  }
  return share;
}

/** The four keys from every app's share over one window. */
export function combine(shares: Iterable<AppShare>, window: { from: number; to: number }): FourKeys {
  let counted = 0;
  let running = 0;
  let missed = 0;
  const leads: number[] = [];
  const failures: Failure[] = [];
  for (const s of shares) {
    counted += s.counted;
    running += s.running;
    missed += s.missed;
    for (const l of s.leads) leads.push(l);
    for (const f of s.failures) failures.push(f);
  }
  leads.sort((a, b) => a - b);
  failures.sort(
    (a, b) => a.startedAt - b.startedAt || a.app.localeCompare(b.app) || a.deployment - b.deployment,
  );
  const restores = failures
    .filter((f) => f.restoredAt !== undefined)
    .map((f) => Math.max(0, (f.restoredAt as number) - f.startedAt))
    .sort((a, b) => a - b);
  const { from, to } = window;
  const perDay = counted / (Math.max(1, to - from) / DAY);
  const rate = counted ? failures.length / counted : undefined;
  const lead = quantile(leads, 0.5);
  const restore = quantile(restores, 0.5);
  return {
    from,
    to,
    deployments: counted,
    running,
    missed,
    perDay,
    leadTime: {
      ...(lead !== undefined ? { median: lead, p90: quantile(leads, 0.9) } : {}),
      commits: leads.length,
    },
    changeFailureRate: { ...(rate !== undefined ? { rate } : {}), failed: failures.length, of: counted },
    timeToRestore: {
      ...(restore !== undefined ? { median: restore } : {}),
      restored: restores.length,
      open: failures.length - restores.length,
    },
    failures,
    bands: {
      ...(counted ? { frequency: bands.frequency(perDay) } : {}),
      ...(lead !== undefined ? { leadTime: bands.leadTime(lead) } : {}),
      ...(rate !== undefined ? { changeFailureRate: bands.changeFailureRate(rate) } : {}),
      ...(restore !== undefined ? { timeToRestore: bands.timeToRestore(restore) } : {}),
    },
  };
}

/** The four keys over [from, to) of every record given (see appShare for what counts). */
export function fourKeys(
  deployments: Deployment[],
  incidents: IncidentSpan[],
  window: { from: number; to: number },
  opts: { failureWindowMs: number },
): FourKeys {
  const incidentsOf = new Map<string, IncidentSpan[]>();
  for (const i of incidents) incidentsOf.set(i.app, [...(incidentsOf.get(i.app) ?? []), i]);
  const shares = [...byApp(deployments)].map(([app, list]) =>
    appShare(list, incidentsOf.get(app) ?? [], window, opts),
  );
  return combine(shares, window);
}
