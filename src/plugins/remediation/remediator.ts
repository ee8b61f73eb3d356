/**
 * The remediation loop. For each diagnosed incident the first matching rule decides; its action
 * becomes a concrete change; the mode says what happens to it: `suggest` posts it with an Open-PR
 * button, `propose` opens the pull request with its approval card, `auto` opens and merges it as
 * the bot — only when no guardrail holds it back — and the follow-up reports in the incident
 * thread. A change that ends degraded or late is reverted once, automatically, for rules with
 * `revertOnFailure`. Everything is audited with the rule that decided; state lives in the store.
 */
import type { Actor } from '../../core/access.ts';
import type { ActionRequest } from '../../core/actions.ts';
import type { Clock } from '../../core/clock.ts';
import { isDeckError, newErrorId } from '../../core/errors.ts';
import type { Logger } from '../../core/logging.ts';
import type { Conversation, Message, MessageRef } from '../../core/message/model.ts';
import type { AuditLog, Collection, Store } from '../../core/store/types.ts';
import type { ResolvedApp } from '../argocd/index.ts';
import type { Diagnosis, Finding } from '../diagnosis/index.ts';
import type { FollowUp, FollowUpOutcome, GitOpsWorkflow, Intent, TurnTools } from '../gitops-pr/index.ts';
import type { Incident } from '../incidents/index.ts';
import { needsWorkload, planChange, type Workload } from './change.ts';
import type { RemediationConfig, Rule } from './config.ts';
import type { Guardrails, Hold } from './guardrails.ts';
import {
  IN_PROGRESS,
  dryRunMessage,
  failedMessage,
  heldMessage,
  mergedMessage,
  revertedMessage,
  stoppedMessage,
  suggestedMessage,
  type Subject,
} from './messages.ts';
import { decide } from './rules.ts';

export const OPEN_ACTION = 'remediation.open';

/** What a decision came to (returned for tests and `exec`; also in each message's data). */
export type Outcome =
  'none' | 'stopped' | 'dry-run' | 'suggested' | 'proposed' | 'held' | 'merged' | 'failed';

export interface DecideInput {
  r: ResolvedApp;
  diagnosis: Diagnosis;
  thread: Conversation;
  incident?: Incident;
}

/** An automatic action held back by the kill switch, to look at again on resume. */
interface Held {
  app: string;
  instance: string;
  rule: string;
  incident?: string;
  thread: Conversation;
  at: number;
}

export interface RemediatorDeps {
  config: RemediationConfig;
  /** Counts each decision by rule and outcome (the /metrics counter); optional in tests. */
  count?: (rule: string, outcome: string) => void;
  gitops: Pick<GitOpsWorkflow, 'propose' | 'apply' | 'openPullRequestFor'>;
  guardrails: Guardrails;
  store: Store;
  chat: { post(to: Conversation, m: Message): Promise<MessageRef> };
  /** Create a button in `where`, as the bot. */
  button(req: ActionRequest, where: Conversation): Promise<string>;
  /** The workload as Git wants it (else as it runs), for current limits and replica counts. */
  workload(r: ResolvedApp, ref: Finding['resource']): Promise<Workload | undefined>;
  resolve(ref: string): Promise<ResolvedApp>;
  diagnose(r: ResolvedApp): Promise<Diagnosis>;
  incident(key: string): Promise<Incident | undefined>;
  clock: Clock;
  audit: AuditLog;
  log: Logger;
  /** Background work the host waits for on shutdown (and tests on idle). */
  track<T>(p: Promise<T>): Promise<T>;
  /** Told of each automatic action taken or attempted, as said in chat (notifications beyond chat). */
  taken?(t: Taken): void;
}

/** An automatic action (a merge, a revert, or an attempt that failed) and what it was about. */
export interface Taken {
  app: string;
  instance: string;
  project?: string;
  /** The app's labels in Argo CD, when known (routes by team). */
  labels?: Record<string, string>;
  /** The incident it answers, when a diagnosed incident started it. */
  incident?: Incident;
  /** For a revert: the change it takes back. */
  revertOf?: string;
  /** What was said in the incident thread. */
  message: Message;
}

const BOT = 'deckhand';

