/**
 * Helpers shared by the rules that read pods: walk container statuses, and start a draft that is
 * already attached to the pod's workload, node and claims (so merging and causality can work).
 */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { Ctx } from '../context.ts';
import { refKey, type Draft } from '../draft.ts';
import type { Category, Severity } from '../types.ts';

export interface ContainerView {
  pod: V1Pod;
  status: V1ContainerStatus;
  init: boolean;
}

/** Pods that still count (not completed, not evicted leftovers). */
export const live = (p: V1Pod): boolean => p.status?.phase !== 'Succeeded' && p.status?.reason !== 'Evicted';

/** Every container status of every pod that is not an eviction leftover, init containers first. */
export function containers(ctx: Ctx): ContainerView[] {
  return ctx.s.pods
    .filter((p) => p.status?.reason !== 'Evicted')
    .flatMap((pod) => [
      ...(pod.status?.initContainerStatuses ?? []).map((status) => ({ pod, status, init: true })),
      ...(pod.status?.containerStatuses ?? []).map((status) => ({ pod, status, init: false })),
    ]);
}

/** A draft about a pod (and optionally one container), attributed to the pod's workload. */
export function podDraft(
  ctx: Ctx,
  pod: V1Pod,
  category: Category,
  severity: Severity,
  container?: string,
): Draft {
  const w = ctx.workloadOf(pod);
  const node = pod.spec?.nodeName;
  const claims = (pod.spec?.volumes ?? [])
    .map((v) => v.persistentVolumeClaim?.claimName)
    .filter((c): c is string => !!c)
    .map((name) => refKey({ kind: 'PersistentVolumeClaim', namespace: pod.metadata?.namespace, name }));
  return {
    category,
    severity,
    resource: { ...w, ...(container ? { container } : {}) },
    summary: '',
    evidence: [],
    pods: [pod.metadata?.name ?? ''],
    total: ctx.podsOf(w).filter(live).length,
    links: [...(node ? [refKey({ kind: 'Node', name: node })] : []), ...claims],
  };
}

/** How a container is named in prose: "container app" or "init container migrate". */
export const containerWord = (v: Pick<ContainerView, 'init' | 'status'>): string =>
  `${v.init ? 'init container' : 'container'} ${v.status.name}`;

/** The image a pod's container runs as its spec says (the status may hold a resolved digest). */
export function imageOf(pod: V1Pod, container: string): string | undefined {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
    (c) => c.name === container,
  )?.image;
}

/** Other live pods of the same workload in which the same container shows the same waiting reason. */
export function sameTrouble(
  ctx: Ctx,
  pod: V1Pod,
  container: string,
  test: (s: V1ContainerStatus) => boolean,
) {
  const pods = ctx.podsOf(ctx.workloadOf(pod)).filter(live);
  const hit = pods.filter((p) =>
    [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])].some(
      (s) => s.name === container && test(s),
    ),
  );
  return { affected: hit.length, total: pods.length };
}
