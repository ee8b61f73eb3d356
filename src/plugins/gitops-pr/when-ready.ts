/**
 * "Merge when ready": an approval given while the host holds the merge back (required checks
 * running or failed, reviews it wants) is queued instead of refused, and carried out once the
 * host says nothing holds it any more. Also keeps each open card's checks current.
 *
 * What the host says is read again on each of its check events (webhooks: check_run, status,
 * GitLab pipelines), on the host poll, and on the approval sweep for queued approvals, so a bot
 * without webhooks still merges within a sweep of the checks passing.
 */
import { LeaseLostError, type ApprovalRequest, type ApprovalService } from '../../core/approvals.ts';
import type { ChatService } from '../../core/chat.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logging.ts';
import { code, esc } from '../../core/message/markup.ts';
import type { Conversation } from '../../core/message/model.ts';
import type { AuditLog } from '../../core/store/types.ts';
import type { Change, ChangeService } from './changes.ts';
import type { MergeReadiness } from './hosts/types.ts';
import { holdText, judge, sameReadiness } from './merge-readiness.ts';
import { proposalCard, threadOf, type CardButtons } from './proposal-card.ts';

const UNREAD = 'the host could not be read';
/** How often the sweep reads a queued approval's host (webhooks' check events come sooner). */
const SWEEP_EVERY_MS = 60_000;

export interface Carried {
  sha: string;
  by: string;
  reconciled: boolean;
}

export class WhenReady {
  /** When each queued approval was last looked at by the sweep. */
  private readonly looked = new Map<string, number>();
  /** Whether the last sweep could read no host at all. */
  private down = false;
  private readonly d: {
    changes: Pick<ChangeService, 'get' | 'host'>;
    approvals: Pick<ApprovalService, 'get' | 'patch' | 'dequeue' | 'expire' | 'list'>;
    chat?: Pick<ChatService, 'update' | 'post'>;
    clock: Clock;
    audit: AuditLog;
    log: Logger;
    owner: string;
    leaseMs: number;
    /** Whether the bot is stopping: nothing is merged then (a replica or the next start does it). */
    stopped?: () => boolean;
    /** The workflow's steps after a decision (merge, comment, follow-up), under the lease. */
    carryOut: (
      approvalId: string,
      who: { id: string; platform: string },
      thread: Conversation,
    ) => Promise<Carried>;
  };

  constructor(deps: WhenReady['d']) {
    this.d = deps;
  }

  /** What the host says now; undefined when it cannot be read (the merge itself then tells). */
  async read(change: Change): Promise<MergeReadiness | undefined> {
    try {
      return await this.d.changes.host(change.repoURL).mergeReadiness(change.repoURL, change.pr.number);
    } catch (err) {
      // Debug only: the sweep warns once for an outage, and a press's merge says what the host says.
      this.d.log.debug(
        { err: (err as Error).message, pr: change.pr.number },
        'could not read what holds a merge',
      );
      return undefined;
    }
  }

  /**
   * Every queued approval looked at (the approval sweep), each at most once a minute: check events
   * from the host's webhook say sooner when one moves. A host that answers none of them is one
   * warning, not one every sweep.
   */
  async sweep(): Promise<number> {
    let merged = 0;
    let unread = 0;
    const now = this.d.clock.now();
    const queued = await this.d.approvals.list((r) => r.state === 'queued');
    for (const id of this.looked.keys()) if (!queued.some((r) => r.id === id)) this.looked.delete(id);
    const due = queued.filter(
      (r) => now - (this.looked.get(r.id) ?? 0) >= SWEEP_EVERY_MS || r.expiresAt <= now,
    );
    for (const req of due) {
      this.looked.set(req.id, now);
      const change = await this.d.changes.get(String(req.payload.changeId));
      const outcome = change ? await this.checked(change) : 'gone';
      if (outcome === 'merged') merged++;
      if (outcome === UNREAD) unread++;
    }
    const down = due.length > 0 && unread === due.length;
    if (down && !this.down)
      this.d.log.warn({ queued: due.length }, 'could not read the checks of the queued merges');
    if (due.length) this.down = down;
    return merged;
  }

