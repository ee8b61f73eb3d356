/**
 * The gitops plugin: every change is a pull request on the Git host of the app's source —
 * `/gitops bump|scale|resources|restart|revert|prs` — approved in chat with four eyes, merged at
 * the head that was shown, and followed in Argo CD until it is live. GitOpsToken lets other
 * plugins (diagnosis fixes, remediation rules) propose changes the same way.
 */
import { defineAction } from '../../core/actions.ts';
import { anyGlob } from '../../core/glob.ts';
import { definePlugin } from '../../core/plugin.ts';
import { LoopHealth, startLoop } from '../../core/background.ts';
import { audited } from '../../core/http/webhooks.ts';
import { token } from '../../core/token.ts';
import {
  ActionsToken,
  ApprovalsToken,
  ChatToken,
  ClockToken,
  LeaderToken,
  LoggerToken,
  RedactorToken,
  StoreToken,
  TasksToken,
} from '../../core/tokens.ts';
import { ArgoToken } from '../argocd/index.ts';
import { NotifyToken } from '../notify/index.ts';
import { RegistryToken } from '../registry/api.ts';
import { ConfigError } from '../../core/config/load.ts';
import { REVERT_ACTION, RevertParamsSchema } from './api.ts';
import { mergedNotice, outcomeNotice } from './change-notices.ts';
import { ChangeService, type Change } from './changes.ts';
import { changeCommands } from './commands/changes.ts';
import { decideCommands } from './commands/decide.ts';
import { promoteCommands } from './commands/promote.ts';
import { prsCommand } from './commands/prs.ts';
import { GitOpsConfigSchema } from './config.ts';
import { createPlanner } from './edit/index.ts';
import { FollowUps } from './followup.ts';
import { githubWebhook } from './github-webhook.ts';
import { gitlabWebhook } from './gitlab-webhook.ts';
import { HostEvents } from './host-events.ts';
import { redactingHost } from './hosts/redacting.ts';
import { createHosts } from './hosts/registry.ts';
import { GitOpsWorkflow } from './workflow.ts';
import type { Intent } from './intents.ts';

export type { ChangeIntent, Intent } from './intents.ts';
export { IntentSchema, REVERT_ACTION, RevertParamsSchema, type RevertParams } from './api.ts';
export type { GitOpsWorkflow, TurnTools, FollowUpListener } from './workflow.ts';
export type { Change } from './changes.ts';
export { changeSubject } from './change-notices.ts';
export type { FollowUpOutcome, FollowUp } from './followup.ts';

/** How often a serving bot looks for merge notices still due, and how long one must be due first. */
const MERGE_NOTICE_SWEEP_MS = 60_000;

/** What other plugins may do with Git: propose a change as a pull request with its approval card. */
export const GitOpsToken = token<GitOpsWorkflow>('GitOps');

