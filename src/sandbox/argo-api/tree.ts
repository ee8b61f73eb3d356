/**
 * An application's resource tree as Argo CD derives it: its managed resources (listed in its
 * status, or labelled with its instance label without an owner) and everything they own, found
 * through ownerReferences — ReplicaSets and Pods, Jobs of CronJobs, Endpoints of Services — each
 * with parents, info, images and health.
 */
import type { KubeObject, ScenarioApplication } from '../scenario.ts';
import { groupOf, type ArgoInstanceState, type ClusterState } from '../world.ts';
import { resourceHealth, type Health } from './health.ts';
import type { Json } from '../json.ts';

export interface TreeNode {
  group?: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  parentRefs?: { group?: string; kind: string; namespace?: string; name: string; uid?: string }[];
  info?: { name: string; value: string }[];
  networkingInfo?: Record<string, unknown>;
  resourceVersion?: string;
  images?: string[];
  health?: Health;
  createdAt?: string;
}

export interface ManagedRef {
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
}

type Obj = KubeObject & Record<string, Json>;

const INSTANCE = 'app.kubernetes.io/instance';
const refKey = (kind: string, ns: string | undefined, name: string) => `${kind}/${ns ?? ''}/${name}`;

/** The kubectl-style phrase for a pod (CrashLoopBackOff, Init:0/1, …), for the tree's info. */
export function podReason(p: Obj): string {
  const st = p.status ?? {};
  let reason: string = st.reason ?? st.phase ?? 'Unknown';
  const inits = (st.initContainerStatuses ?? []) as Obj[];
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i] as Obj;
    if (c.state?.terminated?.exitCode === 0) continue;
    if (c.state?.terminated)
      return c.state.terminated.reason
        ? `Init:${c.state.terminated.reason}`
        : `Init:ExitCode:${c.state.terminated.exitCode}`;
    if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing')
      return `Init:${c.state.waiting.reason}`;
    return `Init:${i}/${(p.spec?.initContainers ?? []).length}`;
  }
  for (const c of [...((st.containerStatuses ?? []) as Obj[])].reverse()) {
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
  }
  if (p.metadata.deletionTimestamp) reason = 'Terminating';
  return reason;
}

function podInfo(p: Obj): { name: string; value: string }[] {
  const cs = (p.status?.containerStatuses ?? []) as Obj[];
  const total = (p.spec?.containers ?? []).length || cs.length;
  return [
    { name: 'Status Reason', value: podReason(p) },
    ...(p.spec?.nodeName ? [{ name: 'Node', value: p.spec.nodeName }] : []),
    { name: 'Containers', value: `${cs.filter((c) => c.ready).length}/${total}` },
    ...(cs.some((c) => c.restartCount)
      ? [{ name: 'Restart Count', value: String(cs.reduce((n, c) => n + (c.restartCount ?? 0), 0)) }]
      : []),
  ];
}

function images(o: Obj): string[] {
  const spec =
    o.kind === 'Pod' ? o.spec : (o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec);
  return [
    ...new Set(
      [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]
        .map((c: Obj) => c.image as string)
        .filter(Boolean),
    ),
  ];
}

function node(o: Obj, applicationHealth: boolean): TreeNode {
  const v = o.apiVersion.includes('/') ? o.apiVersion.split('/')[1] : o.apiVersion;
  const parentRefs = (o.metadata.ownerReferences ?? []).map((r) => ({
    group: groupOf(r.apiVersion) || undefined,
    kind: r.kind,
    namespace: o.metadata.namespace,
    name: r.name,
    uid: r.uid,
  }));
  const imgs = images(o);
  const health = resourceHealth(o, { applicationHealth });
  return {
    ...(groupOf(o.apiVersion) ? { group: groupOf(o.apiVersion) } : {}),
    version: v as string,
    kind: o.kind,
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
    name: o.metadata.name,
    uid: o.metadata.uid,
    ...(parentRefs.length ? { parentRefs } : {}),
    ...(o.kind === 'Pod' ? { info: podInfo(o) } : {}),
    resourceVersion: o.metadata.resourceVersion as string | undefined,
    ...(imgs.length ? { images: imgs } : {}),
    ...(health ? { health } : {}),
    createdAt: o.metadata.creationTimestamp,
  };
}

/**
 * Kinds Argo CD's default `resource.exclusions` leaves unmanaged even when they carry the
 * instance label (the endpoints controller copies a Service's labels onto its Endpoints).
 */
