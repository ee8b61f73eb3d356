/**
 * The digest plugin: scheduled digests and sweeps per channel, transition alerts from the watch
 * cache (with the [Diagnose] button, which runs the diagnosis in the alert's thread), the health
 * history behind the digest chart, and `/digest`, `/schedules`, `/argo mute`. Schedules and
 * alerts run on the leader only.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { defineAction } from '../../core/actions.ts';
import { parseTarget } from '../../core/chat.ts';
import { definePlugin } from '../../core/plugin.ts';
import {
  ActionsToken,
  ApprovalsToken,
  ChatToken,
  ClockToken,
  ConfigToken,
  LeaderToken,
  SchedulerToken,
  StoreToken,
} from '../../core/tokens.ts';
import { ArgoToken } from '../argocd/index.ts';
import { DeliveryToken } from '../delivery/index.ts';
import { DiagnosisToken } from '../diagnosis/index.ts';
import { NotifyToken } from '../notify/index.ts';
import { digestCommands } from './commands/digest.ts';
import { DigestConfigSchema } from './config.ts';
import { DigestBuilder } from './digest.ts';
import { HealthHistory } from './history.ts';
import { selector } from './select.ts';
import { DIAGNOSE_ACTION, TransitionWatcher } from './transitions.ts';

export const digestPlugin = definePlugin({
  id: 'digest',
  // Sending a digest beyond chat reaches people and systems: a write, through a binding only.
  grants: { 'digest.send': ['operator', 'approver'] },
  summary: 'Scheduled digests, transition alerts and health history',
  config: DigestConfigSchema,
  deps: {
    argo: ArgoToken,
    chat: ChatToken,
    store: StoreToken,
    clock: ClockToken,
    approvals: ApprovalsToken,
    actions: ActionsToken,
    leader: LeaderToken,
    scheduler: SchedulerToken,
    core: ConfigToken,
  },
  // Without diagnosis, digests and transition alerts still go out; alerts carry no [Diagnose].
  optionalDeps: { diagnosis: DiagnosisToken, delivery: DeliveryToken, notify: NotifyToken },
  init({ config, deps, commands, actions, jobs, onServe, onClose, log }) {
    const history = new HealthHistory(deps.store, deps.clock, config.history.retentionDays);
    const builder = new DigestBuilder({
      argo: deps.argo,
      approvals: deps.approvals,
      audit: deps.store.audit,
      history,
      clock: deps.clock,
      store: deps.store,
      chartDir: join(deps.core.dataDir, 'charts'),
      ...(deps.delivery ? { delivery: deps.delivery } : {}),
    });
    const watcher = new TransitionWatcher({
      argo: deps.argo,
      chat: deps.chat,
      actions: deps.actions,
      clock: deps.clock,
      leader: deps.leader,
      log,
      cfg: config.transitions,
      store: deps.store,
    });
    commands.add(
      ...digestCommands({
        cfg: config,
        builder,
        scheduler: deps.scheduler,
        watcher,
        argo: deps.argo,
        clock: deps.clock,
        ...(deps.notify ? { notify: deps.notify } : {}),
      }),
    );
    const { diagnosis } = deps;
    if (diagnosis)
      actions.add(
        defineAction({
          kind: DIAGNOSE_ACTION,
          params: z.object({ app: z.string(), instance: z.string() }),
          permission: 'argo.read',
          effect: 'read',
          summary: 'Diagnose the app a transition alert is about',
          run: async (ctx) => {
            const r = await deps.argo.resolve(`${ctx.params.app}@${ctx.params.instance}`, {
              signal: ctx.signal,
              fresh: true,
            });
            const scope = { app: r.app.metadata.name, project: r.app.spec.project };
            ctx.authorize('argo.read', scope);
            // The fix button only for someone who may propose it, as with `/diagnose`.
            let mayFix = true;
            try {
              ctx.authorize('gitops.propose', scope);
            } catch {
              mayFix = false;
            }
            const report = await diagnosis.report(r, {
              signal: ctx.signal,
              button: mayFix ? ctx.button : undefined,
            });
            return { reply: report };
          },
        }),
      );
    for (const s of config.schedules) {
      jobs.add({
        id: `digest.${s.id}`,
        cron: s.cron,
        timeZone: s.timeZone,
        timeoutMs: 5 * 60_000,
        run: async ({ log: jobLog }) => {
          // Every run is in the audit trail with what it did, or why it did not.
          const record = (outcome: string, detail: Record<string, unknown>) =>
            deps.store.audit
              .record({
                actor: 'scheduler',
                platform: 'schedule',
                channel: s.channel,
                kind: 'schedule',
                name: s.id,
                outcome,
                detail: { kind: s.kind, ...detail },
              })
              .catch((err: unknown) => jobLog.error({ err }, 'audit write failed'));
          try {
            if (s.kind === 'sweep') {
              const pick = selector(s.select);
              const { apps, failures } = await deps.argo.list();
              for (const f of failures)
                jobLog.warn(
                  { instance: f.instance, err: f.error.message },
                  'sweep could not read an instance',
                );
              const selected = apps.filter(({ instance, app }) => pick(instance, app));
              const alerts = await watcher.check(selected, s.channel);
              jobLog.info({ apps: selected.length, alerts }, 'sweep done');
              await record('swept', {
                apps: selected.length,
                alerts,
                ...(failures.length
                  ? { reason: `could not read ${failures.map((f) => f.instance).join(', ')}` }
                  : {}),
              });
              return;
            }
            const m = await builder.build(s);
            await deps.chat.post(parseTarget(s.channel, deps.chat.defaultPlatform), m);
            jobLog.info({ channel: s.channel }, 'digest posted');
            // Beyond chat too (email, webhooks), where notify's routes send digests.
            await deps.notify?.notify({ event: 'digest', subject: `digest/${s.channel}`, message: m });
            await record('posted', {});
          } catch (err) {
            await record('failed', { reason: (err as Error).message ?? String(err) });
            throw err;
          }
        },
      });
    }
    jobs.add({
      id: 'digest.history-sample',
      cron: `*/${config.history.sampleMinutes} * * * *`,
      timeZone: 'UTC',
      timeoutMs: 60_000,
      run: async () => {
        await history.sample(deps.argo);
      },
    });
    if (config.transitions.enabled) {
      onServe(() => watcher.start());
      onClose(() => watcher.stop());
    }
  },
});
