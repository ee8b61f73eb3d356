/** How an application's state reads at a glance. */
import type { Tone } from '../../../core/message/model.ts';
import type { AppView, HealthState, SyncState } from '../view/app-view.ts';

const healthIcon: Record<string, string> = {
  Healthy: '💚',
  Progressing: '🔄',
  Degraded: '💔',
  Suspended: '⏸',
  Missing: '👻',
  Unknown: '❔',
  NotReconciled: '⏳',
};
const syncIcon: Record<string, string> = {
  Synced: '✅',
  OutOfSync: '⚠️',
  Unknown: '❔',
  NotReconciled: '⏳',
};

/** The word for a state in text: "not reconciled yet" rather than the code. */
export const stateWord = (s: SyncState | HealthState | string): string =>
  s === 'NotReconciled' ? 'not reconciled yet' : s;

export const healthLabel = (h: HealthState | string): string => `${healthIcon[h] ?? '❔'} ${stateWord(h)}`;
export const syncLabel = (s: SyncState | string): string => `${syncIcon[s] ?? '❔'} ${stateWord(s)}`;

export function appTone(
  v: Pick<AppView, 'health' | 'sync' | 'lastOperation' | 'operation' | 'deleting'>,
): Tone {
  const h = v.health;
  const last = v.lastOperation?.stage;
  if (h === 'Degraded' || h === 'Missing' || last === 'failed' || last === 'error') return 'danger';
  if (v.deleting || v.operation) return 'info';
  if (v.sync !== 'Synced' || h === 'Unknown' || h === 'Suspended' || h === 'NotReconciled') return 'warn';
  if (h === 'Progressing') return 'info';
  return 'ok';
}

export { revisionLabel as shortSha } from '../view/sources.ts';
