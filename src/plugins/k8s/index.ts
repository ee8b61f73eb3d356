/**
 * The k8s plugin: read-only views of what runs (`/k8s pods|events|logs`), scoped to an
 * application's resources, and AppStateToken — the collected state of an app that diagnosis and
 * digests read.
 */
import { definePlugin } from '../../core/plugin.ts';
import { token } from '../../core/token.ts';
import { ClockToken, RedactorToken } from '../../core/tokens.ts';
import { ArgoToken } from '../argocd/index.ts';
import { ClusterDirectory } from './clusters.ts';
import { AppCollector } from './collector.ts';
import { eventsCommand } from './commands/events.ts';
import { logsCommand } from './commands/logs.ts';
import { podsCommand } from './commands/pods.ts';
import { K8sConfigSchema } from './config.ts';

export type { AppSnapshot, ContainerLogs } from './snapshot.ts';
export type { AppCollector } from './collector.ts';
export { podPhrase, readyCount, restarts } from './pod-status.ts';

export const AppStateToken = token<AppCollector>('AppState');

export const k8sPlugin = definePlugin({
  id: 'k8s',
  grants: { 'k8s.read': ['viewer', 'auditor', 'operator', 'approver'] },
  summary: 'Kubernetes: pods, events and logs of an application (read-only)',
  config: K8sConfigSchema,
  deps: { argo: ArgoToken, clock: ClockToken, redactor: RedactorToken },
  provides: [AppStateToken],
  init({ config, deps, commands, provide, onServe }) {
    const clusters = new ClusterDirectory(config.clusters, (values) => deps.redactor.addSecrets(values));
    const collector = new AppCollector({ clusters, clock: deps.clock, logs: config.logs });
    provide(AppStateToken, collector);
    // A serving bot will read a cluster soon (a diagnosis, an incident): load the client before
    // traffic arrives. A one-shot exec keeps loading it only when a command needs it.
    if (config.clusters.length) onServe(() => clusters.warm());
    commands.add(
      podsCommand(deps.argo, clusters, deps.clock),
      eventsCommand(deps.argo, collector, deps.clock),
      logsCommand(deps.argo, clusters, config.logs),
    );
  },
});
