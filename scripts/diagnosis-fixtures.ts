/**
 * Writes test/fixtures/diagnosis/*.yaml: small scenario worlds for issue 8's diagnosis suite. Each
 * shows one failure mode the diagnosis names (one file per category), a healthy app that must
 * yield no finding, or a mixed case where a symptom must not be ranked above its cause.
 * test/e2e/diagnosis-scenarios.test.ts starts the sandbox on each file and runs `/diagnose`
 * through the real bot.
 *
 * Objects are written as the API server returns them (uids, owner references, pod-template-hash,
 * conditions, container statuses, Endpoints that follow pod readiness, Events with their source),
 * and every Kubernetes and Argo CD message is a string of the failure-signals corpus
 * (test/contracts/failure-signals.json) with its format verbs filled in. The worlds are built here
 * rather than by hand so that the many cross references stay right; edit the stories below, then
 *
 *     npx node scripts/diagnosis-fixtures.ts           # rewrite the files
 *     npx node scripts/diagnosis-fixtures.ts --check   # exit 1 when a file is out of date
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { Document, isCollection, isScalar, visit } from 'yaml';

export const FIXTURE_DIR = join(import.meta.dirname, '..', 'test', 'fixtures', 'diagnosis');

/** The moment every fixture describes; the sandbox moves all times so that ages look fresh. */
const NOW = Date.parse('2026-05-04T09:30:00Z');
const REPO = 'https://github.com/sijunkim/infra';
const SERVER = 'https://kubernetes.default.svc';
const INSTANCE = 'app.kubernetes.io/instance';
const NAME = 'app.kubernetes.io/name';

// API objects are free-form JSON; the builders fill in the parts each kind has.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
type Labels = Record<string, string>;
export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: Any;
  [k: string]: Any;
}

// ---------------------------------------------------------------------------------------------
// Time and ids

const UNIT: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** A moment `age` ('45s', '20m', '3h', '2d') before NOW. */
function ago(age: string): number {
  const m = /^(\d+)([smhd])$/.exec(age);
  if (!m) throw new Error(`bad age ${age}`);
  return NOW - Number(m[1]) * (UNIT[m[2] as string] as number);
}
const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
const at = (age: string) => iso(ago(age));

const digest = (key: string) => createHash('sha256').update(`deckhand-diagnosis/${key}`).digest('hex');
const hex = (key: string, n: number) => digest(key).slice(0, n);
function uuid(key: string): string {
  const h = digest(key);
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
/** Kubernetes' alphabet for generated names (pod-template-hash, pod suffixes). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
const safe = (key: string, n: number) =>
  [...Buffer.from(digest(key), 'hex')]
    .slice(0, n)
    .map((b) => SAFE[b % SAFE.length])
    .join('');
/** A Git commit id for a story's commit. */
const commit = (key: string) => hex(`commit/${key}`, 40);

// ---------------------------------------------------------------------------------------------
// A fixture: one world, written to one file

interface AppDef {
  name: string;
  namespace: string;
  path: string;
  /** Deployed revisions, oldest first, with the age of each deployment. */
  history: { revision: string; age: string }[];
  /** What Git's branch resolves to now; the newest deployed revision when absent. */
  target?: string;
  sync?: 'Synced' | 'OutOfSync';
  health: 'Healthy' | 'Progressing' | 'Degraded';
  /** `false`: manual sync only. */
  auto?: { selfHeal: boolean } | false;
  /** Managed resources (`Kind/name`) that differ from Git. */
  outOfSync?: string[];
  /** The last operation, when it is not the successful sync of the newest deployment. */
  operation?: Any;
  conditions?: Any[];
  sourceType?: string;
}

class Fixture {
  readonly objects: Obj[] = [];
  readonly logs: Record<string, string> = {};
  readonly apps: AppDef[] = [];
  private readonly ips = new Map<string, number>();
  private readonly nodeIndex = new Map<string, number>();

  readonly file: string;
  /** What the world shows, for the file's header. */
  readonly story: string;
  /** What the diagnosis must say, for the file's header. */
  readonly expect: string;

  constructor(file: string, story: string, expect: string) {
    this.file = file;
    this.story = story;
    this.expect = expect;
  }

  get name(): string {
    return this.file.replace(/\.yaml$/, '');
  }

  uid(kind: string, namespace: string | undefined, name: string): string {
    return uuid(`${this.name}/${kind}/${namespace ?? ''}/${name}`);
  }

  add<T extends Obj>(o: T): T {
    this.objects.push(o);
    return o;
  }

  app(a: AppDef): void {
    this.apps.push(a);
  }

  log(pod: Obj, container: string, text: string, previous?: string): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}/${container}`;
    this.logs[key] = text;
    if (previous !== undefined) this.logs[`${key}#previous`] = previous;
  }

  /** The next pod IP on a node (each node has its own /24, as flannel or Calico hand out). */
  podIp(node: string): string {
    const n = (this.ips.get(node) ?? 6) + 1;
    this.ips.set(node, n);
    return `10.42.${this.index(node)}.${n}`;
  }

  private index(node: string): number {
    const i = this.nodeIndex.get(node) ?? this.nodeIndex.size + 1;
    this.nodeIndex.set(node, i);
    return i;
  }

  hostIp(node: string): string {
    return `10.0.0.${10 + this.index(node)}`;
  }

  podCidr(node: string): string {
    return `10.42.${this.index(node)}.0/24`;
  }
}

const meta = (f: Fixture, kind: string, name: string, namespace: string | undefined, created: string) => ({
  name,
  ...(namespace ? { namespace } : {}),
  uid: f.uid(kind, namespace, name),
  creationTimestamp: at(created),
});

const ownerRef = (o: Obj) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  uid: o.metadata.uid,
  controller: true,
  blockOwnerDeletion: true,
});

/** Labels Argo CD puts on what it manages (and the app's own name label). */
const managed = (app: string, name: string, more: Labels = {}): Labels => ({
  [NAME]: name,
  [INSTANCE]: app,
  ...more,
});

// ---------------------------------------------------------------------------------------------
// Cluster-scoped objects