export const gitopsPlugin = definePlugin({
  id: 'gitops',
  grants: {
    'gitops.read': ['viewer', 'auditor', 'operator', 'approver'],
    'gitops.propose': ['operator', 'approver'],
    'gitops.approve': ['approver'],
  },
  summary: 'GitOps changes as pull requests: bump, scale, resources, restart, revert; approvals',
  config: GitOpsConfigSchema,
  deps: {
    argo: ArgoToken,
    store: StoreToken,
    clock: ClockToken,
    approvals: ApprovalsToken,
    chat: ChatToken,
    tasks: TasksToken,
    actions: ActionsToken,
    log: LoggerToken,
    redactor: RedactorToken,
    leader: LeaderToken,
  },
  // Without the registry plugin a bump needs its tag typed in; without notify, changes are told in chat only.
  optionalDeps: { registry: RegistryToken, notify: NotifyToken },
  provides: [GitOpsToken],
  init({ config, deps, commands, actions, webhooks, provide, onServe, onClose }) {
    // A policy for an environment that never matches would leave its changes to a weaker policy.
    const unknown = deps.approvals.environmentsNamed().filter((e) => !config.environments.order.includes(e));
    if (unknown.length)
      throw new ConfigError([
        {
          path: ['approvals', 'policies'],
          message: `environments ${unknown.join(', ')} are not in plugins.gitops.environments.order (${config.environments.order.join(', ')})`,
        },
      ]);
    // Every word deckhand writes to Git leaves through the one redaction step.
    const hosts = createHosts(config.hosts).map((h) => redactingHost(h, deps.redactor));
    // A Git host deckhand writes to is one whose web links it can make (a self-hosted GitLab or
    // GitHub Enterprise included); the API address is not the web UI's, except on GitLab.
    for (const h of config.hosts)
      deps.argo.links.add({
        host: h.host,
        kind: h.type,
        ...(h.type === 'gitlab' && h.apiUrl ? { url: new URL(h.apiUrl).origin } : {}),
      });
    const changes = new ChangeService({
      hosts,
      store: deps.store,
      redactor: deps.redactor,
      // The first override whose globs match the app says where its Helm values are.
      plan: (r, files, intent) => {
        const name = r.app.metadata.name;
        const keys = config.overrides.find((o) => anyGlob(o.apps, name))?.helm;
        return createPlanner(keys ? { valuesKeys: { [name]: keys } } : {})(r, files, intent);
      },
      config,
      clock: deps.clock,
    });
    const followUps = new FollowUps({
      store: deps.store,
      argo: deps.argo,
      chat: deps.chat,
      clock: deps.clock,
      tasks: deps.tasks,
      log: deps.log,
      settleMs: config.followUp.settleSeconds * 1000,
      hooks: {
        // The revert of what the follow-up merged, offered where the follow-up reports.
        revertButton: async (f) => {
          const change = f.changeId ? await changes.get(f.changeId) : undefined;
          if (!change?.mergeSha) return undefined;
          // A change made in the app of apps' repository is taken back by setting the image it
          // replaced (pinned again): the app's own repository has no such commit to revert.
          const back = change.previousImage ? { image: change.previousImage } : { commit: change.mergeSha };
          return deps.actions.create(
            {
              kind: REVERT_ACTION,
              params: { app: change.app, instance: change.instance, ...back },
              scope: { app: change.app, project: change.project },
            },
            {
              actor: {
                id: change.mergedBy ?? change.requester,
                name: change.mergedBy ?? change.requester,
                platform: f.conversation.platform,
                platformUserId: '',
                groups: [],
                known: true,
              },
              conversation: f.conversation,
            },
          );
        },
        // Remediation settles its guardrails on the outcome of the changes it merged.
        onDone: (f, outcome, said) => flow.followUpDone(f, outcome, said),
      },
    });
    const flow: GitOpsWorkflow = new GitOpsWorkflow({
      changes,
      approvals: deps.approvals,
      argo: deps.argo,
      followUps,
      clock: deps.clock,
      audit: deps.store.audit,
      log: deps.log,
      mergeMethod: config.mergeMethod,
      followMs: config.followUp.timeoutSeconds * 1000,
      chat: deps.chat,
      leaseMs: config.merge.leaseSeconds * 1000,
      autoMerge: config.environments.autoMerge,
      environments: config.environments,
    });
    provide(GitOpsToken, flow);
    const notify = deps.notify;
    /** A merge's notice, queued and then crossed off the change (it was due in the merge's write). */
    const tellMerged = async (c: Change) => {
      await notify?.queue(mergedNotice(c));
      await changes.mergeNoticed(c.id);
    };
    let mergeNotices: { stop(): void } | undefined;
    if (notify) {
      // Beyond chat (email, webhooks): each merge, however it was made, then whether it went live.
      // What cannot be queued now stays due on the change, for the sweep below.
      const offMerged = changes.onMerged(
        (c) =>
          void deps.tasks.track(
            tellMerged(c).catch((err: unknown) =>
              deps.log.warn(
                { err: (err as Error).message, change: c.id },
                'could not queue the merge notice; a serving bot queues it later',
              ),
            ),
          ),
      );
      const offDone = flow.onFollowUpDone((f, outcome, said) => {
        if (!f.changeId) return;
        void deps.tasks.track(
          changes
            .get(f.changeId)
            .catch(() => undefined)
            .then((c) => {
              const n = outcomeNotice(f, outcome, said, c);
              return n ? notify.notify(n) : 0;
            }),
        );
      });
      onClose(() => {
        offMerged();
        offDone();
      });
    }
    // What people do to deckhand's pull requests on the host: told by its webhook, else read.
    const hostEvents = new HostEvents({
      changes,
      approvals: deps.approvals,
      followUps,
      chat: deps.chat,
      audit: deps.store.audit,
      clock: deps.clock,
      log: deps.log,
      followMs: config.followUp.timeoutSeconds * 1000,
      checksChanged: (change, opts) => flow.checksChanged(change, opts),
    });
    const hooked = config.hosts.flatMap((h) => (h.type === 'github' && h.webhookSecret ? [h] : []));
    webhooks.add(
      audited(
        githubWebhook({
          secrets: hooked.map((h) => h.webhookSecret as string),
          deliveries: deps.store.collection('git-deliveries'),
          events: hostEvents,
          now: () => deps.clock.now(),
        }),
        { source: 'github', audit: deps.store.audit, log: deps.log, track: (p) => deps.tasks.track(p) },
      ),
    );
    const gitlabHooked = config.hosts.flatMap((h) => (h.type === 'gitlab' && h.webhookToken ? [h] : []));
    webhooks.add(
      audited(
        gitlabWebhook({
          tokens: gitlabHooked.map((h) => h.webhookToken as string),
          deliveries: deps.store.collection('git-deliveries'),
          events: hostEvents,
          now: () => deps.clock.now(),
        }),
        { source: 'gitlab', audit: deps.store.audit, log: deps.log, track: (p) => deps.tasks.track(p) },
      ),
    );
    // Every host is read now and then, webhook or not: a delivery sent while deckhand was down or
    // restarting is not sent again by itself.
    const polled = (repoURL: string) => hosts.some((x) => x.serves(repoURL));
    let polling: { stop(): void } | undefined;
    const stopping = new AbortController();
    commands.add(
      ...changeCommands(deps.argo, flow, deps.clock, { maxReplicas: config.maxReplicas }, deps.registry),
      ...promoteCommands(deps.argo, flow, config.environments),
      prsCommand(changes, deps.clock),
      ...decideCommands(flow, deps.chat),
    );
    actions.add(
      ...flow.actions(),
      defineAction({
        kind: REVERT_ACTION,
        params: RevertParamsSchema,
        permission: 'gitops.propose',
        summary: 'Open a pull request that reverts a change',
        run: async (ctx) => {
          const p = ctx.params;
          const ref = p.instance && !p.app.includes('@') ? `${p.app}@${p.instance}` : p.app;
          const r = await deps.argo.resolve(ref, { signal: ctx.signal });
          ctx.authorize('gitops.propose', { app: r.app.metadata.name, project: r.app.spec.project });
          // A commit is taken back alone; a revision to go back to restores the app's files as then;
          // an image the Application set is set back (and pinned for Image Updater).
          const intent: Intent = p.image
            ? { kind: 'image', image: p.image }
            : p.commit
              ? { kind: 'revert', commit: p.commit }
              : p.toRevision
                ? { kind: 'revert', toRevision: p.toRevision }
                : { kind: 'revert' };
          const reply = await flow.propose(
            { actor: ctx.actor, conversation: ctx.conversation, say: ctx.say, button: ctx.button },
            r,
            intent,
            {
              reason: p.image
                ? `roll back to ${p.image}`
                : p.toRevision
                  ? `roll back to ${p.toRevision.slice(0, 7)}`
                  : undefined,
              signal: ctx.signal,
            },
          );
          return reply ? { reply } : undefined;
        },
      }),
    );
    onServe(() => {
      followUps.start(config.followUp.sweepSeconds * 1000);
      // Merge notices still due a minute on: the process that recorded the merge died (or its
      // store failed) before it queued the notice. Queued again under the same delivery ids.
      if (notify)
        mergeNotices = startLoop(
          new LoopHealth('merge notices', deps.log, { baseMs: MERGE_NOTICE_SWEEP_MS, maxMs: 10 * 60_000 }),
          async () => {
            for (const c of await changes.claimDueMergeNotices(deps.clock.now() - MERGE_NOTICE_SWEEP_MS)) {
              if (stopping.signal.aborted) return;
              // One that fails stays due (claimed for a minute): it does not hold up the others.
              await tellMerged(c).catch((err: unknown) =>
                deps.log.warn(
                  { err: (err as Error).message, change: c.id },
                  'could not queue a merge notice; trying again in a minute',
                ),
              );
            }
          },
          // At start too: what a process that died left due is told at once.
          { runNow: true },
        );
      // Merges whose process died are resumed by whichever replica sweeps first (leases decide).
      flow.start(config.merge.sweepSeconds * 1000);
      if (config.hostPollSeconds > 0)
        polling = startLoop(
          new LoopHealth('pull request poll', deps.log, {
            baseMs: config.hostPollSeconds * 1000,
            maxMs: 15 * 60_000,
          }),
          // The leader reads, so replicas do not multiply the requests to the host.
          () => (deps.leader.isLeader() ? hostEvents.poll(polled, stopping.signal) : Promise.resolve(0)),
        );
    });
    onClose(async () => {
      stopping.abort();
      polling?.stop();
      mergeNotices?.stop();
      flow.stop();
      followUps.stop();
      // A look that check events started ends before the store closes (it merges nothing now).
      await hostEvents.idle();
    });
  },
});
