/** How an application's state reads at a glance. */
import type { Tone } from '../../../core/message/model.ts';
import type { Application } from '../types.ts';

const healthIcon: Record<string, string> = {
  Healthy: '💚',
  Progressing: '🔄',
  Degraded: '💔',
  Suspended: '⏸',
  Missing: '👻',
  Unknown: '❔',
};
const syncIcon: Record<string, string> = { Synced: '✅', OutOfSync: '⚠️', Unknown: '❔' };

export const healthOf = (app: Application): string => app.status?.health?.status ?? 'Unknown';
export const syncOf = (app: Application): string => app.status?.sync?.status ?? 'Unknown';

export const healthLabel = (h: string): string => `${healthIcon[h] ?? '❔'} ${h}`;
export const syncLabel = (s: string): string => `${syncIcon[s] ?? '❔'} ${s}`;

export function appTone(app: Application): Tone {
  const h = healthOf(app);
  const op = app.status?.operationState?.phase;
  if (h === 'Degraded' || h === 'Missing' || op === 'Failed' || op === 'Error') return 'danger';
  if (syncOf(app) !== 'Synced' || h === 'Unknown' || h === 'Suspended') return 'warn';
  if (h === 'Progressing') return 'info';
  return 'ok';
}

export const shortSha = (rev: string | undefined): string =>
  rev && /^[0-9a-f]{40}$/.test(rev) ? rev.slice(0, 7) : (rev ?? '—');