function namespace(f: Fixture, name: string): Obj {
  return f.add({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      ...meta(f, 'Namespace', name, undefined, '90d'),
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
}

interface NodeDef {
  memory?: string;
  cpu?: string;
  /** The node stopped posting status this long ago. */
  lostFor?: string;
}

function node(f: Fixture, name: string, d: NodeDef = {}): Obj {
  const ip = f.hostIp(name);
  const fine = [
    ['MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
    ['DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
    ['PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ];
  const beat = d.lostFor ? at(`${Number(d.lostFor.slice(0, -1)) + 1}${d.lostFor.slice(-1)}`) : at('12s');
  const conditions = d.lostFor
    ? [...fine.map(([type]) => type as string), 'Ready'].map((type) => ({
        type,
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
        lastHeartbeatTime: beat,
        lastTransitionTime: at(d.lostFor as string),
      }))
    : [
        ...fine.map(([type, reason, message]) => ({
          type,
          status: 'False',
          reason,
          message,
          lastHeartbeatTime: beat,
          lastTransitionTime: at('41d'),
        })),
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
          lastHeartbeatTime: beat,
          lastTransitionTime: at('41d'),
        },
      ];
  const capacity = {
    cpu: d.cpu ?? '4',
    memory: d.memory ?? '8Gi',
    pods: '110',
    'ephemeral-storage': '102400Mi',
  };
  return f.add({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      ...meta(f, 'Node', name, undefined, '120d'),
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
      },
    },
    spec: {
      podCIDR: f.podCidr(name),
      ...(d.lostFor
        ? {
            taints: [
              { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: at(d.lostFor) },
              { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at(d.lostFor) },
            ],
          }
        : {}),
    },
    status: {
      capacity,
      allocatable: capacity,
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      conditions,
      nodeInfo: { kubeletVersion: 'v1.33.1', containerRuntimeVersion: 'containerd://2.0.5' },
    },
  });
}

/** Three workers, as the home lab has. */
const workers = (f: Fixture, d: Record<string, NodeDef> = {}) =>
  ['worker-1', 'worker-2', 'worker-3'].map((n) => node(f, n, d[n]));

// ---------------------------------------------------------------------------------------------
// Containers and their states

interface ContainerDef {
  name: string;
  image: string;
  requests?: Labels;
  limits?: Labels;
  port?: number;
  readiness?: string;
  liveness?: string;
  env?: Any[];
  args?: string[];
}

function containerSpec(c: ContainerDef): Any {
  const probe = (path: string, period: number) => ({
    httpGet: { path, port: 'http', scheme: 'HTTP' },
    periodSeconds: period,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 3,
  });
  return {
    name: c.name,
    image: c.image,
    ...(c.args ? { args: c.args } : {}),
    ...(c.port ? { ports: [{ name: 'http', containerPort: c.port, protocol: 'TCP' }] } : {}),
    ...(c.env ? { env: c.env } : {}),
    resources: {
      ...(c.limits ? { limits: c.limits } : {}),
      ...(c.requests ? { requests: c.requests } : {}),
    },
    ...(c.readiness ? { readinessProbe: probe(c.readiness, 10) } : {}),
    ...(c.liveness ? { livenessProbe: { ...probe(c.liveness, 20), initialDelaySeconds: 60 } } : {}),
    imagePullPolicy: 'IfNotPresent',
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

/** What a container status needs to know about where it runs. */
interface Where {
  container: string;
  image: string;
  pod: string;
  namespace: string;
  podUid: string;
}
type Status = (w: Where) => Any;

interface Term {
  reason: string;
  exitCode: number;
  /** Age of the moment it ended. */
  finished: string;
  started?: string;
  message?: string;
}

const imageId = (image: string) => `${image.replace(/:[^:/@]+$/, '')}@sha256:${hex(`image/${image}`, 64)}`;
const containerId = (w: Where, n: number) => `containerd://${hex(`${w.podUid}/${w.container}/${n}`, 64)}`;
/** How the kubelet names a pod in messages: name_namespace(uid). */
const kubeletPod = (w: Pick<Where, 'pod' | 'namespace' | 'podUid'>) => `${w.pod}_${w.namespace}(${w.podUid})`;
const podRef = (p: Obj) =>
  kubeletPod({ pod: p.metadata.name, namespace: p.metadata.namespace, podUid: p.metadata.uid });

function terminated(t: Term, w: Where, n: number): Any {
  const finished = ago(t.finished);
  return {
    terminated: {
      exitCode: t.exitCode,
      reason: t.reason,
      ...(t.message ? { message: t.message } : {}),
      startedAt: t.started ? at(t.started) : iso(finished - 45_000),
      finishedAt: iso(finished),
      containerID: containerId(w, n),
    },
  };
}

/** Running since `since`; after `restarts` restarts the last one ended as `last` says. */
const up =
  (o: { since: string; restarts?: number; last?: Term; ready?: boolean }): Status =>
  (w) => ({
    name: w.container,
    image: w.image,
    imageID: imageId(w.image),
    containerID: containerId(w, o.restarts ?? 0),
    ready: o.ready ?? true,
    started: true,
    restartCount: o.restarts ?? 0,
    state: { running: { startedAt: at(o.since) } },
    lastState: o.last ? terminated(o.last, w, (o.restarts ?? 1) - 1) : {},
  });

/** Waiting in the kubelet's crash-loop back-off after the last run ended as `last` says. */
const crashLooping =
  (o: { restarts: number; backoff: string; last: Term }): Status =>
  (w) => ({
    name: w.container,
    image: w.image,
    imageID: imageId(w.image),
    containerID: containerId(w, o.restarts),
    ready: false,
    started: false,
    restartCount: o.restarts,
    state: {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${o.backoff} restarting failed container=${w.container} pod=${kubeletPod(w)}`,
      },
    },
    lastState: terminated(o.last, w, o.restarts),
  });

/** Waiting before the container ever ran (the image was never pulled, or its config is missing). */
const waiting =
  (reason: string, message?: (w: Where) => string, pulled = true): Status =>
  (w) => ({
    name: w.container,
    image: w.image,
    imageID: pulled ? imageId(w.image) : '',
    ready: false,
    started: false,
    restartCount: 0,
    state: { waiting: { reason, ...(message ? { message: message(w) } : {}) } },
    lastState: {},
  });

/** Stopped for good (Job pods, evicted pods, completed init containers). */
const ended =
  (t: Term): Status =>
  (w) => ({
    name: w.container,
    image: w.image,
    imageID: imageId(w.image),
    containerID: containerId(w, 0),
    ready: false,
    started: false,
    restartCount: 0,
    state: terminated(t, w, 0),
    lastState: {},
  });

// ---------------------------------------------------------------------------------------------
// Pods

interface PodDef {
  /** Age of the pod. */
  created: string;
  /** Unset: never scheduled. */
  node?: string;
  /** Status of each container by name; running since `created` when absent. */
  containers?: Record<string, Status>;
  init?: Record<string, Status>;
  phase?: string;
  reason?: string;
  message?: string;
  /** The scheduler's PodScheduled=False message. */
  unschedulable?: string;
  /** Whether the Ready condition is True; by default, whether every container is ready. */
  ready?: boolean;
  /** The pod was marked for deletion this long ago. */
  deleting?: string;
  /** Extra conditions (DisruptionTarget, …). */
  conditions?: Any[];
}

interface PodTemplate {
  labels: Labels;
  containers: ContainerDef[];
  init?: ContainerDef[];
  volumes?: Any[];
  restartPolicy?: string;
  schedulerName?: string;
}

function templateSpec(t: PodTemplate): Any {
  return {
    ...(t.init ? { initContainers: t.init.map(containerSpec) } : {}),
    containers: t.containers.map(containerSpec),
    ...(t.volumes ? { volumes: t.volumes } : {}),
    restartPolicy: t.restartPolicy ?? 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    schedulerName: t.schedulerName ?? 'default-scheduler',
    securityContext: {},
  };
}

function pod(
  f: Fixture,
  o: { name: string; namespace: string; owner: Obj; labels: Labels; template: PodTemplate; def: PodDef },
): Obj {
  const { name, namespace, def, template } = o;
  const podUid = f.uid('Pod', namespace, name);
  const where = (c: ContainerDef): Where => ({
    container: c.name,
    image: c.image,
    pod: name,
    namespace,
    podUid,
  });
  const initStatuses = (template.init ?? []).map((c) =>
    (def.init?.[c.name] ?? ended({ reason: 'Completed', exitCode: 0, finished: def.created }))(where(c)),
  );
  const statuses = def.node
    ? template.containers.map((c) => (def.containers?.[c.name] ?? up({ since: def.created }))(where(c)))
    : [];
  const initDone = initStatuses.every((s) => s.state.terminated?.exitCode === 0);
  const started = statuses.length > 0 && statuses.every((s) => s.restartCount > 0 || s.state.running);
  const phase = def.phase ?? (def.node && initDone && started ? 'Running' : 'Pending');
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const containersReady = statuses.length > 0 && unready.length === 0;
  const ready = def.ready ?? containersReady;
  const since = at(def.created);
  const cond = (type: string, ok: boolean, reason?: string, message?: string) => ({
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: since,
    ...(!ok && reason ? { reason } : {}),
    ...(!ok && message ? { message } : {}),
  });
  const scheduled = !!def.node;
  const unreadyMessage = `containers with unready status: [${(unready.length ? unready : template.containers.map((c) => c.name)).join(' ')}]`;
  const conditions = def.unschedulable
    ? [cond('PodScheduled', false, 'Unschedulable', def.unschedulable)]
    : !scheduled
      ? []
      : [
          ...(def.conditions ?? []),
          cond('PodReadyToStartContainers', phase !== 'Failed' && phase !== 'Succeeded'),
          cond(
            'Initialized',
            initDone,
            'ContainersNotInitialized',
            `containers with incomplete status: [${(template.init ?? [])
              .filter((_, i) => initStatuses[i].state.terminated?.exitCode !== 0)
              .map((c) => c.name)
              .join(' ')}]`,
          ),
          // The node controller marks pods of a lost node not ready without a reason; the kubelet,
          // which would say why, is the one that is gone.
          def.ready === false && containersReady
            ? cond('Ready', false)
            : phase === 'Failed' || phase === 'Succeeded'
              ? cond('Ready', false, 'PodCompleted')
              : cond('Ready', ready, 'ContainersNotReady', unreadyMessage),
          phase === 'Failed' || phase === 'Succeeded'
            ? cond('ContainersReady', false, 'PodCompleted')
            : cond('ContainersReady', containersReady, 'ContainersNotReady', unreadyMessage),
          cond('PodScheduled', true),
        ];
  const requests = template.containers.map((c) => c.requests ?? {});
  const limits = template.containers.map((c) => c.limits ?? {});
  const qos =
    requests.every((r) => !Object.keys(r).length) && limits.every((l) => !Object.keys(l).length)
      ? 'BestEffort'
      : template.containers.every(
            (c) => c.limits?.memory && c.limits.cpu && c.requests?.memory === c.limits.memory,
          )
        ? 'Guaranteed'
        : 'Burstable';
  const ip = def.node && phase !== 'Failed' && phase !== 'Succeeded' ? f.podIp(def.node) : undefined;
  const claims = (template.volumes ?? []).filter((v) => v.persistentVolumeClaim);
  return f.add({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      // ReplicaSets and Jobs name their pods from a prefix; a StatefulSet's pods have fixed names.
      ...(o.owner.kind === 'StatefulSet' ? {} : { generateName: name.slice(0, name.lastIndexOf('-') + 1) }),
      namespace,
      uid: podUid,
      creationTimestamp: since,
      labels: o.labels,
      ownerReferences: [ownerRef(o.owner)],
      ...(def.deleting ? { deletionTimestamp: at(def.deleting), deletionGracePeriodSeconds: 30 } : {}),
    },
    spec: {
      ...templateSpec(template),
      ...(claims.length ? { volumes: template.volumes } : {}),
      ...(def.node ? { nodeName: def.node } : {}),
      serviceAccountName: 'default',
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
    },
    status: {
      phase,
      ...(def.reason ? { reason: def.reason } : {}),
      ...(def.message ? { message: def.message } : {}),
      ...(conditions.length ? { conditions } : {}),
      ...(def.node ? { hostIP: f.hostIp(def.node), hostIPs: [{ ip: f.hostIp(def.node) }] } : {}),
      ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      ...(def.node ? { startTime: since } : {}),
      ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
      ...(statuses.length ? { containerStatuses: statuses } : {}),
      qosClass: qos,
    },
  });
}

const isReady = (p: Obj) =>
  (p.status.conditions ?? []).some((c: Any) => c.type === 'Ready' && c.status === 'True');
const isLive = (p: Obj) => p.status.phase !== 'Failed' && p.status.phase !== 'Succeeded';

// ---------------------------------------------------------------------------------------------
// Workloads

interface RevisionDef {
  revision: number;
  /** Age of the ReplicaSet (the rollout that made it). */
  created: string;
  containers: ContainerDef[];
  init?: ContainerDef[];
  schedulerName?: string;
  pods: PodDef[];
  /** The ReplicaSet's spec.replicas; the number of its pods by default. */
  replicas?: number;
  /** ReplicaSet conditions (ReplicaFailure). */
  conditions?: Any[];
}

interface DeploymentDef {
  app: string;
  namespace: string;
  name: string;
  component?: string;
  /** spec.replicas as it lives in the cluster. */
  replicas: number;
  strategy?: 'RollingUpdate' | 'Recreate';
  /** Oldest first; the last one is the Deployment's current template. */
  revisions: RevisionDef[];
  /** done: rolled out; rolling: within the deadline; deadline: ProgressDeadlineExceeded. */
  progress?: 'done' | 'rolling' | 'deadline';
  /** Extra Deployment conditions (a ReplicaFailure mirrored from the ReplicaSet). */
  conditions?: Any[];
  volumes?: Any[];
  /** Labels of the pod template when they differ from the app's name label. */
  podLabels?: Labels;
}

function deployment(f: Fixture, d: DeploymentDef): { deployment: Obj; replicaSets: Obj[]; pods: Obj[] } {
  const podLabels = d.podLabels ?? {
    [NAME]: d.name,
    ...(d.component ? { 'app.kubernetes.io/component': d.component } : {}),
  };
  const current = d.revisions.at(-1) as RevisionDef;
  const template = (r: RevisionDef): PodTemplate => ({
    labels: podLabels,
    containers: r.containers,
    init: r.init,
    volumes: d.volumes,
    schedulerName: r.schedulerName,
  });
  const dep: Obj = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      ...meta(f, 'Deployment', d.name, d.namespace, '60d'),
      generation: current.revision,
      labels: managed(d.app, d.name, d.component ? { 'app.kubernetes.io/component': d.component } : {}),
      annotations: { 'deployment.kubernetes.io/revision': String(current.revision) },
    },
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: podLabels },
      template: { metadata: { labels: podLabels }, spec: templateSpec(template(current)) },
      strategy:
        d.strategy === 'Recreate'
          ? { type: 'Recreate' }
          : { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      progressDeadlineSeconds: 600,
      revisionHistoryLimit: 10,
    },
  };
  f.add(dep);
  const replicaSets: Obj[] = [];
  const pods: Obj[] = [];
  for (const r of d.revisions) {
    const hash = safe(`${f.name}/${d.namespace}/${d.name}/${r.revision}`, 10);
    const labels = { ...podLabels, 'pod-template-hash': hash };
    const rsName = `${d.name}-${hash}`;
    const rs: Obj = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        ...meta(f, 'ReplicaSet', rsName, d.namespace, r.created),
        generation: r === current ? 1 : 2,
        labels,
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(d.replicas),
          'deployment.kubernetes.io/max-replicas': String(
            d.replicas + (d.strategy === 'Recreate' ? 0 : Math.ceil(d.replicas / 4)),
          ),
          'deployment.kubernetes.io/revision': String(r.revision),
        },
        ownerReferences: [ownerRef(dep)],
      },
      spec: {
        replicas: r.replicas ?? r.pods.length,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: templateSpec(template(r)) },
      },
    };
    f.add(rs);
    const mine = r.pods.map((def) =>
      pod(f, {
        name: `${rsName}-${safe(`${rsName}/${r.pods.indexOf(def)}`, 5)}`,
        namespace: d.namespace,
        owner: rs,
        labels,
        template: template(r),
        def,
      }),
    );
    const live = mine.filter(isLive);
    rs.status = {
      replicas: live.length,
      fullyLabeledReplicas: live.length,
      readyReplicas: live.filter(isReady).length,
      availableReplicas: live.filter(isReady).length,
      observedGeneration: rs.metadata.generation,
      ...(r.conditions ? { conditions: r.conditions } : {}),
    };
    for (const k of ['readyReplicas', 'availableReplicas', 'fullyLabeledReplicas'])
      if (!rs.status[k]) delete rs.status[k];
    replicaSets.push(rs);
    pods.push(...mine);
  }
  const live = pods.filter(isLive);
  const updated = live.filter(
    (p) => p.metadata.ownerReferences[0].name === replicaSets.at(-1)?.metadata.name,
  );
  const available = live.filter(isReady).length;
  const maxUnavailable = d.strategy === 'Recreate' ? 0 : Math.floor(d.replicas / 4);
  const newRs = replicaSets.at(-1)?.metadata.name;
  const progress = d.progress ?? 'done';
  const rolloutAt = at(current.created);
  dep.status = {
    observedGeneration: current.revision,
    replicas: live.length,
    updatedReplicas: updated.length,
    ...(available ? { readyReplicas: available, availableReplicas: available } : {}),
    ...(live.length - available > 0 || d.replicas - available > 0
      ? { unavailableReplicas: Math.max(live.length, d.replicas) - available }
      : {}),
    conditions: [
      available >= d.replicas - maxUnavailable
        ? {
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
            lastUpdateTime: rolloutAt,
            lastTransitionTime: rolloutAt,
          }
        : {
            type: 'Available',
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.',
            lastUpdateTime: rolloutAt,
            lastTransitionTime: rolloutAt,
          },
      progress === 'done'
        ? {
            type: 'Progressing',
            status: 'True',
            reason: 'NewReplicaSetAvailable',
            message: `ReplicaSet "${newRs}" has successfully progressed.`,
            lastUpdateTime: rolloutAt,
            lastTransitionTime: at('60d'),
          }
        : progress === 'rolling'
          ? {
              type: 'Progressing',
              status: 'True',
              reason: 'ReplicaSetUpdated',
              message: `ReplicaSet "${newRs}" is progressing.`,
              lastUpdateTime: rolloutAt,
              lastTransitionTime: rolloutAt,
            }
          : {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: `ReplicaSet "${newRs}" has timed out progressing.`,
              lastUpdateTime: iso(ago(current.created) + 600_000),
              lastTransitionTime: iso(ago(current.created) + 600_000),
            },
      ...(d.conditions ?? []),
    ],
  };
  return { deployment: dep, replicaSets, pods };
}

interface StatefulSetDef {
  app: string;
  namespace: string;
  name: string;
  container: ContainerDef;
  /** The claim template: storage class and size. */
  storage: { className: string; size: string };
  pod: PodDef;
  created: string;
}

function statefulSet(f: Fixture, d: StatefulSetDef): { statefulSet: Obj; pod: Obj } {
  const labels = { [NAME]: d.name };
  const revision = `${d.name}-${safe(`${f.name}/${d.name}/revision`, 10)}`;
  const volumes = [{ name: 'data', persistentVolumeClaim: { claimName: `data-${d.name}-0` } }];
  const sts: Obj = f.add({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      ...meta(f, 'StatefulSet', d.name, d.namespace, d.created),
      generation: 1,
      labels: managed(d.app, d.name),
    },
    spec: {
      replicas: 1,
      serviceName: d.name,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: templateSpec({ labels, containers: [d.container] }) },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: d.storage.className,
            resources: { requests: { storage: d.storage.size } },
            volumeMode: 'Filesystem',
          },
        },
      ],
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    },
  });
  const p = pod(f, {
    name: `${d.name}-0`,
    namespace: d.namespace,
    owner: sts,
    labels: {
      ...labels,
      'apps.kubernetes.io/pod-index': '0',
      'controller-revision-hash': revision,
      'statefulset.kubernetes.io/pod-name': `${d.name}-0`,
    },
    template: { labels, containers: [d.container], volumes },
    def: d.pod,
  });
  const ready = isReady(p) ? 1 : 0;
  sts.status = {
    observedGeneration: 1,
    replicas: 1,
    ...(ready ? { readyReplicas: 1, availableReplicas: 1 } : { availableReplicas: 0 }),
    currentReplicas: 1,
    updatedReplicas: 1,
    currentRevision: revision,
    updateRevision: revision,
    collisionCount: 0,
  };
  return { statefulSet: sts, pod: p };
}

// ---------------------------------------------------------------------------------------------
// Services, storage, autoscaling, quotas, batch

function service(
  f: Fixture,
  o: { app: string; namespace: string; name: string; selector: Labels; port?: number; headless?: boolean },
  pods: Obj[],
): Obj {
  const clusterIP = o.headless
    ? 'None'
    : `10.96.${parseInt(hex(`${f.name}/${o.name}/ip`, 2), 16)}.${(parseInt(hex(`${f.name}/${o.name}/ip2`, 2), 16) % 250) + 2}`;
  const svc = f.add({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { ...meta(f, 'Service', o.name, o.namespace, '60d'), labels: managed(o.app, o.name) },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      clusterIPs: [clusterIP],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'None',
      selector: o.selector,
      ports: [{ name: 'http', port: o.port ?? 80, protocol: 'TCP', targetPort: 'http' }],
    },
    status: { loadBalancer: {} },
  });
  // The endpoints controller: every live pod with an IP that the selector matches, by readiness.
  const selected = pods.filter(
    (p) =>
      isLive(p) &&
      p.status.podIP &&
      !p.metadata.deletionTimestamp &&
      p.metadata.namespace === o.namespace &&
      Object.entries(o.selector).every(([k, v]) => p.metadata.labels?.[k] === v),
  );
  const address = (p: Obj) => ({
    ip: p.status.podIP,
    nodeName: p.spec.nodeName,
    targetRef: { kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid },
  });
  const ready = selected.filter(isReady).map(address);
  const notReady = selected.filter((p) => !isReady(p)).map(address);
  const targetPort = (pods.find((p) => selected.includes(p))?.spec.containers[0]?.ports?.[0]?.containerPort ??
    8080) as number;
  f.add({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      ...meta(f, 'Endpoints', o.name, o.namespace, '60d'),
      labels: { ...svc.metadata.labels, 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' },
    },
    ...(ready.length || notReady.length
      ? {
          subsets: [
            {
              ...(ready.length ? { addresses: ready } : {}),
              ...(notReady.length ? { notReadyAddresses: notReady } : {}),
              ports: [{ name: 'http', port: targetPort, protocol: 'TCP' }],
            },
          ],
        }
      : {}),
  });
  return svc;
}

function configMap(f: Fixture, app: string, namespace: string, name: string, data: Labels): Obj {
  return f.add({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { ...meta(f, 'ConfigMap', name, namespace, '60d'), labels: managed(app, app) },
    data,
  });
}

function pvc(
  f: Fixture,
  o: {
    namespace: string;
    name: string;
    className: string;
    size: string;
    created: string;
    bound?: boolean;
    labels: Labels;
  },
): Obj {
  const volume = `pvc-${f.uid('PersistentVolumeClaim', o.namespace, o.name)}`;
  return f.add({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      ...meta(f, 'PersistentVolumeClaim', o.name, o.namespace, o.created),
      labels: o.labels,
      ...(o.bound
        ? {
            annotations: {
              'pv.kubernetes.io/bind-completed': 'yes',
              'pv.kubernetes.io/bound-by-controller': 'yes',
              'volume.beta.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
              'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
            },
          }
        : {}),
      finalizers: ['kubernetes.io/pvc-protection'],
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: o.className,
      resources: { requests: { storage: o.size } },
      volumeMode: 'Filesystem',
      ...(o.bound ? { volumeName: volume } : {}),
    },
    status: o.bound
      ? { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: o.size } }
      : { phase: 'Pending' },
  });
}

interface HpaDef {
  app: string;
  namespace: string;
  name: string;
  min: number;
  max: number;
  current: number;
  desired: number;
  cpu: { now: number; target: number };
  conditions: [type: string, status: string, reason: string, message: string][];
}

function hpa(f: Fixture, h: HpaDef): Obj {
  return f.add({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      ...meta(f, 'HorizontalPodAutoscaler', h.name, h.namespace, '60d'),
      labels: managed(h.app, h.name),
    },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: h.name },
      minReplicas: h.min,
      maxReplicas: h.max,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: h.cpu.target } },
        },
      ],
    },
    status: {
      currentReplicas: h.current,
      desiredReplicas: h.desired,
      lastScaleTime: at('18m'),
      currentMetrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            current: { averageUtilization: h.cpu.now, averageValue: `${h.cpu.now * 5}m` },
          },
        },
      ],
      conditions: h.conditions.map(([type, status, reason, message]) => ({
        type,
        status,
        reason,
        message,
        lastTransitionTime: at('18m'),
      })),
    },
  });
}

interface EventDef {
  reason: string;
  message: string;
  type?: 'Normal' | 'Warning';
  count?: number;
  /** Age of the first occurrence; `last` (the newest) when absent. */
  first?: string;
  last?: string;
  component: string;
  host?: string;
  /** The container an event is about: spec.containers{name}. */
  fieldPath?: string;
}

/** An Event about an object, with the kubelet's (or a controller's) wording and dedup counters. */
function event(f: Fixture, about: Obj, e: EventDef): Obj {
  const last = e.last ?? '1m';
  const ns = about.metadata.namespace ?? 'default';
  const name = `${about.metadata.name}.${hex(`${f.name}/${about.metadata.uid}/${e.reason}/${e.message}`, 16)}`;
  return f.add({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: ns, uid: f.uid('Event', ns, name), creationTimestamp: at(e.first ?? last) },
    involvedObject: {
      apiVersion: about.apiVersion,
      kind: about.kind,
      ...(about.metadata.namespace ? { namespace: about.metadata.namespace } : {}),
      name: about.metadata.name,
      uid: about.metadata.uid,
      ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
    },
    reason: e.reason,
    message: e.message,
    type: e.type ?? 'Warning',
    count: e.count ?? 1,
    firstTimestamp: at(e.first ?? last),
    lastTimestamp: at(last),
    source: { component: e.component, ...(e.host ? { host: e.host } : {}) },
    reportingComponent: e.component,
    reportingInstance: e.host ?? '',
  });
}

/** An event the kubelet records about a pod's container. */
const kubelet = (
  f: Fixture,
  p: Obj,
  container: string,
  e: Omit<EventDef, 'component' | 'host' | 'fieldPath'>,
  init = false,
) =>
  event(f, p, {
    ...e,
    component: 'kubelet',
    host: p.spec.nodeName,
    fieldPath: `spec.${init ? 'initContainers' : 'containers'}{${container}}`,
  });

// ---------------------------------------------------------------------------------------------
// Argo CD

function application(f: Fixture, a: AppDef): Any {
  const newest = a.history.at(-1) as { revision: string; age: string };
  const target = a.target ?? newest.revision;
  const source = { repoURL: REPO, path: a.path, targetRevision: 'HEAD' };
  const destination = { server: SERVER, namespace: a.namespace };
  const hook = (o: Obj) => !!o.metadata.annotations?.['argocd.argoproj.io/hook'];
  // Managed resources: what carries the app's instance label and has no owner (hooks are not
  // managed resources, and Endpoints are excluded by Argo CD's default resource.exclusions).
  const resources = f.objects
    .filter(
      (o) =>
        o.metadata.labels?.[INSTANCE] === a.name &&
        !o.metadata.ownerReferences &&
        !hook(o) &&
        !['Endpoints', 'Event'].includes(o.kind),
    )
    .map((o) => {
      const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
      return {
        ...(group ? { group } : {}),
        version,
        kind: o.kind,
        namespace: o.metadata.namespace,
        name: o.metadata.name,
        status: a.outOfSync?.includes(`${o.kind}/${o.metadata.name}`) ? 'OutOfSync' : 'Synced',
      };
    });
  const images = [
    ...new Set(
      f.objects
        .filter((o) => o.metadata.labels?.[INSTANCE] === a.name && !o.metadata.ownerReferences)
        .flatMap((o) => {
          const spec = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
          return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map(
            (c: Any) => c.image as string,
          );
        }),
    ),
  ];
  const deployedAt = (age: string) => at(age);
  const operation = a.operation ?? {
    operation: {
      sync: { revision: newest.revision, prune: true },
      initiatedBy: { automated: true },
      retry: { limit: 5 },
    },
    phase: 'Succeeded',
    message: 'successfully synced (all tasks run)',
    syncResult: { revision: newest.revision, source },
    startedAt: iso(ago(newest.age) - 4_000),
    finishedAt: deployedAt(newest.age),
  };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: a.name,
      namespace: 'argocd',
      uid: f.uid('Application', 'argocd', a.name),
      creationTimestamp: at('90d'),
      labels: { [INSTANCE]: 'root-app' },
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: 'default',
      source,
      destination,
      ...(a.auto === false
        ? {}
        : {
            syncPolicy: {
              automated: { prune: true, selfHeal: a.auto?.selfHeal ?? true },
              syncOptions: ['CreateNamespace=true'],
            },
          }),
    },
    status: {
      sync: { status: a.sync ?? 'Synced', revision: target, comparedTo: { source, destination } },
      health: { status: a.health, lastTransitionTime: deployedAt(newest.age) },
      history: a.history.map((h, id) => ({
        id,
        revision: h.revision,
        deployStartedAt: iso(ago(h.age) - 4_000),
        deployedAt: deployedAt(h.age),
        initiatedBy: { automated: true },
        source,
      })),
      operationState: operation,
      ...(a.conditions ? { conditions: a.conditions } : {}),
      reconciledAt: at('2m'),
      resourceHealthSource: 'appTree',
      resources,
      sourceType: a.sourceType ?? 'Kustomize',
      summary: { images },
      controllerNamespace: 'argocd',
    },
  };
}

/** An event Argo CD's controller records about an Application (in its own namespace). */
function appEvent(f: Fixture, app: string, e: Omit<EventDef, 'component'>): Obj {
  const about: Obj = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: app, namespace: 'argocd', uid: f.uid('Application', 'argocd', app) },
  };
  return event(f, about, { ...e, component: 'argocd-application-controller' });
}

// ---------------------------------------------------------------------------------------------
// Recurring pieces of the home lab

const JAVA_ENV = [
  { name: 'SPRING_PROFILES_ACTIVE', value: 'prod' },
  { name: 'JAVA_TOOL_OPTIONS', value: '-XX:MaxRAMPercentage=75.0 -Xlog:gc' },
];

const springStart = (app: string, seconds: string) =>
  [
    `2026-05-04T09:02:11.402Z  INFO 1 --- [${app}] [           main] c.s.${app.replace(/-/g, '')}.Application : Starting Application v1 using Java 21.0.7 with PID 1`,
    `2026-05-04T09:02:11.409Z  INFO 1 --- [${app}] [           main] c.s.${app.replace(/-/g, '')}.Application : The following 1 profile is active: "prod"`,
    `2026-05-04T09:02:${seconds}Z  INFO 1 --- [${app}] [           main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port 8080 (http) with context path '/'`,
  ].join('\n') + '\n';

const nodeStart = (app: string) =>
  [
    `> ${app}@2.8.0 start`,
    '> node dist/server.js',
    '',
    `{"level":30,"time":1777885331402,"pid":1,"msg":"${app} listening on :3000"}`,
  ].join('\n') + '\n';

// ---------------------------------------------------------------------------------------------
// The fixtures

const fixtures: (() => Fixture)[] = [];
const fixture = (build: () => Fixture) => fixtures.push(build);

// 1. OOMKilled ----------------------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'oom-killed.yaml',
    'naver-news, a Spring Boot crawler limited to 1Gi, runs three replicas. During the morning crawl two of them were OOMKilled (exit 137) and restarted; all three run and are ready again, so Argo CD says Synced and Healthy. friend-app, in its own namespace, is healthy.',
    'naver-news: OOMKilled first (fix: resources, a higher memory limit). friend-app: no finding.',
  );
  namespace(f, 'naver-news');
  namespace(f, 'friend-app');
  workers(f);
  const v5 = commit('naver-news/limit-1Gi');
  const v6 = commit('naver-news/crawl-sections');
  const app: ContainerDef = {
    name: 'naver-news',
    image: 'ghcr.io/sijunkim/naver-news-spring:master-3f9c2e1',
    requests: { cpu: '250m', memory: '768Mi' },
    limits: { memory: '1Gi' },
    port: 8080,
    readiness: '/actuator/health/readiness',
    liveness: '/actuator/health/liveness',
    env: JAVA_ENV,
  };
  const oom = (finished: string): Term => ({ reason: 'OOMKilled', exitCode: 137, finished });
  const d = deployment(f, {
    app: 'naver-news',
    namespace: 'naver-news',
    name: 'naver-news',
    component: 'crawler',
    replicas: 3,
    revisions: [
      {
        revision: 5,
        created: '9d',
        containers: [{ ...app, image: 'ghcr.io/sijunkim/naver-news-spring:master-9b1d4a7' }],
        pods: [],
      },
      {
        revision: 6,
        created: '2d',
        containers: [app],
        pods: [
          {
            created: '2d',
            node: 'worker-1',
            containers: { 'naver-news': up({ since: '4m', restarts: 3, last: oom('4m') }) },
          },
          {
            created: '2d',
            node: 'worker-2',
            containers: { 'naver-news': up({ since: '7m', restarts: 5, last: oom('7m') }) },
          },
          { created: '2d', node: 'worker-3' },
        ],
      },
    ],
  });
  service(
    f,
    { app: 'naver-news', namespace: 'naver-news', name: 'naver-news', selector: { [NAME]: 'naver-news' } },
    d.pods,
  );
  configMap(f, 'naver-news', 'naver-news', 'naver-news-config', {
    'application-prod.yaml':
      'crawler:\n  sections: [politics, economy, society, it, world]\n  fetch-threads: 8\n',
  });
  const [p1, p2] = d.pods as [Obj, Obj];
  kubelet(f, p1, 'naver-news', {
    reason: 'BackOff',
    message: `Back-off restarting failed container naver-news in pod ${podRef(p1)}`,
    count: 2,
    first: '31m',
    last: '5m',
  });
  kubelet(f, p1, 'naver-news', {
    type: 'Normal',
    reason: 'Created',
    message: 'Created container: naver-news',
    count: 4,
    first: '2d',
    last: '4m',
  });
  kubelet(f, p1, 'naver-news', {
    type: 'Normal',
    reason: 'Started',
    message: 'Started container naver-news',
    count: 4,
    first: '2d',
    last: '4m',
  });
  kubelet(f, p2, 'naver-news', {
    type: 'Normal',
    reason: 'Started',
    message: 'Started container naver-news',
    count: 6,
    first: '2d',
    last: '7m',
  });
  const gc = (pid: string) =>
    [
      `[2026-05-04T09:21:02.118+0000][gc] GC(${pid}1) Pause Young (Normal) (G1 Evacuation Pause) 652M->611M(768M) 41.227ms`,
      `[2026-05-04T09:21:19.774+0000][gc] GC(${pid}2) Pause Young (Concurrent Start) (G1 Humongous Allocation) 731M->702M(768M) 58.910ms`,
      `[2026-05-04T09:21:31.402+0000][gc] GC(${pid}3) Pause Full (G1 Compaction Pause) 766M->759M(768M) 1311.604ms`,
      '2026-05-04T09:21:33.015Z  WARN 1 --- [naver-news] [    crawler-5] c.s.news.crawler.SectionCrawler          : section world: 2,140 articles buffered before flush',
    ].join('\n') + '\n';
  f.log(p1, 'naver-news', springStart('naver-news', '19.877'), gc('3'));
  f.log(p2, 'naver-news', springStart('naver-news', '20.312'), gc('5'));
  f.app({
    name: 'naver-news',
    namespace: 'naver-news',
    path: 'k8s/apps/naver-news',
    history: [
      { revision: v5, age: '9d' },
      { revision: v6, age: '2d' },
    ],
    health: 'Healthy',
  });

  const friend = deployment(f, {
    app: 'friend-app',
    namespace: 'friend-app',
    name: 'friend-app',
    replicas: 1,
    revisions: [
      {
        revision: 3,
        created: '6d',
        containers: [
          {
            name: 'friend-app',
            image: 'ghcr.io/sijunkim/friend-app:2.8.0',
            requests: { cpu: '100m', memory: '128Mi' },
            limits: { memory: '256Mi' },
            port: 3000,
            readiness: '/healthz',
          },
        ],
        pods: [{ created: '6d', node: 'worker-1' }],
      },
    ],
  });
  service(
    f,
    { app: 'friend-app', namespace: 'friend-app', name: 'friend-app', selector: { [NAME]: 'friend-app' } },
    friend.pods,
  );
  f.log(friend.pods[0] as Obj, 'friend-app', nodeStart('friend-app'));
  f.app({
    name: 'friend-app',
    namespace: 'friend-app',
    path: 'k8s/apps/friend-app',
    history: [{ revision: commit('friend-app/2.8.0'), age: '6d' }],
    health: 'Healthy',
  });
  return f;
});

// Shared failure signals ------------------------------------------------------------------------

/** containerd's answer for a tag the registry does not have. */
const notFound = (image: string) =>
  `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`;

/** A pod stuck pulling `image`, and the kubelet's events of the pull/back-off cycle (kubelet >= 1.32 wording). */
const pullBackOff = () =>
  waiting(
    'ImagePullBackOff',
    (w) => `Back-off pulling image "${w.image}": ErrImagePull: ${notFound(w.image)}`,
    false,
  );

function pullEvents(
  f: Fixture,
  p: Obj,
  container: string,
  image: string,
  since: string,
  pulls: number,
  backoffs: number,
) {
  kubelet(f, p, container, {
    type: 'Normal',
    reason: 'Pulling',
    message: `Pulling image "${image}"`,
    count: pulls,
    first: since,
    last: '2m',
  });
  kubelet(f, p, container, {
    reason: 'Failed',
    message: `Failed to pull image "${image}": ${notFound(image)}`,
    count: pulls,
    first: since,
    last: '2m',
  });
  kubelet(f, p, container, {
    reason: 'Failed',
    message: 'Error: ErrImagePull',
    count: pulls,
    first: since,
    last: '2m',
  });
  kubelet(f, p, container, {
    type: 'Normal',
    reason: 'BackOff',
    message: `Back-off pulling image "${image}"`,
    count: backoffs,
    first: since,
    last: '30s',
  });
  kubelet(f, p, container, {
    reason: 'Failed',
    message: 'Error: ImagePullBackOff',
    count: backoffs,
    first: since,
    last: '30s',
  });
}

/** The kubelet's crash-loop events for a container: created, started, and backed off again and again. */
function crashEvents(f: Fixture, p: Obj, container: string, restarts: number, since: string, init = false) {
  kubelet(
    f,
    p,
    container,
    {
      type: 'Normal',
      reason: 'Created',
      message: `Created container: ${container}`,
      count: restarts + 1,
      first: since,
      last: '3m',
    },
    init,
  );
  kubelet(
    f,
    p,
    container,
    {
      type: 'Normal',
      reason: 'Started',
      message: `Started container ${container}`,
      count: restarts + 1,
      first: since,
      last: '3m',
    },
    init,
  );
  kubelet(
    f,
    p,
    container,
    {
      reason: 'BackOff',
      message: `Back-off restarting failed container ${container} in pod ${podRef(p)}`,
      count: restarts * 4 + 3,
      first: since,
      last: '20s',
    },
    init,
  );
}

const flashApi = (image: string): ContainerDef => ({
  name: 'flash-api',
  image,
  requests: { cpu: '500m', memory: '768Mi' },
  limits: { memory: '1Gi' },
  port: 8080,
  readiness: '/actuator/health/readiness',
  liveness: '/actuator/health/liveness',
  env: JAVA_ENV,
});

// 2. CrashLoopBackOff --------------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'crash-loop.yaml',
    "flash-api-prod was bumped from 1.14.2 to 1.15.0 fourteen minutes ago. The new pod exits with code 1 at start (Spring Boot cannot bind 'flash.payment.toss.timeout': '30 seconds' is not a Duration) and sits in CrashLoopBackOff; its readiness probe fails while it restarts. The two pods of 1.14.2 still serve.",
    'CrashLoopBackOff first (fix: image, back to ghcr.io/sijunkim/flash-api:1.14.2); the failing readiness probe only after it.',
  );
  namespace(f, 'flash-prod');
  workers(f);
  const d = deployment(f, {
    app: 'flash-api-prod',
    namespace: 'flash-prod',
    name: 'flash-api',
    replicas: 2,
    progress: 'rolling',
    revisions: [
      {
        revision: 11,
        created: '6d',
        containers: [flashApi('ghcr.io/sijunkim/flash-api:1.14.2')],
        pods: [
          { created: '6d', node: 'worker-1' },
          { created: '6d', node: 'worker-3' },
        ],
      },
      {
        revision: 12,
        created: '14m',
        containers: [flashApi('ghcr.io/sijunkim/flash-api:1.15.0')],
        pods: [
          {
            created: '14m',
            node: 'worker-2',
            containers: {
              'flash-api': crashLooping({
                restarts: 7,
                backoff: '5m0s',
                last: { reason: 'Error', exitCode: 1, finished: '2m' },
              }),
            },
          },
        ],
      },
    ],
  });
  service(
    f,
    { app: 'flash-api-prod', namespace: 'flash-prod', name: 'flash-api', selector: { [NAME]: 'flash-api' } },
    d.pods,
  );
  const bad = d.pods[2] as Obj;
  crashEvents(f, bad, 'flash-api', 7, '14m');
  kubelet(f, bad, 'flash-api', {
    reason: 'Unhealthy',
    message: `Readiness probe failed: Get "http://${bad.status.podIP}:8080/actuator/health/readiness": dial tcp ${bad.status.podIP}:8080: connect: connection refused`,
    count: 9,
    first: '13m',
    last: '2m',
  });
  const failed = [
    springStart('flash-api', '14.201').trimEnd(),
    '2026-05-04T09:02:14.655Z  WARN 1 --- [flash-api] [           main] ConfigServletWebServerApplicationContext : Exception encountered during context initialization - cancelling refresh attempt',
    '',
    '***************************',
    'APPLICATION FAILED TO START',
    '***************************',
    '',
    'Description:',
    '',
    "Failed to bind properties under 'flash.payment.toss.timeout' to java.time.Duration:",
    '',
    '    Property: flash.payment.toss.timeout',
    '    Value: "30 seconds"',
    '    Origin: class path resource [application-prod.yaml] - 41:16',
    "    Reason: failed to convert java.lang.String to java.time.Duration (caused by java.lang.IllegalArgumentException: '30 seconds' is not a valid duration)",
    '',
    'Action:',
    '',
    "Update your application's configuration",
    '',
  ].join('\n');
  f.log(bad, 'flash-api', failed, failed);
  f.log(d.pods[0] as Obj, 'flash-api', springStart('flash-api', '31.877'));
  f.app({
    name: 'flash-api-prod',
    namespace: 'flash-prod',
    path: 'k8s/apps/flash-tickets/flash-api/overlays/prod',
    history: [
      { revision: commit('flash-api/1.14.2'), age: '6d' },
      { revision: commit('flash-api/1.15.0'), age: '14m' },
    ],
    health: 'Progressing',
  });
  return f;
});

// 3. ImagePullError ----------------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'image-pull.yaml',
    "flash-gateway-prod was bumped to ghcr.io/sijunkim/flash-gateway:v2.4.0 six minutes ago, but the registry tags releases 2.4.0, without the v. The new pod cannot pull (ImagePullBackOff with containerd's NotFound); the two pods of 2.3.1 still serve. The rollout is within its deadline, so Argo CD says Progressing.",
    'ImagePullError first (fix: image, back to ghcr.io/sijunkim/flash-gateway:2.3.1).',
  );
  namespace(f, 'flash-prod');
  workers(f);
  const gateway = (image: string): ContainerDef => ({
    name: 'flash-gateway',
    image,
    requests: { cpu: '200m', memory: '256Mi' },
    limits: { memory: '512Mi' },
    port: 8080,
    readiness: '/ready',
    liveness: '/live',
  });
  const image = 'ghcr.io/sijunkim/flash-gateway:v2.4.0';
  const d = deployment(f, {
    app: 'flash-gateway-prod',
    namespace: 'flash-prod',
    name: 'flash-gateway',
    replicas: 2,
    progress: 'rolling',
    revisions: [
      {
        revision: 7,
        created: '12d',
        containers: [gateway('ghcr.io/sijunkim/flash-gateway:2.3.1')],
        pods: [
          { created: '12d', node: 'worker-1' },
          { created: '12d', node: 'worker-2' },
        ],
      },
      {
        revision: 8,
        created: '6m',
        containers: [gateway(image)],
        pods: [{ created: '6m', node: 'worker-3', containers: { 'flash-gateway': pullBackOff() } }],
      },
    ],
  });
  service(
    f,
    {
      app: 'flash-gateway-prod',
      namespace: 'flash-prod',
      name: 'flash-gateway',
      selector: { [NAME]: 'flash-gateway' },
    },
    d.pods,
  );
  pullEvents(f, d.pods[2] as Obj, 'flash-gateway', image, '6m', 4, 21);
  f.app({
    name: 'flash-gateway-prod',
    namespace: 'flash-prod',
    path: 'k8s/apps/flash-tickets/flash-gateway/overlays/prod',
    history: [
      { revision: commit('flash-gateway/2.3.1'), age: '12d' },
      { revision: commit('flash-gateway/v2.4.0'), age: '6m' },
    ],
    health: 'Progressing',
  });
  return f;
});

// 4. ContainerConfigError ----------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'config-error.yaml',
    "A patch for the Toss payment integration made flash-pay-worker-staging read TOSS_SECRET_KEY from key toss-secret-key of Secret flash-pay-secrets, which staging's Secret does not have. The new pod waits in CreateContainerConfigError; the previous pod keeps working. The Secret lives outside Git, so no pull request fixes this.",
    'ContainerConfigError first, naming the missing key; no Git fix.',
  );
  namespace(f, 'flash-staging');
  workers(f);
  const secretEnv = (name: string, key: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: 'flash-pay-secrets', key } },
  });
  const worker = (env: Any[]): ContainerDef => ({
    name: 'flash-pay-worker',
    image: 'ghcr.io/sijunkim/flash-pay-worker:1.9.0',
    requests: { cpu: '50m', memory: '64Mi' },
    limits: { memory: '128Mi' },
    env,
  });
  const before = [secretEnv('PG_SECRET_KEY', 'pg-secret-key')];
  const d = deployment(f, {
    app: 'flash-pay-worker-staging',
    namespace: 'flash-staging',
    name: 'flash-pay-worker',
    replicas: 1,
    progress: 'rolling',
    revisions: [
      {
        revision: 4,
        created: '8d',
        containers: [worker(before)],
        pods: [{ created: '8d', node: 'worker-2' }],
      },
      {
        revision: 5,
        created: '9m',
        containers: [worker([...before, secretEnv('TOSS_SECRET_KEY', 'toss-secret-key')])],
        pods: [
          {
            created: '9m',
            node: 'worker-1',
            containers: {
              'flash-pay-worker': waiting(
                'CreateContainerConfigError',
                () => "couldn't find key toss-secret-key in Secret flash-staging/flash-pay-secrets",
              ),
            },
          },
        ],
      },
    ],
  });
  const p = d.pods[1] as Obj;
  kubelet(f, p, 'flash-pay-worker', {
    type: 'Normal',
    reason: 'Pulling',
    message: 'Pulling image "ghcr.io/sijunkim/flash-pay-worker:1.9.0"',
    first: '9m',
    last: '9m',
  });
  kubelet(f, p, 'flash-pay-worker', {
    reason: 'Failed',
    message: "Error: couldn't find key toss-secret-key in Secret flash-staging/flash-pay-secrets",
    count: 44,
    first: '9m',
    last: '25s',
  });
  f.log(
    d.pods[0] as Obj,
    'flash-pay-worker',
    '{"level":"info","msg":"consuming payments.captured","partition":0}\n',
  );
  f.app({
    name: 'flash-pay-worker-staging',
    namespace: 'flash-staging',
    path: 'k8s/apps/flash-tickets/flash-pay-worker/overlays/staging',
    history: [
      { revision: commit('flash-pay-worker/pg'), age: '8d' },
      { revision: commit('flash-pay-worker/toss'), age: '9m' },
    ],
    health: 'Progressing',
  });
  return f;
});

// 5. Unschedulable -----------------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'unschedulable.yaml',
    'A commit meant to give friend-app 1.2Gi of memory wrote 12Gi into its requests. No node of 8Gi can take the new pod: it stays Pending with the scheduler\'s "3 Insufficient memory", while the two pods that ask for 256Mi keep running.',
    'Unschedulable first (fix: resources, the 256Mi request that fit before).',
  );
  namespace(f, 'friend-app');
  workers(f);
  const friend = (requests: Labels, limits: Labels): ContainerDef => ({
    name: 'friend-app',
    image: 'ghcr.io/sijunkim/friend-app:2.8.0',
    requests,
    limits,
    port: 3000,
    readiness: '/healthz',
  });
  const message =
    '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
  const d = deployment(f, {
    app: 'friend-app',
    namespace: 'friend-app',
    name: 'friend-app',
    replicas: 2,
    progress: 'rolling',
    revisions: [
      {
        revision: 3,
        created: '6d',
        containers: [friend({ cpu: '100m', memory: '256Mi' }, { memory: '512Mi' })],
        pods: [
          { created: '6d', node: 'worker-1' },
          { created: '6d', node: 'worker-2' },
        ],
      },
      {
        revision: 4,
        created: '7m',
        containers: [friend({ cpu: '100m', memory: '12Gi' }, { memory: '12Gi' })],
        pods: [{ created: '7m', unschedulable: message }],
      },
    ],
  });
  service(
    f,
    { app: 'friend-app', namespace: 'friend-app', name: 'friend-app', selector: { [NAME]: 'friend-app' } },
    d.pods,
  );
  event(f, d.pods[2] as Obj, {
    reason: 'FailedScheduling',
    message,
    count: 6,
    first: '7m',
    last: '1m',
    component: 'default-scheduler',
  });
  f.app({
    name: 'friend-app',
    namespace: 'friend-app',
    path: 'k8s/apps/friend-app',
    history: [
      { revision: commit('friend-app/2.8.0'), age: '6d' },
      { revision: commit('friend-app/memory'), age: '7m' },
    ],
    health: 'Progressing',
  });
  return f;
});

// 6. ProbeFailure ------------------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'probe-failure.yaml',
    "During a staging load test one flash-web-staging pod's event loop stalls: its liveness probe times out, the kubelet kills the container (exit 137) and restarts it, and after six kills it waits in CrashLoopBackOff. The other replica serves normally.",
    'ProbeFailure first (the liveness probe, fix: restart of the stuck replica); the CrashLoopBackOff it causes only after it.',
  );
  namespace(f, 'flash-staging');
  workers(f);
  const web: ContainerDef = {
    name: 'flash-web',
    image: 'ghcr.io/sijunkim/flash-web:3.2.0',
    requests: { cpu: '100m', memory: '192Mi' },
    limits: { memory: '384Mi' },
    port: 3000,
    readiness: '/api/ready',
    liveness: '/api/live',
  };
  const d = deployment(f, {
    app: 'flash-web-staging',
    namespace: 'flash-staging',
    name: 'flash-web',
    replicas: 2,
    revisions: [
      {
        revision: 9,
        created: '4d',
        containers: [web],
        pods: [
          {
            created: '4d',
            node: 'worker-2',
            containers: {
              'flash-web': crashLooping({
                restarts: 6,
                backoff: '2m40s',
                last: { reason: 'Error', exitCode: 137, finished: '1m' },
              }),
            },
          },
          { created: '4d', node: 'worker-3' },
        ],
      },
    ],
  });
  service(
    f,
    {
      app: 'flash-web-staging',
      namespace: 'flash-staging',
      name: 'flash-web',
      selector: { [NAME]: 'flash-web' },
    },
    d.pods,
  );
  const p = d.pods[0] as Obj;
  kubelet(f, p, 'flash-web', {
    reason: 'Unhealthy',
    message: `Liveness probe failed: Get "http://${p.status.podIP}:3000/api/live": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    count: 18,
    first: '24m',
    last: '2m',
  });
  kubelet(f, p, 'flash-web', {
    type: 'Normal',
    reason: 'Killing',
    message: 'Container flash-web failed liveness probe, will be restarted',
    count: 6,
    first: '22m',
    last: '2m',
  });
  crashEvents(f, p, 'flash-web', 6, '22m');
  f.log(
    p,
    'flash-web',
    '▲ Next.js 15.3.1\n  - Local:        http://localhost:3000\n ✓ Ready in 412ms\n',
    '▲ Next.js 15.3.1\n ✓ Ready in 398ms\n GET /events/summer-fest/seats 200 in 2381ms\n GET /events/summer-fest/seats 200 in 17744ms\n',
  );
  f.app({
    name: 'flash-web-staging',
    namespace: 'flash-staging',
    path: 'k8s/apps/flash-tickets/flash-web/overlays/staging',
    history: [{ revision: commit('flash-web/3.2.0'), age: '4d' }],
    health: 'Progressing',
  });
  return f;
});

// 7. ProgressDeadlineExceeded ------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'progress-deadline.yaml',
    "A commit 47 minutes ago upgraded grafana to 11.3.0 and set schedulerName: bin-packing-scheduler, a scheduler this cluster does not run. Nothing ever picks the new pod up: it stays Pending with no condition and no event, the Deployment passes its progress deadline, and the old pod keeps serving. The only signal is the Deployment's own condition.",
    'ProgressDeadlineExceeded first (fix: revert the newest commit).',
  );
  namespace(f, 'monitoring');
  workers(f);
  const grafana = (image: string): ContainerDef => ({
    name: 'grafana',
    image,
    requests: { cpu: '100m', memory: '256Mi' },
    limits: { memory: '512Mi' },
    port: 3000,
    readiness: '/api/health',
  });
  const d = deployment(f, {
    app: 'grafana',
    namespace: 'monitoring',
    name: 'grafana',
    replicas: 1,
    progress: 'deadline',
    revisions: [
      {
        revision: 3,
        created: '20d',
        containers: [grafana('docker.io/grafana/grafana:11.2.0')],
        pods: [{ created: '20d', node: 'worker-3' }],
      },
      {
        revision: 4,
        created: '47m',
        containers: [grafana('docker.io/grafana/grafana:11.3.0')],
        schedulerName: 'bin-packing-scheduler',
        pods: [{ created: '47m' }],
      },
    ],
  });
  service(
    f,
    { app: 'grafana', namespace: 'monitoring', name: 'grafana', selector: { [NAME]: 'grafana' } },
    d.pods,
  );
  f.app({
    name: 'grafana',
    namespace: 'monitoring',
    path: 'k8s/apps/grafana',
    sourceType: 'Helm',
    history: [
      { revision: commit('grafana/11.2.0'), age: '20d' },
      { revision: commit('grafana/11.3.0'), age: '47m' },
    ],
    health: 'Degraded',
  });
  return f;
});

// 8. QuotaExceeded -----------------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'quota-exceeded.yaml',
    "flash-api-staging was scaled from 3 to 4 replicas in Git for a load test. The namespace's ResourceQuota compute-quota allows 4Gi of memory limits and 3.5Gi are in use (three flash-api pods of 1Gi and flash-web-staging's 512Mi), so the fourth pod is refused at creation: no pod, no pod event, only the ReplicaSet's FailedCreate. The Deployment passed its progress deadline. flash-web-staging, in the same namespace, is healthy.",
    'flash-api-staging: QuotaExceeded first (fix: replicas, the 3 that fit), ProgressDeadlineExceeded only after it. flash-web-staging: no finding.',
  );
  namespace(f, 'flash-staging');
  workers(f);
  const api = flashApi('ghcr.io/sijunkim/flash-api:1.15.0');
  const refusal = (rs: string) =>
    `pods "${rs}-" is forbidden: exceeded quota: compute-quota, requested: limits.memory=1Gi, used: limits.memory=3584Mi, limited: limits.memory=4Gi`;
  const rsName = `flash-api-${safe(`${f.name}/flash-staging/flash-api/6`, 10)}`;
  const failure = {
    type: 'ReplicaFailure',
    status: 'True',
    reason: 'FailedCreate',
    message: refusal(rsName),
    lastTransitionTime: at('38m'),
  };
  const d = deployment(f, {
    app: 'flash-api-staging',
    namespace: 'flash-staging',
    name: 'flash-api',
    replicas: 4,
    progress: 'deadline',
    conditions: [{ ...failure, lastUpdateTime: at('38m') }],
    revisions: [
      {
        revision: 6,
        created: '38m',
        replicas: 4,
        conditions: [failure],
        containers: [api],
        pods: [
          { created: '5d', node: 'worker-1' },
          { created: '5d', node: 'worker-2' },
          { created: '5d', node: 'worker-3' },
        ],
      },
    ],
  });
  const rs = d.replicaSets[0] as Obj;
  if (rs.metadata.name !== rsName) throw new Error('ReplicaSet name drifted');
  // The ReplicaSet is as old as the pods; the scale-up 38 minutes ago is what started the rollout.
  rs.metadata.creationTimestamp = at('5d');
  event(f, rs, {
    reason: 'FailedCreate',
    message: `Error creating: ${refusal(rsName)}`,
    count: 11,
    first: '38m',
    last: '4m',
    component: 'replicaset-controller',
  });
  service(
    f,
    {
      app: 'flash-api-staging',
      namespace: 'flash-staging',
      name: 'flash-api',
      selector: { [NAME]: 'flash-api' },
    },
    d.pods,
  );
  f.app({
    name: 'flash-api-staging',
    namespace: 'flash-staging',
    path: 'k8s/apps/flash-tickets/flash-api/overlays/staging',
    history: [
      { revision: commit('flash-api-staging/1.15.0'), age: '5d' },
      { revision: commit('flash-api-staging/replicas-4'), age: '38m' },
    ],
    health: 'Degraded',
  });

  const web = deployment(f, {
    app: 'flash-web-staging',
    namespace: 'flash-staging',
    name: 'flash-web',
    replicas: 1,
    revisions: [
      {
        revision: 9,
        created: '4d',
        containers: [
          {
            name: 'flash-web',
            image: 'ghcr.io/sijunkim/flash-web:3.2.0',
            requests: { cpu: '100m', memory: '192Mi' },
            limits: { memory: '512Mi' },
            port: 3000,
            readiness: '/api/ready',
          },
        ],
        pods: [{ created: '4d', node: 'worker-3' }],
      },
    ],
  });
  service(
    f,
    {
      app: 'flash-web-staging',
      namespace: 'flash-staging',
      name: 'flash-web',
      selector: { [NAME]: 'flash-web' },
    },
    web.pods,
  );
  f.app({
    name: 'flash-web-staging',
    namespace: 'flash-staging',
    path: 'k8s/apps/flash-tickets/flash-web/overlays/staging',
    history: [{ revision: commit('flash-web-staging/3.2.0'), age: '4d' }],
    health: 'Healthy',
  });
  f.add({
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: {
      ...meta(f, 'ResourceQuota', 'compute-quota', 'flash-staging', '90d'),
      labels: { [INSTANCE]: 'platform-quotas' },
    },
    spec: { hard: { 'limits.memory': '4Gi', pods: '20' } },
    status: { hard: { 'limits.memory': '4Gi', pods: '20' }, used: { 'limits.memory': '3584Mi', pods: '4' } },
  });
  return f;
});

