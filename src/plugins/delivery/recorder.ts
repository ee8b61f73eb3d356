/**
 * What the four keys are computed from: the record of deployments, brought up to date from Argo
 * CD's history of the apps asked about (with their commits when gitops can ask the Git host), and
 * the incidents of those apps. What could not be read is said, never taken as "none".
 */
import type { Logger } from '../../core/logging.ts';
import type { Application } from '../argocd/index.ts';
import type { GitOpsWorkflow } from '../gitops-pr/index.ts';
import type { IncidentService } from '../incidents/index.ts';
import type { RegistryService } from '../registry/api.ts';
import type { DegradedLog } from './degraded.ts';
import { imageCommits } from './image-commits.ts';
import { appKey, type DeploymentLog, type GitView } from './deployments.ts';
import {
  appShare,
  byApp,
  combine,
  type AppShare,
  type Deployment,
  type FourKeys,
  type IncidentSpan,
} from './four-keys.ts';

type Picked = { instance: string; app: Application }[];

const WEEK = 7 * 86_400_000;

/** Deployments and failures in one week of the period (the last one may be shorter). */
export interface Week {
  from: number;
  deployments: number;
  failures: number;
}

/** The weeks of a window, from its start. */
function weeksOf(w: { from: number; to: number }): Week[] {
  const out: Week[] = [];
  for (let t = w.from; t < w.to; t += WEEK) out.push({ from: t, deployments: 0, failures: 0 });
  return out;
}

interface RecorderDeps {
  gitops?: Pick<GitOpsWorkflow, 'commitsBrought' | 'listChanges' | 'commitOf'>;
  /** Registries to read an image's source commit from (its OCI labels); none, no image commits. */
  registry?: Pick<RegistryService, 'locate'>;
  incidents?: Pick<IncidentService, 'all' | 'retentionDays'>;
  /** When apps were Degraded: trouble after a deployment fails it, as an incident does. */
  degraded?: Pick<DegradedLog, 'spans' | 'reconcile'>;
  resolve: (instance: string, app: Application) => Parameters<GitOpsWorkflow['commitsBrought']>[0];
  logger: Logger;
  /** Git ranges (a deployment's commits) one pass reads at most; the rest wait for the next. */
  rangesPerPass?: number;
  /** Told of a deployment whose commits were just read. */
  onCommits?: (d: Deployment, instance: string, app: Application) => void;
  /** Told of each deployment the record holds of the apps read, with the one before it and the app. */
  onSeen?: (d: Deployment, previous: Deployment | undefined, instance: string, app: Application) => void;
}

export class Recorder {
  private readonly log: DeploymentLog;
  private readonly deps: RecorderDeps;

  constructor(log: DeploymentLog, deps: RecorderDeps) {
    this.log = log;
    this.deps = deps;
  }

  private pass?: Promise<number>;

  /**
   * Read new history entries of the apps into the record, and the commits still to be read while
   * `rangesPerPass` lasts; returns how many deployments were new. One pass at a time: a caller that
   * comes while one runs waits for it, so a slow Git host is never asked the same thing twice at once.
   */
  record(apps: Picked, signal?: AbortSignal): Promise<number> {
    // Passes run one after another: each skips what the one before recorded.
    const next = (this.pass ?? Promise.resolve(0)).catch(() => 0).then(() => this.recordAll(apps, signal));
    this.pass = next;
    return next;
  }

