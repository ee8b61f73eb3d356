/**
 * What gitops tells the notification sinks (email, webhooks) besides chat: a change merged, then
 * whether it went live. One subject per change, so a receiver groups them and a mail client threads
 * the outcome under the merge.
 */
import { code, esc, link } from '../../core/message/markup.ts';
import type { Message } from '../../core/message/model.ts';
import type { Notification } from '../notify/index.ts';
import type { Change } from './changes.ts';
import type { FollowUp, FollowUpOutcome } from './followup.ts';

/** The subject every notification of one change shares (a remediation's revert threads under it). */
export const changeSubject = (changeId: string): string => `change/${changeId}`;

const short = (sha: string) => sha.slice(0, 7);

/** What routes choose a change's notices by: its app (and instance, for its labels) and project. */
function about(c: Change): Pick<Notification, 'app' | 'instance' | 'project'> {
  return { app: c.app, instance: c.instance, ...(c.project ? { project: c.project } : {}) };
}

/** A change of deckhand's merged: by an approval in chat, automatically, or by a person on the host. */
export function mergedNotice(c: Change): Notification {
  const what = c.title.replace(`${c.app}: `, '');
  const by = c.mergedBy ?? 'someone';
  const sha = c.mergeSha ? short(c.mergeSha) : '?';
  const lead = `${c.app}: ${what} — #${c.pr.number} merged by ${by} at ${sha}`;
  const message: Message = {
    text: lead,
    header: `${c.app}: ${what} merged`,
    tone: 'info',
    blocks: [
      { type: 'text', text: `${link(`#${c.pr.number}`, c.pr.url)} ${esc(c.title)}` },
      {
        type: 'fields',
        fields: [
          { label: 'App', value: esc(c.app), short: true },
          ...(c.project ? [{ label: 'Project', value: esc(c.project), short: true }] : []),
          ...(c.environment ? [{ label: 'Environment', value: esc(c.environment), short: true }] : []),
          {
            label: 'Requested by',
            value: esc(c.rule ? `rule ${c.rule}` : c.requester),
            short: true,
          },
          { label: 'Merged by', value: esc(by), short: true },
          ...(c.mergeSha ? [{ label: 'Commit', value: code(short(c.mergeSha)), short: true }] : []),
        ],
      },
      ...(c.summary.length
        ? [{ type: 'text' as const, text: c.summary.map((s) => `• ${esc(s)}`).join('\n') }]
        : []),
      ...(c.reason ? [{ type: 'context' as const, items: [`Why: ${esc(c.reason)}`] }] : []),
    ],
    buttons: [{ url: c.pr.url, label: `Pull request #${c.pr.number}` }],
    data: {
      change: {
        id: c.id,
        app: c.app,
        project: c.project,
        ...(c.environment ? { environment: c.environment } : {}),
        title: c.title,
        pr: c.pr,
        repoURL: c.repoURL,
        base: c.base,
        mergeSha: c.mergeSha,
        mergedBy: c.mergedBy,
        requester: c.requester,
        ...(c.rule ? { rule: c.rule } : {}),
        summary: c.summary,
      },
    },
  };
  // Told again when a process died between recording the merge and queuing this: one fact, so
  // the deliveries keep their ids (and a mail its Message-ID, the change thread's root).
  return {
    event: 'change.merged',
    subject: changeSubject(c.id),
    ...about(c),
    message,
    once: `change.merged/${c.id}`,
  };
}

/**
 * The end of a change's follow-up as chat was told it: live and Healthy, or not (failing,
 * Degraded, not Healthy in time, or Argo CD silent so nobody can tell).
 */
export function outcomeNotice(
  f: FollowUp,
  outcome: FollowUpOutcome,
  said: Message,
  c: Change | undefined,
): Notification | undefined {
  if (!f.changeId) return undefined;
  const unknown = (said.data?.followUp as { outcome?: string } | undefined)?.outcome === 'unknown';
  const message: Message = {
    ...said,
    header: `${f.app}: ${f.what} ${
      outcome === 'healthy' ? 'is live' : unknown ? 'not known to be live' : 'did not go live'
    }`,
    // The pull request as a link where chat had the Revert action (a button only chat can press).
    buttons: [
      ...(said.buttons ?? []).filter((b) => 'url' in b),
      ...(c ? [{ url: c.pr.url, label: `Pull request #${c.pr.number}` }] : []),
    ],
    data: { ...said.data, change: { id: f.changeId, app: f.app, ...(c ? { pr: c.pr } : {}) } },
  };
  return {
    event: outcome === 'healthy' ? 'change.live' : 'change.failed',
    subject: changeSubject(f.changeId),
    ...(c ? about(c) : { app: f.app, instance: f.instance }),
    message,
  };
}