// 9. SyncFailed --------------------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'sync-failed.yaml',
    'The newest commit of flash-gateway-staging adds app.kubernetes.io/part-of to the Deployment\'s selector, which is immutable. Every sync attempt fails with the API server\'s "field is immutable"; Argo CD retried five times and gave up (SyncError). The Deployment keeps running the previous revision, so the app is OutOfSync but Healthy.',
    'SyncFailed first (fix: revert the newest commit); OutOfSync only after it.',
  );
  namespace(f, 'flash-staging');
  workers(f);
  const good = commit('flash-gateway-staging/2.3.1');
  const bad = commit('flash-gateway-staging/part-of');
  const d = deployment(f, {
    app: 'flash-gateway-staging',
    namespace: 'flash-staging',
    name: 'flash-gateway',
    replicas: 1,
    revisions: [
      {
        revision: 7,
        created: '10d',
        containers: [
          {
            name: 'flash-gateway',
            image: 'ghcr.io/sijunkim/flash-gateway:2.3.1',
            requests: { cpu: '200m', memory: '256Mi' },
            limits: { memory: '512Mi' },
            port: 8080,
            readiness: '/ready',
          },
        ],
        pods: [{ created: '10d', node: 'worker-1' }],
      },
    ],
  });
  service(
    f,
    {
      app: 'flash-gateway-staging',
      namespace: 'flash-staging',
      name: 'flash-gateway',
      selector: { [NAME]: 'flash-gateway' },
    },
    d.pods,
  );
  const invalid =
    'Deployment.apps "flash-gateway" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app.kubernetes.io/name":"flash-gateway", "app.kubernetes.io/part-of":"flash-tickets"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable';
  const failed = `one or more objects failed to apply, reason: ${invalid}`;
  const source = {
    repoURL: REPO,
    path: 'k8s/apps/flash-tickets/flash-gateway/overlays/staging',
    targetRevision: 'HEAD',
  };
  f.app({
    name: 'flash-gateway-staging',
    namespace: 'flash-staging',
    path: source.path,
    history: [{ revision: good, age: '10d' }],
    target: bad,
    sync: 'OutOfSync',
    outOfSync: ['Deployment/flash-gateway'],
    health: 'Healthy',
    operation: {
      operation: {
        sync: { revision: bad, prune: true },
        initiatedBy: { automated: true },
        retry: { limit: 5 },
      },
      phase: 'Failed',
      message: `${failed} (retried 5 times).`,
      retryCount: 5,
      syncResult: {
        revision: bad,
        source,
        resources: [
          {
            group: 'apps',
            version: 'v1',
            kind: 'Deployment',
            namespace: 'flash-staging',
            name: 'flash-gateway',
            status: 'SyncFailed',
            message: invalid,
            hookPhase: 'Failed',
            syncPhase: 'Sync',
          },
        ],
      },
      startedAt: at('21m'),
      finishedAt: at('16m'),
    },
    conditions: [
      {
        type: 'SyncError',
        message: `Failed last sync attempt to [${bad}]: ${failed} (retried 5 times).`,
        lastTransitionTime: at('16m'),
      },
    ],
  });
  appEvent(f, 'flash-gateway-staging', {
    type: 'Normal',
    reason: 'OperationStarted',
    message: `Initiated automated sync to '${bad}'`,
    first: '21m',
    last: '21m',
  });
  appEvent(f, 'flash-gateway-staging', {
    reason: 'OperationCompleted',
    message: `Sync operation to ${bad} failed: ${failed}`,
    first: '16m',
    last: '16m',
  });
  return f;
});