export class Remediator {
  private readonly d: RemediatorDeps;
  private readonly held: Collection<Held>;

  constructor(deps: RemediatorDeps) {
    this.d = deps;
    this.held = deps.store.collection<Held>('remediation-held');
  }

  get config(): RemediationConfig {
    return this.d.config;
  }

  rule(name: string): Rule | undefined {
    return this.d.config.rules.find((r) => r.name === name);
  }

  private ruleActor(rule: Rule, where: Conversation): Actor {
    return {
      id: `rule:${rule.name}`,
      name: `remediation rule ${rule.name}`,
      platform: where.platform,
      platformUserId: '',
      groups: [],
      known: true,
    };
  }

  private tools(rule: Rule, thread: Conversation): TurnTools {
    return {
      actor: this.ruleActor(rule, thread),
      conversation: thread,
      say: (m) => this.d.chat.post(thread, m),
      button: (req) => this.d.button(req, thread),
    };
  }

  private async say(thread: Conversation, m: Message): Promise<void> {
    await this.d.chat
      .post(thread, m)
      .catch((err: unknown) =>
        this.d.log.warn({ err: (err as Error).message }, 'could not post in the incident thread'),
      );
  }

  /** Tell an automatic action beyond chat; whoever listens must not break the decision. */
  private tell(t: Taken): void {
    try {
      this.d.taken?.(t);
    } catch (err) {
      this.d.log.warn({ err: (err as Error).message, app: t.app }, 'could not tell a remediation');
    }
  }

  private async audit(
    name: string,
    where: Conversation,
    app: string | undefined,
    detail: Record<string, unknown>,
    actor = BOT,
  ): Promise<void> {
    if (typeof detail.rule === 'string') this.d.count?.(detail.rule, name);
    await this.d.audit.record({
      actor,
      platform: where.platform,
      channel: where.channel,
      kind: 'remediation',
      name,
      app,
      outcome: name,
      detail,
    });
  }

  /** The manual path: a button that opens the pull request through the approval flow. */
  private openButton(r: ResolvedApp, rule: Rule, intent: Intent, reason: string, where: Conversation) {
    return this.d.button(
      {
        kind: OPEN_ACTION,
        params: { app: r.ref, instance: r.instance, intent, reason, rule: rule.name },
        scope: { app: r.app.metadata.name, project: r.app.spec.project },
      },
      where,
    );
  }

  /** The guardrails for an automatic change to this app, the open pull request included. */
  private async holdFor(rule: Rule, r: ResolvedApp): Promise<Hold | null> {
    const app = r.app.metadata.name;
    let open: { number: number } | undefined;
    try {
      open = await this.d.gitops.openPullRequestFor(r);
    } catch (err) {
      return {
        guardrail: 'open-pull-request',
        reason: `could not tell whether ${app} has a deckhand pull request open (${(err as Error).message}); holding to be safe`,
      };
    }
    return this.d.guardrails.hold(rule, app, open);
  }

  /** Decide about one diagnosis and act on it. Never throws: failures are said in the thread. */
  async decide(input: DecideInput): Promise<Outcome> {
    try {
      return await this.run(input);
    } catch (err) {
      // Expected failures are said in plain words; anything else only by its id (details in the log).
      const id = newErrorId();
      this.d.log.error({ err, errorId: id, app: input.r.ref }, 'remediation failed');
      await this.say(input.thread, {
        text: `Remediation for ${input.r.ref} failed: ${isDeckError(err) ? err.message : `internal error ${id}`}`,
        tone: 'danger',
      });
      return 'failed';
    }
  }

