/**
 * What people do to deckhand's pull requests on the Git host, outside chat: merged or closed there,
 * reopened, pushed to, reviewed, commented on. Learned from the host's webhooks (github-webhook.ts)
 * or, for a host without them, by reading the open pull requests now and then (poll). Each is
 * recorded in the audit and said in the change's thread; a merge or a close ends the card's
 * decision (its buttons go), and a merge starts the follow-up as a merge in chat does.
 */
import type { ApprovalRequest, ApprovalService } from '../../core/approvals.ts';
import type { ChatService } from '../../core/chat.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logging.ts';
import { code, esc, truncate } from '../../core/message/markup.ts';
import type { Conversation } from '../../core/message/model.ts';
import type { AuditLog } from '../../core/store/types.ts';
import type { Change, ChangeService } from './changes.ts';
import type { FollowUps } from './followup.ts';
import { repoKey } from './hosts/repo-url.ts';
import { proposalCard, threadOf, type CardButtons } from './proposal-card.ts';

export interface HostEvent {
  repoURL: string;
  number: number;
  kind: 'merged' | 'closed' | 'reopened' | 'pushed' | 'reviewed' | 'commented';
  /** The account that did it, as the host names it. */
  by: string;
  /** The host's name for messages: GitHub, GitLab. */
  host: string;
  mergeSha?: string;
  headSha?: string;
  /** A review's verdict (approved, changes_requested, commented), or a comment's text. */
  text?: string;
  url?: string;
}

/** The checks on a head moved (a check run, a commit status, a pipeline): cards and queued merges look again. */
export interface ChecksEvent {
  kind: 'checks';
  repoURL: string;
  host: string;
  headSha: string;
  /** The pull requests the host says the head belongs to, when it says. */
  numbers?: number[];
}

/** How long deckhand's own merge (auto-merge, remediation) is taken to be under way. */
const SELF_MERGE_MS = 5 * 60_000;

/** Approval states in which deckhand itself is merging: what the host reports then is its own doing. */
const MERGING: ApprovalRequest['state'][] = ['approved', 'merging', 'merged', 'following'];

export class HostEvents {
  private readonly deps: {
    changes: Pick<ChangeService, 'list' | 'update' | 'host' | 'get'>;
    approvals: Pick<ApprovalService, 'get' | 'finish'>;
    followUps: Pick<FollowUps, 'begin'>;
    /** The checks of a change may have moved: its card and a queued merge look again. */
    checksChanged?: (change: Change, opts?: { headSha?: string }) => Promise<string>;
    chat?: Pick<ChatService, 'update' | 'post'>;
    audit: AuditLog;
    clock: Clock;
    log: Logger;
    followMs: number;
  };

  constructor(deps: HostEvents['deps']) {
    this.deps = deps;
  }