// 10. OutOfSync --------------------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'out-of-sync.yaml',
    'Before a ticket sale someone ran kubectl scale --replicas=4 on flash-web in prod; Git says 2. Auto-sync is on without selfHeal, so Argo CD reports the drift (OutOfSync on the Deployment) and leaves it. Everything runs and is Healthy.',
    'OutOfSync first (live drift, no Git fix: argo sync restores Git).',
  );
  namespace(f, 'flash-prod');
  workers(f);
  const web: ContainerDef = {
    name: 'flash-web',
    image: 'ghcr.io/sijunkim/flash-web:3.2.0',
    requests: { cpu: '100m', memory: '192Mi' },
    limits: { memory: '384Mi' },
    port: 3000,
    readiness: '/api/ready',
  };
  const d = deployment(f, {
    app: 'flash-web-prod',
    namespace: 'flash-prod',
    name: 'flash-web',
    replicas: 4,
    revisions: [
      {
        revision: 14,
        created: '2d',
        containers: [web],
        pods: [
          { created: '2d', node: 'worker-1' },
          { created: '2d', node: 'worker-2' },
          { created: '3h', node: 'worker-3' },
          { created: '3h', node: 'worker-1' },
        ],
      },
    ],
  });
  service(
    f,
    { app: 'flash-web-prod', namespace: 'flash-prod', name: 'flash-web', selector: { [NAME]: 'flash-web' } },
    d.pods,
  );
  f.app({
    name: 'flash-web-prod',
    namespace: 'flash-prod',
    path: 'k8s/apps/flash-tickets/flash-web/overlays/prod',
    history: [
      { revision: commit('flash-web-prod/3.1.4'), age: '9d' },
      { revision: commit('flash-web-prod/3.2.0'), age: '2d' },
    ],
    sync: 'OutOfSync',
    outOfSync: ['Deployment/flash-web'],
    auto: { selfHeal: false },
    health: 'Healthy',
  });
  return f;
});