  private async recordAll(apps: Picked, signal?: AbortSignal): Promise<number> {
    const { gitops } = this.deps;
    const merges = gitops
      ? new Map(
          (await gitops.listChanges())
            .filter((c) => c.mergeSha)
            .map((c) => [c.mergeSha as string, { revert: c.intent.kind === 'revert' }]),
        )
      : undefined;
    const { registry } = this.deps;
    const git: GitView | undefined = gitops && {
      commits: (instance, app, window) =>
        gitops.commitsBrought(this.deps.resolve(instance, app), window, signal),
      ...(registry
        ? { imageCommit: imageCommits(registry, (url, sha) => gitops.commitOf(url, sha, signal), signal) }
        : {}),
    };
    const budget = { ranges: this.deps.rangesPerPass ?? 200 };
    let added = 0;
    for (const { instance, app } of apps) {
      signal?.throwIfAborted();
      try {
        added += await this.log.ingest(instance, app, {
          ...(git ? { git } : {}),
          ...(merges ? { merges } : {}),
          budget,
          ...(signal ? { signal } : {}),
          onSeen: (d, previous) => this.deps.onSeen?.(d, previous, instance, app),
          onCommits: (d) => this.deps.onCommits?.(d, instance, app),
        });
      } catch (err) {
        if (signal?.aborted) throw err;
        this.deps.logger.warn({ err, app: app.metadata.name }, 'could not record deployments');
      }
    }
    // Health the watch did not see change (a restart, a missed event), from Argo CD's own times.
    await this.deps.degraded?.reconcile(apps);
    return added;
  }

