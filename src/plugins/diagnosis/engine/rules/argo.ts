/**
 * Argo CD's own view: a sync that failed (or keeps retrying), manifests that cannot be generated,
 * and an app whose live state differs from Git. The per-resource sync messages carry the real
 * cause ("namespaces \"payments\" not found"); the operation message only summarises them.
 */
import type { Ctx } from '../context.ts';
import { refKey, type Draft } from '../draft.ts';
import { clip, eventLine } from '../evidence.ts';
import { failedNewestRevision } from '../history.ts';
import { isAutoSync } from '../../../argocd/types.ts';

const short = (rev: string | undefined) => (rev ? rev.slice(0, 7) : '?');
const MISSING = /not found|could not find|CRD is installed|no matches for kind/i;
// Kubernetes quotes the whole rejected value ("Invalid value: v1.LabelSelector{…}"): noise in a summary.
const shorten = (m: string) => m.replace(/Invalid value: .*(: field is immutable)/, 'Invalid value: …$1');
const BROKEN_CONDITIONS = new Set(['ComparisonError', 'SyncError', 'InvalidSpecError']);

export const syncFailedRule = (ctx: Ctx): Draft[] => {
  const { app } = ctx.s;
  const op = app.status?.operationState;
  const failed = op && (op.phase === 'Failed' || op.phase === 'Error');
  const retrying = op?.phase === 'Running' && /Retrying attempt/.test(op.message ?? '');
  const conds = (app.status?.conditions ?? []).filter((c) => BROKEN_CONDITIONS.has(c.type));
  if (!failed && !retrying && !conds.length) return [];
  const results = (op?.syncResult?.resources ?? []).filter(
    (r) => r.status === 'SyncFailed' || r.hookPhase === 'Failed' || r.hookPhase === 'Error',
  );
  const revision = op?.syncResult?.revision ?? op?.operation.sync?.revision;
  const cause =
    results.find((r) => r.message)?.message ?? (failed || retrying ? op?.message : conds[0]?.message);
  const d: Draft = {
    category: 'SyncFailed',
    severity: failed || conds.length ? 'critical' : 'warning',
    resource: { kind: 'Application', namespace: app.metadata.namespace, name: app.metadata.name },
    summary:
      (failed || retrying
        ? `sync to ${short(revision)} ${failed ? 'failed' : 'keeps failing and is retried'}`
        : `Argo CD cannot compare the app with Git (${conds[0]?.type})`) +
      (cause ? `: ${clip(shorten(cause), 160)}` : ''),
    evidence: [
      ...(op && (failed || retrying) ? [clip(`operation ${op.phase}: ${shorten(op.message ?? '')}`)] : []),
      ...results
        .slice(0, 4)
        .map((r) =>
          clip(
            `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}: ${r.message ?? r.hookPhase ?? r.status}`,
          ),
        ),
      ...conds.map((c) => clip(`${c.type}: ${c.message}`)),
      ...ctx.s.appEvents
        .filter((e) => e.reason === 'OperationCompleted' && e.type === 'Warning')
        .slice(0, 1)
        .map((e) => eventLine(e, ctx.now)),
    ],
    tags: cause && MISSING.test(cause) ? ['missing-resource'] : [],
    // A failed hook Job is the cause of the failed sync (JobFailed → SyncFailed).
    links: results.filter((r) => r.hookType && r.kind === 'Job').map((r) => refKey(r)),
  };
  // Undo the newest commit when it is the one that fails and something else ran before it.
  const revert = failedNewestRevision(ctx);
  if (revert) d.fix = { intent: 'revert', params: { commit: revert } };
  return [d];
};

export const outOfSyncRule = (ctx: Ctx): Draft[] => {
  const { app } = ctx.s;
  if (app.status?.sync?.status !== 'OutOfSync') return [];
  const differing = (app.status.resources ?? []).filter((r) => r.status === 'OutOfSync' || r.requiresPruning);
  const target = app.status.sync.revision;
  // What runs is the last successful deployment; a failed operation's revision never arrived.
  const op = app.status.operationState;
  const deployed =
    app.status.history?.at(-1)?.revision ?? (op?.phase === 'Succeeded' ? op.syncResult?.revision : undefined);
  const auto = isAutoSync(app);
  const behind = target && deployed && target !== deployed;
  const selfHeal = !!app.spec.syncPolicy?.automated?.selfHeal;
  const how = auto
    ? selfHeal || behind
      ? 'auto-sync should apply it; argo sync forces it now'
      : "auto-sync is on without selfHeal, so it will not undo this: argo sync restores Git's state"
    : "auto-sync is off: argo sync restores Git's state";
  return [
    {
      category: 'OutOfSync',
      // Auto-sync already at work on it: worth knowing, not worth an alarm.
      severity: auto && (selfHeal || behind) && op?.phase === 'Running' ? 'info' : 'warning',
      resource: { kind: 'Application', namespace: app.metadata.namespace, name: app.metadata.name },
      summary: behind
        ? `Git is at ${short(target)} but ${short(deployed)} is deployed; ${how}`
        : `${differing.length} resource${differing.length === 1 ? ' differs' : 's differ'} from Git (live drift); ${how}`,
      evidence: [
        ...differing
          .slice(0, 5)
          .map(
            (r) =>
              `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}: ${r.requiresPruning ? 'not in Git (requires pruning)' : 'OutOfSync'}`,
          ),
        ...(differing.length > 5 ? [`… and ${differing.length - 5} more`] : []),
        `sync policy: ${auto ? `automated${app.spec.syncPolicy?.automated?.selfHeal ? ' with selfHeal' : ''}` : 'manual'}`,
      ],
    },
  ];
};