// 11. VolumePending ----------------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'volume-pending.yaml',
    'mysql was first deployed 25 minutes ago with storageClassName fast-ssd, copied from another cluster; this one only has local-path. The claim data-mysql-0 stays Pending (ProvisioningFailed: storageclass "fast-ssd" not found), so mysql-0 cannot be scheduled ("pod has unbound immediate PersistentVolumeClaims") and its headless Service has no endpoint.',
    'VolumePending first; Unschedulable and the Service without endpoints only after it.',
  );
  namespace(f, 'mysql');
  workers(f);
  const unbound =
    '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
  const { pod: p } = statefulSet(f, {
    app: 'mysql',
    namespace: 'mysql',
    name: 'mysql',
    created: '25m',
    container: {
      name: 'mysql',
      image: 'docker.io/library/mysql:8.4.5',
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { memory: '1Gi' },
      port: 3306,
    },
    storage: { className: 'fast-ssd', size: '20Gi' },
    pod: { created: '25m', unschedulable: unbound },
  });
  const claim = pvc(f, {
    namespace: 'mysql',
    name: 'data-mysql-0',
    className: 'fast-ssd',
    size: '20Gi',
    created: '25m',
    labels: { [NAME]: 'mysql' },
  });
  service(
    f,
    {
      app: 'mysql',
      namespace: 'mysql',
      name: 'mysql',
      selector: { [NAME]: 'mysql' },
      port: 3306,
      headless: true,
    },
    [p],
  );
  event(f, claim, {
    reason: 'ProvisioningFailed',
    message: 'storageclass.storage.k8s.io "fast-ssd" not found',
    count: 101,
    first: '25m',
    last: '15s',
    component: 'persistentvolume-controller',
  });
  event(f, p, {
    reason: 'FailedScheduling',
    message: unbound,
    count: 6,
    first: '25m',
    last: '3m',
    component: 'default-scheduler',
  });
  f.app({
    name: 'mysql',
    namespace: 'mysql',
    path: 'k8s/apps/mysql',
    history: [{ revision: commit('mysql/first'), age: '25m' }],
    health: 'Progressing',
  });
  return f;
});

