/**
 * What ran before: the image a Deployment's older ReplicaSets ran, and the revision Argo CD
 * deployed last. A failure that began with a change is fixed by going back to what worked, so the
 * fix rules ask these two questions.
 */
import type { V1ReplicaSet } from '@kubernetes/client-node';
import type { Ctx } from './context.ts';
import type { ResourceRef } from './types.ts';

const revisionOf = (rs: V1ReplicaSet) =>
  Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);

/** The ReplicaSets of a Deployment, newest revision first. */
export function replicaSetsOf(ctx: Ctx, w: Pick<ResourceRef, 'kind' | 'namespace' | 'name'>): V1ReplicaSet[] {
  if (w.kind !== 'Deployment') return [];
  return ctx.s.replicaSets
    .filter(
      (rs) =>
        rs.metadata?.namespace === w.namespace &&
        rs.metadata?.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === w.name),
    )
    .sort((a, b) => revisionOf(b) - revisionOf(a));
}

/** A rollout younger than this still counts as "the change that started the trouble". */
const RECENT_MS = 24 * 3600_000;

/**
 * The image a container ran before the current one: from an older ReplicaSet with a different
 * image, preferring one whose pods are still ready (proof that it works) over the latest older one.
 * With `recentOnly`, an old image counts only while the change is fresh (a rollout in progress or
 * a newest ReplicaSet younger than a day): a crash months after a bump is not the bump's fault.
 */
export function previousImage(
  ctx: Ctx,
  w: Pick<ResourceRef, 'kind' | 'namespace' | 'name'>,
  container: string,
  current: string | undefined,
  recentOnly = false,
): string | undefined {
  const imageIn = (rs: V1ReplicaSet) =>
    rs.spec?.template?.spec?.containers?.find((c) => c.name === container)?.image ??
    rs.spec?.template?.spec?.initContainers?.find((c) => c.name === container)?.image;
  const all = replicaSetsOf(ctx, w);
  // Only ReplicaSets older than the one running the current image are "before".
  const at = all.findIndex((rs) => imageIn(rs) === current);
  const older = all.slice(at + 1).filter((rs) => {
    const img = imageIn(rs);
    return img !== undefined && img !== current;
  });
  const serving = older.find((rs) => (rs.status?.readyReplicas ?? 0) > 0);
  const created = all[0]?.metadata?.creationTimestamp?.getTime();
  const fresh = created !== undefined && ctx.now - created < RECENT_MS;
  const pick = serving ?? (!recentOnly || fresh ? older[0] : undefined);
  return pick ? imageIn(pick) : undefined;
}

/**
 * Where a revert would look for the change that broke the app, as parameters of the `revert` fix:
 * the revision the failure is at (`upTo`), the last one that was fine (`after`, when known) and
 * when the failure began (`before`). The diagnosis service asks Git for the newest commit on the
 * app's own paths in that window; none, and no revert is offered.
 * - `failed-sync`: the revision a failing sync is at, after the one deployed before it;
 * - `comparison`: the revision Argo CD compared and could not render, after the one deployed;
 * - `rollout`: the revision deployed last, after the one deployed before it, before the failure.
 */
export function revertWindow(
  ctx: Ctx,
  why: 'failed-sync' | 'comparison' | 'rollout',
): { upTo: string; after?: string; before?: string } | undefined {
  const v = ctx.view;
  const first = (revs: string[] | undefined) => revs?.[0];
  const deployed = v.history.map((h) => first(h.revisions)).filter((r): r is string => !!r);
  const at = (t: string | undefined) => (t && !Number.isNaN(Date.parse(t)) ? t : undefined);
  if (why === 'failed-sync') {
    const op =
      v.lastOperation?.stage === 'failed' || v.lastOperation?.stage === 'error'
        ? v.lastOperation
        : v.operation;
    if (!op || NOT_GIT.test(op.message ?? '')) return undefined;
    const upTo = first(op.revisions) ?? v.sources[0]?.revision;
    if (!upTo) return undefined;
    const after = deployed.find((r) => r !== upTo);
    // A sync that failed at the revision already deployed is not a change's fault.
    if (deployed[0] === upTo) return undefined;
    return {
      upTo,
      ...(after ? { after } : {}),
      ...(at(op.startedAt) ? { before: at(op.finishedAt ?? op.startedAt) } : {}),
    };
  }
  if (why === 'comparison') {
    const upTo = v.sources.find((s) => !s.refOnly)?.revision;
    if (!upTo || deployed[0] === upTo) return undefined;
    return { upTo, ...(deployed[0] ? { after: deployed[0] } : {}) };
  }
  const [upTo, after] = deployed;
  if (!upTo || !after || upTo === after) return undefined;
  // A failure that began before the last deployment is not that deployment's doing.
  const failingSince = at(
    (ctx.s.app.status?.health as { lastTransitionTime?: string } | undefined)?.lastTransitionTime,
  );
  const deployedAt = at(v.history[0]?.deployedAt);
  if (failingSince && deployedAt && Date.parse(failingSince) < Date.parse(deployedAt)) return undefined;
  return { upTo, after, ...(failingSince ? { before: failingSince } : {}) };
}

// Failures about the operation's timing or locking, not about what Git holds: a revert cannot help.
const NOT_GIT = /sync window|Operation terminated|another operation is already in progress/i;

/** The tag (or digest) part of an image reference, for summaries. */
export function tagOf(image: string): string {
  const at = image.lastIndexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? image.slice(colon + 1) : 'latest';
}
