/**
 * Building the demo cluster's objects the way the API server returns them: workloads with the
 * fields the controllers and the API defaults add (ReplicaSets with pod-template-hash and owner
 * references, pods with node, IPs, conditions and container statuses), Services with their
 * Endpoints, and Events with the kubelet's and controllers' wording. Objects are kept in the order
 * they were added, in commented sections, so the scenario reads app by app.
 */
import { templateHash } from '../../src/sandbox/reconciler/rollout.ts';
import { normalizeImage } from '../../src/sandbox/simulation.ts';
import { hex, iso, pick, suffix, uid } from './model.ts';

export type Obj = {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  [k: string]: unknown;
};
export type Meta = {
  name: string;
  namespace?: string;
  uid?: string;
  generateName?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerRef[];
  [k: string]: unknown;
};
export type OwnerRef = {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
};
/** A manifest as Git (or a chart) describes it, before the API server adds anything. */
export type Manifest = Obj & { spec?: Record<string, unknown> };

// Manifests are free-form JSON; the builders read the parts they need.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Any = any;

export interface NodeDef {
  name: string;
  ip: string;
  podCidr: number;
  controlPlane: boolean;
}

export const INSTANCE_LABEL = 'app.kubernetes.io/instance';

export const ownerRef = (o: Obj): OwnerRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  uid: o.metadata.uid as string,
  controller: true,
  blockOwnerDeletion: true,
});

const clone = <T>(v: T): T => structuredClone(v);

export interface ContainerState {
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: Record<string, unknown>;
  lastState?: Record<string, unknown>;
  /** False while the image has never been pulled (no imageID yet). */
  pulled: boolean;
}

export const running = (startedAt: number, restartCount = 0, lastState?: Record<string, unknown>) =>
  ({
    ready: true,
    started: true,
    restartCount,
    state: { running: { startedAt: iso(startedAt) } },
    ...(lastState ? { lastState } : {}),
    pulled: true,
  }) satisfies ContainerState;

export class Cluster {
  readonly objects: Obj[] = [];
  readonly logs: Record<string, string> = {};
  /** Comments heading the object at an index. */
  readonly sections = new Map<number, string>();
  /** The objects each app manages (its `status.resources`), in the order they were made. */
  readonly managed = new Map<string, Obj[]>();
  private readonly nodes: NodeDef[];
  private readonly podsOnNode = new Map<string, number>();
  private readonly nextIp = new Map<string, number>();

  constructor(nodes: NodeDef[]) {
    this.nodes = nodes;
    for (const n of nodes) {
      this.podsOnNode.set(n.name, 0);
      this.nextIp.set(n.name, 12);
    }
  }

  section(comment: string): void {
    this.sections.set(this.objects.length, comment);
  }

