/**
 * The demo world assembled: for every Application, what Git said at each commit, when Argo CD
 * synced it, what runs in the cluster as a result (with the five deliberate faults), and the
 * Application's status as the Argo CD API reports it.
 */
import { build, type RepoFiles } from '../../src/sandbox/reconciler/kustomize.ts';
import { templateHash } from '../../src/sandbox/reconciler/rollout.ts';
import {
  Cluster,
  INSTANCE_LABEL,
  running,
  type Any,
  type ContainerState,
  type Manifest,
  type NodeDef,
  type Obj,
} from './cluster.ts';
import * as logs from './logs.ts';
import { DAY, HOUR, MINUTE, NOW, argoUsers, hex, iso, kst, people, pick, uid } from './model.ts';
import { grafanaManifests, kubePrometheusImages, kubePrometheusManifests } from './monitoring.ts';
import {
  NAVER_NEWS_ROLLOUT,
  appDefs,
  commits,
  destination,
  diffTrees,
  renderTree,
  revisionOf,
  states,
  type AppDef,
  type Env,
  type RepoState,
} from './repo.ts';

// ---- what Git said, and when Argo CD applied it ------------------------------------------------

interface Sync {
  commit: number;
  startedAt: number;
  at: number;
  /** The Argo CD user who pressed Sync; absent for automated syncs. */
  user?: string;
}

interface AppRun {
  def: AppDef;
  /** The app's manifests at each commit (undefined before the app existed). */
  manifests: (Manifest[] | undefined)[];
  /** Successful syncs, oldest first: the app's deployment history. */
  syncs: Sync[];
  /** Commits whose sync failed (auto-sync tries each new revision once, with retries). */
  failed: Sync[];
}

const repoFiles = (tree: Record<string, string>): RepoFiles => ({
  read: (p) => tree[p.replace(/^\.?\/+/, '')],
  list: (dir) => {
    const prefix = dir ? `${dir.replace(/\/+$/, '')}/` : '';
    const names = new Set<string>();
    for (const f of Object.keys(tree))
      if (f.startsWith(prefix)) names.add(f.slice(prefix.length).split('/')[0] as string);
    return [...names];
  },
});

const clusterScoped = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']);

function manifestsAt(def: AppDef, s: RepoState, tree: Record<string, string>): Manifest[] | undefined {
  let out: Manifest[];
  if (def.name === 'grafana') out = grafanaManifests(s);
  else if (def.name === 'kube-prometheus-stack') out = kubePrometheusManifests(s);
  else {
    const path = def.source.path as string;
    if (!Object.keys(tree).some((f) => f.startsWith(`${path}/`))) return undefined;
    const recurse = !!(def.source.directory as { recurse?: boolean } | undefined)?.recurse;
    out = build(repoFiles(tree), path, { recurse }) as Manifest[];
  }
  for (const m of out)
    if (!m.metadata.namespace && !clusterScoped.has(m.kind)) m.metadata.namespace = def.namespace;
  return out;
}

/** Which user presses Sync for a commit in a manual app: its author, when they have an Argo CD login. */
function syncUser(author: string): string {
  if (author === people.jaehyun) return argoUsers.jaehyun;
  return argoUsers.sijun;
}

function planRuns(): { runs: AppRun[]; trees: Record<string, string>[]; head: RepoState } {
  const all = states();
  const trees = all.map(renderTree);
  const head = all[all.length - 1] as RepoState;
  const runs = appDefs(head).map((def) => {
    const manifests = all.map((s, i) =>
      appDefs(s).some((d) => d.name === def.name) ? manifestsAt(def, s, trees[i] ?? {}) : undefined,
    );
    const syncs: Sync[] = [];
    const failed: Sync[] = [];
    let previous = '';
    manifests.forEach((m, i) => {
      const current = m ? JSON.stringify(m) : '';
      const changed = !!m && current !== previous;
      previous = current;
      const commit = commits[i];
      if (!commit) return;
      // Staging's gateway cannot take the new selector; auto-sync retries every later revision.
      const selectorBroken = def.name === 'flash-gateway-staging' && all[i]?.gatewayTierLabel;
      if (!changed && !(selectorBroken && m)) return;
      const delay = def.automated
        ? 55_000 + pick(`${def.name}/${i}/delay`, 60) * 1000
        : 3 * MINUTE + pick(`${def.name}/${i}/delay`, 240) * 1000;
      const at = commit.at + delay;
      const sync: Sync = {
        commit: i,
        startedAt: at - (2 + pick(`${def.name}/${i}/took`, 6)) * 1000,
        at,
        ...(def.automated ? {} : { user: syncUser(commit.author) }),
      };
      (selectorBroken ? failed : syncs).push(sync);
    });
    return { def, manifests, syncs, failed };
  });
  return { runs, trees, head };
}

// ---- the cluster -------------------------------------------------------------------------------

const nodes: NodeDef[] = [
  { name: 'homelab-1', ip: '192.168.0.101', podCidr: 0, controlPlane: true },
  { name: 'homelab-2', ip: '192.168.0.102', podCidr: 1, controlPlane: false },
  { name: 'homelab-3', ip: '192.168.0.103', podCidr: 2, controlPlane: false },
];
const CLUSTER_BORN = NOW - 212 * DAY - 3 * HOUR;
const NODES_BOOTED = NOW - 19 * DAY - 5 * HOUR;

function nodeObject(n: NodeDef, i: number): Obj {
  const big = i > 0;
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: iso(NOW - (20 + i * 7) * 1000),
    lastTransitionTime: iso(NODES_BOOTED + i * 40_000),
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      uid: uid(`Node/${n.name}`),
      creationTimestamp: iso(CLUSTER_BORN + i * 9 * MINUTE),
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        ...(n.controlPlane
          ? {
              'node-role.kubernetes.io/control-plane': '',
              'node.kubernetes.io/exclude-from-external-load-balancers': '',
            }
          : {}),
      },
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///var/run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { podCIDR: `10.244.${n.podCidr}.0/24`, podCIDRs: [`10.244.${n.podCidr}.0/24`] },
    status: {
      addresses: [
        { type: 'InternalIP', address: n.ip },
        { type: 'Hostname', address: n.name },
      ],
      allocatable: {
        cpu: '8',
        'ephemeral-storage': '441507134607',
        'hugepages-1Gi': '0',
        'hugepages-2Mi': '0',
        memory: big ? '32515520Ki' : '16198536Ki',
        pods: '110',
      },
      capacity: {
        cpu: '8',
        'ephemeral-storage': '479079112Ki',
        'hugepages-1Gi': '0',
        'hugepages-2Mi': '0',
        memory: big ? '32617920Ki' : '16300936Ki',
        pods: '110',
      },
      conditions: [
        condition(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: uid(`boot/${n.name}`),
        containerRuntimeVersion: 'containerd://1.7.27',
        kernelVersion: '6.8.0-71-generic',
        kubeProxyVersion: 'v1.31.6',
        kubeletVersion: 'v1.31.6',
        machineID: uid(`machine/${n.name}`).replace(/-/g, ''),
        operatingSystem: 'linux',
        osImage: 'Ubuntu 24.04.2 LTS',
        systemUUID: uid(`system/${n.name}`),
      },
    },
  };
}

function namespaceObject(name: string, createdAt: number): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, creationTimestamp: iso(createdAt), labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

// ---- workloads ---------------------------------------------------------------------------------

interface TemplateStep {
  template: Any;
  replicas: number;
  at: number;
  commit: number;
}

/** A workload's template and replicas at each sync that applied it. */
function steps(run: AppRun, kind: string, name: string): TemplateStep[] {
  const out: TemplateStep[] = [];
  for (const s of run.syncs) {
    const m = run.manifests[s.commit]?.find((x) => x.kind === kind && x.metadata.name === name);
    if (!m) continue;
    const spec = m.spec as Any;
    out.push({ template: spec.template, replicas: spec.replicas ?? 1, at: s.at, commit: s.commit });
  }
  return out;
}