  /**
   * The host's checks or hold may have changed for this change: its card shows what is so now,
   * and a queued approval is merged once nothing holds it, or ends when it has waited too long.
   */
  async checked(
    change: Change,
    /** The host's head now, when the caller read it: a pending card whose checks all ended at this head is not read again. */
    opts: { headSha?: string } = {},
  ): Promise<string> {
    const req = change.approvalId ? await this.d.approvals.get(change.approvalId) : undefined;
    if (change.state !== 'open' || !req || (req.state !== 'pending' && req.state !== 'queued'))
      return 'nothing waits on its checks';
    const last = req.payload.readiness as MergeReadiness | undefined;
    if (
      opts.headSha &&
      req.state === 'pending' &&
      last?.headSha === opts.headSha &&
      last.checks.length > 0 &&
      last.checks.every((c) => c.state === 'success' || c.state === 'failure') &&
      !last.computing &&
      !last.blocked
    )
      return 'settled';
    if (req.state === 'queued' && req.expiresAt <= this.d.clock.now()) {
      // Only the process whose update expired it says so (another may have merged it meanwhile).
      if (!(await this.d.approvals.expire(req.id))) return 'no longer queued';
      await this.card(
        req.id,
        change,
        `⌛ Expired while waiting to merge (${esc(req.outcome ?? 'checks')}); \`gitops renew ${change.pr.number}\` asks again.`,
      );
      await this.say(
        req,
        change,
        `#${change.pr.number} was not merged: it waited past its approval's expiry (${req.outcome ?? 'checks'}).`,
        'warn',
      );
      return 'expired';
    }
    const readiness = await this.read(change);
    if (!readiness) return UNREAD;
    const judged = judge(readiness);
    const hold = holdText(judged);
    const moved = !sameReadiness(readiness, req.payload.readiness as MergeReadiness | undefined);
    if (moved || (req.state === 'queued' && hold && hold !== req.outcome))
      await this.d.approvals.patch(req.id, (a) => ({
        ...a,
        payload: { ...a.payload, readiness },
        ...(a.state === 'queued' && hold ? { outcome: hold } : {}),
      }));
    // A new head was pushed: the merge steps see it and send the change back to its approvers. A
    // host still working out whether it can merge is asked again later.
    if (
      req.state === 'queued' &&
      ((judged.ready && !readiness.computing) || readiness.headSha !== change.headSha)
    )
      return this.merge(req, change);
    if (moved) await this.card(req.id, change);
    return moved ? 'card updated' : 'unchanged';
  }

  private async merge(req: ApprovalRequest, change: Change): Promise<string> {
    if (this.d.stopped?.()) return 'stopping';
    const mine = await this.d.approvals.dequeue(req.id, this.d.owner, this.d.leaseMs);
    if (!mine) return 'taken by another process';
    const thread = threadOf(mine, change);
    const who = { id: mine.approvals.at(-1)?.by ?? 'deckhand', platform: thread.platform };
    try {
      const m = await this.d.carryOut(req.id, who, thread);
      const outcome = `✅ Merged by ${esc(m.by)} when ready at ${code(m.sha.slice(0, 7))}; following Argo CD.`;
      await this.card(req.id, (await this.d.changes.get(change.id)) ?? change, outcome);
      await this.say(
        mine,
        change,
        `Nothing holds #${change.pr.number} any more: merged at ${m.sha.slice(0, 7)} as ${m.by} asked. Following ${change.app} in Argo CD…`,
        'info',
      );
      return 'merged';
    } catch (err) {
      // Another process carries it on; it says what came of it.
      if (err instanceof LeaseLostError) return 'taken by another process';
      await this.card(req.id, (await this.d.changes.get(change.id)) ?? change);
      // Refused by the host and queued again (workflow.mergeFailed): the card says why; it is
      // tried again when the host next says nothing holds it.
      if ((await this.d.approvals.get(req.id))?.state === 'queued') return 'queued again';
      await this.say(
        mine,
        change,
        `#${change.pr.number} was not merged when ready: ${(err as Error).message}`,
        'warn',
      );
      return 'not merged';
    }
  }

  /** The card as the request stands now (with an outcome once it ended). */
  private async card(approvalId: string, change: Change, outcome?: string): Promise<void> {
    const req = await this.d.approvals.get(approvalId).catch(() => undefined);
    if (!req?.message) return;
    const ids = (req.payload.buttons ?? {}) as CardButtons;
    await this.d.chat
      ?.update(req.message, proposalCard(change, req, ids, this.d.clock.now(), outcome))
      .catch((err: unknown) => this.d.log.warn({ err: (err as Error).message }, 'could not update the card'));
  }

  private async say(
    req: ApprovalRequest,
    change: Change,
    text: string,
    tone: 'info' | 'warn',
  ): Promise<void> {
    await this.d.chat
      ?.post(threadOf(req, change), { text: esc(text), tone })
      .catch((err: unknown) =>
        this.d.log.warn({ err: (err as Error).message }, 'could not post in the thread'),
      );
  }
}