  /** Act on one event; returns what came of it (the webhook's answer and the log say it). */
  async handle(e: HostEvent | ChecksEvent): Promise<string> {
    if (e.kind === 'checks') return this.checks(e);
    const { changes, approvals } = this.deps;
    const change = (
      await changes.list((c) => c.pr.number === e.number && repoKey(c.repoURL) === repoKey(e.repoURL))
    )[0];
    if (!change) return 'not a deckhand pull request';
    const req = change.approvalId ? await approvals.get(change.approvalId) : undefined;
    const thread = req ? threadOf(req, change) : change.conversation;
    const where = `on ${e.host}`;
    // What merges, closes or reopens is read back from the host before it is acted on: a delivery
    // is signed, but an old one sent again (under a new delivery id) must not undo the present.
    const confirm = async (state: 'merged' | 'closed' | 'open') => {
      const pr = await changes.host(change.repoURL).getPullRequest(change.repoURL, change.pr.number);
      return pr.state === state ? pr : undefined;
    };
    switch (e.kind) {
      case 'merged': {
        // deckhand's own auto-merge is written down before it is asked for; one that began long
        // ago and never finished (the process died) is left for this to record.
        const merging =
          change.selfMerge !== undefined && this.deps.clock.now() - change.selfMerge < SELF_MERGE_MS;
        if (change.state === 'merged' || merging || (req && MERGING.includes(req.state)))
          return 'merged by deckhand';
        const pr = await confirm('merged');
        if (!pr) return 'the host says it is not merged';
        // Some hosts' events leave the merge commit out (GitLab's, at times): the host says it.
        const sha = pr.mergeSha ?? e.mergeSha;
        if (!sha) return 'merged, but the host gave no merge commit';
        let mine = false;
        const merged = await changes.update(change.id, (c) => {
          mine = c.state === 'open';
          return mine ? { ...c, state: 'merged', mergeSha: sha, mergedBy: `${e.by} ${where}` } : c;
        });
        if (!mine || !merged) return 'already recorded';
        await this.audited(e, change, 'merged', { sha });
        const outcome = `✅ Merged by ${esc(e.by)} ${where} at ${code(sha.slice(0, 7))}; following Argo CD.`;
        await this.settle(req, merged, 'done', `merged by ${e.by} ${where}`, outcome);
        await this.say(
          thread,
          `#${change.pr.number} was merged by ${e.by} ${where} at ${sha.slice(0, 7)}. Following ${change.app} in Argo CD…`,
          'info',
        );
        await this.deps.followUps.begin({
          id: `fu_${change.id}`,
          app: change.app,
          instance: change.instance,
          revision: sha,
          ...(change.awaitImage ? { image: change.awaitImage } : {}),
          conversation: thread,
          what: change.title.replace(`${change.app}: `, ''),
          changeId: change.id,
          deadlineMs: this.deps.followMs,
        });
        return 'merged: following';
      }
      case 'closed': {
        // Rejected in chat: deckhand closes it itself.
        if (change.state !== 'open' || req?.state === 'rejected') return 'closed by deckhand';
        if (!(await confirm('closed'))) return 'the host says it is not closed';
        let mine = false;
        const closed = await changes.update(change.id, (c) => {
          mine = c.state === 'open';
          return mine ? { ...c, state: 'closed' } : c;
        });
        if (!mine || !closed) return 'already recorded';
        await this.audited(e, change, 'closed');
        await this.settle(
          req,
          closed,
          'failed',
          `closed by ${e.by} ${where}`,
          `✖ Closed by ${esc(e.by)} ${where} without merging.`,
        );
        await this.say(
          thread,
          `#${change.pr.number} was closed by ${e.by} ${where} without merging; nothing changes.`,
          'warn',
        );
        return 'closed';
      }
      case 'reopened': {
        if (change.state !== 'closed') return 'already open';
        if (!(await confirm('open'))) return 'the host says it is not open';
        let mine = false;
        await changes.update(change.id, (c) => {
          mine = c.state === 'closed';
          return mine ? { ...c, state: 'open' } : c;
        });
        if (!mine) return 'already open';
        await this.audited(e, change, 'reopened');
        await this.say(
          thread,
          `#${change.pr.number} was reopened by ${e.by} ${where}. It is merged on the host, or proposed again in chat to be approved here.`,
          'info',
        );
        return 'reopened';
      }
      case 'pushed': {
        if (change.state !== 'open' || !e.headSha || e.headSha === change.headSha) return 'nothing new';
        await this.audited(e, change, 'pushed', { headSha: e.headSha });
        await this.say(
          thread,
          `${e.by} pushed to ${change.branch} ${where} (now ${e.headSha.slice(0, 7)}). Approving in chat shows the new diff first; nothing unseen is merged.`,
          'warn',
        );
        return 'pushed';
      }
      case 'reviewed':
      case 'commented': {
        await this.audited(e, change, e.kind, e.text ? { text: truncate(e.text, 200) } : {});
        const what =
          e.kind === 'reviewed'
            ? `reviewed #${change.pr.number} ${where}: ${(e.text ?? 'commented').replace(/_/g, ' ')}`
            : `commented on #${change.pr.number} ${where}: ${truncate(e.text ?? '', 300)}`;
        await this.say(thread, `${e.by} ${what}`, 'info');
        return e.kind;
      }
    }
  }

  /** Per change, the look under way and whether another event came meanwhile (one more look then). */
  private readonly looking = new Map<string, { done: Promise<void>; again: boolean }>();

  /**
   * Checks moved on a head: each open deckhand pull request at that head looks again, after the
   * answer (a merge takes longer than the host waits for a delivery). A burst of events for one
   * change makes one look under way and at most one after it.
   */
  private async checks(e: ChecksEvent): Promise<string> {
    const look = this.deps.checksChanged;
    if (!look) return 'checks are not followed';
    const found = await this.deps.changes.list(
      (c) =>
        c.state === 'open' &&
        repoKey(c.repoURL) === repoKey(e.repoURL) &&
        (c.headSha === e.headSha || (e.numbers ?? []).includes(c.pr.number)),
    );
    if (!found.length) return 'not a deckhand pull request';
    for (const change of found) this.lookAgain(change, look);
    return `looking again at ${found.map((c) => `#${c.pr.number}`).join(', ')}`;
  }