// 12. Evicted ----------------------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'evicted.yaml',
    "flash-pay-worker-prod requests 256Mi but uses about 1.4Gi while it settles the day's payments. Twice today worker-2 ran low on memory and the kubelet evicted it first (it exceeded its request the most); the Deployment replaced it each time and the replacement runs on worker-3. The Failed pods are left behind; worker-2 is fine again.",
    'Evicted first (fix: resources, a memory request near the real use).',
  );
  namespace(f, 'flash-prod');
  workers(f);
  const message =
    'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91424Ki. Container flash-pay-worker was using 1432Mi, request is 256Mi, has larger consumption of memory. ';
  const evicted = (created: string, finished: string): PodDef => ({
    created,
    node: 'worker-2',
    phase: 'Failed',
    reason: 'Evicted',
    message,
    containers: {
      'flash-pay-worker': ended({
        reason: 'ContainerStatusUnknown',
        exitCode: 137,
        finished,
        message: 'The container could not be located when the pod was terminated',
      }),
    },
    conditions: [
      {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'TerminationByKubelet',
        message,
        lastProbeTime: null,
        lastTransitionTime: at(finished),
      },
    ],
  });
  const d = deployment(f, {
    app: 'flash-pay-worker-prod',
    namespace: 'flash-prod',
    name: 'flash-pay-worker',
    replicas: 1,
    revisions: [
      {
        revision: 6,
        created: '5d',
        containers: [
          {
            name: 'flash-pay-worker',
            image: 'ghcr.io/sijunkim/flash-pay-worker:1.9.0',
            requests: { cpu: '50m', memory: '256Mi' },
            limits: { memory: '2Gi' },
          },
        ],
        pods: [evicted('5d', '3h'), evicted('3h', '52m'), { created: '52m', node: 'worker-3' }],
      },
    ],
  });
  for (const p of d.pods.slice(0, 2)) {
    event(f, p, {
      reason: 'Evicted',
      message,
      first: p === d.pods[0] ? '3h' : '52m',
      last: p === d.pods[0] ? '3h' : '52m',
      component: 'kubelet',
      host: 'worker-2',
    });
    kubelet(f, p, 'flash-pay-worker', {
      type: 'Normal',
      reason: 'Killing',
      message: 'Stopping container flash-pay-worker',
      first: p === d.pods[0] ? '3h' : '52m',
      last: p === d.pods[0] ? '3h' : '52m',
    });
  }
  event(f, f.objects.find((o) => o.kind === 'Node' && o.metadata.name === 'worker-2') as Obj, {
    reason: 'EvictionThresholdMet',
    message: 'Attempting to reclaim memory',
    count: 2,
    first: '3h',
    last: '52m',
    component: 'kubelet',
    host: 'worker-2',
  });
  f.log(
    d.pods[2] as Obj,
    'flash-pay-worker',
    '{"level":"info","msg":"settlement batch 2026-05-04 started","payments":18211}\n',
  );
  f.app({
    name: 'flash-pay-worker-prod',
    namespace: 'flash-prod',
    path: 'k8s/apps/flash-tickets/flash-pay-worker/overlays/prod',
    history: [{ revision: commit('flash-pay-worker-prod/1.9.0'), age: '5d' }],
    health: 'Healthy',
  });
  return f;
});

// 13. InitContainerFailure ---------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'init-container.yaml',
    "flash-api-dev runs its database migrations in an init container (Flyway). Since dev's MySQL was torn down this morning the migration cannot connect and exits 1; the init container is in CrashLoopBackOff and the app container never starts. Argo CD ignores init containers, so it only says Progressing.",
    'InitContainerFailure first; the Service without endpoints only after it. No Git fix (the image did not change).',
  );
  namespace(f, 'flash-dev');
  workers(f);
  const migrate: ContainerDef = {
    name: 'migrate',
    image: 'docker.io/flyway/flyway:10.17.3',
    args: ['-url=jdbc:mysql://mysql.flash-dev.svc.cluster.local:3306/flash', '-user=flash', 'migrate'],
    requests: { cpu: '100m', memory: '256Mi' },
    limits: { memory: '512Mi' },
  };
  const d = deployment(f, {
    app: 'flash-api-dev',
    namespace: 'flash-dev',
    name: 'flash-api',
    replicas: 1,
    revisions: [
      {
        revision: 21,
        created: '5d',
        containers: [flashApi('ghcr.io/sijunkim/flash-api:1.15.0')],
        init: [migrate],
        pods: [
          {
            created: '24m',
            node: 'worker-2',
            init: {
              migrate: crashLooping({
                restarts: 9,
                backoff: '5m0s',
                last: { reason: 'Error', exitCode: 1, finished: '3m' },
              }),
            },
            containers: { 'flash-api': waiting('PodInitializing') },
          },
        ],
      },
    ],
  });
  const p = d.pods[0] as Obj;
  service(
    f,
    { app: 'flash-api-dev', namespace: 'flash-dev', name: 'flash-api', selector: { [NAME]: 'flash-api' } },
    d.pods,
  );
  crashEvents(f, p, 'migrate', 9, '24m', true);
  const flyway = [
    'Flyway OSS Edition 10.17.3 by Redgate',
    '',
    "ERROR: Unable to obtain connection from database (jdbc:mysql://mysql.flash-dev.svc.cluster.local:3306/flash) for user 'flash': Communications link failure",
    '------------------------------------------------------------------------------------------------------------------------------------------',
    'SQL State  : 08S01',
    'Error Code : 0',
    'Message    : Communications link failure',
    '',
    'Caused by: java.net.UnknownHostException: mysql.flash-dev.svc.cluster.local: Name or service not known',
    '',
  ].join('\n');
  f.log(p, 'migrate', flyway, flyway);
  f.app({
    name: 'flash-api-dev',
    namespace: 'flash-dev',
    path: 'k8s/apps/flash-tickets/flash-api/overlays/dev',
    history: [{ revision: commit('flash-api-dev/1.15.0'), age: '5d' }],
    health: 'Progressing',
  });
  return f;
});

// 14. JobFailed --------------------------------------------------------------------------------
const reportJob = (
  f: Fixture,
  o: { app: string; namespace: string; scheduled: number; runs: PodDef[]; failed: boolean },
) => {
  const container: ContainerDef = {
    name: 'report',
    image: 'ghcr.io/sijunkim/news-report:2.3.0',
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { memory: '256Mi' },
  };
  const cron = f.add({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      ...meta(f, 'CronJob', 'news-report', o.namespace, '60d'),
      generation: 3,
      labels: managed(o.app, 'news-report'),
    },
    spec: {
      schedule: '0 9 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      suspend: false,
      jobTemplate: {
        spec: {
          backoffLimit: 3,
          template: {
            metadata: { labels: { [NAME]: 'news-report' } },
            spec: templateSpec({ labels: {}, containers: [container], restartPolicy: 'Never' }),
          },
        },
      },
    },
    status: {
      lastScheduleTime: iso(o.scheduled),
      ...(o.failed ? {} : { lastSuccessfulTime: iso(o.scheduled + 95_000) }),
    },
  });
  const name = `news-report-${Math.floor(o.scheduled / 60_000)}`;
  const jobUid = f.uid('Job', o.namespace, name);
  const labels = {
    [NAME]: 'news-report',
    'batch.kubernetes.io/controller-uid': jobUid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': jobUid,
    'job-name': name,
  };
  const job = f.add({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: o.namespace,
      uid: jobUid,
      creationTimestamp: iso(o.scheduled),
      labels,
      ownerReferences: [ownerRef(cron)],
    },
    spec: {
      backoffLimit: 3,
      completions: 1,
      parallelism: 1,
      template: {
        metadata: { labels },
        spec: templateSpec({ labels, containers: [container], restartPolicy: 'Never' }),
      },
    },
    status: {},
  });
  const pods = o.runs.map((def, i) =>
    pod(f, {
      name: `${name}-${safe(`${name}/${i}`, 5)}`,
      namespace: o.namespace,
      owner: job,
      labels,
      template: { labels, containers: [container], restartPolicy: 'Never' },
      def,
    }),
  );
  const done = iso(ago(o.runs.at(-1)?.created ?? '1m') + 95_000);
  job.status = o.failed
    ? {
        failed: pods.length,
        startTime: iso(o.scheduled),
        terminating: 0,
        ready: 0,
        uncountedTerminatedPods: {},
        conditions: [
          {
            type: 'FailureTarget',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
            lastProbeTime: done,
            lastTransitionTime: done,
          },
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
            lastProbeTime: done,
            lastTransitionTime: done,
          },
        ],
      }
    : {
        succeeded: 1,
        startTime: iso(o.scheduled),
        completionTime: done,
        terminating: 0,
        ready: 0,
        uncountedTerminatedPods: {},
        conditions: [{ type: 'Complete', status: 'True', lastProbeTime: done, lastTransitionTime: done }],
      };
  return { cron, job, pods };
};

fixture(() => {
  const f = new Fixture(
    'job-failed.yaml',
    "news-report is a CronJob that builds the morning news digest at 09:00 UTC. Today's run fails: the report script raises KeyError: 'REPORT_BUCKET' (the variable was renamed in its image) and exits 1; after four attempts the Job gives up with BackoffLimitExceeded. Argo CD has no health check for CronJobs, so the app still says Healthy.",
    'JobFailed first.',
  );
  namespace(f, 'naver-news');
  workers(f);
  const scheduled = Date.UTC(2026, 4, 4, 9, 0);
  const fail = (created: string, node: string): PodDef => ({
    created,
    node,
    phase: 'Failed',
    containers: {
      report: ended({
        reason: 'Error',
        exitCode: 1,
        started: created,
        finished: `${Number(created.slice(0, -1)) - 1}m`,
      }),
    },
  });
  const { job, pods } = reportJob(f, {
    app: 'news-report',
    namespace: 'naver-news',
    scheduled,
    failed: true,
    runs: [
      fail('30m', 'worker-1'),
      fail('28m', 'worker-3'),
      fail('25m', 'worker-2'),
      fail('20m', 'worker-1'),
    ],
  });
  const trace = [
    '2026-05-04 09:0x:02,114 INFO report: collecting 2026-05-03 articles',
    '2026-05-04 09:0x:41,806 INFO report: 1,932 articles in 7 sections',
    'Traceback (most recent call last):',
    '  File "/app/report.py", line 88, in <module>',
    '    upload(report, os.environ["REPORT_BUCKET"])',
    '                   ~~~~~~~~~~^^^^^^^^^^^^^^^^^',
    '  File "<frozen os>", line 714, in __getitem__',
    "KeyError: 'REPORT_BUCKET'",
    '',
  ].join('\n');
  for (const p of pods) f.log(p, 'report', trace);
  event(f, job, {
    reason: 'BackoffLimitExceeded',
    message: 'Job has reached the specified backoff limit',
    first: '19m',
    last: '19m',
    component: 'job-controller',
  });
  f.app({
    name: 'news-report',
    namespace: 'naver-news',
    path: 'k8s/apps/news-report',
    history: [{ revision: commit('news-report/2.3.0'), age: '3d' }],
    health: 'Healthy',
  });
  return f;
});

// 15. NodeNotReady -----------------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'node-not-ready.yaml',
    'worker-3 stopped posting its status four minutes ago (its kubelet is unreachable). The node controller set Ready=Unknown, tainted it unreachable and marked the flash-gateway-dev pod there not ready; the pod on worker-2 keeps serving. The five-minute toleration has not run out, so nothing has been evicted yet. mysql, another app, runs on worker-1 and is healthy.',
    'flash-gateway-dev: NodeNotReady first (infrastructure, no Git fix). mysql: no finding.',
  );
  namespace(f, 'flash-dev');
  namespace(f, 'mysql');
  workers(f, { 'worker-3': { lostFor: '4m' } });
  const d = deployment(f, {
    app: 'flash-gateway-dev',
    namespace: 'flash-dev',
    name: 'flash-gateway',
    replicas: 2,
    revisions: [
      {
        revision: 12,
        created: '3d',
        containers: [
          {
            name: 'flash-gateway',
            image: 'ghcr.io/sijunkim/flash-gateway:2.4.0',
            requests: { cpu: '200m', memory: '256Mi' },
            limits: { memory: '512Mi' },
            port: 8080,
            readiness: '/ready',
          },
        ],
        pods: [
          { created: '3d', node: 'worker-2' },
          { created: '3d', node: 'worker-3', ready: false },
        ],
      },
    ],
  });
  service(
    f,
    {
      app: 'flash-gateway-dev',
      namespace: 'flash-dev',
      name: 'flash-gateway',
      selector: { [NAME]: 'flash-gateway' },
    },
    d.pods,
  );
  const lost = d.pods[1] as Obj;
  event(f, lost, {
    reason: 'NodeNotReady',
    message: 'Node is not ready',
    first: '4m',
    last: '4m',
    component: 'node-controller',
  });
  event(f, f.objects.find((o) => o.kind === 'Node' && o.metadata.name === 'worker-3') as Obj, {
    type: 'Normal',
    reason: 'NodeNotReady',
    message: 'Node worker-3 status is now: NodeNotReady',
    first: '4m',
    last: '4m',
    component: 'node-controller',
  });
  f.app({
    name: 'flash-gateway-dev',
    namespace: 'flash-dev',
    path: 'k8s/apps/flash-tickets/flash-gateway/overlays/dev',
    history: [{ revision: commit('flash-gateway-dev/2.4.0'), age: '3d' }],
    health: 'Progressing',
  });

  const { pod: db } = statefulSet(f, {
    app: 'mysql',
    namespace: 'mysql',
    name: 'mysql',
    created: '40d',
    container: {
      name: 'mysql',
      image: 'docker.io/library/mysql:8.4.5',
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { memory: '1Gi' },
      port: 3306,
    },
    storage: { className: 'local-path', size: '20Gi' },
    pod: { created: '40d', node: 'worker-1' },
  });
  pvc(f, {
    namespace: 'mysql',
    name: 'data-mysql-0',
    className: 'local-path',
    size: '20Gi',
    created: '40d',
    bound: true,
    labels: { [NAME]: 'mysql' },
  });
  service(
    f,
    {
      app: 'mysql',
      namespace: 'mysql',
      name: 'mysql',
      selector: { [NAME]: 'mysql' },
      port: 3306,
      headless: true,
    },
    [db],
  );
  f.app({
    name: 'mysql',
    namespace: 'mysql',
    path: 'k8s/apps/mysql',
    history: [{ revision: commit('mysql/8.4.5'), age: '40d' }],
    health: 'Healthy',
  });
  return f;
});

// 16. ServiceNoEndpoints -----------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'service-no-endpoints.yaml',
    'A commit "flash-web: adopt app.kubernetes.io labels" changed the flash-web Service\'s selector to app.kubernetes.io/name=flash-web, but the Deployment\'s pods are still labelled app=flash-web. The Service selects nothing and its Endpoints are empty; Argo CD calls a Service without endpoints Healthy, so the app looks fine while every request fails.',
    'ServiceNoEndpoints first (a selector that matches no pod).',
  );
  namespace(f, 'flash-dev');
  workers(f);
  const d = deployment(f, {
    app: 'flash-web-dev',
    namespace: 'flash-dev',
    name: 'flash-web',
    replicas: 2,
    podLabels: { app: 'flash-web' },
    revisions: [
      {
        revision: 17,
        created: '2d',
        containers: [
          {
            name: 'flash-web',
            image: 'ghcr.io/sijunkim/flash-web:3.3.0-rc.1',
            requests: { cpu: '100m', memory: '192Mi' },
            limits: { memory: '384Mi' },
            port: 3000,
            readiness: '/api/ready',
          },
        ],
        pods: [
          { created: '2d', node: 'worker-1' },
          { created: '2d', node: 'worker-2' },
        ],
      },
    ],
  });
  service(
    f,
    { app: 'flash-web-dev', namespace: 'flash-dev', name: 'flash-web', selector: { [NAME]: 'flash-web' } },
    d.pods,
  );
  f.app({
    name: 'flash-web-dev',
    namespace: 'flash-dev',
    path: 'k8s/apps/flash-tickets/flash-web/overlays/dev',
    history: [
      { revision: commit('flash-web-dev/3.3.0-rc.1'), age: '2d' },
      { revision: commit('flash-web-dev/labels'), age: '35m' },
    ],
    health: 'Healthy',
  });
  return f;
});

