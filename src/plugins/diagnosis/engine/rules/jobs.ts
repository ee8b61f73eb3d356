/**
 * JobFailed: a Job gave up (Failed=True: BackoffLimitExceeded, DeadlineExceeded). Job pods are not
 * restarted in place, so the evidence is the last failed pod's terminated state and log. A failed
 * Argo CD hook Job also blocks the sync, so it links to the Application (and explains SyncFailed).
 */
import type { Ctx } from '../context.ts';
import { refKey, type Draft } from '../draft.ts';
import { conditionLine, eventLine, logLines, terminatedLine } from '../evidence.ts';
import { revertWindow } from '../history.ts';

export const jobRule = (ctx: Ctx): Draft[] =>
  ctx.s.jobs.flatMap((job): Draft[] => {
    const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
    if (!failed) return [];
    const ref = { kind: 'Job', namespace: job.metadata?.namespace, name: job.metadata?.name ?? '' };
    const pods = ctx.podsOf(ref);
    const lastFailed = pods
      .filter((p) => p.status?.phase === 'Failed')
      .sort(
        (a, b) =>
          (b.metadata?.creationTimestamp?.getTime() ?? 0) - (a.metadata?.creationTimestamp?.getTime() ?? 0),
      )[0];
    const bad = lastFailed?.status?.containerStatuses?.find(
      (s) => (s.state?.terminated?.exitCode ?? 0) !== 0,
    );
    const t = bad?.state?.terminated;
    const hook = job.metadata?.annotations?.['argocd.argoproj.io/hook'];
    const app = ctx.s.app.metadata;
    const revert = revertWindow(ctx, 'failed-sync');
    return [
      {
        category: 'JobFailed',
        severity: 'critical',
        resource: ref,
        summary:
          `${hook ? `${hook} hook ` : ''}job ${ref.name} failed: ${failed.message ?? failed.reason ?? 'Failed'}` +
          ` (${job.status?.failed ?? 0} failed pod${job.status?.failed === 1 ? '' : 's'}` +
          `${t ? `; last exit code ${t.exitCode}${bad ? ` in container ${bad.name}` : ''}` : ''})`,
        evidence: [
          conditionLine('Job', failed),
          ...ctx
            .eventsAbout('Job', job.metadata)
            .filter((e) => e.type === 'Warning')
            .slice(0, 1)
            .map((e) => eventLine(e, ctx.now)),
          ...(t && lastFailed
            ? [`${lastFailed.metadata?.name}: ${terminatedLine('state', t, ctx.now)}`]
            : []),
          ...(lastFailed && bad
            ? logLines(ctx.logs(lastFailed, bad.name).current).map((l) => `log: ${l}`)
            : []),
        ],
        links: hook ? [refKey({ kind: 'Application', namespace: app.namespace, name: app.name })] : [],
        tags: hook ? ['hook'] : [],
        // A hook that fails on the newest commit blocks every sync: undoing that commit unblocks it.
        ...(hook && revert ? { fix: { intent: 'revert' as const, params: revert } } : {}),
      },
    ];
  });
