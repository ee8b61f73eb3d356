/**
 * From a proposal to a live change: post the card with [Approve & merge] [Reject] [View diff],
 * record decisions through the approval service (four eyes, policies, expiry), merge at the head
 * commit that was shown, comment on the pull request, update the card in place, and hand over to
 * the follow-up. Button handlers live here; their parameters are ids, resolved in the store.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { Actor } from '../../core/access.ts';
import { defineAction, type ActionRequest, type ActionSpec } from '../../core/actions.ts';
import {
  ExpiredError,
  LeaseLostError,
  WORKING_STATES,
  type ApprovalRequest,
  type ApprovalService,
} from '../../core/approvals.ts';
import type { ChatService } from '../../core/chat.ts';
import type { Clock } from '../../core/clock.ts';
import { LoopHealth, startLoop } from '../../core/background.ts';
import { ConflictError, InputError, NotFoundError, UpstreamError } from '../../core/errors.ts';
import type { Logger } from '../../core/logging.ts';
import { code, esc, trimLines } from '../../core/message/markup.ts';
import type { Conversation, Message, MessageRef } from '../../core/message/model.ts';
import type { AuditLog } from '../../core/store/types.ts';
import type { Application, ArgoService, ResolvedApp } from '../argocd/index.ts';
import { trackedBranch, type Change, type ChangeService } from './changes.ts';
import { gitSourceOf } from './tracked-branch.ts';
import { parentOf } from './edit/application-manifest.ts';
import { sharedFiles } from './owned-alone.ts';
import { placeApp, type EnvironmentsConfig } from './environments.ts';
import type { FollowUp, FollowUpOutcome, FollowUps } from './followup.ts';
import { HeadMovedError, NotMergeableError } from './hosts/errors.ts';
import { NoGitHost } from './hosts/registry.ts';
import type { Intent } from './intents.ts';
import type { MergeReadiness } from './hosts/types.ts';
import { holdText, judge, sameReadiness } from './merge-readiness.ts';
import { proposalCard, threadOf, type CardButtons } from './proposal-card.ts';
import { WhenReady } from './when-ready.ts';

export interface TurnTools {
  actor: Actor;
  conversation: Conversation;
  say(m: Message): Promise<MessageRef>;
  button(req: ActionRequest): Promise<string>;
}

/** Told when the follow-up of a merged change ends (remediation settles its guardrails here). */
/** The end of a follow-up, and what was said of it in chat. */
export type FollowUpListener = (f: FollowUp, outcome: FollowUpOutcome, said: Message) => void;

/** Back to its approvers: a later plain Approve is not a "merge when ready" (undefined keys drop). */
const NOT_WHEN_READY = { whenReady: undefined, whenReadyTries: undefined };

/** A pre-state-machine `executing` row older than this is closed, not resumed (see reconcile). */
const LEGACY_RESUME_MS = 24 * 3_600_000;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** This process as the owner of approval leases: a replica, or a one-shot `deckhand exec`. */
const PROCESS_OWNER = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;

/** Who carried out a merge, for its comment, its audit and the card. */
interface Carrier {
  id: string;
  platform: string;
  channel?: string;
}

/**
 * The merge commit's body: what changed, then Git trailers naming who asked and who approved in
 * chat (the host's own author is the bot, or the App), and deckhand's change id.
 */
export function mergeMessage(change: Change, approvers: string[]): string {
  const trailers = [
    change.rule ? `Requested-by: rule ${change.rule}` : `Requested-by: ${change.requester}`,
    ...approvers.map((a) => `Approved-by: ${a}`),
    `Deckhand-Change: ${change.id}`,
  ];
  return [change.summary.map((s) => `- ${s}`).join('\n'), trailers.join('\n')].filter(Boolean).join('\n\n');
}

export class GitOpsWorkflow {
  private readonly listeners = new Set<FollowUpListener>();
  private readonly changes: ChangeService;
  private readonly approvals: ApprovalService;
  private readonly argo: ArgoService;
  private readonly followUps: FollowUps;
  private readonly clock: Clock;
  private readonly audit: AuditLog;
  private readonly log: Logger;
  private readonly mergeMethod: 'merge' | 'squash';
  private readonly followMs: number;
  private readonly chat?: ChatService;
  private readonly leaseMs: number;
  private readonly owner: string;
  private readonly autoMerge: string[];
  private readonly environments?: EnvironmentsConfig;
  private sweeper?: { stop(): void };
  private stopped = false;
  /** "Merge when ready" and the cards' checks (when-ready.ts). */
  private readonly whenReady: WhenReady;

  constructor(deps: {
    changes: ChangeService;
    approvals: ApprovalService;
    argo: ArgoService;
    followUps: FollowUps;
    clock: Clock;
    audit: AuditLog;
    log: Logger;
    mergeMethod: 'merge' | 'squash';
    followMs: number;
    /** Where late outcomes and resumed merges are said (the card's thread). */
    chat?: ChatService;
    /** How long a merge step is held without a renewal before another process may resume it. */
    leaseMs?: number;
    /** The lease owner's name; one per process unless a test sets it. */
    owner?: string;
    /** Environments whose changes merge when proposed, without an approval (plugins.gitops.environments.autoMerge). */
    autoMerge?: string[];
    /** How apps are placed in environments (plugins.gitops.environments). */
    environments?: EnvironmentsConfig;
  }) {
    this.autoMerge = deps.autoMerge ?? [];
    this.environments = deps.environments;
    this.changes = deps.changes;
    this.approvals = deps.approvals;
    this.argo = deps.argo;
    this.followUps = deps.followUps;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.log = deps.log;
    this.mergeMethod = deps.mergeMethod;
    this.followMs = deps.followMs;
    this.chat = deps.chat;
    this.leaseMs = deps.leaseMs ?? 60_000;
    this.owner = deps.owner ?? PROCESS_OWNER;
    this.whenReady = new WhenReady({
      changes: this.changes,
      approvals: this.approvals,
      chat: this.chat,
      clock: this.clock,
      audit: this.audit,
      log: this.log,
      owner: this.owner,
      leaseMs: this.leaseMs,
      carryOut: (id, who, thread) => this.carryOut(id, who, thread),
      stopped: () => this.stopped,
    });
  }

  /** The host's checks may have moved for a change: its card follows, a queued approval merges. */
  checksChanged(change: Change, opts?: { headSha?: string }): Promise<string> {
    return this.whenReady.checked(change, opts);
  }

  private scope(c: Change) {
    return { app: c.app, project: c.project };
  }