// 17. AutoscalerLimited ------------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'autoscaler-limited.yaml',
    "A ticket sale is on. flash-api-prod's HorizontalPodAutoscaler scaled to its maximum of 4 replicas 18 minutes ago and CPU is still at 131% of requests against a 70% target: ScalingLimited=True, TooManyReplicas. Argo CD calls an HPA at its maximum Healthy.",
    'AutoscalerLimited first (fix: replicas, a higher maxReplicas).',
  );
  namespace(f, 'flash-prod');
  workers(f);
  const d = deployment(f, {
    app: 'flash-api-prod',
    namespace: 'flash-prod',
    name: 'flash-api',
    replicas: 4,
    revisions: [
      {
        revision: 12,
        created: '3d',
        containers: [flashApi('ghcr.io/sijunkim/flash-api:1.15.0')],
        pods: [
          { created: '3d', node: 'worker-1' },
          { created: '3d', node: 'worker-2' },
          { created: '40m', node: 'worker-3' },
          { created: '18m', node: 'worker-1' },
        ],
      },
    ],
  });
  service(
    f,
    { app: 'flash-api-prod', namespace: 'flash-prod', name: 'flash-api', selector: { [NAME]: 'flash-api' } },
    d.pods,
  );
  const h = hpa(f, {
    app: 'flash-api-prod',
    namespace: 'flash-prod',
    name: 'flash-api',
    min: 2,
    max: 4,
    current: 4,
    desired: 4,
    cpu: { now: 131, target: 70 },
    conditions: [
      ['AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size'],
      [
        'ScalingActive',
        'True',
        'ValidMetricFound',
        'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      ],
      [
        'ScalingLimited',
        'True',
        'TooManyReplicas',
        'the desired replica count is more than the maximum replica count',
      ],
    ],
  });
  event(f, h, {
    type: 'Normal',
    reason: 'SuccessfulRescale',
    message: 'New size: 3; reason: cpu resource utilization (percentage of request) above target',
    first: '40m',
    last: '40m',
    component: 'horizontal-pod-autoscaler',
  });
  event(f, h, {
    type: 'Normal',
    reason: 'SuccessfulRescale',
    message: 'New size: 4; reason: cpu resource utilization (percentage of request) above target',
    first: '18m',
    last: '18m',
    component: 'horizontal-pod-autoscaler',
  });
  f.app({
    name: 'flash-api-prod',
    namespace: 'flash-prod',
    path: 'k8s/apps/flash-tickets/flash-api/overlays/prod',
    history: [{ revision: commit('flash-api-prod/1.15.0'), age: '3d' }],
    health: 'Healthy',
  });
  return f;
});

// 18. Healthy web app --------------------------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'healthy-web.yaml',
    'friend-app as it should be: two ready replicas of 2.8.0 behind their Service and Ingress, the previous ReplicaSet scaled to zero, and an HPA comfortably within range that scaled down from 3 to 2 half an hour ago.',
    'no finding.',
  );
  namespace(f, 'friend-app');
  workers(f);
  const friend = (image: string): ContainerDef => ({
    name: 'friend-app',
    image,
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { memory: '256Mi' },
    port: 3000,
    readiness: '/healthz',
    liveness: '/healthz',
  });
  const d = deployment(f, {
    app: 'friend-app',
    namespace: 'friend-app',
    name: 'friend-app',
    replicas: 2,
    revisions: [
      { revision: 4, created: '20d', containers: [friend('ghcr.io/sijunkim/friend-app:2.7.3')], pods: [] },
      {
        revision: 5,
        created: '6d',
        containers: [friend('ghcr.io/sijunkim/friend-app:2.8.0')],
        pods: [
          { created: '6d', node: 'worker-1' },
          { created: '6d', node: 'worker-3' },
        ],
      },
    ],
  });
  service(
    f,
    { app: 'friend-app', namespace: 'friend-app', name: 'friend-app', selector: { [NAME]: 'friend-app' } },
    d.pods,
  );
  configMap(f, 'friend-app', 'friend-app', 'friend-app-config', {
    LOG_LEVEL: 'info',
    FEATURE_INVITES: 'true',
  });
  f.add({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      ...meta(f, 'Ingress', 'friend-app', 'friend-app', '60d'),
      labels: managed('friend-app', 'friend-app'),
    },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host: 'friends.sijunkim.dev',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'friend-app', port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    },
    status: { loadBalancer: { ingress: [{ ip: '192.168.0.240' }] } },
  });
  const h = hpa(f, {
    app: 'friend-app',
    namespace: 'friend-app',
    name: 'friend-app',
    min: 2,
    max: 6,
    current: 2,
    desired: 2,
    cpu: { now: 34, target: 70 },
    conditions: [
      ['AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size'],
      [
        'ScalingActive',
        'True',
        'ValidMetricFound',
        'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      ],
      ['ScalingLimited', 'False', 'DesiredWithinRange', 'the desired count is within the acceptable range'],
    ],
  });
  event(f, h, {
    type: 'Normal',
    reason: 'SuccessfulRescale',
    message: 'New size: 2; reason: All metrics below target',
    first: '33m',
    last: '33m',
    component: 'horizontal-pod-autoscaler',
  });
  for (const p of d.pods) f.log(p, 'friend-app', nodeStart('friend-app'));
  f.app({
    name: 'friend-app',
    namespace: 'friend-app',
    path: 'k8s/apps/friend-app',
    history: [
      { revision: commit('friend-app/2.7.3'), age: '20d' },
      { revision: commit('friend-app/2.8.0'), age: '6d' },
    ],
    health: 'Healthy',
  });
  return f;
});

// 19. Healthy stateful and batch apps ----------------------------------------------------------
fixture(() => {
  const f = new Fixture(
    'healthy-stateful.yaml',
    "mysql (a StatefulSet on a bound local-path claim) and news-report (a CronJob) as they should be. mysql-0 restarted once three days ago when worker-1 was rebooted and has run since; this morning's report Job completed. Old trouble that has passed is not a finding.",
    'mysql: no finding. news-report: no finding.',
  );
  namespace(f, 'mysql');
  namespace(f, 'naver-news');
  workers(f);
  const { pod: db } = statefulSet(f, {
    app: 'mysql',
    namespace: 'mysql',
    name: 'mysql',
    created: '40d',
    container: {
      name: 'mysql',
      image: 'docker.io/library/mysql:8.4.5',
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { memory: '1Gi' },
      port: 3306,
    },
    storage: { className: 'local-path', size: '20Gi' },
    pod: {
      created: '40d',
      node: 'worker-1',
      containers: {
        mysql: up({ since: '3d', restarts: 1, last: { reason: 'Error', exitCode: 1, finished: '3d' } }),
      },
    },
  });
  pvc(f, {
    namespace: 'mysql',
    name: 'data-mysql-0',
    className: 'local-path',
    size: '20Gi',
    created: '40d',
    bound: true,
    labels: { [NAME]: 'mysql' },
  });
  service(
    f,
    {
      app: 'mysql',
      namespace: 'mysql',
      name: 'mysql',
      selector: { [NAME]: 'mysql' },
      port: 3306,
      headless: true,
    },
    [db],
  );
  f.log(
    db,
    'mysql',
    "2026-05-01T07:12:40.118204Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.4.5'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.\n",
    [
      '2026-05-01T07:10:31.904126Z 1 [ERROR] [MY-012574] [InnoDB] Unable to lock ./ibdata1 error: 11',
      '2026-05-01T07:12:11.951802Z 1 [ERROR] [MY-012592] [InnoDB] Operating system error number 11 in a file operation.',
      '2026-05-01T07:12:11.952207Z 0 [ERROR] [MY-010119] [Server] Aborting',
      '',
    ].join('\n'),
  );
  f.app({
    name: 'mysql',
    namespace: 'mysql',
    path: 'k8s/apps/mysql',
    history: [{ revision: commit('mysql/8.4.5'), age: '40d' }],
    health: 'Healthy',
  });

  const { pods } = reportJob(f, {
    app: 'news-report',
    namespace: 'naver-news',
    scheduled: Date.UTC(2026, 4, 4, 9, 0),
    failed: false,
    runs: [
      {
        created: '30m',
        node: 'worker-2',
        phase: 'Succeeded',
        containers: { report: ended({ reason: 'Completed', exitCode: 0, started: '30m', finished: '28m' }) },
      },
    ],
  });
  const run = pods[0] as Obj;
  kubelet(f, run, 'report', {
    type: 'Normal',
    reason: 'Created',
    message: 'Created container: report',
    first: '30m',
    last: '30m',
  });
  kubelet(f, run, 'report', {
    type: 'Normal',
    reason: 'Started',
    message: 'Started container report',
    first: '30m',
    last: '30m',
  });
  f.log(
    run,
    'report',
    '2026-05-04 09:00:04,301 INFO report: collecting 2026-05-03 articles\n2026-05-04 09:01:37,022 INFO report: uploaded digest-2026-05-03.html (1,932 articles)\n',
  );
  f.app({
    name: 'news-report',
    namespace: 'naver-news',
    path: 'k8s/apps/news-report',
    history: [{ revision: commit('news-report/2.2.9'), age: '3d' }],
    health: 'Healthy',
  });
  return f;
});

// 20. Mixed: OOMKilled → CrashLoopBackOff → ProgressDeadlineExceeded, no endpoints -------------
fixture(() => {
  const f = new Fixture(
    'mixed-oom-crashloop.yaml',
    "The newest commit cut naver-news's memory limit from 1Gi to 512Mi; the crawl needs about 700Mi. The new pod (Recreate strategy, so there is no old one) is OOMKilled every few minutes (exit 137) and sits in CrashLoopBackOff after 7 restarts, its readiness probe fails while it starts, the Service has no ready endpoint, and the Deployment passed its progress deadline: Degraded.",
    'OOMKilled first (fix: resources, the memory limit back up to 1Gi); CrashLoopBackOff, ProbeFailure, ProgressDeadlineExceeded and ServiceNoEndpoints only after it.',
  );
  namespace(f, 'naver-news');
  workers(f);
  const crawler = (limit: string): ContainerDef => ({
    name: 'naver-news',
    image: 'ghcr.io/sijunkim/naver-news-spring:master-3f9c2e1',
    requests: { cpu: '250m', memory: limit === '1Gi' ? '512Mi' : '384Mi' },
    limits: { memory: limit },
    port: 8080,
    readiness: '/actuator/health/readiness',
    liveness: '/actuator/health/liveness',
    env: JAVA_ENV,
  });
  const d = deployment(f, {
    app: 'naver-news',
    namespace: 'naver-news',
    name: 'naver-news',
    component: 'crawler',
    replicas: 1,
    strategy: 'Recreate',
    progress: 'deadline',
    revisions: [
      { revision: 4, created: '3d', containers: [crawler('1Gi')], pods: [] },
      {
        revision: 5,
        created: '32m',
        containers: [crawler('512Mi')],
        pods: [
          {
            created: '32m',
            node: 'worker-2',
            containers: {
              'naver-news': crashLooping({
                restarts: 7,
                backoff: '5m0s',
                last: { reason: 'OOMKilled', exitCode: 137, finished: '3m' },
              }),
            },
          },
        ],
      },
    ],
  });
  service(
    f,
    { app: 'naver-news', namespace: 'naver-news', name: 'naver-news', selector: { [NAME]: 'naver-news' } },
    d.pods,
  );
  const p = d.pods[0] as Obj;
  crashEvents(f, p, 'naver-news', 7, '32m');
  kubelet(f, p, 'naver-news', {
    reason: 'Unhealthy',
    message: `Readiness probe failed: Get "http://${p.status.podIP}:8080/actuator/health/readiness": dial tcp ${p.status.podIP}:8080: connect: connection refused`,
    count: 12,
    first: '31m',
    last: '4m',
  });
  const heap = [
    springStart('naver-news', '20.114').trimEnd(),
    '[2026-05-04T09:26:02.771+0000][gc] GC(61) Pause Young (Normal) (G1 Evacuation Pause) 301M->288M(384M) 22.140ms',
    '[2026-05-04T09:26:20.093+0000][gc] GC(62) Pause Young (Concurrent Start) (G1 Humongous Allocation) 352M->347M(384M) 31.808ms',
    '[2026-05-04T09:26:31.540+0000][gc] GC(63) Pause Full (G1 Compaction Pause) 383M->381M(384M) 912.377ms',
    '2026-05-04T09:26:33.104Z  WARN 1 --- [naver-news] [    crawler-2] c.s.news.crawler.SectionCrawler          : section economy: 1,118 articles buffered before flush',
    '',
  ].join('\n');
  f.log(p, 'naver-news', springStart('naver-news', '19.877'), heap);
  f.app({
    name: 'naver-news',
    namespace: 'naver-news',
    path: 'k8s/apps/naver-news',
    history: [
      { revision: commit('mixed/naver-news/1Gi'), age: '3d' },
      { revision: commit('mixed/naver-news/512Mi'), age: '32m' },
    ],
    health: 'Degraded',
  });
  return f;
});

// 21. Mixed: a bad tag past the progress deadline ----------------------------------------------
fixture(() => {
  const f = new Fixture(
    'mixed-bad-tag.yaml',
    'flash-api-prod was bumped to v1.15.0 38 minutes ago; the registry has 1.15.0. The new pod has been in ImagePullBackOff since, and the Deployment passed its progress deadline (Degraded) while the two pods of 1.14.2 still serve.',
    'ImagePullError first (fix: image, back to ghcr.io/sijunkim/flash-api:1.14.2); ProgressDeadlineExceeded only after it.',
  );
  namespace(f, 'flash-prod');
  workers(f);
  const image = 'ghcr.io/sijunkim/flash-api:v1.15.0';
  const d = deployment(f, {
    app: 'flash-api-prod',
    namespace: 'flash-prod',
    name: 'flash-api',
    replicas: 2,
    progress: 'deadline',
    revisions: [
      {
        revision: 11,
        created: '6d',
        containers: [flashApi('ghcr.io/sijunkim/flash-api:1.14.2')],
        pods: [
          { created: '6d', node: 'worker-1' },
          { created: '6d', node: 'worker-3' },
        ],
      },
      {
        revision: 12,
        created: '38m',
        containers: [flashApi(image)],
        pods: [{ created: '38m', node: 'worker-2', containers: { 'flash-api': pullBackOff() } }],
      },
    ],
  });
  service(
    f,
    { app: 'flash-api-prod', namespace: 'flash-prod', name: 'flash-api', selector: { [NAME]: 'flash-api' } },
    d.pods,
  );
  pullEvents(f, d.pods[2] as Obj, 'flash-api', image, '38m', 9, 160);
  f.app({
    name: 'flash-api-prod',
    namespace: 'flash-prod',
    path: 'k8s/apps/flash-tickets/flash-api/overlays/prod',
    history: [
      { revision: commit('mixed/flash-api/1.14.2'), age: '6d' },
      { revision: commit('mixed/flash-api/v1.15.0'), age: '38m' },
    ],
    health: 'Degraded',
  });
  return f;
});

