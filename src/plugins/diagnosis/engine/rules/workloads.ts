/**
 * Workload controllers that stall: a Deployment past its progress deadline (a symptom; the pods
 * of its new ReplicaSet usually say why) and pods that cannot even be created because a
 * ResourceQuota is used up (no pods, so no pod events: the evidence is on the ReplicaSet).
 */
import type { V1ReplicaSet } from '@kubernetes/client-node';
import type { Ctx } from '../context.ts';
import type { Draft } from '../draft.ts';
import { conditionLine, eventLine } from '../evidence.ts';
import { revertWindow } from '../history.ts';
import { quotaFix, quotaLines, quotaShortfall } from './quota.ts';

export const progressDeadlineRule = (ctx: Ctx): Draft[] =>
  ctx.s.deployments.flatMap((dep): Draft[] => {
    const cond = dep.status?.conditions?.find(
      (c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded',
    );
    if (!cond) return [];
    const st = dep.status ?? {};
    const want = dep.spec?.replicas ?? 1;
    const node = ctx.s.tree.nodes?.find(
      (n) =>
        n.kind === 'Deployment' && n.name === dep.metadata?.name && n.namespace === dep.metadata?.namespace,
    );
    const window = revertWindow(ctx, 'rollout');
    return [
      {
        category: 'ProgressDeadlineExceeded',
        severity: 'critical',
        resource: { kind: 'Deployment', namespace: dep.metadata?.namespace, name: dep.metadata?.name ?? '' },
        summary:
          `rollout did not finish within ${dep.spec?.progressDeadlineSeconds ?? 600}s: ` +
          `${st.availableReplicas ?? 0} of ${want} replicas available, ${st.updatedReplicas ?? 0} updated`,
        evidence: [
          conditionLine('Deployment', cond),
          ...(node?.health?.message ? [`Argo CD: ${node.health.status} — ${node.health.message}`] : []),
        ],
        // Used only when no pod-level finding explains the stall: undo the change that started it.
        ...(window ? { fix: { intent: 'revert' as const, params: window } } : {}),
      },
    ];
  });

const QUOTA = /exceeded quota|failed quota/;

/** Every controller that creates pods and reports a failure to do so. */
const controllers = (ctx: Ctx) => [
  ...ctx.s.replicaSets.map((o) => ({
    kind: 'ReplicaSet',
    meta: o.metadata,
    conditions: o.status?.conditions,
  })),
  ...ctx.s.statefulSets.map((o) => ({
    kind: 'StatefulSet',
    meta: o.metadata,
    conditions: o.status?.conditions,
  })),
  ...ctx.s.daemonSets.map((o) => ({ kind: 'DaemonSet', meta: o.metadata, conditions: o.status?.conditions })),
  ...ctx.s.jobs.map((o) => ({ kind: 'Job', meta: o.metadata, conditions: o.status?.conditions })),
];

export const quotaRule = (ctx: Ctx): Draft[] => {
  const owner = (rs: V1ReplicaSet) => rs.metadata?.ownerReferences?.find((o) => o.controller);
  return controllers(ctx).flatMap(({ kind, meta, conditions }): Draft[] => {
    const event = ctx
      .eventsAbout(kind, meta)
      .find((e) => e.reason === 'FailedCreate' && QUOTA.test(e.message ?? ''));
    const cond = conditions?.find(
      (c) => c.type === 'ReplicaFailure' && c.status === 'True' && QUOTA.test(c.message ?? ''),
    );
    if (!event && !cond) return [];
    const message = event?.message ?? cond?.message ?? '';
    const rs = kind === 'ReplicaSet' ? ctx.s.replicaSets.find((r) => r.metadata === meta) : undefined;
    const dep = rs && owner(rs)?.kind === 'Deployment' ? owner(rs) : undefined;
    const resource = dep
      ? { kind: 'Deployment', namespace: meta?.namespace, name: dep.name }
      : { kind, namespace: meta?.namespace, name: meta?.name ?? '' };
    const quota = /exceeded quota: ([^,]+)/.exec(message)?.[1] ?? /failed quota: ([^:]+)/.exec(message)?.[1];
    const what = quotaShortfall(message);
    return [
      {
        category: 'QuotaExceeded',
        severity: 'critical',
        resource,
        summary: `pods cannot be created: ResourceQuota ${quota ?? '?'} has ${what ?? 'no room left'}`,
        evidence: [
          ...(event ? [eventLine(event, ctx.now)] : []),
          ...(cond && !event ? [conditionLine(kind, cond)] : []),
          ...quotaLines(ctx, meta?.namespace, quota),
        ],
        fix: quotaFix(ctx, resource, message),
      },
    ];
  });
};
