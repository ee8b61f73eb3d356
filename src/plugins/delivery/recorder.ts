/**
 * What the four keys are computed from: the record of deployments, brought up to date from Argo
 * CD's history of the apps asked about (with their commits when gitops can ask the Git host), and
 * the incidents of those apps. What could not be read is said, never taken as "none".
 */
import type { Logger } from '../../core/logging.ts';
import type { Application } from '../argocd/index.ts';
import type { GitOpsWorkflow } from '../gitops-pr/index.ts';
import type { IncidentService } from '../incidents/index.ts';
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
  gitops?: Pick<GitOpsWorkflow, 'commitsBrought' | 'listChanges'>;
  incidents?: Pick<IncidentService, 'all'>;
  resolve: (instance: string, app: Application) => Parameters<GitOpsWorkflow['commitsBrought']>[0];
  logger: Logger;
  /** Git ranges (a deployment's commits) one pass reads at most; the rest wait for the next. */
  rangesPerPass?: number;
  /** Told of a deployment whose commits were just read. */
  onCommits?: (d: Deployment, instance: string, app: Application) => void;
  /** Told of each deployment recorded for the first time, with the one before it and the app. */
  onRecorded?: (d: Deployment, previous: Deployment | undefined, instance: string, app: Application) => void;
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
    const git: GitView | undefined = gitops && {
      commits: (instance, app, window) =>
        gitops.commitsBrought(this.deps.resolve(instance, app), window, signal),
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
          onRecorded: (d, previous) => this.deps.onRecorded?.(d, previous, instance, app),
          onCommits: (d) => this.deps.onCommits?.(d, instance, app),
        });
      } catch (err) {
        if (signal?.aborted) throw err;
        this.deps.logger.warn({ err, app: app.metadata.name }, 'could not record deployments');
      }
    }
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
    const incidentsOf = new Map<string, IncidentSpan[]>();
    if (!this.deps.incidents) gaps.push('incidents are off: failures are only rollbacks');
    else
      for (const i of await this.deps.incidents.all()) {
        if (!i.app) continue;
        const key = `${i.app.instance}/${i.app.namespace ?? ''}/${i.app.name}`;
        const match = keys.has(key)
          ? key
          : [...keys].find((k) => k.startsWith(`${i.app?.instance}/`) && k.endsWith(`/${i.app?.name}`));
        if (!match) continue;
        // Each time the group fired is an incident of its own (earlier ones resolved).
        const spans: IncidentSpan[] = [
          ...(i.earlier ?? []).map((e, n) => ({
            key: `${i.key}#${n}`,
            app: match,
            title: i.alertname,
            startedAt: e.startedAt,
            ...(e.resolvedAt !== undefined ? { resolvedAt: e.resolvedAt } : {}),
          })),
          {
            key: i.key,
            app: match,
            title: i.alertname,
            startedAt: i.startedAt,
            ...(i.resolvedAt !== undefined ? { resolvedAt: i.resolvedAt } : {}),
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
    const weekOf = (t: number) => (first ? Math.floor((t - first.from) / WEEK) : -1);
    let since: number | undefined;
    await this.log.eachApp(keys, (app, records) => {
      const list = byApp(records).get(app) ?? [];
      const oldest = list[0]?.finishedAt;
      if (oldest !== undefined && (since === undefined || oldest < since)) since = oldest;
      if (first)
        for (const d of list) {
          if (d.commitsPending && d.finishedAt !== undefined && d.finishedAt >= first.from) pending++;
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
          .sort((a, b) => (b.finishedAt as number) - (a.finishedAt as number))
          .slice(0, limit);
      }
    });
    const figures = windows.map((w, i) => combine(shares[i] ?? [], w));
    if (pending)
      gaps.push(
        `the commits of ${pending} deployment${pending === 1 ? ' are' : 's are'} not read yet: lead time leaves them out`,
      );
    for (const f of figures[0]?.failures ?? []) {
      const w = weeks[weekOf(f.startedAt)];
      if (w) w.failures++;
    }
    return { keys: figures, recent, weeks, gaps, ...(since !== undefined ? { since } : {}) };
  }
}
