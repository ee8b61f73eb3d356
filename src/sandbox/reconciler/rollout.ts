/**
 * How workloads change in the sandbox cluster when Git changes: a Deployment with a new pod
 * template gets a new ReplicaSet whose pods are created, pull their image, start and become ready
 * (then the old ReplicaSet scales down) — or fail the way the kubelet reports it: a tag that does
 * not exist (ErrImagePull → ImagePullBackOff), a memory limit below what the app needs (OOMKilled →
 * CrashLoopBackOff), a missing Secret key (CreateContainerConfigError). Only the replica count
 * changed: the current ReplicaSet scales. Events and logs are written as a cluster would.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ClusterState } from '../world.ts';
import type { KubeObject } from '../scenario.ts';
import type { Manifest } from './kustomize.ts';
import { bytes } from './quantity.ts';

/** What the simulated world knows beyond the manifests. */
export interface SimulationView {
  imageExists(image: string): boolean;
  /** Memory the app really uses, in bytes, when the scenario says. */
  memoryNeeded(namespace: string, workload: string): number | undefined;
  startupMs(namespace: string, workload: string): number;
  secretKeyExists(namespace: string, secret: string, key: string): boolean;
  /** What a healthy container prints when it starts. */
  startupLog(namespace: string, workload: string, container: string): string;
  /** What a container prints before the kernel kills it for memory. */
  oomLog(namespace: string, workload: string, container: string): string;
}

export interface Timing {
  /** Multiplies every simulated delay: 1 is real time, tests use 0.01. */
  scale: number;
  setTimeout(fn: () => void, ms: number): unknown;
  now(): number;
}

type Obj = KubeObject & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Kubernetes' alphabet for generated names (pod-template-hash, pod name suffixes). */
export const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
/** Marks a Deployment whose failure the control API made last past its progress deadline. */
const STALLED = 'sandbox.deckhand.dev/stalled';
/** The first `n` bytes of a hex digest in that alphabet. */
export const safe = (hex: string, n: number) =>
  [...Buffer.from(hex, 'hex')]
    .slice(0, n)
    .map((b) => alphabet[b % alphabet.length])
    .join('');
export const templateHash = (template: unknown): string =>
  safe(createHash('sha1').update(JSON.stringify(template)).digest('hex'), 10);
const suffix = () => safe(randomBytes(8).toString('hex'), 5);

interface ContainerSpec {
  name: string;
  image: string;
  resources?: { limits?: { memory?: string } };
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
  envFrom?: { secretRef?: { name: string; optional?: boolean } }[];
}

export class Rollouts {
  private readonly cluster: ClusterState;
  private readonly sim: SimulationView;
  private readonly t: Timing;
  /** Pods whose simulation a newer rollout replaced: their pending timers do nothing. */
  private readonly retired = new Set<string>();

  constructor(cluster: ClusterState, sim: SimulationView, timing: Timing) {
    this.cluster = cluster;
    this.sim = sim;
    this.t = timing;
  }

