/**
 * The delivery plugin: deckhand's own record of deployments, kept beyond Argo CD's history limit,
 * and the four keys of software delivery computed from it (`/argo dora`; docs/metrics.md).
 */
import { definePlugin } from '../../core/plugin.ts';
import { join } from 'node:path';
import { token } from '../../core/token.ts';
import type { Attachment } from '../../core/message/model.ts';
import { LoopHealth } from '../../core/background.ts';
import { ClockToken, ConfigToken, LeaderToken, MetricsToken, StoreToken } from '../../core/tokens.ts';
import { healthOf, type Application } from '../argocd/index.ts';
import { ArgoToken } from '../argocd/index.ts';
import { GitOpsToken } from '../gitops-pr/index.ts';
import { IncidentsToken } from '../incidents/index.ts';
import { RegistryToken } from '../registry/api.ts';
import { doraCommand } from './commands.ts';
import { DeliveryConfigSchema } from './config.ts';
import { DegradedLog } from './degraded.ts';
import { DeploymentLog } from './deployments.ts';
import { weeklyChart } from './chart.ts';
import type { Deployment, FourKeys } from './four-keys.ts';
import { Recorder, type Week } from './recorder.ts';

export type { FourKeys, Band } from './four-keys.ts';
export type { Week } from './recorder.ts';

/** Delivery figures for other plugins (digests): the four keys of some apps, and their chart. */
export interface DeliveryService {
  figures(
    apps: { instance: string; app: Application }[],
    days: number,
  ): Promise<{ keys: FourKeys; previous?: FourKeys; weeks: Week[]; gaps: string[] }>;
  chart(weeks: Week[], title: string, name: string): Attachment;
}
export const DeliveryToken = token<DeliveryService>('Delivery');

