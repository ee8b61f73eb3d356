/** The chat card of a proposed change: what changes, who asked, the diff, and the decision buttons. */
import type { ApprovalRequest } from '../../core/approvals.ts';
import { code, esc, link, trimLines } from '../../core/message/markup.ts';
import type { Block, Button, Conversation, Message } from '../../core/message/model.ts';
import { ago } from '../../core/message/time.ts';
import type { Change } from './changes.ts';
import type { MergeReadiness } from './hosts/types.ts';
import { checksLine, holdShort, holdText, judge } from './merge-readiness.ts';

export interface CardButtons {
  approve?: string;
  /** Approve now, merged by deckhand once the host's required checks pass. */
  whenReady?: string;
  reject?: string;
  diff?: string;
}

export function proposalCard(
  c: Change,
  req: ApprovalRequest | undefined,
  ids: CardButtons,
  now: number,
  outcome?: string,
): Message {
  const approvals = req?.approvals ?? [];
  const needed = req?.policy.required ?? 1;
  const fields = [
    { label: 'Pull request', value: link(`#${c.pr.number}`, c.pr.url), short: true },
    { label: 'Requested by', value: c.rule ? `rule ${code(c.rule)}` : esc(c.requester), short: true },
    { label: 'Branch', value: code(c.branch), short: true },
    {
      label: 'Approvals',
      value: `${approvals.length}/${needed}${approvals.length ? ` (${approvals.map((a) => a.by).join(', ')})` : ''}`,
      short: true,
    },
  ];
  if (req && !outcome) fields.push({ label: 'Expires', value: ago(req.expiresAt, now), short: true });
  // What the host said last of its checks and what else holds the merge (merge-readiness.ts).
  const readiness = req?.payload.readiness as MergeReadiness | undefined;
  const judged = readiness && c.state === 'open' ? judge(readiness) : undefined;
  if (readiness?.checks.length && c.state === 'open')
    fields.push({ label: 'Checks', value: checksLine(readiness), short: false });
  const hold = judged ? holdText(judged) : undefined;
  const queued = req?.state === 'queued' && !outcome;
  const blocks: Block[] = [
    {
      type: 'text',
      text: c.summary.map((s) => `• ${esc(s)}`).join('\n') + (c.reason ? `\nReason: ${esc(c.reason)}` : ''),
    },
    { type: 'fields', fields },
  ];
  if (c.diff) blocks.push({ type: 'code', code: trimLines(c.diff, 40).text, language: 'diff' });
  if (outcome) blocks.push({ type: 'text', text: outcome });
  else if (queued)
    blocks.push({
      type: 'text',
      text: `⏳ Approved by ${esc(approvals.map((a) => a.by).join(', '))}; deckhand merges it when ready${hold ? ` (${esc(hold)})` : ''}.`,
    });
  else if (hold) blocks.push({ type: 'text', text: `Cannot merge yet: ${esc(hold)}.` });
  const buttons: Button[] = [];
  if (!outcome) {
    const short = judged ? holdShort(judged) : undefined;
    if (ids.approve && !queued)
      buttons.push({
        actionId: ids.approve,
        label: short ? `Approve & merge · ${short}` : 'Approve & merge',
        style: short ? undefined : 'primary',
      });
    if (ids.whenReady && !queued && short)
      buttons.push({ actionId: ids.whenReady, label: 'Merge when ready', style: 'primary' });
    if (ids.reject) buttons.push({ actionId: ids.reject, label: 'Reject', style: 'danger' });
    if (ids.diff) buttons.push({ actionId: ids.diff, label: 'View diff' });
  }
  buttons.push({ label: `Pull request #${c.pr.number}`, url: c.pr.url });
  return {
    text: `${c.title} — #${c.pr.number}${outcome ? `: ${outcome}` : queued ? ', approved, merging when ready' : ', waiting for approval'}`,
    header: c.title,
    tone: outcome ? (/merged/i.test(outcome) ? 'ok' : 'warn') : 'info',
    blocks,
    buttons,
    data: {
      change: {
        id: c.id,
        app: c.app,
        intent: c.intent,
        pr: c.pr,
        branch: c.branch,
        headSha: c.headSha,
        state: c.state,
        requester: c.requester,
        approvals,
        required: needed,
        approvalId: req?.id,
        ...(req ? { approval: req.state } : {}),
        ...(readiness ? { checks: readiness.checks } : {}),
        ...(hold ? { hold } : {}),
      },
      actions: ids,
    },
  };
}

/** Where a change's story is told: the thread of its card (or the conversation it came from). */
export function threadOf(req: ApprovalRequest, change: Change): Conversation {
  const stored = req.payload.thread as Conversation | undefined;
  if (stored) return stored;
  const m = req.message;
  return m ? { platform: m.platform, channel: m.channel, thread: m.thread ?? m.id } : change.conversation;
}