  private iso(offsetMs = 0): string {
    return new Date(this.t.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private later(ms: number, fn: () => void): void {
    this.t.setTimeout(fn, Math.max(1, ms * this.t.scale));
  }

  private event(
    obj: Obj,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component = 'kubelet',
  ): void {
    const ns = obj.metadata.namespace ?? 'default';
    const name = `${obj.metadata.name}.${randomBytes(8).toString('hex')}`;
    // Like the kubelet's event correlator: the same message about the same object counts up.
    const key = `${obj.kind}/${obj.metadata.name}/${reason}/${message}`;
    const existing = this.cluster.list('v1', 'Event', ns).find((e) => {
      const x = e as Obj;
      return `${x.involvedObject?.kind}/${x.involvedObject?.name}/${x.reason}/${x.message}` === key;
    }) as Obj | undefined;
    if (existing) {
      this.cluster.upsert({
        ...existing,
        count: (existing.count ?? 1) + 1,
        message,
        lastTimestamp: this.iso(),
      } as Obj);
      return;
    }
    this.cluster.upsert({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: ns,
        uid: obj.metadata.uid,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: this.iso(),
      lastTimestamp: this.iso(),
      source: { component },
      reportingComponent: component,
    } as Obj);
  }

  /** Bring a workload of the cluster to what Git describes. */
  apply(desired: Manifest): void {
    if (desired.kind !== 'Deployment') {
      this.applyPlain(desired);
      return;
    }
    const ns = desired.metadata.namespace ?? 'default';
    const live = this.cluster.get('apps/v1', 'Deployment', ns, desired.metadata.name) as Obj | undefined;
    const spec = desired.spec as Obj['spec'];
    const replicas: number = spec?.replicas ?? 1;
    const template = spec?.template ?? {};
    const hash = templateHash(template);
    const dep: Obj = {
      ...(live ?? {}),
      ...desired,
      metadata: {
        ...(live?.metadata ?? {}),
        ...desired.metadata,
        namespace: ns,
        generation:
          (((live?.metadata as Record<string, unknown> | undefined)?.generation as number | undefined) ?? 0) +
          1,
      },
      spec: { ...spec, replicas },
      status: live?.status ?? {},
    } as Obj;
    const saved = this.cluster.upsert(dep) as Obj;
    const sets = this.replicaSets(saved);
    const current = sets.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    if (current) {
      this.scale(saved, current, replicas);
      for (const rs of sets) if (rs !== current) this.scale(saved, rs, 0);
    } else {
      const rs = this.createReplicaSet(saved, hash, replicas);
      this.event(
        saved,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${rs.metadata.name} from 0 to ${replicas}`,
        'deployment-controller',
      );
    }
    this.refreshDeployment(saved.metadata.namespace as string, saved.metadata.name);
  }

  private applyPlain(desired: Manifest): void {
    const live = this.cluster.get(
      desired.apiVersion,
      desired.kind,
      desired.metadata.namespace,
      desired.metadata.name,
    ) as Obj | undefined;
    this.cluster.upsert({
      ...(live ?? {}),
      ...desired,
      metadata: { ...(live?.metadata ?? {}), ...desired.metadata },
      ...(live?.status ? { status: live.status } : {}),
    } as Obj);
  }

  private replicaSets(dep: Obj): Obj[] {
    return this.cluster
      .list('apps/v1', 'ReplicaSet', dep.metadata.namespace)
      .filter((rs) => (rs.metadata.ownerReferences ?? []).some((o) => o.uid === dep.metadata.uid)) as Obj[];
  }

  private podsOf(rs: Obj): Obj[] {
    return this.cluster
      .list('v1', 'Pod', rs.metadata.namespace)
      .filter((p) => (p.metadata.ownerReferences ?? []).some((o) => o.uid === rs.metadata.uid)) as Obj[];
  }

  private createReplicaSet(dep: Obj, hash: string, replicas: number): Obj {
    const template = structuredClone(dep.spec.template ?? {});
    template.metadata = {
      ...(template.metadata ?? {}),
      labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash },
    };
    const revision =
      Math.max(
        0,
        ...this.replicaSets(dep).map((r) =>
          Number(r.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0),
        ),
      ) + 1;
    const rs = this.cluster.upsert({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${dep.metadata.name}-${hash}`,
        namespace: dep.metadata.namespace,
        labels: { ...(template.metadata.labels ?? {}) },
        annotations: {
          'deployment.kubernetes.io/revision': String(revision),
          'deployment.kubernetes.io/desired-replicas': String(replicas),
        },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: dep.metadata.name,
            uid: dep.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { replicas, selector: dep.spec.selector, template },
      status: { replicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 },
    } as Obj) as Obj;
    for (let i = 0; i < replicas; i++) this.startPod(dep, rs);
    return rs;
  }

  private scale(dep: Obj, rs: Obj, replicas: number): void {
    const pods = this.podsOf(rs);
    if ((rs.spec?.replicas ?? 0) === replicas && pods.length === replicas) return;
    const from = rs.spec?.replicas ?? 0;
    this.cluster.upsert({ ...rs, spec: { ...rs.spec, replicas } } as Obj);
    if (replicas > pods.length) for (let i = pods.length; i < replicas; i++) this.startPod(dep, rs);
    if (replicas < pods.length) {
      // Newest pods go first, as the ReplicaSet controller prefers.
      for (const p of pods.slice(replicas)) this.removePod(p);
    }
    if (from !== replicas) {
      this.event(
        dep,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${replicas}`,
        'deployment-controller',
      );
    }
    this.refreshReplicaSet(rs.metadata.namespace as string, rs.metadata.name);
  }

  private removePod(pod: Obj): void {
    this.retired.add(pod.metadata.uid as string);
    this.cluster.delete('v1', 'Pod', pod.metadata.namespace, pod.metadata.name);
  }

  private nodeFor(): string | undefined {
    const nodes = this.cluster.list('v1', 'Node');
    if (!nodes.length) return undefined;
    const counts = new Map(nodes.map((n) => [n.metadata.name, 0]));
    for (const p of this.cluster.list('v1', 'Pod')) {
      const n = (p as Obj).spec?.nodeName;
      if (counts.has(n)) counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    return [...counts.entries()].sort((a, b) => a[1] - b[1])[0]?.[0];
  }

  private startPod(dep: Obj, rs: Obj): void {
    const ns = rs.metadata.namespace as string;
    const template = rs.spec.template;
    const containers = (template.spec?.containers ?? []) as ContainerSpec[];
    const node = this.nodeFor();
    const pod = this.cluster.upsert({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${rs.metadata.name}-${suffix()}`,
        namespace: ns,
        labels: { ...(template.metadata?.labels ?? {}) },
        annotations: { ...(template.metadata?.annotations ?? {}) },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: rs.metadata.name,
            uid: rs.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { ...structuredClone(template.spec ?? {}), nodeName: node },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: this.iso() }],
        containerStatuses: containers.map((c) => ({
          name: c.name,
          image: c.image,
          imageID: '',
          ready: false,
          started: false,
          restartCount: 0,
          state: { waiting: { reason: 'ContainerCreating' } },
        })),
        hostIP: node ? '10.0.0.11' : undefined,
        startTime: this.iso(),
      },
    } as Obj) as Obj;
    const uid = pod.metadata.uid as string;
    this.event(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${ns}/${pod.metadata.name} to ${node ?? 'node'}`,
      'default-scheduler',
    );
    this.later(1500, () => this.pull(dep, pod.metadata.name, uid, containers));
  }

  private pod(ns: string, name: string, uid: string): Obj | undefined {
    if (this.retired.has(uid)) return undefined;
    const p = this.cluster.get('v1', 'Pod', ns, name) as Obj | undefined;
    return p && p.metadata.uid === uid ? p : undefined;
  }

  private setContainer(
    ns: string,
    name: string,
    uid: string,
    container: string,
    fn: (s: Obj) => Obj,
    podFn?: (p: Obj) => Obj,
  ): Obj | undefined {
    const p = this.pod(ns, name, uid);
    if (!p) return undefined;
    const statuses = (p.status.containerStatuses as Obj[]).map((s) => (s.name === container ? fn(s) : s));
    const ready = statuses.every((s) => s.ready);
    let next: Obj = {
      ...p,
      status: {
        ...p.status,
        containerStatuses: statuses,
        phase: statuses.some((s) => s.state?.running || s.lastState?.terminated) ? 'Running' : p.status.phase,
        podIP:
          p.status.podIP ?? `10.244.${Math.floor(Math.random() * 3)}.${10 + Math.floor(Math.random() * 200)}`,
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Initialized', status: 'True' },
          {
            type: 'ContainersReady',
            status: ready ? 'True' : 'False',
            ...(ready ? {} : { reason: 'ContainersNotReady' }),
          },
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            ...(ready ? {} : { reason: 'ContainersNotReady' }),
            lastTransitionTime: this.iso(),
          },
        ],
      },
    } as Obj;
    if (podFn) next = podFn(next);
    return this.cluster.upsert(next) as Obj;
  }

  private pull(dep: Obj, podName: string, uid: string, containers: ContainerSpec[]): void {
    const ns = dep.metadata.namespace as string;
    const p = this.pod(ns, podName, uid);
    if (!p) return;
    for (const c of containers) {
      if (!this.sim.imageExists(c.image)) {
        const ref = c.image.includes('/') ? c.image : `docker.io/library/${c.image}`;
        const msg = `Failed to pull image "${c.image}": rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
        this.event(p, 'Normal', 'Pulling', `Pulling image "${c.image}"`);
        this.event(p, 'Warning', 'Failed', msg);
        this.event(p, 'Warning', 'Failed', 'Error: ErrImagePull');
        this.setContainer(ns, podName, uid, c.name, (s) => ({
          ...s,
          state: { waiting: { reason: 'ErrImagePull', message: msg } },
        }));
        this.later(3000, () => {
          const again = this.pod(ns, podName, uid);
          if (!again) return;
          this.event(again, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`);
          this.event(again, 'Warning', 'Failed', 'Error: ImagePullBackOff');
          this.setContainer(ns, podName, uid, c.name, (s) => ({
            ...s,
            state: {
              waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` },
            },
          }));
          this.refreshOwners(ns, podName);
        });
        continue;
      }
      const missing = this.missingSecretKey(ns, c);
      if (missing) {
        this.event(p, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
        this.event(p, 'Warning', 'Failed', `Error: ${missing}`);
        this.setContainer(ns, podName, uid, c.name, (s) => ({
          ...s,
          state: { waiting: { reason: 'CreateContainerConfigError', message: missing } },
        }));
        continue;
      }
      this.event(
        p,
        'Normal',
        'Pulled',
        `Successfully pulled image "${c.image}" in 2.1s (2.1s including waiting)`,
      );
      this.start(dep, podName, uid, c, 0);
    }
    this.refreshOwners(ns, podName);
  }

  private missingSecretKey(ns: string, c: ContainerSpec): string | undefined {
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref && !ref.optional && !this.sim.secretKeyExists(ns, ref.name, ref.key)) {
        return `couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`;
      }
    }
    return undefined;
  }

  private start(dep: Obj, podName: string, uid: string, c: ContainerSpec, restarts: number): void {
    const ns = dep.metadata.namespace as string;
    const p = this.pod(ns, podName, uid);
    if (!p) return;
    // As kubelets since v1.32 word it (kuberuntime_container.go: "Created container: %v").
    this.event(p, 'Normal', 'Created', `Created container: ${c.name}`);
    this.event(p, 'Normal', 'Started', `Started container ${c.name}`);
    const started = this.iso();
    this.setContainer(ns, podName, uid, c.name, (s) => ({
      ...s,
      started: true,
      ready: false,
      state: { running: { startedAt: started } },
    }));
    const key = `${ns}/${podName}/${c.name}`;
    this.cluster.logs.set(key, this.sim.startupLog(ns, dep.metadata.name, c.name));
    const startup = this.sim.startupMs(ns, dep.metadata.name);
    const needed = this.sim.memoryNeeded(ns, dep.metadata.name);
    const limit = bytes(c.resources?.limits?.memory);
    if (needed !== undefined && limit !== undefined && needed > limit) {
      this.later(startup * 0.6, () => this.oomKill(dep, podName, uid, c, restarts, started));
      return;
    }
    this.later(startup, () => {
      this.setContainer(ns, podName, uid, c.name, (s) => ({ ...s, ready: true }));
      this.refreshOwners(ns, podName);
    });
    this.refreshOwners(ns, podName);
  }

  private oomKill(
    dep: Obj,
    podName: string,
    uid: string,
    c: ContainerSpec,
    restarts: number,
    startedAt: string,
  ): void {
    const ns = dep.metadata.namespace as string;
    const p = this.pod(ns, podName, uid);
    if (!p) return;
    const key = `${ns}/${podName}/${c.name}`;
    this.cluster.logs.set(`${key}#previous`, this.sim.oomLog(ns, dep.metadata.name, c.name));
    const backoff = Math.min(10_000 * 2 ** restarts, 300_000);
    const terminated = { reason: 'OOMKilled', exitCode: 137, startedAt, finishedAt: this.iso() };
    this.setContainer(ns, podName, uid, c.name, (s) => ({
      ...s,
      ready: false,
      started: false,
      restartCount: restarts + 1,
      lastState: { terminated },
      state: {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${backoff / 1000 >= 60 ? `${backoff / 60_000}m0s` : `${backoff / 1000}s`} restarting failed container=${c.name} pod=${podName}_${ns}(${uid})`,
        },
      },
    }));
    this.event(
      p,
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${c.name} in pod ${podName}_${ns}(${uid})`,
    );
    this.refreshOwners(ns, podName);
    this.later(backoff, () => this.start(dep, podName, uid, c, restarts + 1));
  }

  /**
   * Make a running workload fail or recover on demand (the sandbox's control API): `crash` turns
   * its pods' containers into CrashLoopBackOff with a restart, `recover` makes them run and be
   * ready again. Health follows as it would in a cluster.
   */
  disrupt(ns: string, workload: string, how: 'crash' | 'recover'): number {
    const found = this.cluster.get('apps/v1', 'Deployment', ns, workload) as Obj | undefined;
    if (!found) return 0;
    // A crash that outlasts the progress deadline is what makes Argo CD call the app Degraded.
    const annotations = { ...(found.metadata.annotations ?? {}) };
    if (how === 'crash') annotations[STALLED] = 'true';
    else delete annotations[STALLED];
    const dep = this.cluster.upsert({ ...found, metadata: { ...found.metadata, annotations } } as Obj) as Obj;
    const pods = this.replicaSets(dep).flatMap((rs) => this.podsOf(rs));
    for (const p of pods) {
      const uid = p.metadata.uid as string;
      for (const s of (p.status?.containerStatuses ?? []) as Obj[]) {
        this.setContainer(ns, p.metadata.name, uid, s.name, (c) =>
          how === 'crash'
            ? {
                ...c,
                ready: false,
                restartCount: (c.restartCount ?? 0) + 1,
                lastState: { terminated: { reason: 'Error', exitCode: 1, finishedAt: this.iso() } },
                state: {
                  waiting: {
                    reason: 'CrashLoopBackOff',
                    message: `back-off 10s restarting failed container=${c.name} pod=${p.metadata.name}_${ns}(${uid})`,
                  },
                },
              }
            : { ...c, ready: true, started: true, state: { running: { startedAt: this.iso() } } },
        );
        if (how === 'crash')
          this.event(
            p,
            'Warning',
            'BackOff',
            `Back-off restarting failed container ${s.name} in pod ${p.metadata.name}_${ns}(${uid})`,
          );
      }
      this.refreshOwners(ns, p.metadata.name);
    }
    return pods.length;
  }

  /** Recompute the status of the ReplicaSet and Deployment that own a pod. */
  private refreshOwners(ns: string, podName: string): void {
    const pod = this.cluster.get('v1', 'Pod', ns, podName) as Obj | undefined;
    const rsRef = pod?.metadata.ownerReferences?.find((o) => o.kind === 'ReplicaSet');
    if (!rsRef) return;
    const rs = this.refreshReplicaSet(ns, rsRef.name);
    const depRef = rs?.metadata.ownerReferences?.find((o) => o.kind === 'Deployment');
    if (depRef) this.refreshDeployment(ns, depRef.name);
  }

  private refreshReplicaSet(ns: string, name: string): Obj | undefined {
    const rs = this.cluster.get('apps/v1', 'ReplicaSet', ns, name) as Obj | undefined;
    if (!rs) return undefined;
    const pods = this.podsOf(rs);
    const ready = pods.filter((p) => (p.status?.containerStatuses ?? []).every((s: Obj) => s.ready)).length;
    return this.cluster.upsert({
      ...rs,
      status: {
        ...rs.status,
        replicas: pods.length,
        readyReplicas: ready,
        availableReplicas: ready,
        fullyLabeledReplicas: pods.length,
      },
    } as Obj) as Obj;
  }

  private refreshDeployment(ns: string, name: string): void {
    const dep = this.cluster.get('apps/v1', 'Deployment', ns, name) as Obj | undefined;
    if (!dep) return;
    const hash = templateHash(dep.spec.template ?? {});
    const sets = this.replicaSets(dep);
    const current = sets.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const desired = dep.spec.replicas ?? 1;
    const updated = current ? this.podsOf(current) : [];
    const updatedReady = updated.filter((p) =>
      (p.status?.containerStatuses ?? []).every((s: Obj) => s.ready),
    ).length;
    // Once the new ReplicaSet is fully ready, the old ones go away.
    if (current && updatedReady >= desired)
      for (const rs of sets) if (rs !== current && (rs.spec?.replicas ?? 0) > 0) this.scale(dep, rs, 0);
    const all = sets.flatMap((rs) => this.podsOf(rs));
    const ready = all.filter((p) => (p.status?.containerStatuses ?? []).every((s: Obj) => s.ready)).length;
    const complete = updatedReady >= desired && all.length === desired;
    const prev = (dep.status?.conditions ?? []) as Obj[];
    const progressing = prev.find((c) => c.type === 'Progressing');
    const stalled = !complete && dep.metadata.annotations?.[STALLED] === 'true';
    const conditions = [
      {
        type: 'Available',
        status: ready >= Math.max(1, desired - Math.floor(desired / 4)) || desired === 0 ? 'True' : 'False',
        reason: ready >= desired ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        message:
          ready >= desired
            ? 'Deployment has minimum availability.'
            : 'Deployment does not have minimum availability.',
        lastUpdateTime: this.iso(),
        lastTransitionTime: this.iso(),
      },
      stalled
        ? {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: `ReplicaSet "${current?.metadata.name}" has timed out progressing.`,
            lastUpdateTime: this.iso(),
            lastTransitionTime: this.iso(),
          }
        : complete
          ? {
              type: 'Progressing',
              status: 'True',
              reason: 'NewReplicaSetAvailable',
              message: `ReplicaSet "${current?.metadata.name}" has successfully progressed.`,
              lastUpdateTime: this.iso(),
              lastTransitionTime: progressing?.lastTransitionTime ?? this.iso(),
            }
          : {
              type: 'Progressing',
              status: 'True',
              reason: 'ReplicaSetUpdated',
              message: `ReplicaSet "${current?.metadata.name}" is progressing.`,
              lastUpdateTime: this.iso(),
              lastTransitionTime: this.iso(),
            },
    ];
    this.cluster.upsert({
      ...dep,
      status: {
        observedGeneration: ((dep.metadata as Record<string, unknown>).generation as number | undefined) ?? 1,
        replicas: all.length,
        updatedReplicas: updated.length,
        readyReplicas: ready,
        availableReplicas: ready,
        ...(all.length - ready > 0 ? { unavailableReplicas: all.length - ready } : {}),
        conditions,
      },
    } as Obj);
  }
}