export const deliveryPlugin = definePlugin({
  id: 'delivery',
  summary: 'Deployment records and the four keys of delivery (DORA)',
  config: DeliveryConfigSchema,
  deps: {
    argo: ArgoToken,
    store: StoreToken,
    clock: ClockToken,
    metrics: MetricsToken,
    core: ConfigToken,
    leader: LeaderToken,
  },
  // Without gitops there is no lead time; without incidents, failures are rollbacks and Degraded apps.
  // With registries, an image's source commit (its OCI labels) counts toward lead time.
  optionalDeps: { gitops: GitOpsToken, incidents: IncidentsToken, registry: RegistryToken },
  provides: [DeliveryToken],
  init({ config, deps, commands, jobs, log, provide, onServe, onClose }) {
    const chartDir = join(deps.core.dataDir, 'charts');
    const record = new DeploymentLog(deps.store, deps.clock, config.retentionDays);
    const degraded = new DegradedLog(deps.store, deps.clock, config.retentionDays);
    // Health as it changes, from the watch; every read of the record sweeps for what the watch
    // missed. Spans open with insertIfAbsent, so replicas sweeping at once open one; the watch is
    // the leader's, so two replicas seeing one change in a different order do not race.
    const watching = new LoopHealth('Degraded spans', log, { baseMs: 60_000, maxMs: 5 * 60_000 });
    let unsubscribe: (() => void) | undefined;
    onServe(() => {
      unsubscribe = deps.argo.onChange((c) => {
        if (!deps.leader.isLeader()) return;
        if (c.type === 'DELETED') return void watching.run(() => degraded.forget(c.instance, c.app));
        // A new history entry is a deployment: recorded from the watch, not at the next sweep, so
        // syncs beyond revisionHistoryLimit between two sweeps are not lost. After a moment: Argo
        // CD can deploy a merge before deckhand has written down that it made it, and who started
        // a deployment is counted (deckhand_deployments_total) once.
        if (lastId(c.app) !== (c.previous ? lastId(c.previous) : undefined)) {
          const timer = setTimeout(() => {
            settling.delete(timer);
            void watching.run(async () => {
              const now = deps.argo.peek(c.instance, c.app.metadata.name, c.app.metadata.namespace);
              if (now) await recorder.record([{ instance: c.instance, app: now }]);
            });
          }, config.settleSeconds * 1000);
          timer.unref();
          settling.add(timer);
        } else if (!c.previous || healthOf(c.previous) !== healthOf(c.app))
          void watching.run(() => degraded.observe(c.instance, c.app));
      });
    });
    const settling = new Set<NodeJS.Timeout>();
    onClose(() => {
      unsubscribe?.();
      for (const t of settling) clearTimeout(t);
    });
    const lastId = (app: Application) => app.status?.history?.at(-1)?.id;
    const { gitops } = deps;
    // For teams that prefer Grafana: the same record as Prometheus series, counted as it grows.
    const BUCKETS = [300, 900, 3_600, 4 * 3_600, 86_400, 7 * 86_400, 30 * 86_400];
    const deployed = deps.metrics.counter(
      'deckhand_deployments_total',
      'Deployments deckhand recorded from Argo CD, by app, environment and what started them',
      ['app', 'project', 'env', 'initiated_by', 'restores'],
    );
    const leadTime = deps.metrics.histogram(
      'deckhand_deployment_lead_time_seconds',
      'Lead time for changes: from each commit a deployment brought to the deployment going live',
      ['project', 'env'],
      BUCKETS,
    );
    const restoreTime = deps.metrics.histogram(
      'deckhand_deployment_restore_seconds',
      'Time to restore a deployment taken back: from it going live to the one that took it back going live',
      ['project', 'env'],
      BUCKETS,
    );
    // Argo CD's times are to the second: a deployment in the second the bot started is counted.
    const second = () => Math.floor(deps.clock.now() / 1000) * 1000;
    // History from before is not counted (it would be a spike), nor, on a replica that becomes the
    // leader, what the leader before it counted.
    let countFrom = second();
    deps.leader.on('change', (leading) => {
      if (leading) countFrom = Math.max(countFrom, second());
    });
    /**
     * Each deployment is counted once, by the leader, whoever recorded it: a replica's or `deckhand
     * exec`'s dora read may record it first. Not while it is fresh: deckhand may not have written
     * down yet that it merged it, and a counter cannot be put right later. The watch's pass after
     * the settle time counts it, or the record job after that.
     */
    type Tally = { at: number; counted?: true; timed?: true };
    const tally = new Map<string, Tally>();
    const tallyOf = (d: Deployment): Tally => {
      const key = `${d.app}#${d.id}@${d.finishedAt}`;
      const t: Tally = tally.get(key) ?? { at: d.finishedAt ?? 0 };
      tally.set(key, t);
      return t;
    };
    // A deployment first seen a day after it went live (Argo CD unreachable all that time) is in
    // the record but not counted: the tally then needs to remember a day's deployments only.
    const HORIZON_MS = 86_400_000;
    const counts = (d: Deployment) =>
      deps.leader.isLeader() &&
      (d.finishedAt ?? 0) >= countFrom &&
      deps.clock.now() - (d.finishedAt ?? 0) <= HORIZON_MS;
    const timeLead = (d: Deployment, instance: string, app: Application) => {
      if (!counts(d) || !d.commits || d.commitsPending) return;
      const t = tallyOf(d);
      if (t.timed) return;
      t.timed = true;
      const env = gitops?.environmentOf(instance, app) ?? '';
      for (const c of d.commits)
        leadTime.observe({ project: d.project, env }, Math.max(0, ((d.finishedAt ?? c.at) - c.at) / 1000));
    };
    const recorder = new Recorder(record, {
      onCommits: timeLead,
      onSeen: (d, previous, instance, app) => {
        timeLead(d, instance, app);
        if (!counts(d) || deps.clock.now() - (d.finishedAt ?? 0) < config.settleSeconds * 1000) return;
        const t = tallyOf(d);
        if (t.counted) return;
        t.counted = true;
        const env = gitops?.environmentOf(instance, app) ?? '';
        const by =
          d.initiatedBy === 'auto-sync' || d.initiatedBy === 'deckhand'
            ? d.initiatedBy
            : d.initiatedBy
              ? 'person'
              : '';
        deployed.inc({
          app: d.name,
          project: d.project,
          env,
          initiated_by: by,
          restores: d.restores ? 'true' : 'false',
        });
        if (
          d.restores &&
          previous?.finishedAt !== undefined &&
          d.finishedAt !== undefined &&
          d.finishedAt - previous.finishedAt <= config.failureWindowHours * 3_600_000
        )
          restoreTime.observe(
            { project: d.project, env },
            Math.max(0, (d.finishedAt - previous.finishedAt) / 1000),
          );
      },
      ...(deps.gitops ? { gitops: deps.gitops } : {}),
      ...(deps.incidents ? { incidents: deps.incidents } : {}),
      ...(deps.registry ? { registry: deps.registry } : {}),
      degraded,
      resolve: (instance, app) => deps.argo.resolvedFrom(instance, app),
      logger: log,
    });
    commands.add(
      doraCommand(
        deps.argo,
        recorder,
        deps.clock,
        config,
        chartDir,
        gitops
          ? {
              names: () => gitops.environmentNames(),
              of: (instance, app) => gitops.environmentOf(instance, app),
            }
          : undefined,
      ),
    );
    // What digests show of delivery: the same figures, over the days they ask for.
    provide(DeliveryToken, {
      figures: async (apps, days) => {
        const now = deps.clock.now();
        const DAY = 86_400_000;
        const window = { from: now - days * DAY, to: now };
        // Read as recorded (the job keeps it up to date): a digest does not wait for the Git host.
        const r = await recorder.figures(
          apps,
          [window, { from: window.from - days * DAY, to: window.from }],
          {
            failureWindowMs: config.failureWindowHours * 3_600_000,
          },
        );
        const previous = r.keys[1] as FourKeys;
        // Compared only with a period the record reaches back to.
        const covered = r.since !== undefined && r.since <= previous.from;
        return {
          keys: r.keys[0] as FourKeys,
          ...(covered ? { previous } : {}),
          weeks: r.weeks,
          gaps: r.gaps,
        };
      },
      chart: (weeks, title, name) => weeklyChart(weeks, title, chartDir, name),
    });
    let prunedOn = '';
    jobs.add({
      id: 'delivery.record',
      cron: config.recordCron,
      timeoutMs: 5 * 60_000,
      run: async ({ log: jobLog, signal }) => {
        const { apps } = await deps.argo.list({ signal });
        const added = await recorder.record(apps, signal);
        // Pruning reads every record: once a day is enough for a retention counted in days.
        const day = new Date(deps.clock.now()).toISOString().slice(0, 10);
        const pruned = day !== prunedOn ? (await record.prune()) + (await degraded.prune()) : 0;
        prunedOn = day;
        // Past the horizon a deployment is not counted any more: its tally can go.
        for (const [key, t] of tally) if (t.at < deps.clock.now() - HORIZON_MS) tally.delete(key);
        jobLog.info({ added, pruned }, 'deployments recorded');
      },
    });
  },
});