  private lookAgain(change: Change, look: (c: Change) => Promise<string>): void {
    const under = this.looking.get(change.id);
    if (under) {
      under.again = true;
      return;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      do {
        entry.again = false;
        // Read afresh each pass: the change may have moved on (a new head recorded, merged).
        const now = await this.deps.changes.get(change.id).catch(() => change);
        if (!now || now.state !== 'open') break;
        const outcome = await look(now).catch((err: unknown) => {
          this.deps.log.warn(
            { err: (err as Error).message, pr: change.pr.number },
            'could not look at the checks again',
          );
          return 'failed';
        });
        this.deps.log.info({ pr: change.pr.number, outcome }, 'checks moved');
      } while (entry.again);
    })().finally(() => this.looking.delete(change.id));
    this.looking.set(change.id, entry);
  }

  /** Once every look that checks events started has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.looking.size) await Promise.all([...this.looking.values()].map((l) => l.done));
  }

  /**
   * For hosts without webhooks: read each open deckhand pull request that deckhand is not merging
   * itself, and act on what happened to it. Returns how many had changed.
   */
  async poll(serves: (repoURL: string) => boolean, signal?: AbortSignal): Promise<number> {
    let moved = 0;
    for (const change of await this.deps.changes.list((c) => c.state === 'open' && serves(c.repoURL))) {
      signal?.throwIfAborted();
      // One pull request the host will not show (gone, the App not installed) does not stop the rest.
      try {
        const req = change.approvalId ? await this.deps.approvals.get(change.approvalId) : undefined;
        if (req && MERGING.includes(req.state)) continue;
        const host = this.deps.changes.host(change.repoURL, signal);
        const pr = await host.getPullRequest(change.repoURL, change.pr.number);
        if (pr.state === 'open') {
          // Its checks may have moved meanwhile: the card follows, a queued merge goes ahead.
          // (Only while they may still move: the host's rate limit is shared with every other call.)
          if (this.deps.checksChanged) await this.deps.checksChanged(change, { headSha: pr.headSha });
          continue;
        }
        const outcome = await this.handle({
          repoURL: change.repoURL,
          number: change.pr.number,
          kind: pr.state === 'merged' ? 'merged' : 'closed',
          by: pr.mergedBy ?? 'someone',
          host: host.name,
          ...(pr.mergeSha ? { mergeSha: pr.mergeSha } : {}),
        });
        if (outcome.startsWith('merged:') || outcome === 'closed') moved++;
      } catch (err) {
        if (signal?.aborted) throw err;
        this.deps.log.warn(
          { err: (err as Error).message, pr: change.pr.number },
          'could not read a pull request',
        );
      }
    }
    return moved;
  }

  /** End the card's decision: the approval is settled and the card loses its buttons. */
  private async settle(
    req: ApprovalRequest | undefined,
    change: Change,
    state: 'done' | 'failed',
    outcome: string,
    text: string,
  ): Promise<void> {
    if (!req) return;
    // Only a decision still open is ended here: one under way in chat is left to finish.
    const now = await this.deps.approvals.finish(req.id, state, outcome, undefined, undefined, [
      'pending',
      'queued',
      'expired',
    ]);
    if (!now || now.state !== state) return;
    const ids = (req.payload.buttons ?? {}) as CardButtons;
    if (req.message)
      await this.deps.chat
        ?.update(req.message, proposalCard(change, now ?? req, ids, this.deps.clock.now(), text))
        .catch((err: unknown) =>
          this.deps.log.warn({ err: (err as Error).message }, 'could not update the card'),
        );
  }

  /** Say it in the thread, as plain text: logins and comments come from anyone on the host. */
  private async say(thread: Conversation, text: string, tone: 'info' | 'warn'): Promise<void> {
    await this.deps.chat
      ?.post(thread, { text: esc(text), tone })
      .catch((err: unknown) =>
        this.deps.log.warn({ err: (err as Error).message }, 'could not post in the thread'),
      );
  }

  private audited(e: HostEvent, change: Change, outcome: string, detail: Record<string, unknown> = {}) {
    return this.deps.audit.record({
      actor: e.by,
      platform: e.host.toLowerCase(),
      kind: 'pull-request',
      name: `host.${e.kind}`,
      app: change.app,
      outcome,
      detail: { pr: change.pr, change: change.id, ...detail },
    });
  }
}