const EXCLUDED = new Set([
  'Event',
  'Endpoints',
  'EndpointSlice',
  'Lease',
  'TokenReview',
  'SelfSubjectAccessReview',
]);

/** What the app manages: its status.resources and the unowned objects carrying its instance label. */
export function managedRefs(app: ScenarioApplication, cluster: ClusterState | undefined): ManagedRef[] {
  const out = new Map<string, ManagedRef>();
  for (const r of ((app.status as Obj | undefined)?.resources ?? []) as Obj[]) {
    out.set(refKey(r.kind, r.namespace, r.name), {
      group: r.group ?? '',
      version: r.version ?? 'v1',
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
    });
  }
  if (cluster) {
    for (const o of cluster.all()) {
      if (o.metadata.labels?.[INSTANCE] !== app.metadata.name || (o.metadata.ownerReferences ?? []).length)
        continue;
      if (EXCLUDED.has(o.kind)) continue;
      const v = o.apiVersion.includes('/') ? (o.apiVersion.split('/')[1] as string) : o.apiVersion;
      out.set(refKey(o.kind, o.metadata.namespace, o.metadata.name), {
        group: groupOf(o.apiVersion),
        version: v,
        kind: o.kind,
        namespace: o.metadata.namespace,
        name: o.metadata.name,
      });
    }
  }
  return [...out.values()];
}

/** The managed objects as they live in the cluster (or, for child Applications, in Argo CD). */
export function liveManaged(
  ref: ManagedRef,
  cluster: ClusterState | undefined,
  instance: ArgoInstanceState,
): Obj | undefined {
  if (ref.kind === 'Application' && ref.group === 'argoproj.io') {
    // As the cluster stores it: with TypeMeta, which only Argo CD's API leaves out (wire.ts).
    const app = instance.get(ref.name, ref.namespace);
    return app ? ({ ...app, apiVersion: 'argoproj.io/v1alpha1', kind: 'Application' } as Obj) : undefined;
  }
  if (!cluster) return undefined;
  const apiVersion = ref.group ? `${ref.group}/${ref.version}` : ref.version;
  return (cluster.get(apiVersion, ref.kind, ref.namespace, ref.name) ??
    [...cluster.all()].find(
      (o) =>
        o.kind === ref.kind &&
        o.metadata.name === ref.name &&
        (o.metadata.namespace ?? '') === (ref.namespace ?? ''),
    )) as Obj | undefined;
}

export function buildTree(
  app: ScenarioApplication,
  cluster: ClusterState | undefined,
  instance: ArgoInstanceState,
): { nodes: TreeNode[]; missing: ManagedRef[] } {
  const nodes: TreeNode[] = [];
  const missing: ManagedRef[] = [];
  const seen = new Set<string>();
  const children = new Map<string, Obj[]>();
  const byName = new Map<string, Obj>();
  if (cluster) {
    for (const o of cluster.all()) {
      for (const r of o.metadata.ownerReferences ?? []) {
        const k = r.uid ?? `${r.kind}/${o.metadata.namespace ?? ''}/${r.name}`;
        children.set(k, [...(children.get(k) ?? []), o as Obj]);
      }
      if (o.kind === 'Endpoints' || o.kind === 'EndpointSlice')
        byName.set(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o as Obj);
    }
  }
  const add = (o: Obj, extraParent?: TreeNode) => {
    const k = o.metadata.uid ?? refKey(o.kind, o.metadata.namespace, o.metadata.name);
    if (seen.has(k)) return;
    seen.add(k);
    const n = node(o, instance.applicationHealth);
    if (extraParent && !n.parentRefs)
      n.parentRefs = [
        {
          group: extraParent.group,
          kind: extraParent.kind,
          namespace: extraParent.namespace,
          name: extraParent.name,
          uid: extraParent.uid,
        },
      ];
    nodes.push(n);
    for (const child of children.get(o.metadata.uid ?? '') ??
      children.get(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`) ??
      [])
      add(child);
    if (o.kind === 'Service') {
      const ep = byName.get(`Endpoints/${o.metadata.namespace}/${o.metadata.name}`);
      if (ep) add(ep, n);
    }
  };
  for (const ref of managedRefs(app, cluster)) {
    const live = liveManaged(ref, cluster, instance);
    if (live) add(live);
    // Without the destination cluster in the world nothing is known to be missing: the app keeps
    // what its scenario says.
    else if (cluster || (ref.kind === 'Application' && ref.group === 'argoproj.io')) missing.push(ref);
  }
  return { nodes, missing };
}