  private async run({ r, diagnosis, thread, incident }: DecideInput): Promise<Outcome> {
    const app = r.app.metadata.name;
    const hit = decide(this.d.config.rules, {
      diagnosis,
      app: { name: app, project: r.app.spec.project, namespace: r.app.spec.destination?.namespace },
      alertname: incident?.alertname,
    });
    if (!hit) return 'none';
    const { rule, finding } = hit;
    const base = { rule: rule.name, mode: rule.mode, category: finding.category, incident: incident?.key };
    // No rule acts on a diagnosis that could not see everything: what it missed may change the cause.
    if (diagnosis.incomplete.length) {
      const why = `the diagnosis could not see everything (${diagnosis.incomplete.join('; ')}), so no rule acts on it`;
      await this.say(thread, stoppedMessage(rule, app, why));
      await this.audit('stopped', thread, app, { ...base, reason: why });
      return 'stopped';
    }
    let workload: Workload | undefined;
    if (needsWorkload(rule.action)) {
      workload = await this.d.workload(r, finding.resource).catch((err: unknown) => {
        this.d.log.warn({ err: (err as Error).message, app }, 'could not read the workload');
        return undefined;
      });
    }
    const plan = planChange(rule.action, finding, workload, this.d.clock.now());
    if (!plan.ok) {
      await this.say(thread, stoppedMessage(rule, app, plan.why));
      await this.audit('stopped', thread, app, { ...base, reason: plan.why });
      return 'stopped';
    }
    const s: Subject = { rule, app, what: plan.what };
    const reason = `${finding.category}: ${finding.summary}${incident ? ` (alert ${incident.alertname})` : ''}`;
    const detail = { ...base, intent: plan.intent, what: plan.what };

    if (this.d.config.dryRun) {
      const hold = rule.mode === 'auto' ? await this.holdFor(rule, r) : null;
      await this.say(thread, dryRunMessage(s, hold));
      await this.audit('dry-run', thread, app, { ...detail, guardrail: hold?.guardrail });
      return 'dry-run';
    }
    if (rule.mode === 'suggest') {
      const id = await this.openButton(r, rule, plan.intent, reason, thread);
      await this.say(thread, suggestedMessage(s, id, plan.short));
      await this.audit('suggested', thread, app, detail);
      return 'suggested';
    }

    // propose and auto: one decision per app at a time, across replicas (the store's lock).
    if (!(await this.d.guardrails.lock(app))) {
      const hold = {
        guardrail: IN_PROGRESS,
        reason: `another remediation decision for ${app} is being made at this moment (one change per app)`,
      };
      return this.hold(r, rule, s, hold, plan, reason, detail, thread, incident);
    }
    try {
      if (rule.mode === 'propose') {
        const paused = await this.d.guardrails.paused();
        if (paused) {
          const hold = {
            guardrail: 'paused',
            reason: `automatic remediation is paused (kill switch, by ${paused.by})`,
          };
          return await this.hold(r, rule, s, hold, plan, reason, detail, thread, incident);
        }
        const reply = await this.d.gitops.propose(this.tools(rule, thread), r, plan.intent, {
          reason,
          rule: rule.name,
        });
        if (reply) await this.say(thread, reply);
        await this.audit('proposed', thread, app, detail);
        return 'proposed';
      }
      const hold = await this.holdFor(rule, r);
      if (hold) return await this.hold(r, rule, s, hold, plan, reason, detail, thread, incident);
      return await this.apply(r, rule, s, plan, reason, detail, thread, incident);
    } finally {
      await this.d.guardrails.unlock(app);
    }
  }

  private async hold(
    r: ResolvedApp,
    rule: Rule,
    s: Subject,
    hold: Hold | { guardrail: string; reason: string },
    plan: { intent: Intent; short: string },
    reason: string,
    detail: Record<string, unknown>,
    thread: Conversation,
    incident: Incident | undefined,
  ): Promise<Outcome> {
    const app = r.app.metadata.name;
    if (hold.guardrail === 'paused') {
      // Looked at again on resume (the latest hold per app).
      await this.held.put(`${r.instance}/${app}`, {
        app,
        instance: r.instance,
        rule: rule.name,
        incident: incident?.key,
        thread,
        at: this.d.clock.now(),
      });
    }
    const id = await this.openButton(r, rule, plan.intent, reason, thread);
    await this.say(thread, heldMessage(s, hold, id, plan.short));
    await this.audit('held', thread, app, { ...detail, guardrail: hold.guardrail, reason: hold.reason });
    return 'held';
  }

