/**
 * Argo CD's own view: manifests that cannot be generated, a sync that failed (or keeps retrying),
 * a sync that runs and does not finish, and an app whose live state differs from Git. The
 * operation state gates advice: no "sync" while an operation runs or waits to, and no change at
 * all for an app being deleted. The per-resource sync messages carry the real cause ("namespaces
 * \"payments\" not found"); the operation message only summarises them.
 */
import type { Ctx } from '../context.ts';
import { refKey, type Draft } from '../draft.ts';
import { age, clip, eventLine } from '../evidence.ts';
import { revertWindow } from '../history.ts';
import { gitSideFix, readManifestError } from './manifest-errors.ts';

const short = (rev: string | undefined) => (rev ? (/^[0-9a-f]{40}$/.test(rev) ? rev.slice(0, 7) : rev) : '?');
const MISSING = /not found|could not find|CRD is installed|no matches for kind/i;
// Kubernetes quotes the whole rejected value ("Invalid value: v1.LabelSelector{…}"): noise in a summary.
const shorten = (m: string) => m.replace(/Invalid value: .*(: field is immutable)/, 'Invalid value: …$1');
const COMPARISON = new Set(['ComparisonError', 'InvalidSpecError']);
/** A running sync older than this that still waits is stuck rather than busy. */
const STUCK_MS = 5 * 60_000;

const appRef = (ctx: Ctx) => ({
  kind: 'Application',
  namespace: ctx.s.app.metadata.namespace,
  name: ctx.s.app.metadata.name,
});

/** No fix for an app being deleted: whatever the change, the app will not be there to take it. */
function deletionGate(ctx: Ctx, d: Draft): Draft {
  if (!ctx.view.deleting || !d.fix) return d;
  ctx.withheld.push(`${ctx.view.name} is being deleted: no change is proposed`);
  const { fix: _fix, ...rest } = d;
  return rest;
}

export const comparisonRule = (ctx: Ctx): Draft[] =>
  ctx.view.conditions
    .filter((c) => COMPARISON.has(c.type))
    .slice(0, 1)
    .map((c) => {
      const problem = readManifestError(c.message);
      const source = ctx.view.sources.find((s) => !s.refOnly);
      const where = gitSideFix(problem, source?.path);
      const window = revertWindow(ctx, 'comparison');
      return deletionGate(ctx, {
        category: 'ComparisonError',
        severity: 'critical',
        resource: appRef(ctx),
        summary: `Argo CD cannot generate the manifests (${c.type}): ${where}`,
        evidence: [
          clip(`${c.type}: ${c.message}`),
          ...(c.at ? [`since ${age(ctx.now - Date.parse(c.at))} ago`] : []),
        ],
        tags: [problem.kind],
        // The change that broke generation, if there is one on the app's paths.
        ...(window && problem.kind !== 'repository'
          ? { fix: { intent: 'revert' as const, params: window } }
          : {}),
      });
    });

export const syncFailedRule = (ctx: Ctx): Draft[] => {
  const last = ctx.view.lastOperation;
  const running = ctx.view.operation?.stage === 'running' ? ctx.view.operation : undefined;
  const failed = last && (last.stage === 'failed' || last.stage === 'error') ? last : undefined;
  const retrying = running && /Retrying attempt/.test(running.message ?? '') ? running : undefined;
  const op = failed ?? retrying;
  const conds = ctx.view.conditions.filter((c) => c.type === 'SyncError');
  if (!op && !conds.length) return [];
  const results = op?.failed ?? [];
  const revision = op?.revisions[0];
  const cause = results.find((r) => r.message)?.message ?? op?.message ?? conds[0]?.message;
  const d: Draft = {
    category: 'SyncFailed',
    severity: failed || conds.length ? 'critical' : 'warning',
    resource: appRef(ctx),
    summary:
      (op
        ? `sync to ${short(revision)} ${failed ? 'failed' : 'keeps failing and is retried'}${op.retryCount ? ` (${op.retryCount} retries)` : ''}`
        : `the last sync failed (${conds[0]?.type})`) + (cause ? `: ${clip(shorten(cause), 160)}` : ''),
    evidence: [
      ...(op ? [clip(`operation ${op.stage}: ${shorten(op.message ?? '')}`)] : []),
      ...results
        .slice(0, 4)
        .map((r) =>
          clip(`${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}: ${r.message ?? r.hook ?? ''}`),
        ),
      ...conds.map((c) => clip(`${c.type}: ${c.message}`)),
      ...ctx.s.appEvents
        .filter((e) => e.reason === 'OperationCompleted' && e.type === 'Warning')
        .slice(0, 1)
        .map((e) => eventLine(e, ctx.now)),
    ],
    tags: cause && MISSING.test(cause) ? ['missing-resource'] : [],
    // A failed hook Job is the cause of the failed sync (JobFailed → SyncFailed).
    links: results.filter((r) => r.hook && r.kind === 'Job').map((r) => refKey(r)),
  };
  // Undo the change on the app's paths that the failing sync brought, if there is one.
  const window = revertWindow(ctx, 'failed-sync');
  if (window) d.fix = { intent: 'revert', params: window };
  return [deletionGate(ctx, d)];
};

/** "waiting for healthy state of apps/Deployment/web", "waiting for completion of hook batch/Job/migrate". */
const WAITING = /waiting for (healthy state of|completion of hook) ([\w.-]*)\/(\w+)\/([\w.-]+)/;

