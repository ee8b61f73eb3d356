/**
 * From a proposal to a live change: post the card with [Approve & merge] [Reject] [View diff],
 * record decisions through the approval service (four eyes, policies, expiry), merge at the head
 * commit that was shown, comment on the pull request, update the card in place, and hand over to
 * the follow-up. Button handlers live here; their parameters are ids, resolved in the store.
 */
import { z } from 'zod';
import type { Actor } from '../../core/access.ts';
import { defineAction, type ActionRequest, type ActionSpec } from '../../core/actions.ts';
import type { ApprovalRequest, ApprovalService } from '../../core/approvals.ts';
import type { Clock } from '../../core/clock.ts';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { Logger } from '../../core/logging.ts';
import { code, trimLines } from '../../core/message/markup.ts';
import type { Conversation, Message, MessageRef } from '../../core/message/model.ts';
import type { AuditLog } from '../../core/store/types.ts';
import type { ArgoService, ResolvedApp } from '../argocd/index.ts';
import { trackedBranch, type Change, type ChangeService } from './changes.ts';
import type { FollowUp, FollowUpOutcome, FollowUps } from './followup.ts';
import { HeadMovedError, NotMergeableError } from './hosts/errors.ts';
import type { Intent } from './intents.ts';
import { proposalCard, type CardButtons } from './proposal-card.ts';

export interface TurnTools {
  actor: Actor;
  conversation: Conversation;
  say(m: Message): Promise<MessageRef>;
  button(req: ActionRequest): Promise<string>;
}

