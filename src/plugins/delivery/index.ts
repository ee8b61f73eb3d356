/**
 * The delivery plugin: deckhand's own record of deployments, kept beyond Argo CD's history limit,
 * and the four keys of software delivery computed from it (`/argo dora`; docs/metrics.md).
 */
import { definePlugin } from '../../core/plugin.ts';
import { ClockToken, StoreToken } from '../../core/tokens.ts';
import { ArgoToken } from '../argocd/index.ts';
import { GitOpsToken } from '../gitops-pr/index.ts';
import { IncidentsToken } from '../incidents/index.ts';
import { doraCommand } from './commands.ts';
import { DeliveryConfigSchema } from './config.ts';
import { DeploymentLog } from './deployments.ts';
import { Recorder } from './recorder.ts';

export const deliveryPlugin = definePlugin({
  id: 'delivery',
  summary: 'Deployment records and the four keys of delivery (DORA)',
  config: DeliveryConfigSchema,
  deps: { argo: ArgoToken, store: StoreToken, clock: ClockToken },
  // Without gitops there is no lead time; without incidents, failures are rollbacks only.
  optionalDeps: { gitops: GitOpsToken, incidents: IncidentsToken },
  init({ config, deps, commands, jobs, log }) {
    const record = new DeploymentLog(deps.store, deps.clock, config.retentionDays);
    const recorder = new Recorder(record, {
      ...(deps.gitops ? { gitops: deps.gitops } : {}),
      ...(deps.incidents ? { incidents: deps.incidents } : {}),
      resolve: (instance, app) => deps.argo.resolvedFrom(instance, app),
      logger: log,
    });
    const { gitops } = deps;
    commands.add(
      doraCommand(
        deps.argo,
        recorder,
        deps.clock,
        config,
        gitops ? (instance, app) => gitops.environmentOf(instance, app) : undefined,
      ),
    );
    jobs.add({
      id: 'delivery.record',
      cron: config.recordCron,
      timeoutMs: 5 * 60_000,
      run: async ({ log: jobLog }) => {
        const { apps } = await deps.argo.list();
        const added = await recorder.record(apps);
        const pruned = await record.prune();
        jobLog.info({ added, pruned }, 'deployments recorded');
      },
    });
  },
});