  private async apply(
    r: ResolvedApp,
    rule: Rule,
    s: Subject,
    plan: { intent: Intent; short: string },
    reason: string,
    detail: Record<string, unknown>,
    thread: Conversation,
    incident: Incident | undefined,
  ): Promise<Outcome> {
    const { intent } = plan;
    const app = r.app.metadata.name;
    const told = async (message: Message) => {
      await this.say(thread, message);
      this.tell({
        app,
        instance: r.instance,
        project: r.app.spec.project,
        labels: r.app.metadata.labels ?? {},
        ...(incident ? { incident } : {}),
        message,
      });
    };
    const key = await this.d.guardrails.record({ app, action: rule.action.kind, rule: rule.name });
    let linked = false;
    try {
      const { change, sha } = await this.d.gitops.apply(this.tools(rule, thread), r, intent, {
        rule: rule.name,
        decidedBy: `remediation rule ${rule.name} (auto)`,
        reason,
        deadlineMs: this.d.config.guardrails.healthDeadline,
        onMerged: async (c) => {
          linked = true;
          await this.d.guardrails.settle(key, 'pending', { changeId: c.id, pr: c.pr.number });
        },
      });
      await told(mergedMessage(s, change.pr, sha));
      await this.audit('merged', thread, app, { ...detail, pr: change.pr, sha });
      return 'merged';
    } catch (err) {
      // Nothing merged: the attempt is not a change and must not count against the limits.
      if (!linked) await this.d.guardrails.forget(key);
      const why = (err as Error).message;
      this.d.log.warn({ err: why, app, rule: rule.name }, 'automatic remediation failed');
      const id = linked ? undefined : await this.openButton(r, rule, intent, reason, thread);
      await told(failedMessage(s, why, id, plan.short));
      await this.audit('failed', thread, app, { ...detail, reason: why });
      return 'failed';
    }
  }

  /**
   * The end of a follow-up: settle the automatic change it belongs to, and revert it once,
   * automatically, when its rule says so and it did not make the app Healthy.
   */
  async followUpDone(f: FollowUp, outcome: FollowUpOutcome): Promise<void> {
    const hit = f.changeId ? await this.d.guardrails.find(f.changeId) : undefined;
    if (!hit || hit.change.state !== 'pending') return;
    const { key, change: entry } = hit;
    await this.d.guardrails.settle(key, outcome);
    await this.audit('followed', f.conversation, f.app, {
      rule: entry.rule,
      pr: entry.pr,
      outcome,
      revertOf: entry.revertOf,
    });
    if (outcome === 'healthy') return;
    const rule = this.rule(entry.rule);
    if (entry.revertOf) {
      // Once: a revert that did not help either is for a person.
      await this.say(f.conversation, {
        text: `The automatic revert did not make ${f.app} Healthy either (${outcome}); rule ${entry.rule} stops here. A person has to decide.`,
        tone: 'danger',
      });
      return;
    }
    if (!rule?.revertOnFailure || rule.mode !== 'auto') return;
    await this.revert(rule, f, { key, pr: entry.pr, outcome });
  }