  /**
   * The four keys of the apps over each window (after recording what is new), read app by app,
   * the most recent deployments counted in the first window (at most `recent`), and when the
   * oldest deployment recorded of them went live (`since`: what the record reaches back to).
   */
  async figures(
    apps: Picked,
    windows: { from: number; to: number }[],
    opts: {
      failureWindowMs: number;
      recent?: number;
      /** How long to wait for the record to be brought up to date first (0: read it as it is). */
      recordMs?: number;
    },
    signal?: AbortSignal,
  ): Promise<{ keys: FourKeys[]; recent: Deployment[]; weeks: Week[]; gaps: string[]; since?: number }> {
    const gaps: string[] = [];
    if (opts.recordMs) {
      const pass = this.record(apps).then(
        () => true,
        (err: unknown) => {
          gaps.push(`the record could not be brought up to date: ${(err as Error).message}`);
          return true;
        },
      );
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<false>((done) => (timer = setTimeout(() => done(false), opts.recordMs)));
      const inTime = await Promise.race([pass, late]).finally(() => clearTimeout(timer));
      if (!inTime) gaps.push('deckhand is still reading the latest deployments; ask again in a minute');
    }
    signal?.throwIfAborted();
    const keys = new Set(apps.map(({ instance, app }) => appKey(instance, app)));
    if (!this.deps.gitops) gaps.push('gitops is off: no commits are known, so there is no lead time');
    const incidentsOf = this.deps.degraded
      ? await this.deps.degraded.spans()
      : new Map<string, IncidentSpan[]>();
    // An alert names an app by instance and name; its namespace only when the alert carries it.
    const byName = new Map<string, string>();
    for (const k of keys) {
      const name = k.lastIndexOf('/');
      const instance = k.lastIndexOf('/', name - 1);
      byName.set(`${k.slice(0, instance)}/${k.slice(name + 1)}`, k);
    }
    const { incidents } = this.deps;
    const kept = incidents && (windows[0]?.to ?? 0) - incidents.retentionDays * 86_400_000;
    if (!incidents) gaps.push('incidents are off: failures are rollbacks and Degraded apps only');
    else if (kept !== undefined && windows.some((w) => w.from < kept))
      gaps.push(
        `incidents are kept ${incidents.retentionDays} days (plugins.incidents.retentionDays): before ${new Date(kept).toISOString().slice(0, 10)}, failures are rollbacks and Degraded apps only`,
      );
    if (incidents)
      for (const i of await incidents.all()) {
        if (!i.app) continue;
        const key = `${i.app.instance}/${i.app.namespace ?? ''}/${i.app.name}`;
        const match = keys.has(key) ? key : byName.get(`${i.app.instance}/${i.app.name}`);
        if (!match) continue;
        // The alert's source (a Prometheus graph) else Alertmanager; web addresses only.
        const url = [i.alerts[0]?.generatorURL, i.externalURL].find((u) => u && /^https?:\/\//.test(u));
        // Each time the group fired is an incident of its own (earlier ones resolved).
        const spans: IncidentSpan[] = [
          ...(i.earlier ?? []).map((e, n) => ({
            key: `${i.key}#${n}`,
            app: match,
            title: i.alertname,
            startedAt: e.startedAt,
            ...(e.resolvedAt !== undefined ? { resolvedAt: e.resolvedAt } : {}),
            ...(url ? { url } : {}),
          })),
          {
            key: i.key,
            app: match,
            title: i.alertname,
            startedAt: i.startedAt,
            ...(i.resolvedAt !== undefined ? { resolvedAt: i.resolvedAt } : {}),
            ...(url ? { url } : {}),
          },
        ];
        incidentsOf.set(match, [...(incidentsOf.get(match) ?? []), ...spans]);
      }
    const shares: AppShare[][] = windows.map(() => []);
    const first = windows[0];
    let recent: Deployment[] = [];
    const limit = opts.recent ?? 0;
    const weeks: Week[] = first ? weeksOf(first) : [];
    let pending = 0;
    let unknown = 0;
    let why: string | undefined;
    const weekOf = (t: number) => (first ? Math.floor((t - first.from) / WEEK) : -1);
    let since: number | undefined;
    await this.log.eachApp(keys, (app, records) => {
      const list = byApp(records).get(app) ?? [];
      const oldest = list[0]?.finishedAt;
      if (oldest !== undefined && (since === undefined || oldest < since)) since = oldest;
      if (first)
        for (const d of list) {
          const inWindow =
            d.finishedAt !== undefined && d.finishedAt >= first.from && d.finishedAt < first.to;
          if (d.commitsPending && inWindow) pending++;
          if (d.commitsUnknown && inWindow) {
            unknown++;
            why ??= d.commitsUnknown;
          }
          const w =
            d.finishedAt !== undefined && d.finishedAt < first.to ? weeks[weekOf(d.finishedAt)] : undefined;
          if (w) w.deployments++;
        }
      for (const [w, window] of windows.entries())
        shares[w]?.push(appShare(list, incidentsOf.get(app) ?? [], window, opts));
      if (limit && first) {
        const live = list.filter(
          (d) => d.finishedAt !== undefined && d.finishedAt >= first.from && d.finishedAt < first.to,
        );
        recent = [...recent, ...live]
          // Argo CD's times are to the second: two deployments of one second are told apart by id.
          .sort((a, b) => (b.finishedAt as number) - (a.finishedAt as number) || b.id - a.id)
          .slice(0, limit);
      }
    });
    const figures = windows.map((w, i) => combine(shares[i] ?? [], w));
    // A rollback or a Degraded app is read about in the app in Argo CD.
    const picked = new Map(apps.map((a) => [appKey(a.instance, a.app), a]));
    for (const f of figures.flatMap((k) => k.failures)) {
      const a = picked.get(f.app);
      if (f.url || f.cause.kind === 'incident' || !a) continue;
      try {
        const r = this.deps.resolve(a.instance, a.app);
        f.url = r.client.appUrl(r.locator);
      } catch {
        // An instance no longer configured: the failure is listed without a link.
      }
    }
    if (pending)
      gaps.push(
        `the commits of ${pending} deployment${pending === 1 ? ' are' : 's are'} not read yet: lead time leaves them out`,
      );
    if (unknown)
      gaps.push(
        `the commits of ${unknown} deployment${unknown === 1 ? '' : 's'} cannot all be known, so lead time leaves them out (${why})`,
      );
    const missed = figures[0]?.missed ?? 0;
    if (missed)
      gaps.push(
        `${missed} deployment${missed === 1 ? '' : 's'} came and went between deckhand's reads of Argo CD's history (more than its revisionHistoryLimit): they are not counted, and lead time leaves out the deployment after them`,
      );
    for (const f of figures[0]?.failures ?? []) {
      const w = weeks[weekOf(f.startedAt)];
      if (w) w.failures++;
    }
    return { keys: figures, recent, weeks, gaps, ...(since !== undefined ? { since } : {}) };
  }
}
