/**
 * ContainerConfigError: the container cannot be created because something it references is
 * missing: a Secret or ConfigMap (or one key of it) used in env/envFrom (CreateContainerConfigError)
 * or mounted as a volume (FailedMount, the pod stays ContainerCreating). Such objects often live
 * outside Git, so there is no Git fix: the summary names exactly what is missing.
 */
import type { Ctx } from '../context.ts';
import type { Draft } from '../draft.ts';
import { clip, eventLine } from '../evidence.ts';
import { containerWord, containers, podDraft } from './pods.ts';

/** "key PASSWORD is missing in Secret prod/db-creds" or "Secret prod/db-creds does not exist". */
export function missingThing(text: string, namespace: string | undefined): string | undefined {
  const key = /couldn't find key (\S+) in (Secret|ConfigMap) ([^/\s]+)\/([^\s,;]+)/.exec(text);
  if (key) return `key ${key[1]} is missing in ${key[2]} ${key[3]}/${key[4]}`;
  const obj = /\b(secret|configmap)s? "([^"]+)" not found/i.exec(text);
  if (obj) {
    const kind = obj[1]?.toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap';
    return `${kind} ${namespace ? `${namespace}/` : ''}${obj[2]} does not exist`;
  }
  return undefined;
}

const CONFIG_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError']);

export const configErrorRule = (ctx: Ctx): Draft[] => {
  const fromStatus = containers(ctx).flatMap((v) => {
    const { pod, status } = v;
    const waiting = status.state?.waiting;
    if (!waiting?.reason || !CONFIG_REASONS.has(waiting.reason)) return [];
    const ns = pod.metadata?.namespace;
    const d = podDraft(ctx, pod, 'ContainerConfigError', 'critical', status.name);
    const what = missingThing(waiting.message ?? '', ns);
    d.summary = `${containerWord(v)} cannot be created: ${what ?? clip(waiting.message ?? waiting.reason, 160)}`;
    d.evidence = [
      clip(`state.waiting: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`),
      ...ctx
        .podEvents(pod, 'Failed', status.name)
        .filter((e) => (e.message ?? '').startsWith('Error:'))
        .slice(0, 1)
        .map((e) => eventLine(e, ctx.now)),
    ];
    return [d];
  });
  // Volumes from a missing Secret/ConfigMap: no container state says so, only FailedMount events.
  const fromMounts = ctx.s.pods.flatMap((pod) => {
    if (pod.status?.phase !== 'Pending') return [];
    const mount = ctx.podEvents(pod, 'FailedMount').find((e) => missingThing(e.message ?? '', undefined));
    if (!mount) return [];
    const d = podDraft(ctx, pod, 'ContainerConfigError', 'critical');
    d.summary = `pod cannot start: a mounted ${missingThing(mount.message ?? '', pod.metadata?.namespace)}`;
    d.evidence = [eventLine(mount, ctx.now)];
    return [d];
  });
  return [...fromStatus, ...fromMounts];
};
