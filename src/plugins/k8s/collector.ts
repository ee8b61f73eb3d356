/**
 * Collect the state of one application: Argo CD's view (app, resource tree, its events) and the
 * cluster's objects that belong to the app, the events about them and the logs of the containers
 * that fail. Requests run concurrently; what cannot be read becomes a gap in the snapshot instead
 * of failing the whole collection.
 */
import type { CoreV1Event, V1ObjectMeta, V1Pod } from '@kubernetes/client-node';
import type { Clock } from '../../core/clock.ts';
import type { ResolvedApp } from '../argocd/index.ts';
import type { ApplicationTree, ManagedResource, ResourceNode } from '../argocd/index.ts';
import type { ClusterDirectory } from './clusters.ts';
import type { K8sConfig } from './config.ts';
import type { KubeReader } from './reader.ts';
import type { AppSnapshot, ContainerLogs } from './snapshot.ts';

const key = (kind: string, ns: string | undefined, name: string | undefined) =>
  `${kind}/${ns ?? ''}/${name ?? ''}`;

/** A container that is failing or has failed: its logs are evidence. */
export function failingContainers(pod: V1Pod): { name: string; restarted: boolean }[] {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses
    .filter(
      (s) =>
        s.restartCount > 0 ||
        (s.state?.waiting?.reason &&
          s.state.waiting.reason !== 'PodInitializing' &&
          s.state.waiting.reason !== 'ContainerCreating') ||
        (s.state?.terminated && s.state.terminated.exitCode !== 0),
    )
    .map((s) => ({ name: s.name, restarted: s.restartCount > 0 || !!s.lastState?.terminated }));
}

export class AppCollector {
  private readonly clusters: ClusterDirectory;
  private readonly clock: Clock;
  private readonly logs: K8sConfig['logs'];

  constructor(deps: { clusters: ClusterDirectory; clock: Clock; logs: K8sConfig['logs'] }) {
    this.clusters = deps.clusters;
    this.clock = deps.clock;
    this.logs = deps.logs;
  }