  /** Subscribe to the end of every follow-up; returns the unsubscribe function. */
  onFollowUpDone(fn: FollowUpListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Called by the follow-ups (their onDone hook); a failing listener does not stop the others. */
  followUpDone(f: FollowUp, outcome: FollowUpOutcome, said: Message): void {
    if (f.changeId) this.guard(this.followed(f.changeId, outcome), 'could not record the follow-up');
    for (const fn of this.listeners) {
      try {
        fn(f, outcome, said);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, followUp: f.id }, 'a follow-up listener failed');
      }
    }
  }

  /**
   * What an intent would change, planned against the repository and checked to stay within the
   * app's own files, without opening anything: what a card shows before offering the change.
   * Throws as proposing would (nothing to change, a file outside the app, a conflicting revert).
   */
  preview(
    r: ResolvedApp,
    intent: Intent,
    signal?: AbortSignal,
  ): Promise<{ summary: string[]; diff: string; files: string[] }> {
    return this.changes.preview(r, intent, signal);
  }

  /**
   * A file of the app's source repository as it is at `ref` (the revision an environment runs),
   * or undefined when there is no such file there.
   */
  readFile(r: ResolvedApp, ref: string, path: string, signal?: AbortSignal): Promise<string | undefined> {
    const { repoURL } = trackedBranch(r);
    const host = this.changes.host(repoURL, signal);
    return host.tree(repoURL, ref).then((t) => t.read(path));
  }

  /**
   * The commits a deployment of `to` brought after `from`, on the app's own files, newest first.
   * Both are revisions per source, as Argo CD's history lists them; the Git source's are compared.
   * Throws InputError when they cannot be known: the app has no Git source or it did not move.
   */
  commitsBrought(
    r: ResolvedApp,
    window: { from?: string[]; to: string[] },
    signal?: AbortSignal,
  ): Promise<{ sha: string; date: string }[]> {
    const git = gitSourceOf(r.app);
    if (!git) throw new InputError(`${r.ref} has no Git source: its deployments bring no commits.`);
    const to = window.to[git.index];
    const from = window.from?.[git.index];
    if (!to) throw new InputError(`${r.ref}'s history names no revision of its Git source.`);
    // No host for the repository, or a revision it no longer has (a force-push): asking again
    // would not change the answer.
    return this.changes
      .commitsInWindow(r, { upTo: to, ...(from ? { after: from } : {}) }, signal)
      .catch((err: unknown) => {
        if (err instanceof NoGitHost || err instanceof NotFoundError) throw new InputError(err.message);
        throw err;
      });
  }

  /**
   * A commit of any repository a configured Git host serves (the source repository an image was
   * built from, say). InputError when it cannot be known there: no host for it, or no such commit.
   */
  async commitOf(repoURL: string, sha: string, signal?: AbortSignal): Promise<{ sha: string; date: string }> {
    const c = await this.changes.commitOf(repoURL, sha, signal);
    return { sha: c.sha, date: c.date };
  }

  /** The environments configured (plugins.gitops.environments.order), first to last. */
  environmentNames(): string[] {
    return [...(this.environments?.order ?? [])];
  }

  /** The environment an app is in (plugins.gitops.environments), when its signs agree on one. */
  environmentOf(instance: string, app: Application): string | undefined {
    return this.environments ? placeApp(this.environments, instance, app)?.env : undefined;
  }

  /** Every change deckhand recorded (its merges and reverts say who brought a deployment). */
  listChanges(): Promise<Change[]> {
    return this.changes.list();
  }

  /** The newest commit on the app's own files in a window of revisions (see ChangeService). */
  breakingCommit(
    r: ResolvedApp,
    window: { upTo: string; after?: string; before?: string },
    signal?: AbortSignal,
  ): Promise<{ sha: string; message: string; author: string; date: string } | undefined> {
    return this.changes.breakingCommit(r, window, signal);
  }

  /**
   * The deckhand pull request open for the app, if any, as the Git host reports it (not the
   * store): branches `deckhand/<intent>/<app>-<hash>` on the app's source repository.
   */
  async openPullRequestFor(
    r: ResolvedApp,
  ): Promise<{ number: number; url: string; title: string } | undefined> {
    const mine = new RegExp(`^deckhand/[a-z-]+/${escapeRe(r.app.metadata.name)}-[0-9a-f]{7}$`);
    const find = async (repoURL: string) => {
      const open = await this.changes
        .host(repoURL)
        .listPullRequests(repoURL, { state: 'open', headPrefix: 'deckhand/' });
      const pr = open.find((p) => mine.test(p.headBranch));
      return pr ? { number: pr.number, url: pr.url, title: pr.title } : undefined;
    };
    const own = trackedBranch(r).repoURL;
    const found = await find(own);
    if (found) return found;
    // Changes to the Application itself (its image, a pin) go to its app of apps' repository.
    const locator = parentOf(r.app);
    const parent = locator ? await r.client.get(locator).catch(() => undefined) : undefined;
    if (!locator || !parent) return undefined;
    const theirs = trackedBranch({ ...r, app: parent, ref: locator.name }).repoURL;
    return theirs === own ? undefined : find(theirs).catch(() => undefined);
  }

  /**
   * Open the pull request and merge it at once, without an approval in chat: for the changes a
   * team allow-listed (remediation rules). The rule is recorded on the change, in the pull
   * request and in the audit trail, with who decided (`decidedBy`); then the follow-up reports in
   * `t.conversation`. `onMerged` runs before the follow-up starts, so a caller can link its own
   * records to the change before the outcome can arrive. A change that is already proposed is not
   * merged behind its approvers' backs: that throws ConflictError.
   */
  async apply(
    t: TurnTools,
    r: ResolvedApp,
    intent: Intent,
    opts: {
      /** The remediation rule that allows it, when one does. */
      rule?: string;
      /** What allows it, for the pull request and the audit: the remediation rule unless said. */
      allowedBy?: string;
      decidedBy: string;
      reason?: string;
      deadlineMs?: number;
      onMerged?: (c: Change) => Promise<void>;
    },
  ): Promise<{ change: Change; sha: string }> {
    const { change, existing } = await this.changes.propose({
      r,
      intent,
      actor: t.actor,
      conversation: t.conversation,
      reason: opts.reason,
      rule: opts.rule,
    });
    await this.audit.record({
      actor: t.actor.id,
      platform: t.actor.platform,
      channel: t.conversation.channel,
      kind: 'pull-request',
      name: existing ? 'found' : 'opened',
      app: change.app,
      outcome: 'ok',
      detail: {
        pr: change.pr,
        intent,
        rule: opts.rule,
        allowedBy: opts.allowedBy,
        decidedBy: opts.decidedBy,
        automatic: true,
      },
    });
    if (existing || change.state !== 'open')
      throw new ConflictError(
        `#${change.pr.number} already proposes this change (${change.pr.url}); it is left to its approvers.`,
      );
    return this.mergeAtOnce(t, change, opts);
  }

  /** Merge a change just opened, with no approval: what allowed it is said on the pull request and in the audit. */
  private async mergeAtOnce(
    t: TurnTools,
    change: Change,
    opts: Omit<Parameters<GitOpsWorkflow['apply']>[3], 'reason'>,
  ): Promise<{ change: Change; sha: string }> {
    const host = this.changes.host(change.repoURL);
    // Written down first: the host's webhook telling of this merge may come before the answer.
    await this.changes.update(change.id, (c) => ({ ...c, selfMerge: this.clock.now() }));
    // A lost answer is looked at again (mergeOnce): a merge that landed is one, not a failure.
    // One that failed (a required check, say) leaves the pull request to people: a merge they
    // make on the host later is theirs.
    const merged = await this.mergeOnce(host, change, change.pr).catch(async (err: unknown) => {
      await this.changes.update(change.id, ({ selfMerge: _, ...c }) => c).catch(() => undefined);
      throw err;
    });
    await host
      .comment(
        change.repoURL,
        change.pr.number,
        `Merged automatically by deckhand at ${merged.sha.slice(0, 7)}: ${opts.allowedBy ?? `the remediation rule \`${opts.rule}\``} allows this change (${opts.decidedBy}).`,
      )
      .catch((err: unknown) =>
        this.log.warn({ err: (err as Error).message }, 'could not comment on the pull request'),
      );
    const done = (await this.changes.update(change.id, (c) => ({
      ...c,
      state: 'merged',
      mergeSha: merged.sha,
      mergedBy: opts.decidedBy,
    }))) as Change;
    await this.audit.record({
      actor: t.actor.id,
      platform: t.actor.platform,
      channel: t.conversation.channel,
      kind: 'merge',
      name: 'pull-request',
      app: change.app,
      outcome: 'ok',
      detail: {
        pr: change.pr,
        sha: merged.sha,
        rule: opts.rule,
        allowedBy: opts.allowedBy,
        decidedBy: opts.decidedBy,
        automatic: true,
      },
    });
    await opts.onMerged?.(done);
    void this.followUps.follow({
      id: `fu_${change.id}`,
      app: change.app,
      instance: change.instance,
      revision: merged.sha,
      ...(change.awaitImage ? { image: change.awaitImage } : {}),
      conversation: t.conversation,
      what: change.title.replace(`${change.app}: `, ''),
      changeId: change.id,
      deadlineMs: opts.deadlineMs ?? this.followMs,
    });
    return { change: done, sha: merged.sha };
  }

  /**
   * Open (or find) the pull request and post its card; returns nothing more to say. An open
   * proposal asked for again gets a fresh card when its approval expired (a renewal); one still
   * waiting, or being carried out, is only pointed at. With `signal` (the command's deadline),
   * nothing is written once it fired; a pull request whose creation was already on the wire is
   * announced in the conversation when it lands, with its card.
   */
  async propose(
    t: TurnTools,
    r: ResolvedApp,
    intent: Intent,
    opts: { reason?: string; rule?: string; signal?: AbortSignal } = {},
  ): Promise<Message | undefined> {
    const { signal, ...rest } = opts;
    const { change, existing, late } = await this.changes.propose({
      r,
      intent,
      actor: t.actor,
      conversation: t.conversation,
      ...rest,
      ...(signal ? { signal } : {}),
    });
    await this.audit.record({
      actor: t.actor.id,
      platform: t.actor.platform,
      channel: t.conversation.channel,
      kind: 'pull-request',
      name: existing ? 'found' : late ? 'opened-late' : 'opened',
      app: change.app,
      outcome: 'ok',
      detail: { pr: change.pr, intent, rule: opts.rule },
    });
    const env = change.environment;
    const unshared =
      !existing && !late && env && this.autoMerge.includes(env) && !signal?.aborted
        ? await this.sharedFiles(r, change)
        : undefined;
    if (unshared?.length)
      await t.say({
        text: `Not merged without an approval although ${env} takes changes so: ${unshared.join('; ')}.`,
        tone: 'info',
      });
    if (env && unshared?.length === 0) {
      const { sha } = await this.mergeAtOnce(t, change, {
        allowedBy: `the policy of ${env} (plugins.gitops.environments.autoMerge)`,
        decidedBy: `${env} merges deckhand's changes without an approval; asked by ${t.actor.id}`,
      });
      return {
        text: `Merged #${change.pr.number} (${change.pr.url}) at ${sha.slice(0, 7)} without an approval: ${env} takes deckhand's changes as they come. deckhand follows ${change.app} until it runs it.`,
        tone: 'ok',
        blocks: [{ type: 'text', text: change.summary.map((l) => `• ${esc(l)}`).join('\n') }],
        data: { change: { id: change.id, pr: change.pr, mergeSha: sha, automatic: true } },
      };
    }
    const req = change.approvalId ? await this.approvals.get(change.approvalId) : undefined;
    const standing = existing && req ? this.standing(change, req) : undefined;
    if (standing) return standing;
    if (late)
      await t.say({
        text: `The pull request for ${change.title} was opened after the deadline: #${change.pr.number} (${change.pr.url}).`,
        tone: 'info',
      });
    await this.postCard(t, change, req?.id);
    return undefined;
  }

  /** Why a change's files are not its app's alone (empty when they are; see owned-alone.ts). */
  private async sharedFiles(r: ResolvedApp, change: Change): Promise<string[]> {
    if (!change.files?.length) return ['deckhand does not know which files it changes'];
    const { apps } = await this.argo.list();
    return sharedFiles(
      r.app,
      change.repoURL,
      change.files,
      apps.map((a) => a.app),
    );
  }

  /** What to say instead of a new card when the proposal's approval still stands. */
  private standing(change: Change, req: ApprovalRequest): Message | undefined {
    const data = { change: { id: change.id, pr: change.pr, existing: true } };
    if (req.state === 'pending' && req.expiresAt > this.clock.now())
      return {
        text: `That change is already proposed: #${change.pr.number} (${change.pr.url}), waiting for approval.`,
        tone: 'info',
        data,
      };
    if (req.state === 'queued')
      return {
        text: `That change is already approved: #${change.pr.number} (${change.pr.url}) merges when ready (${esc(req.outcome ?? 'waiting for its checks')}).`,
        tone: 'info',
        data,
      };
    if (WORKING_STATES.includes(req.state) || req.state === 'following')
      return {
        text: `That change is already approved: #${change.pr.number} (${change.pr.url}) is ${req.state === 'following' ? 'merged' : 'being merged'}.`,
        tone: 'info',
        data,
      };
    return undefined;
  }

  /**
   * A fresh approval and card for an open change. `replacing` is the approval the change had (it
   * expired): it ends as expired. Two proposers racing here post one card: the approval recorded
   * on the change first wins, the other is dropped.
   */
  private async postCard(t: TurnTools, change: Change, replacing?: string): Promise<void> {
    if (replacing) await this.approvals.expire(replacing);
    const readiness = await this.whenReady.read(change);
    const approval = await this.approvals.create({
      kind: 'gitops.change',
      subject: {
        app: change.app,
        project: change.project,
        ...(change.environment ? { environment: change.environment } : {}),
        title: change.title,
      },
      requester: t.actor.id,
      payload: { changeId: change.id, ...(readiness ? { readiness } : {}) },
    });
    let won = false;
    await this.changes.update(change.id, (c) => {
      if (c.approvalId && c.approvalId !== replacing) return c;
      won = true;
      return { ...c, approvalId: approval.id };
    });
    if (!won) {
      await this.approvals.expire(approval.id);
      return;
    }
    const ids = await this.buttons(t, change, approval.id, approval.expiresAt - this.clock.now());
    const ref = await t.say(
      proposalCard({ ...change, approvalId: approval.id }, approval, ids, this.clock.now()),
    );
    await this.approvals.patch(approval.id, (a) => ({
      ...a,
      message: ref,
      payload: { ...a.payload, buttons: ids },
    }));
  }

  /**
   * `gitops renew <pr>`: a fresh card with working buttons for an open proposal whose approval
   * expired (or failed and went back to nobody). One still waiting or being merged is pointed at.
   */
  async renew(t: TurnTools, pr: number, app?: string): Promise<Message | undefined> {
    const { change } = await this.proposalFor(pr, app);
    const req = change.approvalId ? await this.approvals.get(change.approvalId) : undefined;
    const standing = req ? this.standing(change, req) : undefined;
    if (standing) return standing;
    const open = await this.changes.host(change.repoURL).getPullRequest(change.repoURL, change.pr.number);
    if (open.state !== 'open') {
      await this.changes.update(change.id, (c) => ({ ...c, state: open.state }));
      throw new ConflictError(`Pull request #${open.number} is ${open.state}; there is nothing to renew.`);
    }
    await this.postCard(t, change, req?.id);
    return undefined;
  }

  private async buttons(t: TurnTools, c: Change, approvalId: string, ttlMs: number): Promise<CardButtons> {
    const scope = this.scope(c);
    return {
      approve: await t.button({
        kind: 'gitops.approve',
        params: { approvalId },
        scope,
        ttlMs,
        singleUse: false,
      }),
      whenReady: await t.button({
        kind: 'gitops.approve-when-ready',
        params: { approvalId },
        scope,
        ttlMs,
        singleUse: false,
      }),
      reject: await t.button({
        kind: 'gitops.reject',
        params: { approvalId },
        scope,
        ttlMs,
        singleUse: false,
      }),
      diff: await t.button({
        kind: 'gitops.diff',
        params: { changeId: c.id },
        scope,
        ttlMs: ttlMs + 7 * 86_400_000,
        singleUse: false,
      }),
    };
  }

  private async load(approvalId: string): Promise<{ req: ApprovalRequest; change: Change }> {
    const req = await this.approvals.get(approvalId);
    const change = req ? await this.changes.get(String(req.payload.changeId)) : undefined;
    if (!req || !change) throw new NotFoundError('That proposal is unknown; it may have been cleaned up.');
    return { req, change };
  }

  actions(): ActionSpec[] {
    return [
      defineAction({
        kind: 'gitops.approve',
        params: z.object({ approvalId: z.string() }),
        permission: 'gitops.approve',
        summary: 'Approve a proposed change and merge it',
        run: async (ctx) => {
          const out = await this.approve(ctx.params.approvalId, ctx.actor, ctx.source, ctx.conversation);
          // The person was told the press did not finish in time: what it did is said where the
          // card is, when it lands (the dispatcher drops a reply that comes after the deadline).
          if (ctx.signal?.aborted) await this.lateOutcome(ctx.params.approvalId, out);
          return out;
        },
      }),
      defineAction({
        kind: 'gitops.approve-when-ready',
        params: z.object({ approvalId: z.string() }),
        permission: 'gitops.approve',
        summary: 'Approve a proposed change; merge it once its required checks pass',
        run: async (ctx) => {
          const out = await this.approve(ctx.params.approvalId, ctx.actor, ctx.source, ctx.conversation, {
            whenReady: true,
          });
          if (ctx.signal?.aborted) await this.lateOutcome(ctx.params.approvalId, out);
          return out;
        },
      }),
      defineAction({
        kind: 'gitops.reject',
        params: z.object({ approvalId: z.string() }),
        permission: 'gitops.approve',
        summary: 'Reject a proposed change and close its pull request',
        run: async (ctx) => this.reject(ctx.params.approvalId, ctx.actor),
      }),
      defineAction({
        kind: 'gitops.diff',
        params: z.object({ changeId: z.string() }),
        permission: 'gitops.read',
        effect: 'read',
        summary: 'Show the diff of a proposed change',
        run: async (ctx) => {
          const c = await this.changes.get(ctx.params.changeId);
          if (!c) throw new NotFoundError('That change is unknown.');
          const files = await this.changes.host(c.repoURL).pullRequestDiff(c.repoURL, c.pr.number);
          const full = files.map((f) => `--- ${f.path}\n${f.patch}`).join('\n');
          return {
            reply: {
              text: `Diff of #${c.pr.number}`,
              header: `#${c.pr.number} ${c.title}`,
              placement: 'thread',
              blocks: files.map((f) => ({
                type: 'code' as const,
                title: f.path,
                code: trimLines(f.patch, 80).text,
                language: 'diff',
              })),
              attachments:
                full.split('\n').length > 80
                  ? [{ filename: `pr-${c.pr.number}.diff`, contentType: 'text/x-diff', content: full }]
                  : undefined,
              data: { diff: files },
            },
          };
        },
      }),
    ];
  }

  /**
   * A press of Approve (or `gitops approve <pr>`): the decision is recorded; the one that completes
   * the policy carries out the merge (carryOut). A press on a merge whose process died — its lease
   * ran out — carries on from the recorded step instead of answering "being carried out" forever.
   */
  async approve(
    approvalId: string,
    actor: Actor,
    source: MessageRef | undefined,
    conversation: Conversation,
    opts: { whenReady?: boolean } = {},
  ): Promise<{ update?: Message; reply?: Message }> {
    const { req, change } = await this.load(approvalId);
    const ids = (req.payload.buttons ?? {}) as CardButtons;
    // The approval that completes the policy merges: unless asked to wait, one the host would
    // refuse now (required checks not passed, reviews it wants) is refused here, recording
    // nothing, with what holds it. The host unread is not a hold: the merge itself then tells.
    // "Merge when ready" queues the completing approval in the same update (a process that dies
    // next leaves it queued, never merging), and looks at once whether anything holds it.
    const completes = req.state === 'pending' && req.approvals.length + 1 >= req.policy.required;
    const readiness = completes && !opts.whenReady ? await this.whenReady.read(change) : undefined;
    const hold = readiness ? holdText(judge(readiness)) : undefined;
    if (readiness && !sameReadiness(readiness, req.payload.readiness as MergeReadiness | undefined))
      await this.approvals.patch(approvalId, (a) => ({ ...a, payload: { ...a.payload, readiness } }));
    if (hold)
      throw new ConflictError(
        `#${change.pr.number} cannot merge yet: ${esc(hold)}. Nothing was recorded; "Merge when ready" approves it to merge once nothing holds it (\`gitops approve ${change.pr.number} --when-ready\`).`,
      );
    const thread: Conversation =
      req.state !== 'pending'
        ? this.threadOf(req, change)
        : source
          ? { platform: source.platform, channel: source.channel, thread: source.thread ?? source.id }
          : conversation;
    let decision;
    try {
      decision = await this.approvals.approve(
        approvalId,
        actor,
        { owner: this.owner, leaseMs: this.leaseMs },
        opts.whenReady
          ? {
              outcome: 'waiting to read what holds it',
              payload: { thread, whenReady: { by: actor.id, at: this.clock.now() }, whenReadyTries: 0 },
            }
          : undefined,
      );
    } catch (err) {
      if (!(err instanceof ExpiredError)) throw err;
      throw new ExpiredError(
        `${err.message} The pull request #${change.pr.number} stays open; \`gitops renew ${change.pr.number}\` posts a fresh card to approve it.`,
      );
    }
    if (decision.outcome === 'recorded') {
      return {
        update: proposalCard(change, decision.request, ids, this.clock.now()),
        reply: {
          text: `${actor.id} approved #${change.pr.number}; ${decision.remaining} more approval${decision.remaining === 1 ? '' : 's'} needed.`,
          tone: 'info',
        },
      };
    }
    // The decision is in the audit before anything is acted on: a process that dies next leaves it.
    await this.audit.record({
      actor: actor.id,
      platform: actor.platform,
      channel: conversation.channel,
      kind: 'approval',
      name: decision.outcome,
      app: change.app,
      outcome: 'ok',
      detail: { pr: change.pr, approvalId, state: decision.request.state },
    });
    if (decision.outcome === 'queued') {
      // Queued is recorded: what the first look finds (or fails to) is said in the thread.
      const came = await this.whenReady.checked(change).catch((err: unknown) => {
        this.log.warn(
          { err: (err as Error).message, approval: approvalId },
          'could not look at a queued merge',
        );
        return 'not looked at';
      });
      const now = (await this.approvals.get(approvalId).catch(() => undefined)) ?? decision.request;
      const done = (await this.changes.get(change.id).catch(() => undefined)) ?? change;
      if (now.state !== 'queued' && came !== 'merged')
        return {
          update: proposalCard(done, now, ids, this.clock.now()),
          reply: {
            text: `${actor.id} approved #${change.pr.number} to merge when ready; it is ${now.state} now (${esc(now.outcome ?? came)}).`,
            tone: 'warn',
            placement: 'thread',
          },
        };
      if (came === 'merged')
        return {
          update: proposalCard(
            done,
            now,
            ids,
            this.clock.now(),
            `✅ Merged by ${esc(actor.id)} at ${code((done.mergeSha ?? '').slice(0, 7))}; following Argo CD.`,
          ),
          reply: {
            text: `Nothing held #${change.pr.number}: merged it. Following ${change.app} in Argo CD…`,
            tone: 'info',
            placement: 'thread',
          },
        };
      return {
        update: proposalCard(done, now, ids, this.clock.now()),
        reply: {
          text: `${actor.id} approved #${change.pr.number}; deckhand merges it when ready${now.outcome ? ` (${esc(now.outcome)})` : ''}.`,
          tone: 'info',
          placement: 'thread',
        },
      };
    }
    if (decision.outcome === 'approved')
      await this.approvals.patch(approvalId, (a) => ({ ...a, payload: { ...a.payload, thread } }));
    this.log.info(
      {
        approval: approvalId,
        state: decision.request.state,
        pr: change.pr.number,
        decision: decision.outcome,
      },
      'approval step',
    );
    const merged = await this.carryOut(
      approvalId,
      { id: actor.id, platform: actor.platform, channel: conversation.channel },
      thread,
    );
    const done = (await this.changes.get(change.id)) ?? change;
    const outcome = `✅ Merged by ${merged.by} at ${code(merged.sha.slice(0, 7))}; following Argo CD.`;
    return {
      update: proposalCard(done, await this.approvals.get(approvalId), ids, this.clock.now(), outcome),
      reply: {
        text: `${merged.reconciled ? `#${change.pr.number} was already merged` : `Merged #${change.pr.number}`} at ${merged.sha.slice(0, 7)}. Following ${change.app} in Argo CD…`,
        tone: 'info',
        placement: 'thread',
      },
    };
  }

  /** Post an approval's outcome that arrived after its press's deadline: card updated, thread told. */
  private async lateOutcome(approvalId: string, out: { update?: Message; reply?: Message }): Promise<void> {
    const req = await this.approvals.get(approvalId).catch(() => undefined);
    const change = req
      ? await this.changes.get(String(req.payload.changeId)).catch(() => undefined)
      : undefined;
    if (!req || !change) return;
    if (req.message && out.update) await this.chat?.update(req.message, out.update).catch(() => undefined);
    if (out.reply)
      await this.chat
        ?.post(this.threadOf(req, change), {
          ...out.reply,
          text: `${out.reply.text} (after the press had timed out)`,
        })
        .catch(() => undefined);
  }

  /** Where a merge's follow-up reports: the thread recorded at approval, else the card's. */
  private threadOf(req: ApprovalRequest, change: Change): Conversation {
    return threadOf(req, change);
  }

  /**
   * The steps after the decision, each recorded before it is acted on, under this process's lease
   * (renewed while it works). Idempotent from any recorded step: the pull request is read first —
   * one merged already (by a process that died before recording it) is recorded as merged, never
   * merged again — and a merge happens only at the head that was shown.
   */
  private async carryOut(
    approvalId: string,
    who: Carrier,
    thread: Conversation,
  ): Promise<{ sha: string; by: string; reconciled: boolean }> {
    // Another process took the request (this one's renewals failed past the lease): stop before
    // the next side effect instead of doing it a second time beside the new owner.
    let lost = false;
    const beat = setInterval(
      () =>
        this.guard(
          this.approvals.heartbeat(approvalId, this.owner, this.leaseMs).then((mine) => {
            if (!mine) lost = true;
          }),
          'could not renew the approval lease',
        ),
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    beat.unref();
    const held = () => {
      if (lost) throw new LeaseLostError('Another process carries this change on now.');
    };
    try {
      return await this.steps(approvalId, who, thread, held);
    } finally {
      clearInterval(beat);
    }
  }

  private async steps(
    approvalId: string,
    who: Carrier,
    thread: Conversation,
    held: () => void,
  ): Promise<{ sha: string; by: string; reconciled: boolean }> {
    let { req, change } = await this.load(approvalId);
    const host = this.changes.host(change.repoURL);
    const step = (
      from: ApprovalRequest['state'][],
      to: ApprovalRequest['state'],
      payload?: Record<string, unknown>,
      outcome?: string,
    ) => this.approvals.step(approvalId, this.owner, from, to, { leaseMs: this.leaseMs, payload, outcome });
    let reconciled = false;
    const approvers = req.approvals.map((a) => a.by);
    const by = approvers.at(-1) ?? who.id;
    if (req.state === 'approved' || req.state === 'merging') {
      let mergeSha: string;
      try {
        const pr = await host.getPullRequest(change.repoURL, change.pr.number);
        if (pr.state === 'merged') {
          mergeSha = pr.mergeSha ?? pr.headSha;
          reconciled = true;
        } else {
          if (pr.state !== 'open') {
            await this.approvals.finish(approvalId, 'failed', `pull request is ${pr.state}`);
            await this.changes.update(change.id, (c) => ({ ...c, state: 'closed' }));
            throw new ConflictError(`Pull request #${pr.number} is already ${pr.state}; nothing to merge.`);
          }
          if (pr.headSha !== change.headSha)
            throw new HeadMovedError(
              `Someone pushed to ${change.branch} after the change was shown.`,
              pr.headSha,
            );
          if (req.state === 'approved') {
            req = await step(['approved'], 'merging', { headSha: change.headSha });
            this.log.info({ approval: approvalId, state: 'merging', pr: change.pr.number }, 'approval step');
          }
          held();
          ({ sha: mergeSha, reconciled } = await this.mergeOnce(host, change, pr, approvers));
        }
      } catch (err) {
        throw await this.mergeFailed(approvalId, change, err);
      }
      req = await step(
        ['approved', 'merging'],
        'merged',
        { mergeSha },
        `merged as ${mergeSha.slice(0, 7)}`,
      ).catch((err: unknown) => {
        throw this.mergedButUnrecorded(change, mergeSha, err);
      });
      change =
        (await this.changes
          .update(change.id, (c) => ({ ...c, state: 'merged', mergeSha, mergedBy: by }))
          .catch((err: unknown) => {
            throw this.mergedButUnrecorded(change, mergeSha, err);
          })) ?? change;
      this.log.info(
        { approval: approvalId, state: 'merged', pr: change.pr.number, sha: mergeSha, reconciled },
        'approval step',
      );
    }
    const mergeSha = String(req.payload.mergeSha ?? change.mergeSha);
    if (req.state === 'merged') {
      held();
      try {
        await this.afterMerge(req, change, mergeSha, approvers, who, thread, reconciled, step);
      } catch (err) {
        throw this.mergedButUnrecorded(change, mergeSha, err);
      }
    }
    return { sha: mergeSha, by, reconciled };
  }

  /**
   * A failure after the merge landed: the pull request is merged whatever else failed. A store
   * that went away reads as such — with what happened and that the sweep finishes it — never as
   * "nothing was done".
   */
  private mergedButUnrecorded(change: Change, sha: string, err: unknown): unknown {
    if (!(err instanceof UpstreamError && err.backend === 'store')) return err;
    return new UpstreamError(
      'store',
      'unreachable',
      `#${change.pr.number} was merged at ${sha.slice(0, 7)}, but deckhand's database is unavailable, so the merge is not recorded yet (${err.message.replace(/\.$/, '')}).`,
      {
        hint: 'A serving deckhand records it and starts following Argo CD once the database is back; nothing needs doing.',
      },
    );
  }

  /** Audit, comment, follow-up and the `following` step of a merged change (each idempotent). */
  private async afterMerge(
    req: ApprovalRequest,
    change: Change,
    mergeSha: string,
    approvers: string[],
    who: Carrier,
    thread: Conversation,
    reconciled: boolean,
    step: (
      from: ApprovalRequest['state'][],
      to: ApprovalRequest['state'],
      payload?: Record<string, unknown>,
      outcome?: string,
    ) => Promise<ApprovalRequest>,
  ): Promise<void> {
    const host = this.changes.host(change.repoURL);
    const by = approvers.at(-1) ?? who.id;
    // Resumed after the approval was recorded merged and the change was not (a death or a store
    // failure between the two writes): the change is marked now, which also tells the sinks.
    if (change.state !== 'merged')
      change =
        (await this.changes.update(change.id, (c) =>
          c.state === 'merged' ? c : { ...c, state: 'merged', mergeSha, mergedBy: by },
        )) ?? change;
    await this.recordMerge(change, mergeSha, approvers, who, reconciled);
    if (!req.payload.commented) {
      await host
        .comment(
          change.repoURL,
          change.pr.number,
          `Approved in chat by ${approvers.join(', ')} (${who.platform}) and merged by deckhand at ${mergeSha.slice(0, 7)}.`,
        )
        .catch((err: unknown) =>
          this.log.warn({ err: (err as Error).message }, 'could not comment on the pull request'),
        );
    }
    // The follow-up is stored before the step says so: a death in between repeats it (the same
    // id), never loses it.
    await this.followUps.begin({
      id: `fu_${change.id}`,
      app: change.app,
      instance: change.instance,
      revision: mergeSha,
      ...(change.awaitImage ? { image: change.awaitImage } : {}),
      conversation: thread,
      what: change.title.replace(`${change.app}: `, ''),
      changeId: change.id,
      deadlineMs: this.followMs,
    });
    await step(['merged'], 'following', { commented: true }, `merged by ${by} as ${mergeSha.slice(0, 7)}`);
    this.log.info({ approval: req.id, state: 'following', pr: change.pr.number }, 'approval step');
  }

  /**
   * Merge at the shown head. A merge that fails is looked at again: when the pull request is merged
   * after all (the answer was lost, or a dead owner's request landed late), that is the merge.
   */
  private async mergeOnce(
    host: ReturnType<ChangeService['host']>,
    change: Change,
    pr: { number: number },
    approvers: string[] = [],
  ): Promise<{ sha: string; reconciled: boolean }> {
    try {
      const merged = await host.mergePullRequest(change.repoURL, pr.number, {
        sha: change.headSha,
        method: this.mergeMethod,
        title: `${change.title} (#${pr.number})`,
        message: mergeMessage(change, approvers),
      });
      return { sha: merged.sha, reconciled: false };
    } catch (err) {
      const again = await host.getPullRequest(change.repoURL, pr.number).catch(() => undefined);
      if (again?.state === 'merged') return { sha: again.mergeSha ?? again.headSha, reconciled: true };
      throw err;
    }
  }

  /** The audit of a merge, once: a resumed step finds the entry its dead owner wrote. */
  private async recordMerge(
    change: Change,
    sha: string,
    approvers: string[],
    who: Carrier,
    reconciled: boolean,
  ): Promise<void> {
    const earlier = await this.audit.query({ app: change.app, kind: 'merge', since: change.createdAt });
    if (earlier.some((e) => (e.detail as { sha?: string } | undefined)?.sha === sha)) return;
    await this.audit.record({
      actor: who.id,
      platform: who.platform,
      ...(who.channel ? { channel: who.channel } : {}),
      kind: 'merge',
      name: 'pull-request',
      app: change.app,
      outcome: 'ok',
      detail: {
        pr: change.pr,
        sha,
        approvers,
        rule: change.rule,
        ...(reconciled ? { reconciled: true } : {}),
      },
    });
  }

  /**
   * A merge that did not happen, or may have: what to tell the person. Before the merge was asked
   * for, the approvers look again (or it failed for good). Once it was asked for (`merging`), the
   * host may have merged it and only the answer was lost: back to the approvers only when the pull
   * request is seen open at the shown head; otherwise the request stays `merging`, its lease runs
   * out, and a serving bot's sweep reads the pull request and records what happened.
   */
  private async mergeFailed(approvalId: string, change: Change, err: unknown): Promise<unknown> {
    if (err instanceof LeaseLostError) return err;
    const host = this.changes.host(change.repoURL);
    if (err instanceof HeadMovedError) {
      // The new head must be seen and approved again: show its diff.
      const files = await host.pullRequestDiff(change.repoURL, change.pr.number).catch(() => []);
      const diff = files.map((f) => `--- ${f.path}\n${f.patch}`).join('\n');
      await this.changes.update(change.id, (c) => ({
        ...c,
        headSha: err.currentSha ?? c.headSha,
        diff: diff || c.diff,
      }));
      await this.approvals.finish(
        approvalId,
        'pending',
        'branch moved; approve the new head',
        { headSha: err.currentSha, ...NOT_WHEN_READY },
        this.owner,
      );
      err.message = `${err.message} Nothing was merged; here is what the branch holds now — approve again if it is right.\n${trimLines(diff, 30).text}`;
      return err;
    }
    const now = await this.approvals.get(approvalId).catch(() => undefined);
    // A merge asked for when ready that the host refused after all (its answer lags what it
    // reported, or a rule deckhand cannot read): queued again, so the approvals stand; a third
    // refusal goes back to the approvers.
    if (
      now?.payload.whenReady &&
      err instanceof NotMergeableError &&
      (now.state === 'approved' || now.state === 'merging')
    ) {
      const tries = Number(now.payload.whenReadyTries ?? 0) + 1;
      if (tries < 3) {
        await this.approvals
          .step(approvalId, this.owner, ['approved', 'merging'], 'queued', {
            leaseMs: this.leaseMs,
            outcome: `the host refused the merge: ${err.message.replace(/\.$/, '')}`,
            payload: { whenReadyTries: tries },
          })
          .catch((e: unknown) =>
            // Left `approved` under this lease: the sweep takes it over once the lease runs out.
            this.log.warn(
              { err: (e as Error).message, approval: approvalId },
              'could not queue a refused merge again',
            ),
          );
        return err;
      }
    }
    if (now?.state === 'approved') {
      await this.approvals.finish(approvalId, 'pending', (err as Error).message, NOT_WHEN_READY, this.owner);
      return err;
    }
    if (now?.state === 'merging') {
      const pr = await host.getPullRequest(change.repoURL, change.pr.number).catch(() => undefined);
      if (pr?.state === 'open' && pr.headSha === change.headSha) {
        await this.approvals.finish(
          approvalId,
          'pending',
          (err as Error).message,
          NOT_WHEN_READY,
          this.owner,
        );
        return err;
      }
      return new UpstreamError(
        'git',
        'error',
        `Whether #${change.pr.number} was merged is not known yet: ${(err as Error).message.replace(/\.$/, '')}.`,
        {
          cause: err,
          hint: 'deckhand reads the pull request again within a minute and says in the thread what happened; do not merge it by hand meanwhile.',
        },
      );
    }
    return err;
  }

  /** The follow-up of a merged change ended: its approval is done. */
  private async followed(changeId: string, outcome: FollowUpOutcome): Promise<void> {
    const change = await this.changes.get(changeId);
    if (change?.approvalId)
      await this.approvals.finish(change.approvalId, 'done', `merged; rollout ${outcome}`);
  }

  /** Background work never rejects into nothing (FollowUps.guard does the same). */
  private guard(p: Promise<unknown>, what: string): void {
    p.catch((err: unknown) => {
      if (!this.stopped) this.log.warn({ err: (err as Error).message }, what);
    });
  }

  /**
   * Serve: resume, now and every `everyMs`, the merges whose process died (their lease ran out),
   * and close the approvals whose follow-up ended while nobody listened. What a resumed merge did
   * is said in the card's thread. A one-shot process does not call this.
   */
  start(everyMs = 15_000): void {
    this.stopped = false;
    // A store or Git outage is one warning and a backoff, not a warning every tick.
    this.sweeper = startLoop(
      new LoopHealth('approval sweep', this.log, { baseMs: everyMs }),
      () => this.reconcile(),
      {
        runNow: true,
      },
    );
  }

  stop(): void {
    this.stopped = true;
    this.sweeper?.stop();
  }

  /** One sweep (start runs it): every stuck approval is taken over and carried on. */
  async reconcile(): Promise<number> {
    let resumed = 0;
    for (const req of await this.approvals.list((r) => this.approvals.stuck(r) || r.state === 'following')) {
      if (this.stopped) break;
      if (req.state === 'following') {
        const change = await this.changes.get(String(req.payload.changeId));
        if (change && !(await this.followUps.has(`fu_${change.id}`)))
          await this.approvals.finish(req.id, 'done', req.outcome ?? 'merged');
        continue;
      }
      if (req.stateAt === undefined && this.clock.now() - req.createdAt > LEGACY_RESUME_MS) {
        // Left `executing` by a release before these steps were recorded, long ago: carrying it
        // on now would comment on an old pull request and follow an old revision. Say so instead.
        await this.approvals.finish(
          req.id,
          'failed',
          'interrupted before deckhand recorded its steps; check the pull request by hand',
        );
        continue;
      }
      const mine = await this.approvals.claim(req.id, this.owner, this.leaseMs);
      if (!mine) continue;
      resumed++;
      await this.resume(mine).catch((err: unknown) =>
        this.log.warn(
          { err: (err as Error).message, approval: req.id },
          'could not resume an approved change',
        ),
      );
    }
    // Approvals waiting for their checks: merged once the host holds them no longer. Last, so a
    // host that cannot be read (thrown: the loop backs off) keeps no stuck merge from resuming.
    if (!this.stopped) resumed += await this.whenReady.sweep();
    return resumed;
  }

  /** Carry on a claimed approval and say in its thread what came of it. */
  private async resume(req: ApprovalRequest): Promise<void> {
    const { change } = await this.load(req.id);
    const thread = this.threadOf(req, change);
    const ids = (req.payload.buttons ?? {}) as CardButtons;
    this.log.info(
      { approval: req.id, pr: change.pr.number, state: req.state },
      'resuming an approved change',
    );
    try {
      const m = await this.carryOut(req.id, { id: 'deckhand', platform: thread.platform }, thread);
      const done = (await this.changes.get(change.id)) ?? change;
      const outcome = `✅ Merged by ${m.by} at ${code(m.sha.slice(0, 7))}; following Argo CD.`;
      if (req.message)
        await this.chat
          ?.update(
            req.message,
            proposalCard(done, await this.approvals.get(req.id), ids, this.clock.now(), outcome),
          )
          .catch(() => undefined);
      await this.chat?.post(thread, {
        text: `${m.reconciled ? `#${change.pr.number} was merged at ${m.sha.slice(0, 7)}` : `Merged #${change.pr.number} at ${m.sha.slice(0, 7)}`} (the process carrying out ${m.by}'s approval stopped; deckhand resumed it). Following ${change.app} in Argo CD…`,
        tone: 'info',
      });
    } catch (err) {
      if (err instanceof LeaseLostError) return;
      await this.chat
        ?.post(thread, {
          text: `The merge of #${change.pr.number} that ${req.approvals.at(-1)?.by ?? 'someone'} approved did not complete: ${(err as Error).message}`,
          tone: 'warn',
        })
        .catch(() => undefined);
      throw err;
    }
  }

  /**
   * The open proposal behind a pull request number, for the `gitops approve|reject|withdraw <pr>`
   * commands. Numbers are per repository: when two repositories have one, `app` tells them apart.
   */
  async proposalFor(
    pr: number,
    app?: string,
  ): Promise<{ change: Change; approvalId: string; card?: MessageRef }> {
    const found = await this.changes.list(
      (c) => c.pr.number === pr && (!app || c.app === app) && c.state === 'open' && !!c.approvalId,
    );
    if (found.length === 0)
      throw new NotFoundError(
        `No open deckhand pull request #${pr}${app ? ` for ${app}` : ''}. \`gitops prs\` lists them.`,
      );
    if (found.length > 1)
      throw new ConflictError(
        `#${pr} is open in ${found.length} repositories (${found.map((c) => c.app).join(', ')}); name the app: \`gitops approve ${pr} --app <app>\`.`,
      );
    const change = found[0] as Change;
    const req = await this.approvals.get(change.approvalId as string);
    return {
      change,
      approvalId: change.approvalId as string,
      ...(req?.message ? { card: req.message } : {}),
    };
  }

  /** Where the proposal's card lives: the scope a decision is checked against. */
  scopeOf(c: Change): { app: string; project: string } {
    return this.scope(c);
  }

  /**
   * The requester takes back their own proposal: the pull request is closed with a comment, the
   * approval ends, nothing is merged. Anyone else rejects instead (which needs gitops.approve).
   */
  async withdraw(approvalId: string, actor: Actor): Promise<{ update: Message; reply: Message }> {
    const { change } = await this.load(approvalId);
    if (change.requester !== actor.id)
      throw new ConflictError(
        `Only ${change.requester}, who asked for #${change.pr.number}, can withdraw it; an approver can reject it.`,
      );
    return this.close(approvalId, change, actor, {
      reason: 'withdrawn by the requester',
      comment: `Withdrawn in chat by ${actor.id}, who asked for it; closed by deckhand.`,
      audit: 'withdrawn',
      card: `↩️ Withdrawn by ${actor.id}; pull request closed.`,
      reply: { text: `Withdrew #${change.pr.number} and closed it.`, tone: 'info' },
    });
  }

  async reject(approvalId: string, actor: Actor): Promise<{ update: Message; reply: Message }> {
    const { change } = await this.load(approvalId);
    return this.close(approvalId, change, actor, {
      reason: 'rejected in chat',
      comment: `Rejected in chat by ${actor.id}; closed by deckhand.`,
      audit: 'rejected',
      card: `🚫 Rejected by ${actor.id}; pull request closed.`,
      reply: { text: `Rejected #${change.pr.number} and closed it.`, tone: 'warn' },
    });
  }

  /** End the approval, close the pull request with a comment, record it, and say so on the card. */
  private async close(
    approvalId: string,
    change: Change,
    actor: Actor,
    words: { reason: string; comment: string; audit: string; card: string; reply: Message },
  ): Promise<{ update: Message; reply: Message }> {
    const req = await this.approvals.reject(approvalId, actor, words.reason);
    const host = this.changes.host(change.repoURL);
    await host.comment(change.repoURL, change.pr.number, words.comment).catch(() => undefined);
    await host.closePullRequest(change.repoURL, change.pr.number);
    const closed = (await this.changes.update(change.id, (c) => ({ ...c, state: 'closed' }))) as Change;
    await this.audit.record({
      actor: actor.id,
      platform: actor.platform,
      kind: 'pull-request',
      name: words.audit,
      app: change.app,
      outcome: 'ok',
      detail: { pr: change.pr },
    });
    return { update: proposalCard(closed, req, {}, this.clock.now(), words.card), reply: words.reply };
  }
}