  private async revert(
    rule: Rule,
    f: FollowUp,
    failed: { key: string; pr?: number; outcome: FollowUpOutcome },
  ): Promise<void> {
    const where = f.conversation;
    const detail = { rule: rule.name, mode: rule.mode, of: failed.pr, outcome: failed.outcome };
    const paused = await this.d.guardrails.paused();
    const locked = !paused && (await this.d.guardrails.lock(f.app));
    if (!locked) {
      const why = paused
        ? `automatic remediation is paused (kill switch, by ${paused.by})`
        : `another remediation decision for ${f.app} is being made at this moment`;
      await this.say(where, {
        text: `Rule ${rule.name} would revert ${failed.pr ? `#${failed.pr}` : 'the change'} automatically, but ${why}. The Revert button above is the manual path.`,
        tone: 'warn',
        data: {
          remediation: {
            rule: rule.name,
            app: f.app,
            outcome: 'held',
            guardrail: paused ? 'paused' : IN_PROGRESS,
          },
        },
      });
      await this.audit('held', where, f.app, { ...detail, reason: why });
      return;
    }
    const rkey = await this.d.guardrails.record({
      app: f.app,
      action: 'revert',
      rule: rule.name,
      revertOf: failed.key,
    });
    let linked = false;
    try {
      const r = await this.d.resolve(`${f.app}@${f.instance}`);
      const { change } = await this.d.gitops.apply(
        this.tools(rule, where),
        r,
        { kind: 'revert', commit: f.revision },
        {
          rule: rule.name,
          decidedBy: `remediation rule ${rule.name} (revertOnFailure)`,
          reason: `${failed.pr ? `#${failed.pr}` : 'the automatic change'} ended ${failed.outcome}`,
          deadlineMs: this.d.config.guardrails.healthDeadline,
          onMerged: async (c) => {
            linked = true;
            await this.d.guardrails.settle(rkey, 'pending', { changeId: c.id, pr: c.pr.number });
          },
        },
      );
      await this.d.guardrails.settle(failed.key, 'reverted');
      const said = revertedMessage(rule, f.app, failed, change.pr);
      await this.say(where, said);
      this.tell({
        app: f.app,
        instance: f.instance,
        project: change.project,
        revertOf: f.changeId,
        message: said,
      });
      await this.audit('reverted', where, f.app, { ...detail, pr: change.pr });
    } catch (err) {
      if (!linked) await this.d.guardrails.forget(rkey);
      const why = (err as Error).message;
      const said: Message = {
        text: `Rule ${rule.name} could not revert ${failed.pr ? `#${failed.pr}` : 'the change'} automatically: ${why}. The Revert button above is the manual path.`,
        tone: 'danger',
        data: {
          remediation: {
            rule: rule.name,
            mode: rule.mode,
            app: f.app,
            outcome: 'failed',
            of: failed.pr,
            reason: why,
          },
        },
      };
      await this.say(where, said);
      this.tell({ app: f.app, instance: f.instance, revertOf: f.changeId, message: said });
      await this.audit('failed', where, f.app, { ...detail, reason: why });
    } finally {
      await this.d.guardrails.unlock(f.app);
    }
  }

  async pause(actor: Actor, where: Conversation): Promise<{ already?: { by: string; at: number } }> {
    const already = await this.d.guardrails.paused();
    if (!already) await this.d.guardrails.pause(actor.id);
    await this.audit('paused', where, undefined, { already: !!already }, actor.id);
    return { already };
  }

  /**
   * Lift the kill switch and look again, in the background, at what it held back (incidents still
   * firing); or, with an app, let automatic changes to it go again after one that did not become
   * Healthy.
   */
  async resume(
    actor: Actor,
    where: Conversation,
    app?: string,
  ): Promise<{ wasPaused: boolean; released: string[]; acknowledged?: number }> {
    if (app) {
      const n = await this.d.guardrails.acknowledge(app);
      await this.audit('acknowledged', where, app, { changes: n }, actor.id);
      return { wasPaused: !!(await this.d.guardrails.paused()), released: [], acknowledged: n };
    }
    const wasPaused = await this.d.guardrails.resume();
    await this.audit('resumed', where, undefined, { wasPaused }, actor.id);
    const released: string[] = [];
    for (const { key, value } of await this.held.list()) {
      // Claim it: two replicas resuming at once release it once.
      if (!(await this.held.delete(key))) continue;
      released.push(value.app);
      void this.d.track(this.release(value));
    }
    return { wasPaused, released };
  }

  private async release(h: Held): Promise<void> {
    try {
      const incident = h.incident ? await this.d.incident(h.incident) : undefined;
      if (h.incident && incident?.status !== 'firing') {
        await this.say(h.thread, {
          text: `Remediation resumed; this incident is no longer firing, so rule ${h.rule} does nothing.`,
          tone: 'info',
        });
        return;
      }
      const r = await this.d.resolve(`${h.app}@${h.instance}`);
      await this.say(h.thread, {
        text: `▶️ Remediation resumed: looking at ${h.app} again (held while paused).`,
        tone: 'info',
      });
      const diagnosis = await this.d.diagnose(r);
      await this.decide({ r, diagnosis, thread: h.thread, incident });
    } catch (err) {
      this.d.log.warn({ err: (err as Error).message, app: h.app }, 'could not release a held remediation');
      await this.say(h.thread, {
        text: `Could not look at ${h.app} again after resuming: ${(err as Error).message}`,
        tone: 'warn',
      });
    }
  }

  async heldApps(): Promise<Held[]> {
    return (await this.held.list()).map((d) => d.value);
  }
}