/** Distinct pod templates in rollout order, with the time each was first rolled out. */
function revisions(st: TemplateStep[]): { template: Any; at: number; hash: string }[] {
  const out: { template: Any; at: number; hash: string }[] = [];
  for (const s of st) {
    const hash = templateHash(s.template);
    if (out[out.length - 1]?.hash !== hash) out.push({ template: s.template, at: s.at, hash });
  }
  return out;
}

/** When each replica of the current template was created: the rollout, then later scale-ups. */
function replicaBirths(st: TemplateStep[], from: number): number[] {
  const births: number[] = [];
  for (const s of st) {
    if (s.at < from) continue;
    while (births.length < s.replicas) births.push(s.at + 2000 + births.length * 1300);
  }
  return births;
}

const generationOf = (st: TemplateStep[]): number => {
  let g = 0;
  let last = '';
  for (const s of st) {
    const key = JSON.stringify([s.template, s.replicas]);
    if (key !== last) g += 1;
    last = key;
  }
  return Math.max(1, g);
};

/** The log of a container that just started, by what runs in it. */
type LogFor = (container: string, image: string, startedAt: number, key: string) => string;

const tagOf = (image: string) => image.slice(image.lastIndexOf(':') + 1);

interface PodPlan {
  createdAt: number;
  statuses: ContainerState[] | ((pod: { name: string; uid: string }) => ContainerState[]);
  logs?: { container: string; current?: string; previous?: string }[];
}

interface DeploymentOptions {
  /** Live replicas after someone scaled by hand (drift from Git), and when they did. */
  scaledByHand?: { replicas: number; at: number };
  /** Pods of the newest ReplicaSet when its rollout did not simply succeed. */
  stuck?: {
    pods: (rolloutAt: number) => PodPlan[];
    /** The status the deployment controller reports meanwhile. */
    status: (o: { current: Obj; rolloutAt: number; readyAt: number }) => Record<string, unknown>;
  };
}

/** Ready pods, with the kubelet's events when they started within the hour (events live an hour). */
function startedPods(c: Cluster, rs: Obj, births: number[], logFor: LogFor): Obj[] {
  const containers = (rs.spec as Any).template.spec.containers as Any[];
  return births.map((born, i) => {
    const startedAt = born + 3000 + pick(`${rs.metadata.name}/${i}`, 3000);
    const pod = c.pod(rs, { createdAt: born, statuses: containers.map(() => running(startedAt)) });
    for (const k of containers)
      c.log(pod, k.name, logFor(k.name, k.image, startedAt, `${pod.metadata.name}/${k.name}`));
    if (born > NOW - HOUR) podStartEvents(c, pod, born, startedAt);
    return pod;
  });
}

function podStartEvents(c: Cluster, pod: Obj, born: number, startedAt: number): void {
  const host = (pod.spec as Any).nodeName as string;
  c.event(pod, {
    reason: 'Scheduled',
    message: `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${host}`,
    first: born,
    component: 'default-scheduler',
  });
  for (const k of (pod.spec as Any).containers as Any[]) {
    const kubelet = { component: 'kubelet', host, container: k.name };
    c.event(pod, {
      ...kubelet,
      reason: 'Pulled',
      message: `Container image "${k.image}" already present on machine`,
      first: startedAt - 900,
    });
    c.event(pod, {
      ...kubelet,
      reason: 'Created',
      message: `Created container ${k.name}`,
      first: startedAt - 300,
    });
    c.event(pod, { ...kubelet, reason: 'Started', message: `Started container ${k.name}`, first: startedAt });
  }
}

const podsOf = (c: Cluster, owner: Obj) =>
  c.objects.filter(
    (o) => o.kind === 'Pod' && o.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid),
  );

const isReady = (p: Obj) => ((p.status as Any).containerStatuses as Any[]).every((s) => s.ready);

function setReplicaSetStatus(c: Cluster, rs: Obj): void {
  const pods = podsOf(c, rs);
  const ready = pods.filter(isReady).length;
  rs.status = {
    ...(ready ? { availableReplicas: ready } : {}),
    ...(pods.length ? { fullyLabeledReplicas: pods.length } : {}),
    observedGeneration: rs.metadata.generation,
    ...(ready ? { readyReplicas: ready } : {}),
    replicas: pods.length,
  };
}

const available = (at: number) => ({
  type: 'Available',
  status: 'True',
  reason: 'MinimumReplicasAvailable',
  message: 'Deployment has minimum availability.',
  lastUpdateTime: iso(at),
  lastTransitionTime: iso(at),
});

/**
 * A Deployment with a ReplicaSet for each of its last templates (the old ones scaled to zero) and
 * the pods of the current one — or, for a rollout that is stuck, the previous ReplicaSet still
 * running its pods beside the new one.
 */
function deployment(c: Cluster, run: AppRun, m: Manifest, logFor: LogFor, o: DeploymentOptions = {}): Obj {
  const app = run.def.name;
  const st = steps(run, 'Deployment', m.metadata.name);
  const revs = revisions(st);
  const first = st[0];
  const last = st[st.length - 1];
  const currentRev = revs[revs.length - 1];
  if (!first || !last || !currentRev) throw new Error(`${app}: ${m.metadata.name} was never synced`);
  const dep = c.deployment(app, m, {
    createdAt: first.at,
    generation: generationOf(st) + (o.scaledByHand ? 1 : 0),
    replicas: o.scaledByHand?.replicas ?? last.replicas,
  });
  const spec = dep.spec as Any;
  const recreate = spec.strategy?.type === 'Recreate';
  const kept = revs.slice(-((spec.revisionHistoryLimit as number) + 1));
  const offset = revs.length - kept.length;
  const stuckPods = o.stuck?.pods(currentRev.at);
  // A stuck rolling update leaves the previous ReplicaSet at full size.
  const previousRunning = !!stuckPods && !recreate;
  const before = st.filter((s) => s.at < currentRev.at);
  const sets = kept.map((r, i) => {
    const replicas =
      i === kept.length - 1
        ? (stuckPods?.length ?? spec.replicas)
        : i === kept.length - 2 && previousRunning
          ? (before[before.length - 1]?.replicas ?? 0)
          : 0;
    return c.replicaSet(dep, r.template, { createdAt: r.at, revision: offset + i + 1, replicas });
  });
  const current = sets[sets.length - 1] as Obj;
  const previous = sets[sets.length - 2];
  dep.metadata.annotations = {
    ...dep.metadata.annotations,
    'deployment.kubernetes.io/revision': String(revs.length),
  };

  if (previous && previousRunning) {
    const prevRev = kept[kept.length - 2] as { at: number };
    startedPods(c, previous, replicaBirths(before, prevRev.at), logFor);
  }
  if (stuckPods) {
    for (const p of stuckPods) {
      const pod = c.pod(current, { createdAt: p.createdAt, statuses: p.statuses });
      for (const l of p.logs ?? []) {
        if (l.current) c.log(pod, l.container, l.current);
        if (l.previous) c.log(pod, l.container, l.previous, true);
      }
    }
  } else {
    const births = replicaBirths(st, currentRev.at);
    const byHand = o.scaledByHand;
    if (byHand) while (births.length < byHand.replicas) births.push(byHand.at + 1500 + births.length * 800);
    startedPods(c, current, births, logFor);
  }
  for (const rs of sets) setReplicaSetStatus(c, rs);

  const pods = sets.flatMap((rs) => podsOf(c, rs));
  const readyAt =
    Math.max(
      currentRev.at,
      ...pods
        .filter(isReady)
        .map((p) => Date.parse((p.status as Any).containerStatuses[0].state.running.startedAt)),
    ) + 15_000;
  if (o.stuck) {
    dep.status = {
      observedGeneration: dep.metadata.generation,
      ...o.stuck.status({ current, rolloutAt: currentRev.at, readyAt }),
    };
  } else {
    const n = spec.replicas as number;
    dep.status = {
      availableReplicas: n,
      conditions: [
        available(readyAt),
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${current.metadata.name}" has successfully progressed.`,
          lastUpdateTime: iso(readyAt),
          lastTransitionTime: iso(currentRev.at + 1000),
        },
      ],
      observedGeneration: dep.metadata.generation,
      readyReplicas: n,
      replicas: n,
      updatedReplicas: n,
    };
  }

  // The deployment controller's events, for what happened within the hour.
  const scaling = (message: string, at: number) =>
    c.event(dep, { reason: 'ScalingReplicaSet', message, first: at, component: 'deployment-controller' });
  const size = (rs: Obj) => (rs.spec as Any).replicas as number;
  if (currentRev.at > NOW - HOUR) {
    const prevSize = before[before.length - 1]?.replicas ?? 0;
    if (recreate && previous)
      scaling(
        `Scaled down replica set ${previous.metadata.name} from ${prevSize} to 0`,
        currentRev.at + 1000,
      );
    const upAt = recreate ? (stuckPods?.[0]?.createdAt ?? currentRev.at) - 1000 : currentRev.at + 1000;
    scaling(`Scaled up replica set ${current.metadata.name} from 0 to ${size(current)}`, upAt);
    if (!recreate && previous && !previousRunning)
      scaling(`Scaled down replica set ${previous.metadata.name} from ${prevSize} to 0`, readyAt);
  }
  if (o.scaledByHand)
    scaling(
      `Scaled up replica set ${current.metadata.name} from ${last.replicas} to ${o.scaledByHand.replicas}`,
      o.scaledByHand.at,
    );
  return dep;
}

