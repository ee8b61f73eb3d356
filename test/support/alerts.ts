/**
 * Alertmanager webhook bodies as Alertmanager sends them (version 4, one alert per group), and
 * the post to the bot's incidents hook.
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 */
import { IncidentService } from '../../src/plugins/incidents/incidents.ts';

/** A firing KubePodOOMKilled group for an app; `n` makes each call its own group (its own thread). */
export function oomAlertGroup(app: string, n: number, namespace = app) {
  const labels = {
    alertname: 'KubePodOOMKilled',
    namespace,
    severity: 'critical',
    argocd_app: app,
    container: app,
  };
  return {
    version: '4',
    groupKey: `{}:{alertname="KubePodOOMKilled", namespace="${namespace}", n="${n}"}`,
    status: 'firing',
    receiver: 'deckhand',
    groupLabels: { alertname: 'KubePodOOMKilled' },
    commonLabels: labels,
    commonAnnotations: { summary: `${app} was OOMKilled` },
    alerts: [
      {
        status: 'firing',
        labels: { ...labels, n: String(n) },
        annotations: { summary: `${app} was OOMKilled` },
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
      },
    ],
  };
}

/** Post a group to the bot's hook; answers the incident key and the HTTP status. */
export async function postAlertGroup(
  url: string,
  token: string,
  body: { receiver: string; groupKey: string },
): Promise<{ status: number; key: string }> {
  const res = await fetch(`${url}/hooks/incidents/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, key: IncidentService.keyOf(body) };
}
