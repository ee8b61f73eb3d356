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
 * The newest deployed Git revision and whether it replaced an earlier one, from Argo CD's history
 * (falling back to the sync status): the commit a revert would undo.
 */
export function newestRevision(ctx: Ctx): { revision: string; hasPrevious: boolean } | undefined {
  const st = ctx.s.app.status;
  const history = [...(st?.history ?? [])].sort((a, b) => a.id - b.id);
  const last = history.at(-1);
  const revision = last?.revision ?? last?.revisions?.[0] ?? st?.sync?.revision;
  if (!revision) return undefined;
  const earlier = history.slice(0, -1).some((h) => (h.revision ?? h.revisions?.[0]) !== revision);
  return { revision, hasPrevious: earlier };
}

// Failures about the operation's timing or locking, not about what Git holds: a revert cannot help.
const NOT_GIT = /sync window|Operation terminated|another operation is already in progress/i;

/**
 * The revision whose sync failed, when it is the newest one in Git and something else was deployed
 * before it: the commit a revert pull request would undo.
 */
export function failedNewestRevision(ctx: Ctx): string | undefined {
  const st = ctx.s.app.status;
  const op = st?.operationState;
  const failing =
    op && (op.phase === 'Failed' || op.phase === 'Error' || /Retrying attempt/.test(op.message ?? ''));
  if (!failing || NOT_GIT.test(op.message ?? '')) return undefined;
  const revision = op.syncResult?.revision ?? op.operation.sync?.revision;
  const earlier = (st?.history ?? []).some((h) => (h.revision ?? h.revisions?.[0]) !== revision);
  return revision && revision === st?.sync?.revision && earlier ? revision : undefined;
}

/** The tag (or digest) part of an image reference, for summaries. */
export function tagOf(image: string): string {
  const at = image.lastIndexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? image.slice(colon + 1) : 'latest';
}
