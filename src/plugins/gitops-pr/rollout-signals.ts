/**
 * When a rollout has certainly failed, before its deadline. Argo CD calls a Deployment whose new
 * pods cannot pull their image "Progressing" until the progress deadline (600 s by default), but
 * the pods say so at once. Read from the application's resource tree: each Pod node carries the
 * kubelet's reason and the restart count (argo-cd controller/cache/info.go, populatePodInfo:
 * "Status Reason", "Restart Count"), and the time it was created.
 */
import type { Application, ApplicationTree } from '../argocd/index.ts';

/** Waiting reasons the kubelet does not get out of on its own: the pod spec must change. */
const STUCK = new Set([
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

/** Restarts after which a crash loop is not a slow start any more. */
const CRASHES = 3;

/**
 * Kubernetes times have second precision (RFC 3339, metav1.Time): a pod created just after the
 * merge may carry the second before it. No more slack than that: a pod from before the merge
 * (the last change's, still failing) must not be blamed on this one. A cluster clock behind ours
 * only delays the verdict to the deadline.
 */
const CREATED_SLACK_MS = 1_000;

export interface PodSignal {
  pod: string;
  reason: string;
  restarts: number;
}

export interface Failure {
  /** The pod that shows it, and what the kubelet says. */
  pod?: string;
  reason: string;
  /** One line for the thread: "pod naver-news-6f…: ImagePullBackOff". */
  detail: string;
}

const infoOf = (info: { name: string; value: string }[] | undefined, name: string) =>
  info?.find((i) => i.name === name)?.value;

/**
 * The pods the rollout created: those created since the merge (`since`, less the slack). Older
 * pods may be failing for the reason the change fixes; they say nothing about the change.
 */
export function newPods(tree: ApplicationTree, since: number): PodSignal[] {
  return (tree.nodes ?? [])
    .filter((n) => n.kind === 'Pod' && (!n.group || n.group === ''))
    .filter((n) => {
      const created = n.createdAt ? Date.parse(n.createdAt) : NaN;
      return Number.isFinite(created) && created >= since - CREATED_SLACK_MS;
    })
    .map((n) => ({
      pod: n.name,
      reason: infoOf(n.info, 'Status Reason') ?? '',
      restarts: Number(infoOf(n.info, 'Restart Count') ?? 0) || 0,
    }));
}

/**
 * A failure of the new pods that will not heal: a stuck reason that lasted (`stuckSince`: when
 * each pod was first seen with it; an image still being pushed, a Secret the same sync creates a
 * moment later, heal on their own), or a crash loop whose restarts keep growing (more than the
 * last look saw, or past a few). `seen` is the restart count of each pod at the last look.
 */
export function podFailure(
  pods: PodSignal[],
  seen: Record<string, number>,
  stuck: { since: Record<string, number>; now: number; forMs: number } = { since: {}, now: 0, forMs: 0 },
): Failure | undefined {
  for (const p of pods) {
    const from = stuck.since[`${p.pod}/${p.reason}`];
    if (STUCK.has(p.reason) && from !== undefined && stuck.now - from >= stuck.forMs)
      return { pod: p.pod, reason: p.reason, detail: `pod ${p.pod}: ${p.reason}` };
    if (p.reason === 'CrashLoopBackOff' || p.reason === 'OOMKilled' || p.reason === 'Error') {
      const before = seen[p.pod];
      const growing = (before !== undefined && p.restarts > before && before >= 1) || p.restarts >= CRASHES;
      if (growing)
        return {
          pod: p.pod,
          reason: 'CrashLoopBackOff',
          detail: `pod ${p.pod}: ${p.reason}, restarted ${p.restarts} times`,
        };
    }
  }
  return undefined;
}

/**
 * Argo CD gave up syncing the merged revision (or a sync started after the merge): the operation
 * ended Failed or Error. With a retry policy the phase stays Running while it retries.
 */
export function syncFailure(app: Application, revision: string, since: number): Failure | undefined {
  const op = app.status?.operationState;
  if (!op || (op.phase !== 'Failed' && op.phase !== 'Error')) return undefined;
  // A sync that names its revision is ours only if it is the merged one (a self-heal of the old
  // commit failing after the merge is not this change's failure); one that names none, by time.
  const named = op.syncResult?.revision || op.syncResult?.revisions?.length;
  const ours = named
    ? op.syncResult?.revision === revision || !!op.syncResult?.revisions?.includes(revision)
    : Date.parse(op.startedAt) >= since;
  if (!ours) return undefined;
  return { reason: `sync ${op.phase}`, detail: op.message ?? `the sync ended ${op.phase}` };
}
