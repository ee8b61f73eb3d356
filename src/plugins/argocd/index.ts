/**
 * The argocd plugin: the Argo CD client of every configured instance with its watch cache, the
 * `/argo` commands, and ArgoToken — Argo CD as a service for the other plugins.
 */
import { definePlugin } from '../../core/plugin.ts';
import { token } from '../../core/token.ts';
import { ActionsToken, ClockToken, HttpToken, LoggerToken, MetricsToken } from '../../core/tokens.ts';
import { diffCommand } from './commands/diff.ts';
import { historyCommand } from './commands/history.ts';
import { listCommand } from './commands/list.ts';
import { resourcesCommand } from './commands/resources.ts';
import { rollbackCommand } from './commands/rollback.ts';
import { statusCommand } from './commands/status.ts';
import { syncCommand } from './commands/sync.ts';
import { ArgoConfigSchema } from './config.ts';
import { ArgoService } from './service.ts';

export type { ArgoService, ResolvedApp } from './service.ts';
export type { AppLocator, ManagedResource } from './client.ts';
export type { AppChange } from './cache.ts';
export type * from './types.ts';
export { isAutoSync } from './types.ts';
export { parseSelector, matchesSelector } from '../../core/labels.ts';
export { healthOf, syncOf, readApplication } from './view/app-view.ts';
export { withStructs } from './view/structs.ts';
export type { AppView, HealthState, SyncState, ResourceView } from './view/app-view.ts';
export type { SourceView } from './view/sources.ts';
export type { ImageView, ImageUpdaterView } from './view/images.ts';
export { IMAGE_UPDATER } from './view/images.ts';
export { PIN_PREFIX, pinnedTag, pinOf, pinPattern, pinRecordKey, readPin, updaterKey } from './view/pins.ts';
export type { ImagePin, PinRecord } from './view/pins.ts';
export type { OperationView } from './view/operation.ts';
export type { GitLinks, GitWebHost } from './view/links.ts';

export const ArgoToken = token<ArgoService>('Argo');

export const argocdPlugin = definePlugin({
  id: 'argocd',
  // Muting silences a team's alerts for up to a week, so it is a write like sync, not a viewer's read.
  grants: {
    'argo.read': ['viewer', 'auditor', 'operator', 'approver'],
    'argo.sync': ['operator', 'approver'],
    'argo.mute': ['operator', 'approver'],
  },
  // Every other plugin needs Argo CD: without it the bot has nothing to offer, so it does not start.
  required: true,
  summary: 'Argo CD: status, list, history, diff, resources, sync, rollback',
  config: ArgoConfigSchema,
  deps: {
    log: LoggerToken,
    clock: ClockToken,
    actions: ActionsToken,
    http: HttpToken,
    metrics: MetricsToken,
  },
  provides: [ArgoToken],
  init({ config, deps, commands, provide, onStart, onClose }) {
    const argo = new ArgoService(config, deps.log);
    for (const name of argo.names) argo.client(name).observe(deps.metrics.observeBackend);
    provide(ArgoToken, argo);
    const wait = { waitMs: 20_000 };
    commands.add(
      statusCommand(argo, deps.clock),
      listCommand(argo),
      historyCommand(argo, deps.clock),
      diffCommand(argo),
      resourcesCommand(argo),
      syncCommand(argo, wait),
      rollbackCommand(argo, deps.actions, wait),
    );
    // An instance is ready when its cache is warm (listed, stream connected) or when it answers a
    // call: a cold cache only means reads go to the API while the stream reconnects. When neither
    // holds, the reason is the call's error, which names the instance and says why.
    for (const name of argo.names) {
      deps.http.readiness.push({
        name: `argocd:${name}`,
        check: async () => {
          if (argo.cache(name)?.warm) return null;
          await argo.client(name).version();
          return null;
        },
      });
    }
    onStart(() => argo.start());
    onClose(() => argo.stop());
  },
});