// 22. Mixed: readiness fails because a dependency's Service has no endpoints --------------------
fixture(() => {
  const f = new Fixture(
    'mixed-dependency-endpoints.yaml',
    "naver-news keeps its crawl queue in its own Redis (naver-news-redis, part of the same app). A commit 25 minutes ago changed the Redis Service's selector to app.kubernetes.io/name=redis, but the Redis pod is labelled naver-news-redis, so the Service has no endpoints. The crawler's readiness group includes Redis, so both crawler pods answer 503 and are taken out of their own Service. The failing readiness probes are the symptom; the selector is the cause.",
    'ServiceNoEndpoints of naver-news-redis first (the selector matches no pod); the readiness ProbeFailure of naver-news and its Service without ready endpoints only after it.',
  );
  namespace(f, 'naver-news');
  workers(f);
  const redis = deployment(f, {
    app: 'naver-news',
    namespace: 'naver-news',
    name: 'naver-news-redis',
    component: 'cache',
    replicas: 1,
    revisions: [
      {
        revision: 2,
        created: '30d',
        containers: [
          {
            name: 'redis',
            image: 'docker.io/library/redis:7.4.2',
            requests: { cpu: '50m', memory: '64Mi' },
            limits: { memory: '256Mi' },
            port: 6379,
          },
        ],
        pods: [{ created: '30d', node: 'worker-1' }],
      },
    ],
  });
  const crawler = deployment(f, {
    app: 'naver-news',
    namespace: 'naver-news',
    name: 'naver-news',
    component: 'crawler',
    replicas: 2,
    revisions: [
      {
        revision: 4,
        created: '3d',
        containers: [
          {
            name: 'naver-news',
            image: 'ghcr.io/sijunkim/naver-news-spring:master-3f9c2e1',
            requests: { cpu: '250m', memory: '512Mi' },
            limits: { memory: '1Gi' },
            port: 8080,
            readiness: '/actuator/health/readiness',
            liveness: '/actuator/health/liveness',
            env: [...JAVA_ENV, { name: 'SPRING_DATA_REDIS_HOST', value: 'naver-news-redis' }],
          },
        ],
        pods: [
          {
            created: '3d',
            node: 'worker-2',
            containers: { 'naver-news': up({ since: '3d', ready: false }) },
          },
          {
            created: '3d',
            node: 'worker-3',
            containers: { 'naver-news': up({ since: '3d', ready: false }) },
          },
        ],
      },
    ],
  });
  service(
    f,
    {
      app: 'naver-news',
      namespace: 'naver-news',
      name: 'naver-news-redis',
      selector: { [NAME]: 'redis' },
      port: 6379,
    },
    redis.pods,
  );
  service(
    f,
    { app: 'naver-news', namespace: 'naver-news', name: 'naver-news', selector: { [NAME]: 'naver-news' } },
    crawler.pods,
  );
  for (const p of crawler.pods) {
    kubelet(f, p, 'naver-news', {
      reason: 'Unhealthy',
      message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
      count: 148,
      first: '24m',
      last: '10s',
    });
    f.log(
      p,
      'naver-news',
      [
        springStart('naver-news', '20.556').trimEnd(),
        '2026-05-04T09:06:12.310Z  WARN 1 --- [naver-news] [nio-8080-exec-3] o.s.b.a.data.redis.RedisHealthIndicator  : Redis health check failed',
        'org.springframework.data.redis.RedisConnectionFailureException: Unable to connect to Redis',
        'Caused by: io.lettuce.core.RedisConnectionException: Unable to connect to naver-news-redis/<unresolved>:6379',
        'Caused by: io.netty.channel.AbstractChannel$AnnotatedConnectException: Connection refused: naver-news-redis/10.96.40.17:6379',
        '',
      ].join('\n'),
    );
  }
  f.app({
    name: 'naver-news',
    namespace: 'naver-news',
    path: 'k8s/apps/naver-news',
    history: [
      { revision: commit('dep/naver-news/3d'), age: '3d' },
      { revision: commit('dep/naver-news/redis-labels'), age: '25m' },
    ],
    health: 'Progressing',
  });
  return f;
});

// 23. Mixed: a failed PreSync hook fails the sync ----------------------------------------------
fixture(() => {
  const f = new Fixture(
    'mixed-hook-job.yaml',
    'The newest commit of naver-news ships migration 0042, which the PreSync hook Job naver-news-db-migrate runs before the Deployment is touched. The migration fails (relation "news_tags" already exists) twice, the Job reaches its backoff limit, and Argo CD stops the sync: "one or more synchronization tasks completed unsuccessfully". The Deployment still runs the previous revision, so the app is OutOfSync and Healthy.',
    'JobFailed (the hook) first (fix: revert the newest commit); SyncFailed and OutOfSync only after it.',
  );
  namespace(f, 'naver-news');
  workers(f);
  const good = commit('hook/naver-news/0041');
  const bad = commit('hook/naver-news/0042');
  const d = deployment(f, {
    app: 'naver-news',
    namespace: 'naver-news',
    name: 'naver-news',
    component: 'crawler',
    replicas: 1,
    revisions: [
      {
        revision: 8,
        created: '6d',
        containers: [
          {
            name: 'naver-news',
            image: 'ghcr.io/sijunkim/naver-news-spring:master-3f9c2e1',
            requests: { cpu: '250m', memory: '512Mi' },
            limits: { memory: '1Gi' },
            port: 8080,
            readiness: '/actuator/health/readiness',
            env: JAVA_ENV,
          },
        ],
        pods: [{ created: '6d', node: 'worker-1' }],
      },
    ],
  });
  service(
    f,
    { app: 'naver-news', namespace: 'naver-news', name: 'naver-news', selector: { [NAME]: 'naver-news' } },
    d.pods,
  );
  const migrate: ContainerDef = {
    name: 'migrate',
    image: 'ghcr.io/sijunkim/naver-news-migrate:master-7c1e0b2',
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { memory: '256Mi' },
  };
  const jobName = 'naver-news-db-migrate';
  const jobUid = f.uid('Job', 'naver-news', jobName);
  const labels = {
    'batch.kubernetes.io/controller-uid': jobUid,
    'batch.kubernetes.io/job-name': jobName,
    'controller-uid': jobUid,
    'job-name': jobName,
  };
  const done = at('12m');
  const job = f.add({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName,
      namespace: 'naver-news',
      uid: jobUid,
      creationTimestamp: at('15m'),
      labels: { [INSTANCE]: 'naver-news' },
      annotations: {
        'argocd.argoproj.io/hook': 'PreSync',
        'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      },
    },
    spec: {
      backoffLimit: 1,
      completions: 1,
      parallelism: 1,
      template: {
        metadata: { labels },
        spec: templateSpec({ labels, containers: [migrate], restartPolicy: 'Never' }),
      },
    },
    status: {
      failed: 2,
      startTime: at('15m'),
      terminating: 0,
      ready: 0,
      uncountedTerminatedPods: {},
      conditions: [
        {
          type: 'FailureTarget',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastProbeTime: done,
          lastTransitionTime: done,
        },
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastProbeTime: done,
          lastTransitionTime: done,
        },
      ],
    },
  });
  const attempt = (created: string, finished: string, i: number) =>
    pod(f, {
      name: `${jobName}-${safe(`${jobName}/${i}`, 5)}`,
      namespace: 'naver-news',
      owner: job,
      labels,
      template: { labels, containers: [migrate], restartPolicy: 'Never' },
      def: {
        created,
        node: 'worker-2',
        phase: 'Failed',
        containers: { migrate: ended({ reason: 'Error', exitCode: 1, started: created, finished }) },
      },
    });
  const runs = [attempt('15m', '14m', 0), attempt('13m', '12m', 1)];
  const log = [
    'Applying migration 0041_add_article_source ... already applied',
    'Applying migration 0042_add_news_tags ...',
    'ERROR:  relation "news_tags" already exists',
    'STATEMENT:  CREATE TABLE news_tags (id bigserial PRIMARY KEY, article_id bigint NOT NULL, tag text NOT NULL)',
    'migration 0042_add_news_tags failed',
    '',
  ].join('\n');
  for (const p of runs) f.log(p, 'migrate', log);
  event(f, job, {
    reason: 'BackoffLimitExceeded',
    message: 'Job has reached the specified backoff limit',
    first: '12m',
    last: '12m',
    component: 'job-controller',
  });
  const source = { repoURL: REPO, path: 'k8s/apps/naver-news', targetRevision: 'HEAD' };
  f.app({
    name: 'naver-news',
    namespace: 'naver-news',
    path: source.path,
    history: [{ revision: good, age: '6d' }],
    target: bad,
    sync: 'OutOfSync',
    outOfSync: ['Deployment/naver-news'],
    health: 'Healthy',
    operation: {
      operation: {
        sync: { revision: bad, prune: true },
        initiatedBy: { automated: true },
        retry: { limit: 5 },
      },
      phase: 'Failed',
      message: 'one or more synchronization tasks completed unsuccessfully',
      syncResult: {
        revision: bad,
        source,
        resources: [
          {
            group: 'batch',
            version: 'v1',
            kind: 'Job',
            namespace: 'naver-news',
            name: jobName,
            status: 'Synced',
            message: 'Job has reached the specified backoff limit',
            hookType: 'PreSync',
            hookPhase: 'Failed',
            syncPhase: 'PreSync',
          },
        ],
      },
      startedAt: at('15m'),
      finishedAt: done,
    },
  });
  appEvent(f, 'naver-news', {
    type: 'Normal',
    reason: 'OperationStarted',
    message: `Initiated automated sync to '${bad}'`,
    first: '15m',
    last: '15m',
  });
  appEvent(f, 'naver-news', {
    reason: 'OperationCompleted',
    message: `Sync operation to ${bad} failed: one or more synchronization tasks completed unsuccessfully`,
    first: '12m',
    last: '12m',
  });
  return f;
});

// ---------------------------------------------------------------------------------------------
// Rendering

const comment = (text: string): string =>
  wrap(text, 98)
    .map((l) => ` ${l}`)
    .join('\n');

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      if (line && line.length + word.length + 1 > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}

/**
 * Small leaf maps and lists on one line (`{ name: http, containerPort: 8080, protocol: TCP }`), as
 * people write them, so that a file reads object by object; everything else stays in block style.
 */
function compact(doc: Document): void {
  visit(doc, {
    Map(_, node) {
      if (leafy(node.items.map((p) => p.value)) && JSON.stringify(node.toJSON()).length <= 80)
        node.flow = true;
    },
    Seq(_, node) {
      if (leafy(node.items) && JSON.stringify(node.toJSON()).length <= 80) node.flow = true;
    },
  });
}

const leafy = (values: unknown[]) =>
  values.every((v) => (isScalar(v) ? !String(v.value).includes('\n') : isCollection(v) && v.flow === true));

function scenario(f: Fixture): Any {
  return {
    apiVersion: 'deckhand.dev/v1alpha1',
    kind: 'Scenario',
    metadata: { name: `diagnosis-${f.name}`, description: f.story },
    now: iso(NOW),
    argocd: [
      {
        name: 'default',
        url: 'https://argocd.sijunkim.dev',
        applications: f.apps.map((a) => application(f, a)),
      },
    ],
    clusters: [{ name: 'in-cluster', server: SERVER, objects: f.objects, logs: f.logs }],
  };
}

/** Each fixture's file name, header comment and scenario data. */
export function buildFixtures(): { file: string; header: string; scenario: Any }[] {
  const out = fixtures.map((build) => {
    const f = build();
    const header = [
      'yaml-language-server: $schema=../../../docs/scenario.schema.json',
      '',
      f.story,
      '',
      `Expected diagnosis: ${f.expect}`,
      '',
      'Generated by scripts/diagnosis-fixtures.ts (edit the story there, then run npx node scripts/diagnosis-fixtures.ts); test/e2e/diagnosis-scenarios.test.ts diagnoses it through the sandbox.',
    ].join('\n');
    return { file: f.file, header: comment(header), scenario: scenario(f) };
  });
  const names = out.map((o) => o.file);
  if (new Set(names).size !== names.length)
    throw new Error(`two fixtures write the same file: ${names.join(', ')}`);
  return out;
}

/** Every fixture file by name, as it should be on disk (formatted as prettier formats YAML). */
export async function renderFixtures(): Promise<Map<string, string>> {
  const options = (await prettier.resolveConfig(join(FIXTURE_DIR, 'x.yaml'))) ?? {};
  const out = new Map<string, string>();
  for (const { file, header, scenario } of buildFixtures()) {
    const doc = new Document(scenario, { aliasDuplicateObjects: false });
    compact(doc);
    doc.commentBefore = header;
    out.set(file, await prettier.format(doc.toString({ lineWidth: 0 }), { ...options, parser: 'yaml' }));
  }
  return out;
}

const invoked = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (invoked) {
  const files = await renderFixtures();
  if (process.argv.includes('--check')) {
    const stale = [...files].filter(([name, text]) => {
      try {
        return readFileSync(join(FIXTURE_DIR, name), 'utf8') !== text;
      } catch {
        return true;
      }
    });
    const extra = readdirSync(FIXTURE_DIR).filter((n) => n.endsWith('.yaml') && !files.has(n));
    if (stale.length || extra.length) {
      process.stderr.write(
        `test/fixtures/diagnosis is out of date (${[...stale.map(([n]) => n), ...extra].join(', ')}): run npx node scripts/diagnosis-fixtures.ts\n`,
      );
      process.exit(1);
    }
  } else {
    mkdirSync(FIXTURE_DIR, { recursive: true });
    for (const n of readdirSync(FIXTURE_DIR))
      if (n.endsWith('.yaml') && !files.has(n)) rmSync(join(FIXTURE_DIR, n));
    for (const [name, text] of files) writeFileSync(join(FIXTURE_DIR, name), text);
    process.stdout.write(`wrote ${files.size} files to test/fixtures/diagnosis\n`);
  }
}