function statefulApp(c: Cluster, run: AppRun, m: Manifest, logFor: LogFor): Obj {
  const st = steps(run, 'StatefulSet', m.metadata.name);
  const revs = revisions(st);
  const first = st[0];
  const currentRev = revs[revs.length - 1];
  if (!first || !currentRev) throw new Error(`${run.def.name}: ${m.metadata.name} was never synced`);
  const sts = c.statefulSet(m, { createdAt: first.at, generation: generationOf(st), app: run.def.name });
  revs.forEach((r, i) => {
    if (i < revs.length - 1) return; // the controller keeps old revisions too; the current one is enough here
    c.controllerRevision(sts, i + 1, r.at);
  });
  const replicas = (sts.spec as Any).replicas as number;
  for (let ordinal = 0; ordinal < replicas; ordinal++) {
    const born = currentRev.at + 2000 + ordinal * 20_000;
    const startedAt = born + 2500;
    const pod = c.statefulPod(sts, ordinal, {
      createdAt: born,
      statuses: [running(startedAt)],
      claimedAt: first.at,
    });
    for (const k of (pod.spec as Any).containers as Any[])
      c.log(pod, k.name, logFor(k.name, k.image, startedAt, `${pod.metadata.name}/${k.name}`));
  }
  return sts;
}

/** When an object first appeared in the app's synced manifests. */
function firstSynced(run: AppRun, kind: string, name: string): number {
  const s = run.syncs.find((x) =>
    run.manifests[x.commit]?.some((m) => m.kind === kind && m.metadata.name === name),
  );
  if (!s) throw new Error(`${run.def.name}: ${kind}/${name} was never synced`);
  return s.at;
}

const deployedManifests = (run: AppRun): Manifest[] => {
  const last = run.syncs[run.syncs.length - 1];
  return (last && run.manifests[last.commit]) ?? [];
};

/** ConfigMaps, Services (with their Endpoints), Deployments and StatefulSets of a plain app. */
function standardApp(
  c: Cluster,
  run: AppRun,
  logFor: LogFor,
  special: Record<string, DeploymentOptions> = {},
): void {
  const app = run.def.name;
  const ms = deployedManifests(run);
  const services: Obj[] = [];
  for (const m of ms) {
    const createdAt = firstSynced(run, m.kind, m.metadata.name);
    if (m.kind === 'ConfigMap')
      c.manage(app, {
        ...structuredClone(m),
        metadata: { ...structuredClone(m.metadata), creationTimestamp: iso(createdAt) },
      });
    else if (m.kind === 'Service') services.push(c.service(app, m, createdAt));
  }
  for (const m of ms) {
    if (m.kind === 'Deployment') deployment(c, run, m, logFor, special[m.metadata.name]);
    else if (m.kind === 'StatefulSet') statefulApp(c, run, m, logFor);
  }
  for (const svc of services) c.endpoints(svc, Date.parse(svc.metadata.creationTimestamp as string) + 2000);
}

// ---- what each program prints ------------------------------------------------------------------

const flashLogs =
  (env: Env, provider: string): LogFor =>
  (container, image, startedAt, key) => {
    const version = tagOf(image);
    if (container === 'flash-api') return logs.flashApi(startedAt, version, `flash-${env}`, key);
    if (container === 'flash-gateway') return logs.flashGateway(startedAt, version, key);
    if (container === 'flash-pay-worker')
      return logs.flashPayWorker(startedAt, version, `flash-${env}`, provider, key);
    return logs.nextjs(startedAt, '15.3.2', key);
  };

const homeLabLogs: LogFor = (container, image, startedAt, key) => {
  if (container === 'mysql') return logs.mysqld(startedAt, tagOf(image), key);
  if (container === 'grafana') return logs.grafana(startedAt, tagOf(image), key);
  if (container === 'naver-news') return logs.naverNewsStart(startedAt, key);
  return logs.nextjs(startedAt, '14.2.5', key);
};

// ---- the five faults ---------------------------------------------------------------------------

/** naver-news runs for 148–171 s per start before the kernel kills it; the kubelet backs off 10 s, 20 s, … 5 min. */
export const NAVER_NEWS_RUNS = [162, 148, 171, 155, 149, 166, 158];
const BACKOFFS = [10, 20, 40, 80, 160, 300, 300];

