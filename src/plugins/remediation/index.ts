/**
 * The remediation plugin: allow-listed fixes for diagnosed incidents, always through Git. Rules in
 * `plugins.remediation.rules` match the root cause of an incident's diagnosis to one of four
 * actions (resources, replicas, restart, image-revert) and a mode (suggest, propose, auto); auto
 * changes are merged by the bot within guardrails (kill switch, window, cooldowns, caps, one at a
 * time per app, none while the last one is not Healthy or a deckhand pull request is open) and
 * followed in the incident thread. `/remediation pause|resume|status` is the kill switch.
 */
import { z } from 'zod';
import { defineAction } from '../../core/actions.ts';
import { definePlugin } from '../../core/plugin.ts';
import {
  ActionsToken,
  ChatToken,
  ClockToken,
  LoggerToken,
  MetricsToken,
  StoreToken,
  TasksToken,
} from '../../core/tokens.ts';
import { ArgoToken, type ResolvedApp } from '../argocd/index.ts';
import { DiagnosisToken, type Finding } from '../diagnosis/index.ts';
import { changeSubject, GitOpsToken } from '../gitops-pr/index.ts';
import { IntentSchema } from '../gitops-pr/api.ts';
import { IncidentsToken } from '../incidents/index.ts';
import { NotifyToken, type Notification } from '../notify/index.ts';
import type { Workload } from './change.ts';
import { remediationCommands } from './commands.ts';
import { RemediationConfigSchema } from './config.ts';
import { Guardrails } from './guardrails.ts';
import { OPEN_ACTION, Remediator, type Taken } from './remediator.ts';

export { RemediationConfigSchema } from './config.ts';

/** Who the bot is when it creates buttons in an incident thread. */
const BOT_ACTOR = {
  id: 'deckhand',
  name: 'deckhand',
  platform: 'deckhand',
  platformUserId: 'deckhand',
  groups: [],
  known: true,
};

/**
 * An automatic action as notification sinks get it: in the story of the incident that started it,
 * or of the change it reverts, so receivers group it there and mail threads it there.
 */
function takenNotice(t: Taken): Notification {
  const i = t.incident;
  const story = i
    ? { subject: `incident/${i.key}`, thread: `incident/${i.key}/${i.startedAt}` }
    : t.revertOf
      ? { subject: changeSubject(t.revertOf) }
      : { subject: `remediation/${t.app}` };
  return {
    event: 'remediation',
    ...story,
    app: t.app,
    instance: t.instance,
    ...(t.project ? { project: t.project } : {}),
    ...(t.labels ? { labels: t.labels } : {}),
    ...(i?.severity ? { severity: i.severity } : {}),
    message: t.message,
  };
}

/** The workload as Git wants it (Argo CD's target state), else as it runs. */
async function readWorkload(r: ResolvedApp, ref: Finding['resource']): Promise<Workload | undefined> {
  const items = await r.client.managedResources(r.locator);
  const hit = items.find(
    (i) =>
      i.kind === ref.kind &&
      i.name === ref.name &&
      (!ref.namespace || !i.namespace || i.namespace === ref.namespace),
  );
  for (const text of [hit?.targetState, hit?.liveState]) {
    const obj = text ? (JSON.parse(text) as Workload | null) : null;
    if (obj) return obj;
  }
  return undefined;
}

export const remediationPlugin = definePlugin({
  id: 'remediation',
  summary: 'Remediation: allow-listed fixes for diagnosed incidents, through Git, within guardrails',
  config: RemediationConfigSchema,
  deps: {
    incidents: IncidentsToken,
    gitops: GitOpsToken,
    argo: ArgoToken,
    diagnosis: DiagnosisToken,
    chat: ChatToken,
    actions: ActionsToken,
    store: StoreToken,
    clock: ClockToken,
    tasks: TasksToken,
    log: LoggerToken,
    metrics: MetricsToken,
  },
  // Without notify, automatic actions are told in the incident thread only.
  optionalDeps: { notify: NotifyToken },
  init({ config, deps, commands, actions, onClose }) {
    const guardrails = new Guardrails(deps.store, deps.clock, config.guardrails);
    const decisions = deps.metrics.counter(
      'deckhand_remediations_total',
      'Remediation decisions by rule and outcome',
      ['rule', 'outcome'],
    );
    const rem = new Remediator({
      config,
      count: (rule, outcome) => decisions.inc({ rule, outcome }),
      gitops: deps.gitops,
      guardrails,
      store: deps.store,
      chat: deps.chat,
      button: (req, where) => deps.actions.create(req, { actor: BOT_ACTOR, conversation: where }),
      workload: readWorkload,
      resolve: (ref) => deps.argo.resolve(ref, { fresh: true }),
      diagnose: async (r) => (await deps.diagnosis.run(r)).diagnosis,
      incident: (key) => deps.incidents.get(key),
      clock: deps.clock,
      audit: deps.store.audit,
      log: deps.log,
      track: (p) => deps.tasks.track(p),
      ...(deps.notify
        ? { taken: (t: Taken) => void deps.tasks.track(deps.notify!.notify(takenNotice(t))) }
        : {}),
    });
    const offDiagnosed = deps.incidents.onDiagnosed(async (e) => {
      await rem.decide({ r: e.app, diagnosis: e.diagnosis, thread: e.thread, incident: e.incident });
    });
    const offFollowUps = deps.gitops.onFollowUpDone((f, outcome) => {
      void deps.tasks.track(
        rem
          .followUpDone(f, outcome)
          .catch((err: unknown) =>
            deps.log.warn({ err: (err as Error).message, app: f.app }, 'remediation follow-up failed'),
          ),
      );
    });
    onClose(() => {
      offDiagnosed();
      offFollowUps();
    });
    commands.add(...remediationCommands(rem, guardrails, deps.clock));
    actions.add(
      defineAction({
        kind: OPEN_ACTION,
        params: z.object({
          app: z.string(),
          instance: z.string(),
          // gitops's own schema: a stored button whose intent no longer fits is refused when pressed.
          intent: IntentSchema,
          reason: z.string().optional(),
          rule: z.string(),
        }),
        permission: 'gitops.propose',
        summary: 'Open, by hand, the pull request a remediation rule suggested or was held back from',
        run: async (ctx) => {
          const p = ctx.params;
          const ref = p.app.includes('@') ? p.app : `${p.app}@${p.instance}`;
          const r = await deps.argo.resolve(ref, { signal: ctx.signal });
          ctx.authorize('gitops.propose', { app: r.app.metadata.name, project: r.app.spec.project });
          // The person who pressed asks for it (four eyes apply to them); the rule is the reason.
          const reply = await deps.gitops.propose(
            { actor: ctx.actor, conversation: ctx.conversation, say: ctx.say, button: ctx.button },
            r,
            p.intent,
            { reason: `suggested by remediation rule ${p.rule}${p.reason ? ` — ${p.reason}` : ''}` },
          );
          return reply ? { reply } : undefined;
        },
      }),
    );
  },
});
