/**
 * The incidents plugin: Alertmanager's webhook (`POST /hooks/incidents/alertmanager`, bearer
 * token, size limit, schema) turns each alert group into one chat thread with the diagnosis of
 * the app inside, edited in place as the group fires again or resolves. `/incidents` lists the
 * open ones.
 */
import { z } from 'zod';
import { defineCommand } from '../../core/commands/define.ts';
import { audited, bearerToken } from '../../core/http/webhooks.ts';
import { ago } from '../../core/message/time.ts';
import { definePlugin } from '../../core/plugin.ts';
import { token } from '../../core/token.ts';
import {
  ActionsToken,
  ChatToken,
  ClockToken,
  LoggerToken,
  MetricsToken,
  StoreToken,
  TasksToken,
} from '../../core/tokens.ts';
import { ArgoToken } from '../argocd/index.ts';
import { DiagnosisToken } from '../diagnosis/index.ts';
import { NotifyToken, type NotifyEvent } from '../notify/index.ts';
import { incidentCard } from './card.ts';
import { AlertmanagerPayloadSchema, type AlertmanagerPayload } from './alertmanager.ts';
import { IncidentsConfigSchema } from './config.ts';
import { ALERTMANAGER, IncidentService } from './incidents.ts';

export type { Incident, DiagnosedIncident, DiagnosedListener } from './incidents.ts';
export type { IncidentService } from './incidents.ts';
/** The incidents service: open incidents by key, and `onDiagnosed` for plugins that act on a diagnosis. */
export const IncidentsToken = token<IncidentService>('Incidents');

/** Who the bot is when it creates buttons on its own (in an incident thread, nobody typed a command). */
const BOT_ACTOR = {
  id: 'deckhand',
  name: 'deckhand',
  platform: 'deckhand',
  platformUserId: 'deckhand',
  groups: [],
  known: true,
};

export const incidentsPlugin = definePlugin({
  id: 'incidents',
  summary: 'Incidents: Alertmanager alerts become threads with the diagnosis and a fix',
  config: IncidentsConfigSchema,
  deps: {
    argo: ArgoToken,
    diagnosis: DiagnosisToken,
    chat: ChatToken,
    clock: ClockToken,
    store: StoreToken,
    actions: ActionsToken,
    log: LoggerToken,
    metrics: MetricsToken,
    tasks: TasksToken,
  },
  // Without notify, incidents go to chat only.
  optionalDeps: { notify: NotifyToken },
  provides: [IncidentsToken],
  init({ config, deps, commands, webhooks, provide, onClose, jobs, log }) {
    const service = new IncidentService({
      argo: deps.argo,
      chat: deps.chat,
      clock: deps.clock,
      log: deps.log,
      cfg: config,
      store: deps.store,
      diagnose: (r, _incident, thread) =>
        deps.diagnosis.report(r, {
          button: (req) => deps.actions.create(req, { actor: BOT_ACTOR, conversation: thread }),
        }),
    });
    provide(IncidentsToken, service);
    const notify = deps.notify;
    if (notify) {
      // A repeat of a firing group (Alertmanager's repeat_interval) changes nothing worth a mail.
      const events: Partial<Record<string, NotifyEvent>> = {
        opened: 'incident.opened',
        reopened: 'incident.updated',
        resolved: 'incident.resolved',
      };
      service.onTransition((i, t) => {
        const event = events[t];
        if (!event) return;
        void deps.tasks.track(
          notify.notify({
            event,
            subject: `incident/${i.key}`,
            thread: `incident/${i.key}/${i.startedAt}`,
            ...(i.app ? { app: i.app.name, instance: i.app.instance } : {}),
            ...(i.app?.project ? { project: i.app.project } : {}),
            ...(i.severity ? { severity: i.severity } : {}),
            message: incidentCard(i, deps.clock.now()),
          }),
        );
      });
    }
    jobs.add({
      id: 'incidents.prune',
      cron: '17 3 * * *',
      timeoutMs: 5 * 60_000,
      run: async ({ log: jobLog }) => jobLog.info({ pruned: await service.prune() }, 'old incidents dropped'),
    });
    onClose(() => service.stop());
    deps.metrics.gauge(
      'deckhand_incidents_open',
      'Alert groups firing now',
      async () => (await service.open()).length,
    );
    deps.metrics.gauge(
      'deckhand_incidents_queued',
      'Alert group deliveries waiting for their turn (incidents.queueCapacity at most)',
      () => service.load.waiting,
    );
    deps.metrics.gauge(
      'deckhand_incidents_handling',
      'Alert group deliveries being handled now (incidents.concurrency at most)',
      () => service.load.running,
    );
    if (!config.webhookToken)
      log.info('incidents.webhookToken is not set, so the Alertmanager webhook refuses every request');
    webhooks.add(
      audited(
        {
          path: '/alertmanager',
          maxBytes: config.maxBytes,
          verify: bearerToken(config.webhookToken),
          body: AlertmanagerPayloadSchema,
          // A full queue answers 503 (Alertmanager retries 5xx) instead of taking work it cannot hold.
          busy: (body) => service.busy(body as AlertmanagerPayload),
          handle: async ({ body, log: hookLog, deliveryId }) => {
            const i = await service.ingest(body as AlertmanagerPayload, hookLog, deliveryId);
            return { incident: i.key, status: i.status, app: i.app?.name ?? null };
          },
        },
        {
          source: ALERTMANAGER,
          audit: deps.store.audit,
          log,
          track: (p) => deps.tasks.track(p),
        },
      ),
    );
    commands.add(
      defineCommand({
        name: 'incidents',
        summary: 'Open incidents (firing alert groups) and their threads',
        args: z.object({}),
        examples: ['incidents'],
        permission: 'argo.read',
        async run() {
          const open = await service.open();
          const now = deps.clock.now();
          if (!open.length) return { text: 'No open incidents.', tone: 'ok', data: { incidents: [] } };
          return {
            text: `${open.length} open incident${open.length === 1 ? '' : 's'}`,
            header: 'Open incidents',
            tone: 'danger',
            blocks: [
              {
                type: 'table',
                table: {
                  columns: ['alert', 'app', 'since', 'notifications'],
                  rows: open.map((i) => [
                    i.alertname,
                    i.app?.name ?? '—',
                    ago(i.startedAt, now),
                    String(i.notifications),
                  ]),
                  align: ['left', 'left', 'right', 'right'],
                },
              },
            ],
            data: {
              incidents: open.map((i) => ({
                key: i.key,
                alertname: i.alertname,
                app: i.app?.name,
                startedAt: i.startedAt,
              })),
            },
          };
        },
      }),
    );
  },
});