  add<T extends Obj>(o: T): T {
    o.metadata.uid ??= uid(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    this.objects.push(o);
    return o;
  }

  /** Label an object as Argo CD's tracking does and count it among the app's resources. */
  manage<T extends Obj>(app: string, o: T): T {
    o.metadata.labels = { ...(o.metadata.labels ?? {}), [INSTANCE_LABEL]: app };
    const list = this.managed.get(app) ?? [];
    list.push(o);
    this.managed.set(app, list);
    return this.add(o);
  }

  find(kind: string, namespace: string | undefined, name: string): Obj | undefined {
    return this.objects.find(
      (o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace,
    );
  }

  node(name: string): NodeDef {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** The least busy node, as the default scheduler's spreading would pick (no node is tainted). */
  schedule(preferred?: string): NodeDef {
    if (preferred) return this.node(preferred);
    return [...this.nodes].sort(
      (a, b) => (this.podsOnNode.get(a.name) ?? 0) - (this.podsOnNode.get(b.name) ?? 0),
    )[0] as NodeDef;
  }

  private podIp(n: NodeDef): string {
    const i = this.nextIp.get(n.name) ?? 12;
    this.nextIp.set(n.name, i + 1);
    return `10.244.${n.podCidr}.${i}`;
  }

  // ---- workloads -------------------------------------------------------------------------------

  /** A Deployment as the API returns it, from its manifest; status is filled in by the caller. */
  deployment(app: string, m: Manifest, o: { createdAt: number; generation: number; replicas?: number }): Obj {
    const spec = clone(m.spec) as Any;
    return this.manage(app, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        ...clone(m.metadata),
        generation: o.generation,
        creationTimestamp: iso(o.createdAt),
        annotations: { ...(m.metadata.annotations ?? {}) },
      },
      spec: {
        progressDeadlineSeconds: 600,
        revisionHistoryLimit: 10,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        ...spec,
        replicas: o.replicas ?? spec.replicas ?? 1,
      },
      status: {},
    });
  }

  /** The ReplicaSet a Deployment made for one pod template (name and hash as the controller makes them). */
  replicaSet(
    dep: Obj,
    template: Any,
    o: { createdAt: number; revision: number; replicas: number; maxSurge?: number },
  ): Obj {
    const hash = templateHash(template);
    const t = clone(template);
    t.metadata = {
      ...(t.metadata ?? {}),
      labels: { ...(t.metadata?.labels ?? {}), 'pod-template-hash': hash },
    };
    const spec = dep.spec as Any;
    const rs = this.add({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${dep.metadata.name}-${hash}`,
        namespace: dep.metadata.namespace,
        generation: o.replicas === 0 ? 2 : 1,
        creationTimestamp: iso(o.createdAt),
        labels: { ...t.metadata.labels },
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(spec.replicas),
          'deployment.kubernetes.io/max-replicas': String(spec.replicas + (o.maxSurge ?? maxSurge(spec))),
          'deployment.kubernetes.io/revision': String(o.revision),
        },
        ownerReferences: [ownerRef(dep)],
      },
      spec: {
        replicas: o.replicas,
        selector: clone(spec.selector),
        template: t,
      },
      status: { replicas: 0, observedGeneration: o.replicas === 0 ? 2 : 1 },
    });
    return rs;
  }

  /** A pod of a controller, running its template on a node. */
  pod(
    owner: Obj,
    o: {
      createdAt: number;
      name?: string;
      node?: string;
      extraLabels?: Record<string, string>;
      /** Per container; a function when a status names its own pod (the kubelet's back-off text does). */
      statuses: ContainerState[] | ((pod: { name: string; uid: string }) => ContainerState[]);
      hostNetwork?: boolean;
      extraVolumes?: Any[];
    },
  ): Obj {
    const template = (owner.spec as Any).template;
    const ns = owner.metadata.namespace as string;
    const name = o.name ?? `${owner.metadata.name}-${suffix(`${owner.metadata.uid}/${o.createdAt}`, 5)}`;
    const node = this.schedule(o.node);
    this.podsOnNode.set(node.name, (this.podsOnNode.get(node.name) ?? 0) + 1);
    const ip = o.hostNetwork ? node.ip : this.podIp(node);
    const podUid = uid(`Pod/${ns}/${name}`);
    const tokenVolume = `kube-api-access-${suffix(podUid, 5)}`;
    const spec = clone(template.spec) as Any;
    const containers = (spec.containers as Any[]).map((c) => withContainerDefaults(c, tokenVolume));
    const initContainers = (spec.initContainers as Any[] | undefined)?.map((c) =>
      withContainerDefaults(c, tokenVolume),
    );
    const given = typeof o.statuses === 'function' ? o.statuses({ name, uid: podUid }) : o.statuses;
    const statuses = containers.map((c, i) => {
      const s = given[i] ?? given[0];
      if (!s) throw new Error(`no status for container ${c.name} of ${name}`);
      return containerStatus(c, s, `${podUid}/${c.name}/${s.restartCount}`);
    });
    const ready = statuses.every((s) => s.ready);
    // A pod is Running once any container has run; waiting for an image or config keeps it Pending.
    const anyRunning = statuses.some(
      (s) => 'running' in (s.state as object) || Object.keys(s.lastState as object).length > 0,
    );
    const t0 = o.createdAt;
    const readyAt = Math.max(
      t0,
      ...given.map((s) => Date.parse(((s.state as Any).running?.startedAt as string) ?? iso(t0))),
    );
    const notReady = {
      status: 'False',
      reason: 'ContainersNotReady',
      message: `containers with unready status: [${statuses
        .filter((s) => !s.ready)
        .map((s) => s.name)
        .join(' ')}]`,
    };
    const pod = this.add({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        ...(o.name ? {} : { generateName: `${owner.metadata.name}-` }),
        namespace: ns,
        uid: podUid,
        creationTimestamp: iso(t0),
        labels: { ...(template.metadata?.labels ?? {}), ...(o.extraLabels ?? {}) },
        ...(template.metadata?.annotations ? { annotations: clone(template.metadata.annotations) } : {}),
        ownerReferences: [ownerRef(owner)],
      },
      spec: {
        ...spec,
        ...(initContainers ? { initContainers } : {}),
        containers,
        dnsPolicy: spec.dnsPolicy ?? (o.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst'),
        enableServiceLinks: true,
        nodeName: node.name,
        preemptionPolicy: 'PreemptLowerPriority',
        priority: 0,
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: spec.securityContext ?? {},
        serviceAccount: spec.serviceAccountName ?? 'default',
        serviceAccountName: spec.serviceAccountName ?? 'default',
        terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
        tolerations: [
          ...(spec.tolerations ?? []),
          {
            effect: 'NoExecute',
            key: 'node.kubernetes.io/not-ready',
            operator: 'Exists',
            tolerationSeconds: 300,
          },
          {
            effect: 'NoExecute',
            key: 'node.kubernetes.io/unreachable',
            operator: 'Exists',
            tolerationSeconds: 300,
          },
        ],
        volumes: [
          ...(o.extraVolumes ?? []),
          ...(spec.volumes ?? []),
          {
            name: tokenVolume,
            projected: {
              defaultMode: 420,
              sources: [
                { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                {
                  downwardAPI: {
                    items: [
                      { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
      status: {
        conditions: [
          {
            type: 'PodReadyToStartContainers',
            status: 'True',
            lastProbeTime: null,
            lastTransitionTime: iso(t0 + 2000),
          },
          { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: iso(t0 + 1000) },
          ready
            ? {
                type: 'Ready',
                status: 'True',
                lastProbeTime: null,
                lastTransitionTime: iso(readyAt + 12_000),
              }
            : { type: 'Ready', ...notReady, lastProbeTime: null, lastTransitionTime: iso(t0 + 1000) },
          ready
            ? {
                type: 'ContainersReady',
                status: 'True',
                lastProbeTime: null,
                lastTransitionTime: iso(readyAt + 12_000),
              }
            : {
                type: 'ContainersReady',
                ...notReady,
                lastProbeTime: null,
                lastTransitionTime: iso(t0 + 1000),
              },
          { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: iso(t0) },
        ],
        containerStatuses: statuses,
        hostIP: node.ip,
        hostIPs: [{ ip: node.ip }],
        phase: anyRunning ? 'Running' : 'Pending',
        podIP: ip,
        podIPs: [{ ip }],
        qosClass: qosClass(containers),
        startTime: iso(t0),
      },
    });
    return pod;
  }

  /** The pods' logs under `<namespace>/<pod>/<container>` (and `#previous`). */
  log(pod: Obj, container: string, text: string, previous = false): void {
    this.logs[`${pod.metadata.namespace}/${pod.metadata.name}/${container}${previous ? '#previous' : ''}`] =
      text;
  }

  /** A StatefulSet, managed by an app or owned by an operator's custom resource. */
  statefulSet(
    m: Manifest,
    o: { createdAt: number; generation: number; app?: string; owner?: Obj; readyReplicas?: number },
  ): Obj {
    const spec = clone(m.spec) as Any;
    const replicas: number = spec.replicas ?? 1;
    const revision = `${m.metadata.name}-${templateHash(spec.template)}`;
    const ready = o.readyReplicas ?? replicas;
    const obj: Obj = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: {
        ...clone(m.metadata),
        generation: o.generation,
        creationTimestamp: iso(o.createdAt),
        ...(o.owner ? { ownerReferences: [ownerRef(o.owner)] } : {}),
      },
      spec: {
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        podManagementPolicy: 'OrderedReady',
        revisionHistoryLimit: 10,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        ...spec,
        replicas,
        ...(spec.volumeClaimTemplates
          ? {
              volumeClaimTemplates: (spec.volumeClaimTemplates as Any[]).map((v) => ({
                apiVersion: 'v1',
                kind: 'PersistentVolumeClaim',
                ...v,
                spec: { volumeMode: 'Filesystem', ...v.spec },
                status: { phase: 'Pending' },
              })),
            }
          : {}),
      },
      status: {
        availableReplicas: ready,
        collisionCount: 0,
        currentReplicas: replicas,
        currentRevision: revision,
        observedGeneration: o.generation,
        readyReplicas: ready,
        replicas,
        updateRevision: revision,
        updatedReplicas: replicas,
      },
    };
    return o.app ? this.manage(o.app, obj) : this.add(obj);
  }

  /** The ControllerRevision a StatefulSet or DaemonSet keeps of its pod template. */
  controllerRevision(owner: Obj, revision: number, createdAt: number): Obj {
    const template = clone((owner.spec as Any).template);
    const hash = templateHash(template);
    return this.add({
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${owner.metadata.name}-${hash}`,
        namespace: owner.metadata.namespace,
        creationTimestamp: iso(createdAt),
        labels: { ...(template.metadata?.labels ?? {}), 'controller.kubernetes.io/hash': hash },
        ownerReferences: [ownerRef(owner)],
      },
      data: { spec: { template: { ...template, $patch: 'replace' } } },
      revision,
    });
  }

  /** Pod `ordinal` of a StatefulSet, with its claims bound to local-path volumes. */
  statefulPod(
    sts: Obj,
    ordinal: number,
    o: { createdAt: number; statuses: ContainerState[]; node?: string; claimedAt?: number },
  ): Obj {
    const spec = sts.spec as Any;
    const name = `${sts.metadata.name}-${ordinal}`;
    const node = this.schedule(o.node);
    const claims = ((spec.volumeClaimTemplates as Any[] | undefined) ?? []).map((v) =>
      this.claim(sts, v, ordinal, node, o.claimedAt ?? o.createdAt),
    );
    return this.pod(sts, {
      name,
      node: node.name,
      createdAt: o.createdAt,
      statuses: o.statuses,
      extraLabels: {
        'apps.kubernetes.io/pod-index': String(ordinal),
        'controller-revision-hash': (sts.status as Any).updateRevision,
        'statefulset.kubernetes.io/pod-name': name,
      },
      extraVolumes: claims.map((c, i) => ({
        name: (spec.volumeClaimTemplates as Any[])[i].metadata.name,
        persistentVolumeClaim: { claimName: c.metadata.name },
      })),
    });
  }

  private claim(sts: Obj, template: Any, ordinal: number, node: NodeDef, createdAt: number): Obj {
    const ns = sts.metadata.namespace as string;
    const name = `${template.metadata.name}-${sts.metadata.name}-${ordinal}`;
    const claimUid = uid(`PersistentVolumeClaim/${ns}/${name}`);
    const volume = `pvc-${claimUid}`;
    const size = template.spec.resources.requests.storage;
    this.add({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name: volume,
        creationTimestamp: iso(createdAt + 4000),
        annotations: {
          'local.path.provisioner/selected-node': node.name,
          'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path',
        },
        finalizers: ['kubernetes.io/pv-protection'],
      },
      spec: {
        accessModes: template.spec.accessModes,
        capacity: { storage: size },
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name, namespace: ns, uid: claimUid },
        hostPath: { path: `/opt/local-path-provisioner/${volume}_${ns}_${name}`, type: 'DirectoryOrCreate' },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node.name] }] },
            ],
          },
        },
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: template.spec.storageClassName,
        volumeMode: 'Filesystem',
      },
      status: { lastPhaseTransitionTime: iso(createdAt + 4000), phase: 'Bound' },
    });
    return this.add({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name,
        namespace: ns,
        uid: claimUid,
        creationTimestamp: iso(createdAt),
        labels: { ...(template.metadata.labels ?? {}) },
        annotations: {
          'pv.kubernetes.io/bind-completed': 'yes',
          'pv.kubernetes.io/bound-by-controller': 'yes',
          'volume.beta.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
          'volume.kubernetes.io/selected-node': node.name,
          'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
        },
        finalizers: ['kubernetes.io/pvc-protection'],
      },
      spec: {
        accessModes: template.spec.accessModes,
        resources: template.spec.resources,
        storageClassName: template.spec.storageClassName,
        volumeMode: 'Filesystem',
        volumeName: volume,
      },
      status: { accessModes: template.spec.accessModes, capacity: { storage: size }, phase: 'Bound' },
    });
  }

  /** A DaemonSet with one running pod per node (the demo's only DaemonSet tolerates every taint). */
  daemonSet(app: string, m: Manifest, o: { createdAt: number; generation: number; nodes: number }): Obj {
    const spec = clone(m.spec) as Any;
    const n = o.nodes;
    return this.manage(app, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: {
        ...clone(m.metadata),
        generation: o.generation,
        creationTimestamp: iso(o.createdAt),
        annotations: { 'deprecated.daemonset.template.generation': String(o.generation) },
      },
      spec: { revisionHistoryLimit: 10, ...spec },
      status: {
        currentNumberScheduled: n,
        desiredNumberScheduled: n,
        numberAvailable: n,
        numberMisscheduled: 0,
        numberReady: n,
        observedGeneration: o.generation,
        updatedNumberScheduled: n,
      },
    });
  }

  get nodeNames(): string[] {
    return this.nodes.map((n) => n.name);
  }

  // ---- services --------------------------------------------------------------------------------

  /** A Service an app manages, or one an operator made (owned by its custom resource). */
  service(by: string | Obj, m: Manifest, createdAt: number): Obj {
    const spec = clone(m.spec) as Any;
    const headless = spec.clusterIP === 'None';
    const ip = headless
      ? 'None'
      : `10.96.${pick(`svc/${m.metadata.namespace}/${m.metadata.name}`, 250) + 1}.${pick(`svc-ip/${m.metadata.name}`, 250) + 2}`;
    const svc: Obj = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        ...clone(m.metadata),
        creationTimestamp: iso(createdAt),
        ...(typeof by === 'string' ? {} : { ownerReferences: [ownerRef(by)] }),
      },
      spec: {
        clusterIP: ip,
        clusterIPs: [ip],
        internalTrafficPolicy: 'Cluster',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        ...spec,
        ports: (spec.ports as Any[]).map((p) => ({
          name: p.name,
          port: p.port,
          protocol: p.protocol ?? 'TCP',
          targetPort: p.targetPort ?? p.port,
        })),
        sessionAffinity: 'None',
        type: spec.type ?? 'ClusterIP',
      },
      status: { loadBalancer: {} },
    };
    return typeof by === 'string' ? this.manage(by, svc) : this.add(svc);
  }

  /** The Endpoints the endpoints controller keeps for a Service: ready pods, and those not ready. */
  endpoints(svc: Obj, createdAt: number): Obj {
    const spec = svc.spec as Any;
    const selector = spec.selector as Record<string, string>;
    const ns = svc.metadata.namespace;
    const pods = this.objects.filter(
      (o) =>
        o.kind === 'Pod' &&
        o.metadata.namespace === ns &&
        Object.entries(selector).every(([k, v]) => o.metadata.labels?.[k] === v),
    );
    const address = (p: Obj) => ({
      ...(spec.clusterIP === 'None' ? { hostname: p.metadata.name } : {}),
      ip: (p.status as Any).podIP,
      nodeName: (p.spec as Any).nodeName,
      targetRef: { kind: 'Pod', name: p.metadata.name, namespace: ns, uid: p.metadata.uid },
    });
    const isReady = (p: Obj) =>
      ((p.status as Any).conditions as Any[]).some((c) => c.type === 'Ready' && c.status === 'True');
    const ports = (spec.ports as Any[]).map((sp) => {
      const target = sp.targetPort;
      const first = pods[0];
      const containerPort =
        typeof target === 'number'
          ? target
          : ((first?.spec as Any)?.containers as Any[] | undefined)
              ?.flatMap((c) => c.ports ?? [])
              .find((p: Any) => p.name === target)?.containerPort;
      return { name: sp.name, port: containerPort ?? sp.port, protocol: 'TCP' };
    });
    const ready = pods.filter(isReady).map(address);
    const notReady = pods.filter((p) => !isReady(p)).map(address);
    const changed = Math.max(
      createdAt,
      ...pods.flatMap((p) =>
        ((p.status as Any).conditions as Any[]).map((c) => Date.parse(c.lastTransitionTime as string)),
      ),
    );
    return this.add({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: svc.metadata.name,
        namespace: ns,
        creationTimestamp: iso(createdAt),
        labels: { ...(svc.metadata.labels ?? {}) },
        annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': iso(changed) },
      },
      subsets: pods.length
        ? [
            {
              ...(ready.length ? { addresses: ready } : {}),
              ...(notReady.length ? { notReadyAddresses: notReady } : {}),
              ports,
            },
          ]
        : [],
    });
  }

  // ---- events ----------------------------------------------------------------------------------

  event(
    about: Obj,
    e: {
      reason: string;
      message: string;
      type?: 'Normal' | 'Warning';
      count?: number;
      first: number;
      last?: number;
      component: string;
      host?: string;
      container?: string;
    },
  ): Obj {
    const ns = about.metadata.namespace ?? 'default';
    const name = `${about.metadata.name}.${hex(`event/${about.metadata.uid}/${e.reason}/${e.message}`, 16)}`;
    return this.add({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns, creationTimestamp: iso(e.first) },
      involvedObject: {
        apiVersion: about.apiVersion,
        kind: about.kind,
        name: about.metadata.name,
        namespace: ns,
        uid: about.metadata.uid,
        ...(e.container ? { fieldPath: `spec.containers{${e.container}}` } : {}),
      },
      reason: e.reason,
      message: e.message,
      type: e.type ?? 'Normal',
      count: e.count ?? 1,
      firstTimestamp: iso(e.first),
      lastTimestamp: iso(e.last ?? e.first),
      source: { component: e.component, ...(e.host ? { host: e.host } : {}) },
      reportingComponent: e.component,
      reportingInstance: e.host ?? '',
    });
  }
}

/** maxSurge of a RollingUpdate Deployment, in pods (25% rounds up, as the controller does). */
export function maxSurge(spec: Any): number {
  if (spec.strategy?.type === 'Recreate') return 0;
  const v = spec.strategy?.rollingUpdate?.maxSurge ?? '25%';
  return typeof v === 'number' ? v : Math.ceil((spec.replicas * parseInt(v, 10)) / 100);
}

function withContainerDefaults(c: Any, tokenVolume: string): Any {
  const image: string = c.image;
  const tag = image.includes('@') ? 'digest' : image.slice(image.lastIndexOf(':') + 1);
  const probe = (p: Any) =>
    p && {
      failureThreshold: 3,
      periodSeconds: 10,
      successThreshold: 1,
      timeoutSeconds: 1,
      ...p,
      ...(p.httpGet ? { httpGet: { scheme: 'HTTP', ...p.httpGet } } : {}),
    };
  return {
    ...c,
    imagePullPolicy:
      c.imagePullPolicy ?? (tag === 'latest' || !image.includes(':') ? 'Always' : 'IfNotPresent'),
    ...(c.ports ? { ports: (c.ports as Any[]).map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })) } : {}),
    ...(c.readinessProbe ? { readinessProbe: probe(c.readinessProbe) } : {}),
    ...(c.livenessProbe ? { livenessProbe: probe(c.livenessProbe) } : {}),
    resources: c.resources ?? {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    volumeMounts: [
      ...(c.volumeMounts ?? []),
      { mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: tokenVolume, readOnly: true },
    ],
  };
}

function containerStatus(c: Any, s: ContainerState, key: string): Any {
  const image = normalizeImage(c.image);
  const repo = image.slice(0, image.lastIndexOf(':'));
  const started = 'running' in s.state || 'terminated' in s.state;
  // While a container waits to restart, its ID is still that of the instance that ended.
  const previousId = (s.lastState as Any)?.terminated?.containerID as string | undefined;
  return {
    ...(previousId
      ? { containerID: previousId }
      : started
        ? { containerID: `containerd://${hex(`container/${key}`, 64)}` }
        : {}),
    image,
    imageID: s.pulled ? `${repo}@sha256:${hex(`image/${image}`, 64)}` : '',
    lastState: s.lastState ?? {},
    name: c.name,
    ready: s.ready,
    restartCount: s.restartCount,
    started: s.started,
    state: s.state,
  };
}

function qosClass(containers: Any[]): string {
  const all = containers.map((c) => c.resources ?? {});
  const guaranteed = all.every(
    (r) =>
      r.limits?.cpu &&
      r.limits?.memory &&
      (r.requests?.cpu ?? r.limits.cpu) === r.limits.cpu &&
      (r.requests?.memory ?? r.limits.memory) === r.limits.memory,
  );
  if (guaranteed) return 'Guaranteed';
  return all.some((r) => r.requests || r.limits) ? 'Burstable' : 'BestEffort';
}

const topOrder = ['apiVersion', 'kind', 'metadata'];
const metaOrder = [
  'name',
  'generateName',
  'namespace',
  'uid',
  'generation',
  'creationTimestamp',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
];

function ordered(o: Record<string, unknown>, first: string[], last: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of first) if (k in o) out[k] = o[k];
  for (const [k, v] of Object.entries(o)) if (!first.includes(k) && !last.includes(k)) out[k] = v;
  for (const k of last) if (k in o) out[k] = o[k];
  return out;
}

/** Keys in the order the API server writes them: type, metadata (name first), body, status last. */
export function tidy<T extends { metadata: object }>(o: T): T {
  const meta = ordered(o.metadata as Record<string, unknown>, metaOrder);
  for (const k of ['labels', 'annotations'])
    if (meta[k] && Object.keys(meta[k] as object).length === 0) delete meta[k];
  return ordered({ ...o, metadata: meta }, topOrder, ['status']) as T;
}
