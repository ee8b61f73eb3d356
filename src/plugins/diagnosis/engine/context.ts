/**
 * Indexes over one snapshot that every rule needs: which workload owns a pod, the pods of a
 * workload, the events about an object, a container's spec and logs, and whether part of the
 * cluster could not be read (so a rule does not mistake "not collected" for "absent").
 */
import type { CoreV1Event, V1Container, V1ObjectMeta, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { readApplication, type AppView } from '../../argocd/index.ts';
import type { AppSnapshot, ContainerLogs } from '../../k8s/index.ts';
import { refKey } from './draft.ts';
import type { ResourceRef } from './types.ts';

type Ref = Pick<ResourceRef, 'kind' | 'namespace' | 'name'>;

const time = (e: CoreV1Event): number =>
  (e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp)?.getTime() ?? 0;

export class Ctx {
  readonly s: AppSnapshot;
  readonly now: number;
  /** The argocd plugin's one reading of the app: operations, deletion, sources. */
  readonly view: AppView;
  /** Advice a rule held back on purpose, and why; the report says it. */
  readonly withheld: string[] = [];
  private readonly podsByWorkload = new Map<string, V1Pod[]>();
  private readonly eventsByObject = new Map<string, CoreV1Event[]>();

  constructor(s: AppSnapshot, now: number) {
    this.s = s;
    this.now = now;
    this.view = readApplication(s.app);
    for (const p of s.pods) {
      const k = refKey(this.workloadOf(p));
      this.podsByWorkload.set(k, [...(this.podsByWorkload.get(k) ?? []), p]);
    }
    // Newest first: the latest occurrence is the one worth quoting.
    for (const e of [...s.events].sort((a, b) => time(b) - time(a))) {
      const o = e.involvedObject;
      const k = refKey({ kind: o.kind ?? '', namespace: o.namespace, name: o.name ?? '' });
      this.eventsByObject.set(k, [...(this.eventsByObject.get(k) ?? []), e]);
    }
  }

  /** The workload a pod belongs to: Deployment (through its ReplicaSet), StatefulSet, Job, … or the pod. */
  workloadOf(pod: V1Pod): Ref {
    const m = pod.metadata ?? {};
    const owner = m.ownerReferences?.find((o) => o.controller) ?? m.ownerReferences?.[0];
    if (!owner) return { kind: 'Pod', namespace: m.namespace, name: m.name ?? '' };
    if (owner.kind === 'ReplicaSet') {
      const rs = this.s.replicaSets.find(
        (r) => r.metadata?.name === owner.name && r.metadata?.namespace === m.namespace,
      );
      const dep = rs?.metadata?.ownerReferences?.find((o) => o.kind === 'Deployment');
      if (dep) return { kind: 'Deployment', namespace: m.namespace, name: dep.name };
      // ReplicaSet not collected: a Deployment's ReplicaSet is named <deployment>-<pod-template-hash>.
      const hash = m.labels?.['pod-template-hash'];
      if (!rs && hash && owner.name.endsWith(`-${hash}`))
        return { kind: 'Deployment', namespace: m.namespace, name: owner.name.slice(0, -hash.length - 1) };
    }
    return { kind: owner.kind, namespace: m.namespace, name: owner.name };
  }

  podsOf(workload: Ref): V1Pod[] {
    return this.podsByWorkload.get(refKey(workload)) ?? [];
  }

  /** Events about one object, newest first. */
  eventsAbout(kind: string, meta: Pick<V1ObjectMeta, 'namespace' | 'name'> | undefined): CoreV1Event[] {
    return (
      this.eventsByObject.get(refKey({ kind, namespace: meta?.namespace, name: meta?.name ?? '' })) ?? []
    );
  }

  /** Events about a pod, optionally only those naming one container (by fieldPath or message). */
  podEvents(pod: V1Pod, reason: string | RegExp, container?: string): CoreV1Event[] {
    return this.eventsAbout('Pod', pod.metadata).filter((e) => {
      const r = e.reason ?? '';
      if (typeof reason === 'string' ? r !== reason : !reason.test(r)) return false;
      if (!container) return true;
      const path = e.involvedObject.fieldPath;
      return path ? path.endsWith(`{${container}}`) : (e.message ?? '').includes(container);
    });
  }

  /** The pod template of a workload, for limits and images as Git declares them. */
  templateOf(w: Ref): V1PodSpec | undefined {
    const find = <T extends { metadata?: V1ObjectMeta }>(items: T[]) =>
      items.find((o) => o.metadata?.name === w.name && o.metadata?.namespace === w.namespace);
    const o =
      w.kind === 'Deployment'
        ? find(this.s.deployments)
        : w.kind === 'StatefulSet'
          ? find(this.s.statefulSets)
          : w.kind === 'DaemonSet'
            ? find(this.s.daemonSets)
            : w.kind === 'Job'
              ? find(this.s.jobs)
              : undefined;
    return o?.spec?.template?.spec;
  }

  /** A container's spec: from the workload template when known (what Git says), else the pod. */
  container(pod: V1Pod, name: string): V1Container | undefined {
    const all = (s?: V1PodSpec) => [...(s?.containers ?? []), ...(s?.initContainers ?? [])];
    return (
      all(this.templateOf(this.workloadOf(pod))).find((c) => c.name === name) ??
      all(pod.spec).find((c) => c.name === name)
    );
  }

  logs(pod: V1Pod, container: string): ContainerLogs {
    return this.s.logs[`${pod.metadata?.namespace}/${pod.metadata?.name}/${container}`] ?? {};
  }

  /** Whether a source (e.g. 'pods', 'events', 'endpoints') could not be read for a namespace. */
  missing(what: string, namespace?: string): boolean {
    return this.s.gaps.some(
      (g) => g.source === 'cluster' || g.source === `kubernetes:${what}/${namespace ?? ''}`,
    );
  }
}