const backoffText = (s: number) => (s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`);

/** Each start of the naver-news container until now: when it started and when the kernel killed it. */
function naverNewsRuns(): { start: number; end: number; seconds: number }[] {
  let t = NAVER_NEWS_ROLLOUT + 4000;
  return NAVER_NEWS_RUNS.map((seconds, i) => {
    const run = { start: t, end: t + seconds * 1000, seconds };
    t = run.end + (BACKOFFS[i] ?? 300) * 1000;
    return run;
  });
}

function naverNewsCrashLoop(c: Cluster, run: AppRun): void {
  const runs = naverNewsRuns();
  const lastRun = runs[runs.length - 1] as { start: number; end: number; seconds: number };
  const prevRun = runs[runs.length - 2] as { start: number; end: number; seconds: number };
  const backoff = BACKOFFS[runs.length - 1] as number;
  standardApp(c, run, homeLabLogs, {
    'naver-news': {
      stuck: {
        pods: () => [
          {
            createdAt: NAVER_NEWS_ROLLOUT,
            statuses: (pod) => [
              {
                ready: false,
                started: false,
                restartCount: runs.length,
                pulled: true,
                state: {
                  waiting: {
                    reason: 'CrashLoopBackOff',
                    message: `back-off ${backoffText(backoff)} restarting failed container=naver-news pod=${pod.name}_naver-news(${pod.uid})`,
                  },
                },
                lastState: {
                  terminated: {
                    containerID: `containerd://${hex(`naver-news/run/${runs.length}`, 64)}`,
                    exitCode: 137,
                    finishedAt: iso(lastRun.end),
                    reason: 'OOMKilled',
                    startedAt: iso(lastRun.start),
                  },
                },
              },
            ],
            logs: [
              {
                container: 'naver-news',
                // While the container waits, "kubectl logs" shows the instance that just died.
                current: logs.naverNewsRun(lastRun.start, lastRun.seconds, `run-${runs.length}`),
                previous: logs.naverNewsRun(prevRun.start, prevRun.seconds, `run-${runs.length - 1}`),
              },
            ],
          },
        ],
        status: ({ current, rolloutAt }) => ({
          conditions: [
            {
              type: 'Available',
              status: 'False',
              reason: 'MinimumReplicasUnavailable',
              message: 'Deployment does not have minimum availability.',
              lastUpdateTime: iso(rolloutAt + 1000),
              lastTransitionTime: iso(rolloutAt + 1000),
            },
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: `ReplicaSet "${current.metadata.name}" has timed out progressing.`,
              lastUpdateTime: iso(NAVER_NEWS_ROLLOUT + 600_000),
              lastTransitionTime: iso(NAVER_NEWS_ROLLOUT + 600_000),
            },
          ],
          replicas: 1,
          unavailableReplicas: 1,
          updatedReplicas: 1,
        }),
      },
    },
  });
  // The kubelet's events for the crash-looping pod: one start per run, back-off in between.
  const pod = c.objects.find((o) => o.kind === 'Pod' && o.metadata.namespace === 'naver-news') as Obj;
  const host = (pod.spec as Any).nodeName as string;
  const image = ((pod.spec as Any).containers[0] as Any).image as string;
  const kubelet = { component: 'kubelet', host, container: 'naver-news' };
  const first = runs[0] as { start: number; end: number };
  const n = runs.length;
  c.event(pod, {
    reason: 'Scheduled',
    message: `Successfully assigned naver-news/${pod.metadata.name} to ${host}`,
    first: NAVER_NEWS_ROLLOUT,
    component: 'default-scheduler',
  });
  c.event(pod, {
    ...kubelet,
    reason: 'Pulled',
    message: `Container image "${image}" already present on machine`,
    count: n,
    first: first.start - 900,
    last: lastRun.start - 900,
  });
  c.event(pod, {
    ...kubelet,
    reason: 'Created',
    message: 'Created container naver-news',
    count: n,
    first: first.start - 300,
    last: lastRun.start - 300,
  });
  c.event(pod, {
    ...kubelet,
    reason: 'Started',
    message: 'Started container naver-news',
    count: n,
    first: first.start,
    last: lastRun.start,
  });
  // The kubelet reports the back-off at each pod sync while it waits (about every 10-20 s).
  const waited = runs.reduce(
    (sum, r, i) => sum + (i < n - 1 ? (BACKOFFS[i] ?? 300) : (NOW - r.end) / 1000),
    0,
  );
  c.event(pod, {
    ...kubelet,
    type: 'Warning',
    reason: 'BackOff',
    message: `Back-off restarting failed container naver-news in pod ${pod.metadata.name}_naver-news(${pod.metadata.uid})`,
    count: Math.round(waited / 12),
    first: first.end + 1000,
    last: NOW - 8000,
  });
}

function imagePullBackOff(image: string) {
  return (c: Cluster, pod: Obj, born: number) => {
    const host = (pod.spec as Any).nodeName as string;
    const kubelet = { component: 'kubelet', host, container: (pod.spec as Any).containers[0].name as string };
    const pulls = 17;
    const backoffs = Math.floor((NOW - born) / 13_700);
    c.event(pod, {
      reason: 'Scheduled',
      message: `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${host}`,
      first: born,
      component: 'default-scheduler',
    });
    c.event(pod, {
      ...kubelet,
      reason: 'Pulling',
      message: `Pulling image "${image}"`,
      count: pulls,
      first: born + 1000,
      last: NOW - 3 * MINUTE - 20_000,
    });
    c.event(pod, {
      ...kubelet,
      type: 'Warning',
      reason: 'Failed',
      message: `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`,
      count: pulls,
      first: born + 2000,
      last: NOW - 3 * MINUTE - 19_000,
    });
    c.event(pod, {
      ...kubelet,
      type: 'Warning',
      reason: 'Failed',
      message: 'Error: ErrImagePull',
      count: pulls,
      first: born + 2000,
      last: NOW - 3 * MINUTE - 19_000,
    });
    c.event(pod, {
      ...kubelet,
      reason: 'BackOff',
      message: `Back-off pulling image "${image}"`,
      count: backoffs,
      first: born + 20_000,
      last: NOW - 12_000,
    });
    c.event(pod, {
      ...kubelet,
      type: 'Warning',
      reason: 'Failed',
      message: 'Error: ImagePullBackOff',
      count: backoffs,
      first: born + 20_000,
      last: NOW - 12_000,
    });
  };
}