  async collect(r: ResolvedApp, signal?: AbortSignal): Promise<AppSnapshot> {
    let requests = 0;
    const gaps: AppSnapshot['gaps'] = [];
    const attempt = async <T>(source: string, fallback: T, fn: () => Promise<T>): Promise<T> => {
      requests += 1;
      try {
        return await fn();
      } catch (e) {
        gaps.push({ source, message: (e as Error).message });
        return fallback;
      }
    };
    const reader = this.clusters.find(r.app);
    const [tree, appEvents, managed] = await Promise.all([
      attempt<ApplicationTree>('argocd:resource-tree', { nodes: [] }, () =>
        r.client.resourceTree(r.locator, signal),
      ),
      attempt<CoreV1Event[]>('argocd:events', [], () => r.client.events(r.locator, undefined, signal)),
      // What differs from Git, as Argo CD's diff says it: read only when there is a difference.
      r.view.sync === 'OutOfSync'
        ? attempt<ManagedResource[] | undefined>('argocd:managed-resources', undefined, () =>
            r.client.managedResources(r.locator, signal),
          )
        : Promise.resolve(undefined),
    ]);
    const snap: AppSnapshot = {
      instance: r.instance,
      cluster: reader?.name,
      app: r.app,
      tree,
      pods: [],
      deployments: [],
      statefulSets: [],
      daemonSets: [],
      replicaSets: [],
      jobs: [],
      services: [],
      endpoints: [],
      hpas: [],
      pvcs: [],
      nodes: [],
      quotas: [],
      events: [],
      appEvents,
      ...(managed ? { managed } : {}),
      logs: {},
      collectedAt: this.clock.now(),
      gaps,
      requests: 0,
    };
    if (!reader) {
      gaps.push({
        source: 'cluster',
        message: `no configured cluster for destination ${r.app.spec.destination.server ?? r.app.spec.destination.name}`,
      });
      snap.requests = requests;
      return snap;
    }
    const nodes = tree.nodes ?? [];
    const inTree = new Set(nodes.map((n) => key(n.kind, n.namespace, n.name)));
    for (const res of r.app.status?.resources ?? []) inTree.add(key(res.kind, res.namespace, res.name));
    // Hooks are in neither list but the sync names them: the tree may be missing, these are not.
    for (const res of r.app.status?.operationState?.syncResult?.resources ?? [])
      inTree.add(key(res.kind, res.namespace, res.name));
    const namespaces = new Set<string>();
    for (const n of nodes) if (n.namespace) namespaces.add(n.namespace);
    for (const res of r.app.status?.resources ?? []) if (res.namespace) namespaces.add(res.namespace);
    if (namespaces.size === 0 && r.app.spec.destination.namespace)
      namespaces.add(r.app.spec.destination.namespace);

    // Argo CD's tree says what belongs to the app; the owner references say it too, and still
    // do when the tree could not be read (a pod list that arrived is not "no pods").
    const mine = <T extends { metadata?: V1ObjectMeta }>(kind: string, items: T[]) =>
      items.filter((o) => {
        const k = key(kind, o.metadata?.namespace, o.metadata?.name);
        if (inTree.has(k)) return true;
        const chain = (o.metadata?.ownerReferences ?? []).map((ref) =>
          key(ref.kind, o.metadata?.namespace, ref.name),
        );
        if (chain.some((c) => inTree.has(c))) {
          inTree.add(k);
          return true;
        }
        return false;
      });

    await Promise.all(
      [...namespaces].map(async (ns) => {
        const at = (what: string) => `kubernetes:${what}/${ns}`;
        const [pods, deps, sts, dss, rss, jobs, svcs, eps, hpas, pvcs, quotas, events] = await Promise.all([
          attempt(at('pods'), [], () => reader.listPods(ns, {}, signal)),
          attempt(at('deployments'), [], () => reader.listDeployments(ns, signal)),
          attempt(at('statefulsets'), [], () => reader.listStatefulSets(ns, signal)),
          attempt(at('daemonsets'), [], () => reader.listDaemonSets(ns, signal)),
          attempt(at('replicasets'), [], () => reader.listReplicaSets(ns, signal)),
          attempt(at('jobs'), [], () => reader.listJobs(ns, signal)),
          attempt(at('services'), [], () => reader.listServices(ns, signal)),
          attempt(at('endpoints'), [], () => reader.listEndpoints(ns, signal)),
          attempt(at('hpas'), [], () => reader.listHpas(ns, signal)),
          attempt(at('pvcs'), [], () => reader.listPvcs(ns, signal)),
          attempt(at('quotas'), [], () => reader.listQuotas(ns, signal)),
          attempt(at('events'), [], () => reader.listEvents(ns, undefined, signal)),
        ]);
        // Owners before what they own, so the owner chain reaches the pods.
        snap.deployments.push(...mine('Deployment', deps));
        snap.statefulSets.push(...mine('StatefulSet', sts));
        snap.daemonSets.push(...mine('DaemonSet', dss));
        snap.jobs.push(...mine('Job', jobs));
        snap.replicaSets.push(...mine('ReplicaSet', rss));
        snap.pods.push(...mine('Pod', pods));
        snap.services.push(...mine('Service', svcs));
        const serviceNames = new Set(
          snap.services.filter((s) => s.metadata?.namespace === ns).map((s) => s.metadata?.name),
        );
        snap.endpoints.push(...eps.filter((e) => serviceNames.has(e.metadata?.name)));
        snap.hpas.push(...mine('HorizontalPodAutoscaler', hpas));
        // A pending pod's PVC matters even when the claim is not itself a managed resource.
        const claimed = new Set(
          snap.pods.flatMap((p) =>
            (p.spec?.volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName).filter(Boolean),
          ),
        );
        snap.pvcs.push(
          ...pvcs.filter(
            (p) =>
              inTree.has(key('PersistentVolumeClaim', ns, p.metadata?.name)) || claimed.has(p.metadata?.name),
          ),
        );
        snap.quotas.push(...quotas);
        snap.events.push(...events);
      }),
    );
    // Events about the app's objects only (by uid where the event has one, else by kind and name).
    const uids = new Set<string>();
    const names = new Set<string>();
    const remember = (kind: string, m?: V1ObjectMeta) => {
      if (m?.uid) uids.add(m.uid);
      names.add(key(kind, m?.namespace, m?.name));
    };
    snap.pods.forEach((o) => remember('Pod', o.metadata));
    snap.deployments.forEach((o) => remember('Deployment', o.metadata));
    snap.statefulSets.forEach((o) => remember('StatefulSet', o.metadata));
    snap.daemonSets.forEach((o) => remember('DaemonSet', o.metadata));
    snap.replicaSets.forEach((o) => remember('ReplicaSet', o.metadata));
    snap.jobs.forEach((o) => remember('Job', o.metadata));
    snap.services.forEach((o) => remember('Service', o.metadata));
    snap.hpas.forEach((o) => remember('HorizontalPodAutoscaler', o.metadata));
    snap.pvcs.forEach((o) => remember('PersistentVolumeClaim', o.metadata));
    nodes.forEach((n: ResourceNode) => names.add(key(n.kind, n.namespace, n.name)));
    snap.events = snap.events.filter((e) => {
      const o = e.involvedObject;
      return (o.uid && uids.has(o.uid)) || names.has(key(o.kind ?? '', o.namespace, o.name));
    });

    const nodeNames = new Set(snap.pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n));
    const [allNodes] = await Promise.all([
      nodeNames.size ? attempt('kubernetes:nodes', [], () => reader.listNodes(signal)) : Promise.resolve([]),
      this.collectLogs(reader, snap, attempt, signal),
    ]);
    snap.nodes = allNodes.filter((n) => nodeNames.has(n.metadata?.name ?? ''));
    snap.requests = requests;
    return snap;
  }

  private async collectLogs(
    reader: KubeReader,
    snap: AppSnapshot,
    attempt: <T>(source: string, fallback: T, fn: () => Promise<T>) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<void> {
    const wanted = snap.pods
      .flatMap((p) => failingContainers(p).map((c) => ({ pod: p, ...c })))
      .slice(0, this.logs.maxContainers);
    await Promise.all(
      wanted.map(async ({ pod, name, restarted }) => {
        const ns = pod.metadata?.namespace ?? '';
        const podName = pod.metadata?.name ?? '';
        const tailLines = this.logs.collectLines;
        const entry: ContainerLogs = {};
        const [current, previous] = await Promise.all([
          attempt<string | undefined>(`logs:${ns}/${podName}/${name}`, undefined, () =>
            reader.readLog(ns, podName, { container: name, tailLines }, signal),
          ),
          restarted
            ? attempt<string | undefined>(`logs:${ns}/${podName}/${name}#previous`, undefined, () =>
                reader.readLog(ns, podName, { container: name, tailLines, previous: true }, signal),
              )
            : Promise.resolve(undefined),
        ]);
        if (current) entry.current = current;
        if (previous) entry.previous = previous;
        snap.logs[`${ns}/${podName}/${name}`] = entry;
      }),
    );
  }
}