export const syncStuckRule = (ctx: Ctx): Draft[] => {
  const op = ctx.view.operation;
  if (op?.stage !== 'running' || !op.startedAt) return [];
  const running = ctx.now - Date.parse(op.startedAt);
  if (running < STUCK_MS || /Retrying attempt/.test(op.message ?? '')) return [];
  const w = WAITING.exec(op.message ?? '');
  const waitsOn = w ? { group: w[2], kind: w[3] as string, name: w[4] as string } : undefined;
  const res = waitsOn
    ? ctx.view.resources.find((r) => r.kind === waitsOn.kind && r.name === waitsOn.name)
    : undefined;
  const wave = res?.syncWave;
  const what = waitsOn
    ? `${w?.[1] === 'completion of hook' ? 'hook ' : ''}${waitsOn.kind}/${waitsOn.name}${wave !== undefined ? ` (sync wave ${wave})` : ''}`
    : undefined;
  return [
    {
      category: 'SyncStuck',
      severity: 'warning',
      resource: appRef(ctx),
      summary: `a sync has been running for ${age(running)}${what ? `, waiting for ${what}` : ''}${res?.health ? ` (${res.health.status}${res.health.message ? `: ${clip(res.health.message, 120)}` : ''})` : ''}`,
      evidence: [
        clip(
          `operation running since ${op.startedAt}${op.initiatedBy ? ` (${op.initiatedBy})` : ''}: ${op.message ?? ''}`,
        ),
        ...(res
          ? [
              `${res.kind} ${res.namespace ? `${res.namespace}/` : ''}${res.name}: sync ${res.sync ?? '?'}, health ${res.health?.status ?? '?'}`,
            ]
          : []),
      ],
      ...(waitsOn && res
        ? { links: [refKey({ kind: waitsOn.kind, namespace: res.namespace, name: waitsOn.name })] }
        : {}),
    },
  ];
};

export const outOfSyncRule = (ctx: Ctx): Draft[] => {
  const v = ctx.view;
  if (v.sync !== 'OutOfSync') return [];
  // Drift as Argo CD's diff states it (the same reading as /argo diff), else as the status lists it.
  const managed = ctx.s.managed;
  const differing = managed
    ? managed.filter((m) => m.modified && m.liveState !== 'null' && m.targetState !== 'null')
    : v.resources.filter((r) => r.sync === 'OutOfSync' && r.health?.status !== 'Missing');
  const notCreated = managed
    ? managed.filter((m) => m.liveState === 'null' && m.targetState !== 'null')
    : v.resources.filter((r) => r.sync === 'OutOfSync' && r.health?.status === 'Missing');
  const toPrune = managed
    ? managed.filter((m) => m.targetState === 'null' && m.liveState !== 'null')
    : v.resources.filter((r) => r.requiresPruning);
  const failures = new Map((v.lastOperation?.failed ?? []).map((f) => [`${f.kind}/${f.name}`, f.message]));
  const target = v.sources[0]?.revision;
  const deployed = v.history[0]?.revisions[0] ?? v.lastOperation?.revisions[0];
  const behind = target && deployed && target !== deployed;
  const busy = v.operation;
  let how: string;
  if (busy) {
    how = `a sync ${busy.stage === 'requested' ? 'is requested' : 'is running'}; wait for it`;
    ctx.withheld.push(
      `a sync ${busy.stage === 'requested' ? 'is requested' : 'is running'}: no advice to sync`,
    );
  } else if (v.deleting) {
    how = 'the app is being deleted';
    ctx.withheld.push(`${v.name} is being deleted: no advice to sync`);
  } else if (v.autoSync.enabled)
    how =
      v.autoSync.selfHeal || behind
        ? 'auto-sync should apply it; argo sync forces it now'
        : "auto-sync is on without selfHeal, so it will not undo this: argo sync restores Git's state";
  else how = "auto-sync is off: argo sync restores Git's state";
  const parts = [
    ...(differing.length
      ? [`${differing.length} resource${differing.length === 1 ? ' differs' : 's differ'} from Git`]
      : []),
    ...(notCreated.length ? [`${notCreated.length} not created yet`] : []),
    ...(toPrune.length ? [`${toPrune.length} not in Git (to prune)`] : []),
  ];
  const line = (r: { kind: string; namespace?: string; name: string }, what: string) =>
    `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}: ${what}`;
  const evidence = [
    ...differing.slice(0, 5).map((r) => line(r, 'differs from Git')),
    ...notCreated
      .slice(0, 3)
      .map((r) =>
        line(
          r,
          failures.get(`${r.kind}/${r.name}`)
            ? `not created: ${clip(failures.get(`${r.kind}/${r.name}`) ?? '', 160)}`
            : 'not created yet',
        ),
      ),
    ...toPrune.slice(0, 3).map((r) => line(r, 'not in Git (requires pruning)')),
    `sync policy: ${v.autoSync.enabled ? `automated${v.autoSync.selfHeal ? ' with selfHeal' : ''}` : 'manual'}`,
  ];
  return [
    {
      category: 'OutOfSync',
      // Auto-sync already at work on it, or an operation under way: worth knowing, not an alarm.
      severity: busy || (v.autoSync.enabled && (v.autoSync.selfHeal || behind)) ? 'info' : 'warning',
      resource: appRef(ctx),
      summary: behind
        ? `Git is at ${short(target)} but ${short(deployed)} is deployed; ${how}`
        : `${parts.join(', ') || 'Argo CD reports it OutOfSync'}; ${how}`,
      evidence,
      ...(managed ? { basis: ['argocd:application', 'argocd:managed-resources'] } : {}),
    },
  ];
};
