/** The root message of an incident thread, edited in place as the alert group changes. */
import { bold, code, esc, link, truncate } from '../../core/message/markup.ts';
import type { Block, Message } from '../../core/message/model.ts';
import { ago, duration } from '../../core/message/time.ts';
import type { Incident } from './incidents.ts';

export function incidentCard(i: Incident, now: number): Message {
  const firing = i.alerts.filter((a) => a.status === 'firing');
  const first = firing[0] ?? i.alerts[0];
  const resolved = i.status === 'resolved';
  const title = `${i.alertname}${i.app ? ` — ${i.app.name}` : ''}`;
  const summary =
    first?.annotations.summary ?? first?.annotations.description ?? first?.annotations.message ?? '';
  const blocks: Block[] = [];
  if (summary) blocks.push({ type: 'text', text: esc(truncate(summary, 1000)) });
  blocks.push({
    type: 'fields',
    fields: [
      {
        label: 'Status',
        value: resolved
          ? `✅ resolved after ${duration((i.resolvedAt ?? now) - i.startedAt)}`
          : `🔥 firing, ${firing.length} alert${firing.length === 1 ? '' : 's'}`,
        short: true,
      },
      { label: 'Severity', value: esc(i.severity ?? '—'), short: true },
      {
        label: 'Application',
        value: i.app
          ? `${bold(i.app.name)} (Argo CD ${esc(i.app.instance)})`
          : `not matched${i.appReason ? `: ${esc(i.appReason)}` : ''}`,
        short: true,
      },
      { label: 'Started', value: ago(i.startedAt, now), short: true },
      {
        label: 'Notifications',
        value: `${i.notifications}, last ${ago(i.lastNotifiedAt, now)}`,
        short: true,
      },
    ],
  });
  const labels = Object.entries(first?.labels ?? {})
    .filter(([k]) => !['alertname', 'severity'].includes(k))
    .slice(0, 8)
    .map(([k, v]) => `${k}=${v}`);
  const context = [...(labels.length ? [code(labels.join(' '))] : [])];
  if (i.externalURL) context.push(link('Alertmanager', i.externalURL));
  if (first?.generatorURL) context.push(link('source', first.generatorURL));
  if (context.length) blocks.push({ type: 'context', items: context });
  return {
    text: `${resolved ? 'Resolved' : 'Firing'}: ${title}${summary ? ` — ${summary}` : ''}`,
    header: `${resolved ? '✅' : '🔥'} ${title}`,
    tone: resolved ? 'ok' : i.severity === 'critical' ? 'danger' : 'warn',
    blocks,
    data: {
      incident: {
        key: i.key,
        alertname: i.alertname,
        status: i.status,
        app: i.app,
        alerts: i.alerts.length,
        firing: firing.length,
        startedAt: new Date(i.startedAt).toISOString(),
        resolvedAt: i.resolvedAt ? new Date(i.resolvedAt).toISOString() : undefined,
        notifications: i.notifications,
      },
    },
  };
}
