/**
 * Unschedulable: no node fits the pod. The PodScheduled=False condition keeps the scheduler's full
 * sentence ("0/3 nodes are available: 3 Insufficient memory."); the FailedScheduling event may be
 * truncated. Insufficient cpu/memory is fixable in Git: back to the requests that fit before, or
 * fewer replicas; taints, affinity and claims need a person (claims: see VolumePending).
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Ctx } from '../context.ts';
import type { Draft } from '../draft.ts';
import { clip, conditionLine, eventLine } from '../evidence.ts';
import { replicaSetsOf } from '../history.ts';
import { parseCpu, parseMemory } from '../quantity.ts';
import type { Fix } from '../types.ts';
import { live, podDraft } from './pods.ts';

export interface FitError {
  nodes: number;
  /** Reasons with the number of nodes each applies to, most nodes first. */
  reasons: { count: number; reason: string }[];
}

/** Parse "0/3 nodes are available: 1 node(s) had untolerated taint {…}, 2 Insufficient memory. preemption: …". */
export function parseFitError(message: string): FitError | undefined {
  const m = /0\/(\d+) nodes are available: (.*)/.exec(message);
  if (!m) return undefined;
  const nodes = Number(m[1]);
  const body = (m[2] ?? '').split(/ preemption: /)[0]?.replace(/\.+\s*$/, '') ?? '';
  const reasons = body
    .split(/, (?=\d+ )/)
    .map((part) => {
      const c = /^(\d+) (.+)$/.exec(part.trim());
      // A PreFilter message (e.g. unbound PersistentVolumeClaims) applies to every node.
      return c ? { count: Number(c[1]), reason: c[2] ?? '' } : { count: nodes, reason: part.trim() };
    })
    .filter((r) => r.reason)
    .sort((a, b) => b.count - a.count);
  return { nodes, reasons };
}

export const unschedulableRule = (ctx: Ctx): Draft[] =>
  ctx.s.pods.flatMap((pod) => {
    if (pod.status?.phase !== 'Pending') return [];
    const cond = pod.status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    const event = ctx.podEvents(pod, 'FailedScheduling')[0];
    if (cond?.reason !== 'Unschedulable' && !event) return [];
    const message = cond?.message ?? event?.message ?? '';
    const fit = parseFitError(message);
    const d = podDraft(ctx, pod, 'Unschedulable', 'critical');
    const top = fit?.reasons[0];
    d.summary = top
      ? `no node can run the pod: ${top.reason} on ${top.count} of ${fit.nodes} nodes`
      : `pod cannot be scheduled: ${clip(message, 160)}`;
    d.evidence = [
      // The event repeats the condition's text; then only the event, which adds count and age.
      ...(cond && cond.message !== event?.message ? [conditionLine('Pod', cond)] : []),
      ...(event ? [eventLine(event, ctx.now)] : []),
      ...requestLines(pod),
    ];
    const resource = /^Insufficient (cpu|memory)$/.exec(top?.reason ?? '')?.[1] as
      'cpu' | 'memory' | undefined;
    if (resource) d.fix = fixFor(ctx, pod, resource);
    return [d];
  });

function requestLines(pod: V1Pod): string[] {
  return (pod.spec?.containers ?? [])
    .filter((c) => c.resources?.requests)
    .map(
      (c) =>
        `container ${c.name} requests ${Object.entries(c.resources?.requests ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}`,
    );
}

/**
 * Back to a smaller request that fit before (an older ReplicaSet's, while its pods still run), else
 * as many replicas as run now: both are numbers the cluster has already shown it can hold.
 */
function fixFor(ctx: Ctx, pod: V1Pod, resource: 'cpu' | 'memory'): Fix | undefined {
  const w = ctx.workloadOf(pod);
  const parse = resource === 'cpu' ? parseCpu : parseMemory;
  const running = ctx.podsOf(w).filter((p) => live(p) && p.status?.phase === 'Running').length;
  for (const c of pod.spec?.containers ?? []) {
    const now = parse(c.resources?.requests?.[resource]);
    const older = replicaSetsOf(ctx, w)
      .filter((rs) => (rs.status?.readyReplicas ?? 0) > 0)
      .map(
        (rs) =>
          rs.spec?.template?.spec?.containers?.find((x) => x.name === c.name)?.resources?.requests?.[
            resource
          ],
      )
      .find((r) => now !== undefined && (parse(r) ?? Infinity) < now);
    if (older) return { intent: 'resources', params: { container: c.name, requests: { [resource]: older } } };
  }
  const wanted = ctx.s.deployments.find(
    (x) => w.kind === 'Deployment' && x.metadata?.name === w.name && x.metadata?.namespace === w.namespace,
  )?.spec?.replicas;
  return running > 0 && wanted !== undefined && running < wanted
    ? { intent: 'replicas', params: { replicas: running } }
    : undefined;
}