/** Told when the follow-up of a merged change ends (remediation settles its guardrails here). */
export type FollowUpListener = (f: FollowUp, outcome: FollowUpOutcome) => void;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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
  }) {
    this.changes = deps.changes;
    this.approvals = deps.approvals;
    this.argo = deps.argo;
    this.followUps = deps.followUps;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.log = deps.log;
    this.mergeMethod = deps.mergeMethod;
    this.followMs = deps.followMs;
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
  followUpDone(f: FollowUp, outcome: FollowUpOutcome): void {
    for (const fn of this.listeners) {
      try {
        fn(f, outcome);
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
    const { repoURL } = trackedBranch(r);
    const host = this.changes.host(repoURL);
    const mine = new RegExp(`^deckhand/[a-z-]+/${escapeRe(r.app.metadata.name)}-[0-9a-f]{7}$`);
    const open = await host.listPullRequests(repoURL, { state: 'open', headPrefix: 'deckhand/' });
    const pr = open.find((p) => mine.test(p.headBranch));
    return pr ? { number: pr.number, url: pr.url, title: pr.title } : undefined;
  }

  /**
   * Open the pull request and merge it at once, without an approval in chat: for the changes a
   * team allow-listed as remediation rules. The rule is recorded on the change, in the pull
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
      rule: string;
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
      detail: { pr: change.pr, intent, rule: opts.rule, decidedBy: opts.decidedBy, automatic: true },
    });
    if (existing || change.state !== 'open')
      throw new ConflictError(
        `#${change.pr.number} already proposes this change (${change.pr.url}); it is left to its approvers.`,
      );
    const host = this.changes.host(change.repoURL);
    const merged = await host.mergePullRequest(change.repoURL, change.pr.number, {
      sha: change.headSha,
      method: this.mergeMethod,
      title: `${change.title} (#${change.pr.number})`,
    });
    await host
      .comment(
        change.repoURL,
        change.pr.number,
        `Merged automatically by deckhand at ${merged.sha.slice(0, 7)}: the remediation rule \`${opts.rule}\` allows this change (${opts.decidedBy}).`,
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
      conversation: t.conversation,
      what: change.title.replace(`${change.app}: `, ''),
      changeId: change.id,
      deadlineMs: opts.deadlineMs ?? this.followMs,
    });
    return { change: done, sha: merged.sha };
  }

  /** Open (or find) the pull request and post its card; returns nothing more to say. */
  async propose(
    t: TurnTools,
    r: ResolvedApp,
    intent: Intent,
    opts: { reason?: string; rule?: string } = {},
  ): Promise<Message | undefined> {
    const { change, existing } = await this.changes.propose({
      r,
      intent,
      actor: t.actor,
      conversation: t.conversation,
      ...opts,
    });
    await this.audit.record({
      actor: t.actor.id,
      platform: t.actor.platform,
      channel: t.conversation.channel,
      kind: 'pull-request',
      name: existing ? 'found' : 'opened',
      app: change.app,
      outcome: 'ok',
      detail: { pr: change.pr, intent, rule: opts.rule },
    });
    const req = change.approvalId ? await this.approvals.get(change.approvalId) : undefined;
    if (existing && req && req.state === 'pending') {
      return {
        text: `That change is already proposed: #${change.pr.number} (${change.pr.url}), waiting for approval.`,
        tone: 'info',
        data: { change: { id: change.id, pr: change.pr, existing: true } },
      };
    }
    const approval = await this.approvals.create({
      kind: 'gitops.change',
      subject: { app: change.app, project: change.project, title: change.title },
      requester: t.actor.id,
      payload: { changeId: change.id },
    });
    await this.changes.update(change.id, (c) => ({ ...c, approvalId: approval.id }));
    const ids = await this.buttons(t, change, approval.id, approval.expiresAt - this.clock.now());
    const ref = await t.say(
      proposalCard({ ...change, approvalId: approval.id }, approval, ids, this.clock.now()),
    );
    await this.approvals.patch(approval.id, (a) => ({
      ...a,
      message: ref,
      payload: { ...a.payload, buttons: ids },
    }));
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
        run: async (ctx) => this.approve(ctx.params.approvalId, ctx.actor, ctx.source, ctx.conversation),
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

  async approve(
    approvalId: string,
    actor: Actor,
    source: MessageRef | undefined,
    conversation: Conversation,
  ): Promise<{ update?: Message; reply?: Message }> {
    const { req, change } = await this.load(approvalId);
    const ids = (req.payload.buttons ?? {}) as CardButtons;
    const decision = await this.approvals.approve(approvalId, actor);
    if (decision.outcome === 'recorded') {
      return {
        update: proposalCard(change, decision.request, ids, this.clock.now()),
        reply: {
          text: `${actor.id} approved #${change.pr.number}; ${decision.remaining} more approval${decision.remaining === 1 ? '' : 's'} needed.`,
          tone: 'info',
        },
      };
    }
    const host = this.changes.host(change.repoURL);
    try {
      const pr = await host.getPullRequest(change.repoURL, change.pr.number);
      if (pr.state !== 'open') {
        await this.approvals.finish(approvalId, 'failed', `pull request is ${pr.state}`);
        await this.changes.update(change.id, (c) => ({
          ...c,
          state: pr.state === 'merged' ? 'merged' : 'closed',
        }));
        throw new ConflictError(`Pull request #${pr.number} is already ${pr.state}; nothing to merge.`);
      }
      if (pr.headSha !== change.headSha)
        throw new HeadMovedError(
          `Someone pushed to ${change.branch} after the change was shown.`,
          pr.headSha,
        );
      const merged = await host.mergePullRequest(change.repoURL, change.pr.number, {
        sha: change.headSha,
        method: this.mergeMethod,
        title: `${change.title} (#${change.pr.number})`,
      });
      const approvers = [...decision.request.approvals.map((a) => a.by)];
      await host
        .comment(
          change.repoURL,
          change.pr.number,
          `Approved in chat by ${approvers.join(', ')} (${actor.platform}) and merged by deckhand at ${merged.sha.slice(0, 7)}.`,
        )
        .catch((err: unknown) =>
          this.log.warn({ err: (err as Error).message }, 'could not comment on the pull request'),
        );
      const outcome = `✅ Merged by ${actor.id} at ${code(merged.sha.slice(0, 7))}; following Argo CD.`;
      await this.approvals.finish(approvalId, 'done', `merged by ${actor.id} as ${merged.sha.slice(0, 7)}`);
      const done = (await this.changes.update(change.id, (c) => ({
        ...c,
        state: 'merged',
        mergeSha: merged.sha,
        mergedBy: actor.id,
      }))) as Change;
      await this.audit.record({
        actor: actor.id,
        platform: actor.platform,
        channel: conversation.channel,
        kind: 'merge',
        name: 'pull-request',
        app: change.app,
        outcome: 'ok',
        detail: { pr: change.pr, sha: merged.sha, approvers, rule: change.rule },
      });
      const thread: Conversation = source
        ? { platform: source.platform, channel: source.channel, thread: source.thread ?? source.id }
        : conversation;
      void this.followUps.follow({
        id: `fu_${change.id}`,
        app: change.app,
        instance: change.instance,
        revision: merged.sha,
        conversation: thread,
        what: change.title.replace(`${change.app}: `, ''),
        changeId: change.id,
        deadlineMs: this.followMs,
      });
      return {
        update: proposalCard(done, await this.approvals.get(approvalId), ids, this.clock.now(), outcome),
        reply: {
          text: `Merged #${change.pr.number} at ${merged.sha.slice(0, 7)}. Following ${change.app} in Argo CD…`,
          tone: 'info',
          placement: 'thread',
        },
      };
    } catch (err) {
      if (err instanceof HeadMovedError) {
        // The new head must be seen and approved again: show its diff.
        const files = await host.pullRequestDiff(change.repoURL, change.pr.number).catch(() => []);
        const diff = files.map((f) => `--- ${f.path}\n${f.patch}`).join('\n');
        await this.changes.update(change.id, (c) => ({
          ...c,
          headSha: err.currentSha ?? c.headSha,
          diff: diff || c.diff,
        }));
        await this.approvals.finish(approvalId, 'pending', 'branch moved; approve the new head', {
          headSha: err.currentSha,
        });
        throw new HeadMovedError(
          `${err.message} Nothing was merged; here is what the branch holds now — approve again if it is right.\n${trimLines(diff, 30).text}`,
          err.currentSha,
        );
      }
      if (err instanceof NotMergeableError) {
        await this.approvals.finish(approvalId, 'pending', err.message);
        throw err;
      }
      if (!(err instanceof ConflictError))
        await this.approvals.finish(approvalId, 'pending', (err as Error).message);
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