function flashApiBadTag(c: Cluster, run: AppRun): void {
  const image = 'ghcr.io/sijunkim/flash-api:v1.15.0';
  let born = 0;
  standardApp(c, run, flashLogs('prod', 'pg'), {
    'flash-api': {
      stuck: {
        pods: (rolloutAt) => {
          born = rolloutAt + 2000;
          return [
            {
              createdAt: born,
              statuses: [
                {
                  ready: false,
                  started: false,
                  restartCount: 0,
                  pulled: false,
                  state: {
                    waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` },
                  },
                },
              ],
            },
          ];
        },
        status: ({ current, rolloutAt, readyAt }) => ({
          availableReplicas: 3,
          conditions: [
            { ...available(readyAt), lastTransitionTime: iso(readyAt) },
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: `ReplicaSet "${current.metadata.name}" has timed out progressing.`,
              lastUpdateTime: iso(rolloutAt + 601_000),
              lastTransitionTime: iso(rolloutAt + 601_000),
            },
          ],
          readyReplicas: 3,
          replicas: 4,
          unavailableReplicas: 1,
          updatedReplicas: 1,
        }),
      },
    },
  });
  const pod = c.objects.find(
    (o) => o.kind === 'Pod' && o.metadata.namespace === 'flash-prod' && (o.status as Any).phase === 'Pending',
  ) as Obj;
  imagePullBackOff(image)(c, pod, born);
}

function payWorkerMissingKey(c: Cluster, run: AppRun): void {
  const message = "couldn't find key toss-secret-key in Secret flash-staging/flash-pay-secrets";
  let born = 0;
  standardApp(c, run, flashLogs('staging', 'pg'), {
    'flash-pay-worker': {
      stuck: {
        pods: (rolloutAt) => {
          born = rolloutAt + 2000;
          return [
            {
              createdAt: born,
              statuses: [
                {
                  ready: false,
                  started: false,
                  restartCount: 0,
                  pulled: true,
                  state: { waiting: { reason: 'CreateContainerConfigError', message } },
                },
              ],
            },
          ];
        },
        status: ({ current, rolloutAt, readyAt }) => ({
          availableReplicas: 1,
          conditions: [
            available(readyAt),
            {
              type: 'Progressing',
              status: 'True',
              reason: 'ReplicaSetUpdated',
              message: `ReplicaSet "${current.metadata.name}" is progressing.`,
              lastUpdateTime: iso(rolloutAt + 1000),
              lastTransitionTime: iso(readyAt),
            },
          ],
          readyReplicas: 1,
          replicas: 2,
          unavailableReplicas: 1,
          updatedReplicas: 1,
        }),
      },
    },
  });
  const pod = c.objects.find(
    (o) =>
      o.kind === 'Pod' && o.metadata.namespace === 'flash-staging' && (o.status as Any).phase === 'Pending',
  ) as Obj;
  const host = (pod.spec as Any).nodeName as string;
  const image = (pod.spec as Any).containers[0].image as string;
  const tries = Math.floor((NOW - born) / 12_500);
  const kubelet = { component: 'kubelet', host, container: 'flash-pay-worker' };
  c.event(pod, {
    reason: 'Scheduled',
    message: `Successfully assigned flash-staging/${pod.metadata.name} to ${host}`,
    first: born,
    component: 'default-scheduler',
  });
  c.event(pod, {
    ...kubelet,
    reason: 'Pulled',
    message: `Container image "${image}" already present on machine`,
    count: tries,
    first: born + 1100,
    last: NOW - 9000,
  });
  c.event(pod, {
    ...kubelet,
    type: 'Warning',
    reason: 'Failed',
    message: `Error: ${message}`,
    count: tries,
    first: born + 1200,
    last: NOW - 9000,
  });
}

// ---- monitoring --------------------------------------------------------------------------------

function kubePrometheusStack(c: Cluster, run: AppRun, head: RepoState): void {
  const app = run.def.name;
  const ms = deployedManifests(run);
  const firstAt = (run.syncs[0] as Sync).at;
  const img = kubePrometheusImages[head.kubePrometheusStack.chart];
  if (!img) throw new Error('no images');
  const services: Obj[] = [];
  for (const m of ms) {
    const createdAt = firstSynced(run, m.kind, m.metadata.name);
    if (m.kind === 'CustomResourceDefinition') {
      const names = (m.spec as Any).names;
      c.manage(app, {
        ...structuredClone(m),
        metadata: { ...structuredClone(m.metadata), generation: 1, creationTimestamp: iso(createdAt) },
        status: {
          acceptedNames: names,
          conditions: [
            {
              type: 'NamesAccepted',
              status: 'True',
              reason: 'NoConflicts',
              message: 'no conflicts found',
              lastTransitionTime: iso(createdAt),
            },
            {
              type: 'Established',
              status: 'True',
              reason: 'InitialNamesAccepted',
              message: 'the initial names have been accepted',
              lastTransitionTime: iso(createdAt),
            },
          ],
          storedVersions: ['v1'],
        },
      });
    } else if (m.kind === 'Service') services.push(c.service(app, m, createdAt));
  }
  const logFor: LogFor = (container, image, startedAt) => {
    if (container === 'kube-state-metrics') return logs.kubeStateMetrics(startedAt, tagOf(image).slice(1));
    if (container === 'node-exporter') return logs.nodeExporter(startedAt, tagOf(image).slice(1));
    return logs.prometheusOperator(startedAt, tagOf(image).slice(1));
  };
  for (const m of ms) {
    if (m.kind === 'Deployment') deployment(c, run, m, logFor);
    if (m.kind === 'DaemonSet') {
      const st = steps(run, 'DaemonSet', m.metadata.name);
      const at = (revisions(st)[revisions(st).length - 1] as { at: number }).at;
      const ds = c.daemonSet(app, m, {
        createdAt: firstAt,
        generation: generationOf(st),
        nodes: c.nodeNames.length,
      });
      const rev = c.controllerRevision(ds, 1, at);
      c.nodeNames.forEach((node, i) => {
        const born = at + 2000 + i * 700;
        const startedAt = born + 3000;
        const pod = c.pod(ds, {
          createdAt: born,
          node,
          hostNetwork: true,
          statuses: [running(startedAt)],
          extraLabels: {
            'controller-revision-hash': rev.metadata.labels?.['controller.kubernetes.io/hash'] as string,
            'pod-template-generation': String(generationOf(st)),
          },
        });
        c.log(pod, 'node-exporter', logFor('node-exporter', img.nodeExporter, startedAt, pod.metadata.name));
      });
    }
  }
  for (const m of ms) {
    if (m.kind !== 'Prometheus' && m.kind !== 'Alertmanager') continue;
    // Each sync that changed the resource bumped its generation; a new image rolled its pod.
    const applied = run.syncs.flatMap((sync) => {
      const x = run.manifests[sync.commit]?.find(
        (y) => y.kind === m.kind && y.metadata.name === m.metadata.name,
      );
      return x ? [{ at: sync.at, spec: JSON.stringify(x), image: (x.spec as Any).image as string }] : [];
    });
    const generation = new Set(applied.map((a) => a.spec)).size;
    const image = (m.spec as Any).image as string;
    const rolledAt = (applied.find((a) => a.image === image) as { at: number }).at;
    const cr = c.manage(app, {
      ...structuredClone(m),
      metadata: { ...structuredClone(m.metadata), generation, creationTimestamp: iso(firstAt) },
    });
    operatorWorkload(
      c,
      cr,
      { createdAt: firstAt, rolledAt, revisions: new Set(applied.map((a) => a.image)).size },
      img.reloader,
    );
  }
  for (const svc of services) c.endpoints(svc, Date.parse(svc.metadata.creationTimestamp as string) + 2000);
}

/** The StatefulSet, headless Service and pod the Prometheus Operator makes for a Prometheus or Alertmanager. */
function operatorWorkload(
  c: Cluster,
  cr: Obj,
  when: { createdAt: number; rolledAt: number; revisions: number },
  reloaderTag: string,
): void {
  const isProm = cr.kind === 'Prometheus';
  const kind = isProm ? 'prometheus' : 'alertmanager';
  const name = cr.metadata.name;
  const ns = cr.metadata.namespace as string;
  const spec = cr.spec as Any;
  const image = spec.image as string;
  const version = (spec.version as string).slice(1);
  const port = isProm ? 9090 : 9093;
  const firstAt = when.createdAt;
  const podLabels = {
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'app.kubernetes.io/name': kind,
    'app.kubernetes.io/version': version,
    ...(isProm
      ? { 'operator.prometheus.io/name': name, 'operator.prometheus.io/shard': '0', prometheus: name }
      : { alertmanager: name }),
  };
  const reloader = {
    name: 'config-reloader',
    image: `quay.io/prometheus-operator/prometheus-config-reloader:${reloaderTag}`,
    args: [
      '--listen-address=:8080',
      `--reload-url=http://127.0.0.1:${port}/-/reload`,
      isProm
        ? '--config-file=/etc/prometheus/config/prometheus.yaml.gz'
        : '--watched-dir=/etc/alertmanager/config',
      ...(isProm ? ['--config-envsubst-file=/etc/prometheus/config_out/prometheus.env.yaml'] : []),
    ],
    ports: [{ name: 'reloader-web', containerPort: 8080 }],
    resources: { limits: { cpu: '10m', memory: '50Mi' }, requests: { cpu: '10m', memory: '50Mi' } },
  };
  const main = isProm
    ? {
        name: 'prometheus',
        image,
        args: [
          '--web.console.templates=/etc/prometheus/consoles',
          '--web.console.libraries=/etc/prometheus/console_libraries',
          '--config.file=/etc/prometheus/config_out/prometheus.env.yaml',
          '--web.enable-lifecycle',
          `--web.external-url=http://${name}.${ns}:9090`,
          '--web.route-prefix=/',
          `--storage.tsdb.retention.time=${spec.retention}`,
          '--storage.tsdb.path=/prometheus',
          '--web.config.file=/etc/prometheus/web_config/web-config.yaml',
        ],
        ports: [{ name: 'http-web', containerPort: 9090 }],
        readinessProbe: {
          httpGet: { path: '/-/ready', port: 'http-web' },
          periodSeconds: 5,
          failureThreshold: 3,
        },
        volumeMounts: [
          { name: 'config-out', mountPath: '/etc/prometheus/config_out', readOnly: true },
          { name: `${kind}-${name}-db`, mountPath: '/prometheus', subPath: 'prometheus-db' },
        ],
        resources: {},
      }
    : {
        name: 'alertmanager',
        image,
        args: [
          '--config.file=/etc/alertmanager/config_out/alertmanager.env.yaml',
          '--storage.path=/alertmanager',
          `--data.retention=${spec.retention}`,
          '--cluster.listen-address=',
          '--web.listen-address=:9093',
          `--web.external-url=http://${name}.${ns}:9093`,
          '--web.route-prefix=/',
        ],
        ports: [{ name: 'http-web', containerPort: 9093 }],
        readinessProbe: { httpGet: { path: '/-/ready', port: 'http-web' }, periodSeconds: 5 },
        resources: { requests: { memory: '200Mi' } },
      };
  const sts = c.statefulSet(
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: {
        name: `${kind}-${name}`,
        namespace: ns,
        labels: { ...podLabels, 'managed-by': 'prometheus-operator' },
        annotations: {
          'operator.prometheus.io/controller-id': '',
          'prometheus-operator-input-hash': String(
            BigInt(`0x${uid(`${name}/${version}`).replace(/-/g, '').slice(0, 15)}`),
          ),
        },
      },
      spec: {
        replicas: 1,
        serviceName: `${kind}-operated`,
        podManagementPolicy: 'Parallel',
        selector: {
          matchLabels: Object.fromEntries(
            Object.entries(podLabels).filter(([k]) => k !== 'app.kubernetes.io/version'),
          ),
        },
        template: {
          metadata: { labels: podLabels, annotations: { 'kubectl.kubernetes.io/default-container': kind } },
          spec: {
            serviceAccountName: spec.serviceAccountName,
            containers: [main, reloader],
            volumes: isProm
              ? [
                  { name: 'config', secret: { secretName: `${kind}-${name}`, defaultMode: 420 } },
                  { name: 'config-out', emptyDir: { medium: 'Memory' } },
                ]
              : [
                  {
                    name: 'config-volume',
                    secret: { secretName: `${kind}-${name}-generated`, defaultMode: 420 },
                  },
                  { name: 'config-out', emptyDir: { medium: 'Memory' } },
                ],
          },
        },
        ...(isProm
          ? {
              volumeClaimTemplates: [
                { metadata: { name: `${kind}-${name}-db` }, spec: spec.storage.volumeClaimTemplate.spec },
              ],
            }
          : {}),
      },
    },
    { createdAt: firstAt + 3000, generation: when.revisions, owner: cr },
  );
  const rolled = when.rolledAt + 4000;
  c.controllerRevision(sts, when.revisions, rolled);
  const startedAt = rolled + 3500;
  const pod = c.statefulPod(sts, 0, {
    createdAt: rolled,
    statuses: [running(startedAt), running(startedAt)],
    claimedAt: firstAt + 3000,
  });
  c.log(pod, kind, isProm ? logs.prometheus(startedAt, version) : logs.alertmanager(startedAt, version));
  c.log(
    pod,
    'config-reloader',
    logs.configReloader(
      startedAt,
      reloaderTag.slice(1),
      isProm ? '/etc/prometheus/config/prometheus.yaml.gz' : '/etc/alertmanager/config',
    ),
  );
  const operated = c.service(
    cr,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: `${kind}-operated`,
        namespace: ns,
        labels: { 'managed-by': 'prometheus-operator', 'operated-prometheus': isProm ? 'true' : 'false' },
      },
      spec: {
        clusterIP: 'None',
        selector: { 'app.kubernetes.io/name': kind },
        ports: [{ name: 'http-web', port, targetPort: 'http-web' }],
        publishNotReadyAddresses: !isProm,
      },
    },
    firstAt + 3000,
  );
  const crStatus = {
    availableReplicas: 1,
    conditions: [
      {
        type: 'Available',
        status: 'True',
        lastTransitionTime: iso(startedAt + 20_000),
        observedGeneration: cr.metadata.generation,
      },
      {
        type: 'Reconciled',
        status: 'True',
        lastTransitionTime: iso(rolled),
        observedGeneration: cr.metadata.generation,
      },
    ],
    paused: false,
    replicas: 1,
    selector: Object.entries((sts.spec as Any).selector.matchLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    ...(isProm
      ? {
          shardStatuses: [
            { availableReplicas: 1, replicas: 1, shardID: '0', unavailableReplicas: 0, updatedReplicas: 1 },
          ],
          shards: 1,
        }
      : {}),
    unavailableReplicas: 0,
    updatedReplicas: 1,
  };
  cr.status = crStatus;
  c.endpoints(operated, rolled + 20_000);
}

// ---- Argo CD's view ----------------------------------------------------------------------------

type Health = { status: string; message?: string };
const severity = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];

/** Per-resource health the way gitops-engine assesses these kinds (none for ConfigMaps, CRDs, …). */
function resourceHealth(o: Obj): Health | undefined {
  const st = (o.status ?? {}) as Any;
  const spec = (o.spec ?? {}) as Any;
  switch (o.kind) {
    case 'Deployment': {
      const progressing = (st.conditions as Any[] | undefined)?.find((x) => x.type === 'Progressing');
      if (progressing?.reason === 'ProgressDeadlineExceeded')
        return {
          status: 'Degraded',
          message: `Deployment "${o.metadata.name}" exceeded its progress deadline`,
        };
      const updated = st.updatedReplicas ?? 0;
      if (updated < spec.replicas)
        return {
          status: 'Progressing',
          message: `Waiting for rollout to finish: ${updated} out of ${spec.replicas} new replicas have been updated...`,
        };
      if ((st.replicas ?? 0) > updated)
        return {
          status: 'Progressing',
          message: `Waiting for rollout to finish: ${st.replicas - updated} old replicas are pending termination...`,
        };
      if ((st.availableReplicas ?? 0) < updated)
        return {
          status: 'Progressing',
          message: `Waiting for rollout to finish: ${st.availableReplicas ?? 0} of ${updated} updated replicas are available...`,
        };
      return { status: 'Healthy' };
    }
    case 'StatefulSet':
      return (st.readyReplicas ?? 0) < spec.replicas
        ? {
            status: 'Progressing',
            message: `Waiting for ${spec.replicas - (st.readyReplicas ?? 0)} pods to be ready...`,
          }
        : {
            status: 'Healthy',
            message: `partitioned roll out complete: ${spec.replicas} new pods have been updated...`,
          };
    case 'DaemonSet':
      return { status: 'Healthy' };
    case 'Service':
    case 'PersistentVolumeClaim':
      return { status: 'Healthy' };
    case 'Prometheus':
    case 'Alertmanager':
      return { status: 'Healthy' };
    default:
      return undefined;
  }
}

const groupOf = (apiVersion: string) =>
  apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '';
const versionOf = (apiVersion: string) => apiVersion.split('/').at(-1) as string;

interface AppExtras {
  /** Resources whose live state differs from Git, as `<Kind>/<name>`. */
  outOfSync?: string[];
  /** The last sync failed on this resource with this message (every attempt, with retries). */
  failure?: { resource: string; message: string };
}

function resourceRef(m: {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}) {
  const group = groupOf(m.apiVersion);
  return {
    ...(group ? { group } : {}),
    kind: m.kind,
    ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}),
    name: m.metadata.name,
    version: versionOf(m.apiVersion),
  };
}

const byRef = (a: Any, b: Any) =>
  `${a.group ?? ''}/${a.kind}/${a.namespace ?? ''}/${a.name}`.localeCompare(
    `${b.group ?? ''}/${b.kind}/${b.namespace ?? ''}/${b.name}`,
  );

function application(
  run: AppRun,
  c: Cluster,
  all: RepoState[],
  extras: AppExtras,
  createdAt: number,
): Record<string, unknown> {
  const def = run.def;
  const chart = def.source.chart !== undefined;
  const revision = (commit: number) =>
    chart ? (all[commit] as RepoState).kubePrometheusStack.chart : revisionOf(commit);
  const sourceAt = (commit: number) =>
    appDefs(all[commit] as RepoState).find((d) => d.name === def.name)?.source ?? def.source;
  const key = (m: { kind: string; metadata: { name: string } }) => `${m.kind}/${m.metadata.name}`;
  const outOfSync = new Set(extras.outOfSync ?? []);
  if (extras.failure) outOfSync.add(extras.failure.resource);

  // status.resources: what the app manages, with sync state and health
  const managed =
    def.name === 'root-app'
      ? deployedManifests(run).map((m) => ({ ...resourceRef(m), status: 'Synced' }))
      : (c.managed.get(def.name) ?? []).map((o) => {
          const h = resourceHealth(o);
          return {
            ...resourceRef(o),
            status: outOfSync.has(key(o)) ? 'OutOfSync' : 'Synced',
            ...(h ? { health: h } : {}),
          };
        });
  managed.sort(byRef);
  const worst = managed
    .map((r) => (r as { health?: Health }).health?.status ?? 'Healthy')
    .reduce((a, b) => (severity.indexOf(b) > severity.indexOf(a) ? b : a), 'Healthy');

  // summary.images: what the app's pods run, old ReplicaSets' pods included
  const byUid = new Map(c.objects.map((o) => [o.metadata.uid, o]));
  const rootOf = (o: Obj): Obj => {
    const owner = o.metadata.ownerReferences?.[0];
    const parent = owner && byUid.get(owner.uid);
    return parent ? rootOf(parent) : o;
  };
  const mine = new Set((c.managed.get(def.name) ?? []).map((o) => o.metadata.uid));
  const images = [
    ...new Set(
      c.objects
        .filter((o) => o.kind === 'Pod' && mine.has(rootOf(o).metadata.uid))
        .flatMap((p) => ((p.spec as Any).containers as Any[]).map((x) => x.image as string)),
    ),
  ].sort();

  const last = run.syncs[run.syncs.length - 1] as Sync;
  const op = extras.failure ? (run.failed[run.failed.length - 1] as Sync) : last;
  const retry = def.syncPolicy.retry as Record<string, unknown> | undefined;
  const syncOptions = def.syncPolicy.syncOptions as string[] | undefined;
  const opResources = (commit: number, failure?: AppExtras['failure']) => {
    const prev = [...run.syncs].reverse().find((s) => s.commit < commit);
    const before = prev ? (run.manifests[prev.commit] ?? []) : [];
    const ssa = syncOptions?.includes('ServerSideApply=true');
    return (run.manifests[commit] ?? [])
      .map((m) => {
        const was = before.find((b) => key(b) === key(m));
        const verb = ssa
          ? 'serverside-applied'
          : !was
            ? 'created'
            : JSON.stringify(was) === JSON.stringify(m)
              ? 'unchanged'
              : 'configured';
        const group = groupOf(m.apiVersion);
        const failed = failure && key(m) === failure.resource;
        return {
          ...resourceRef(m),
          hookPhase: failed ? 'Failed' : 'Running',
          message: failed
            ? failure.message
            : `${m.kind.toLowerCase()}${group ? `.${group}` : ''}/${m.metadata.name} ${verb}`,
          status: failed ? 'SyncFailed' : 'Synced',
          syncPhase: 'Sync',
        };
      })
      .sort(byRef);
  };
  const initiatedBy = (s: Sync) => (s.user ? { username: s.user } : { automated: true });
  const retried = 5;
  const failedMessage = extras.failure
    ? `one or more objects failed to apply, reason: ${extras.failure.message} (retried ${retried} times).`
    : '';
  const finishedAt = extras.failure ? op.at + 157_000 : op.at;
  const operationState = {
    finishedAt: iso(finishedAt),
    message: extras.failure ? failedMessage : 'successfully synced (all tasks run)',
    operation: {
      initiatedBy: initiatedBy(op),
      ...(retry ? { retry } : {}),
      sync: {
        ...(op.user ? {} : { prune: true }),
        revision: revision(op.commit),
        ...(syncOptions ? { syncOptions } : {}),
        ...(op.user ? { syncStrategy: { hook: {} } } : {}),
      },
    },
    phase: extras.failure ? 'Failed' : 'Succeeded',
    ...(extras.failure ? { retryCount: retried } : {}),
    startedAt: iso(op.startedAt),
    syncResult: {
      resources: opResources(op.commit, extras.failure),
      revision: revision(op.commit),
      source: sourceAt(op.commit),
    },
  };

  const history = run.syncs
    .map((s, id) => ({
      deployStartedAt: iso(s.startedAt),
      deployedAt: iso(s.at),
      id,
      initiatedBy: initiatedBy(s),
      revision: revision(s.commit),
      source: sourceAt(s.commit),
    }))
    .slice(-10);

  const health = appHealth(def.name, worst, last);
  const headCommit = commits.length - 1;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: def.name,
      namespace: 'argocd',
      uid: uid(`Application/${def.name}`),
      generation: 4 * run.syncs.length + 11 + pick(def.name, 9),
      creationTimestamp: iso(createdAt),
      labels: { ...(def.labels ?? {}), ...(def.name === 'root-app' ? {} : { [INSTANCE_LABEL]: 'root-app' }) },
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      destination: destination(def),
      project: def.project,
      source: def.source,
      syncPolicy: def.syncPolicy,
    },
    status: {
      ...(extras.failure
        ? {
            conditions: [
              {
                type: 'SyncError',
                // Argo CD prints the revisions as a Go slice; the sandbox resolves the expression.
                message: `Failed last sync attempt to [${revision(op.commit)}]: ${failedMessage}`,
                lastTransitionTime: iso(finishedAt),
              },
            ],
          }
        : {}),
      controllerNamespace: 'argocd',
      health: { status: health.status, lastTransitionTime: iso(health.since) },
      history,
      operationState,
      reconciledAt: iso(NOW - (15 + pick(`${def.name}/reconciled`, 160)) * 1000),
      resources: managed,
      sourceType: def.sourceType,
      summary: images.length ? { images } : {},
      sync: {
        comparedTo: { destination: destination(def), source: def.source },
        revision: chart ? (all[headCommit] as RepoState).kubePrometheusStack.chart : revisionOf(headCommit),
        status: outOfSync.size ? 'OutOfSync' : 'Synced',
      },
    },
  };
}

/** When the app's health last changed: the deadline for the stuck rollouts, else after its last sync. */
function appHealth(name: string, status: string, last: Sync): { status: string; since: number } {
  if (name === 'naver-news') return { status, since: NAVER_NEWS_ROLLOUT + 600_000 + 14_000 };
  if (name === 'flash-api-prod') return { status, since: last.at + 601_000 + 9000 };
  return { status, since: last.at + (status === 'Healthy' ? 24_000 : 4000) };
}

// ---- the whole world ---------------------------------------------------------------------------

/** A sentence or two heading each app, in the Applications list and among the cluster's objects. */
export const appNotes: Record<string, string> = {
  'root-app':
    'root-app: the app of apps. Syncs argocd/apps/ (recursively), which holds the other Applications and the flash-tickets AppProject.',
  mysql: 'mysql: MySQL 8.4 as a StatefulSet with a 10Gi local-path volume. Healthy.',
  'friend-app': 'friend-app: a small Next.js web app, 2 replicas. Healthy.',
  'naver-news':
    'naver-news: Spring Boot news crawler. BROKEN: the last commit cut its memory limit to 512Mi; the crawl needs ~700Mi, so the container is OOMKilled (exit 137) and crash-loops. The Deployment passed its progress deadline: Degraded.',
  'kube-prometheus-stack':
    'kube-prometheus-stack: from the prometheus-community Helm repository (a chart source, not Git); values inline. Healthy.',
  grafana:
    "grafana: the home lab's own Helm chart in Git (monitoring/grafana), values in values.yaml. Healthy.",
  'flash-api-prod':
    'flash-api-prod: BROKEN: prod was bumped to v1.15.0, but the registry has 1.15.0 (no "v"). The new pod is in ImagePullBackOff while the previous ReplicaSet keeps serving: a failed rollout, Degraded after the progress deadline.',
  'flash-gateway-staging':
    'flash-gateway-staging: BROKEN: a patch added a label to the Deployment selector, which is immutable; every sync since fails (SyncError), so the app is OutOfSync while the old pods run on.',
  'flash-pay-worker-staging':
    'flash-pay-worker-staging: BROKEN: the new env var reads key toss-secret-key, which flash-staging/flash-pay-secrets does not have: CreateContainerConfigError; the rollout is still Progressing.',
  'flash-web-prod':
    'flash-web-prod: DRIFT: someone ran kubectl scale --replicas=4 before the sale; Git says 2. OutOfSync (prod does not self-heal), still Healthy.',
};

export const noteFor = (name: string): string => {
  const note = appNotes[name];
  if (note) return note;
  const [svc, env] = [name.replace(/-(dev|staging|prod)$/, ''), name.split('-').at(-1)];
  return `${name}: Flash Tickets ${svc.replace('flash-', '')} in ${env}. Healthy.`;
};

export interface DemoWorld {
  applications: Record<string, unknown>[];
  objects: Obj[];
  sections: Map<number, string>;
  logs: Record<string, string>;
  history: { message: string; author: string; date: string; files: Record<string, string | null> }[];
  files: Record<string, string>;
}

export function buildWorld(): DemoWorld {
  const { runs, trees, head } = planRuns();
  const all = states();
  const run = (name: string) => {
    const r = runs.find((x) => x.def.name === name);
    if (!r) throw new Error(`no app ${name}`);
    return r;
  };

  // Child Applications exist once root-app has synced their manifest; their first sync follows.
  const root = run('root-app');
  // root-app itself was applied by hand right after the bootstrap commit.
  const createdAt = new Map<string, number>();
  for (const r of runs) {
    const born =
      r.def.name === 'root-app'
        ? (commits[0] as { at: number }).at + 25_000
        : (root.syncs.find((s) => appDefs(all[s.commit] as RepoState).some((d) => d.name === r.def.name))
            ?.at ?? 0) + 3000;
    const at = born;
    createdAt.set(r.def.name, at);
    const first = r.syncs[0];
    if (first && first.at < at + 15_000) {
      first.at = at + 15_000 + pick(`${r.def.name}/first`, 20) * 1000;
      first.startedAt = first.at - 4000;
    }
  }

  const c = new Cluster(nodes);
  c.section(
    'Nodes: three mini PCs on the home network; homelab-1 is the kubeadm control plane, untainted so it runs apps too.',
  );
  nodes.forEach((n, i) => c.add(nodeObject(n, i)));
  c.section('Namespaces: the system ones, and one per app (Argo CD creates them: CreateNamespace=true).');
  const system = ['default', 'kube-node-lease', 'kube-public', 'kube-system', 'local-path-storage', 'argocd'];
  for (const ns of system)
    c.add(
      namespaceObject(ns, CLUSTER_BORN + (ns === 'local-path-storage' || ns === 'argocd' ? 2 * HOUR : 0)),
    );
  const appNamespaces = [...new Set(runs.map((r) => r.def.namespace))].filter((ns) => !system.includes(ns));
  for (const ns of appNamespaces) {
    const firstSync = Math.min(
      ...runs.filter((r) => r.def.namespace === ns).map((r) => (r.syncs[0] ?? { at: NOW }).at),
    );
    c.add(namespaceObject(ns, firstSync - 1000));
  }
  c.section('Storage: local-path-provisioner makes hostPath volumes on the node that first uses them.');
  c.add({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: 'local-path',
      creationTimestamp: iso(CLUSTER_BORN + 2 * HOUR),
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: 'rancher.io/local-path',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  });

  c.section(noteFor('root-app'));
  for (const m of deployedManifests(root))
    if (m.kind === 'AppProject')
      c.manage('root-app', {
        ...structuredClone(m),
        metadata: {
          ...structuredClone(m.metadata),
          creationTimestamp: iso(firstSynced(root, m.kind, m.metadata.name)),
        },
      });

  const extras: Record<string, AppExtras> = {};
  const order = ['mysql', 'friend-app', 'naver-news', 'kube-prometheus-stack', 'grafana'];
  for (const name of order) {
    c.section(noteFor(name));
    const r = run(name);
    if (name === 'naver-news') naverNewsCrashLoop(c, r);
    else if (name === 'kube-prometheus-stack') kubePrometheusStack(c, r, head);
    else standardApp(c, r, homeLabLogs);
  }
  for (const env of ['dev', 'staging', 'prod'] as const) {
    for (const svc of ['flash-api', 'flash-gateway', 'flash-pay-worker', 'flash-web']) {
      const name = `${svc}-${env}`;
      const r = run(name);
      c.section(noteFor(name));
      const provider = head.tossSecretKey.includes(env) ? 'toss' : 'pg';
      if (name === 'flash-api-prod') flashApiBadTag(c, r);
      else if (name === 'flash-pay-worker-staging') payWorkerMissingKey(c, r);
      else if (name === 'flash-web-prod') {
        standardApp(c, r, flashLogs(env, provider), {
          'flash-web': { scaledByHand: { replicas: 4, at: NOW - 40 * MINUTE - 17_000 } },
        });
        extras[name] = { outOfSync: ['Deployment/flash-web'] };
      } else if (name === 'flash-gateway-staging') {
        standardApp(c, r, flashLogs(env, provider));
        extras[name] = {
          failure: {
            resource: 'Deployment/flash-gateway',
            message:
              'Deployment.apps "flash-gateway" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app.kubernetes.io/name":"flash-gateway", "tier":"edge"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
          },
        };
      } else standardApp(c, r, flashLogs(env, provider));
    }
  }

  // Argo CD's own events about the Applications (argocd namespace), within the hour.
  c.section('Events Argo CD recorded about Applications in the last hour (argocd namespace).');
  const appRef = (name: string): Obj => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd', uid: uid(`Application/${name}`) },
  });
  const controller = { component: 'argocd-application-controller' };
  c.event(appRef('naver-news'), {
    ...controller,
    reason: 'ResourceUpdated',
    message: 'Updated health status: Healthy -> Progressing',
    first: NAVER_NEWS_ROLLOUT - 50_000,
  });
  c.event(appRef('naver-news'), {
    ...controller,
    reason: 'ResourceUpdated',
    message: 'Updated health status: Progressing -> Degraded',
    first: NAVER_NEWS_ROLLOUT + 614_000,
  });
  c.event(appRef('flash-web-prod'), {
    ...controller,
    reason: 'ResourceUpdated',
    message: 'Updated sync status: Synced -> OutOfSync',
    first: NOW - 40 * MINUTE + 25_000,
  });
  const payStaging = run('flash-pay-worker-staging').syncs.at(-1) as Sync;
  c.event(appRef('flash-pay-worker-staging'), {
    ...controller,
    reason: 'ResourceUpdated',
    message: 'Updated health status: Healthy -> Progressing',
    first: payStaging.at + 4000,
  });

  const applications = runs.map((r) =>
    application(r, c, all, extras[r.def.name] ?? {}, createdAt.get(r.def.name) ?? NOW),
  );

  const history = commits.map((commit, i) => ({
    message: commit.message,
    author: commit.author,
    date: kst(commit.at),
    files: diffTrees(trees[i - 1] ?? {}, trees[i] as Record<string, string>),
  }));
  return {
    applications,
    objects: c.objects,
    sections: c.sections,
    logs: c.logs,
    history,
    files: trees[trees.length - 1] as Record<string, string>,
  };
}
