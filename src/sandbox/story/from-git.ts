/**
 * A story's app whose objects come from its Git repository (`fromGit`): the app's deployed commits
 * (`history`: HEAD~n) are its syncs; at each, the sandbox's renderer says what Git asked to run
 * (./gitops.ts). What the last sync applied is in the world — the workloads built by ./synced.ts
 * and ./daemonsets.ts with the pods the story tells, the rest by ./applied.ts. In a story with an
 * app of apps, a workload the story leaves out runs ready pods, and a Helm app's chart output and
 * what an operator makes for its custom resources come from the story's files.
 */
import type { Manifest } from '../reconciler/kustomize.ts';
import { applied, appliedService, customResourceDefinition, operatedResource } from './applied.ts';
import { StoryProblem } from './containers.ts';
import { daemonSet } from './daemonsets.ts';
import { event } from './events.ts';
import { renderedAt, trees, type GitCommit } from './gitops.ts';
import type { GitWorkloadInput, PodInput, StoryApp } from './schema.ts';
import {
  generation,
  steps,
  syncedDeployment,
  syncedStatefulSet,
  templateRevisions,
  type Step,
  type Sync,
} from './synced.ts';
import { hex, ownerRef, type Any, type Obj, type StoryWorld } from './world.ts';

/** A story's Git history with each commit's tree, worked out once for all its apps. */
export interface StoryGit {
  history: GitCommit[];
  trees: Map<string, string>[];
}

export const storyGit = (history: GitCommit[]): StoryGit => ({ history, trees: trees(history) });

/** The commit `HEAD~n` names, as an index into the history. */
function commitOf(git: StoryGit, ref: string, path: string): number {
  const m = /^HEAD(?:~(\d+))?$/.exec(ref);
  const i = git.history.length - 1 - Number(m?.[1] ?? 0);
  if (!m || i < 0)
    throw new StoryProblem(
      path,
      `${ref}: a story with git names deployed commits HEAD or HEAD~n of its history`,
    );
  return i;
}

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];
const OPERATED = ['Prometheus', 'Alertmanager'];

/** What a workload's syncs and the story say, and the nodes pods go to when the story leaves them out. */
interface WorkloadOrder {
  app: StoryApp;
  steps: Step[];
  ref: string;
  told: GitWorkloadInput | undefined;
  nodes: string[];
  where: string;
}

/**
 * Pods the story left out: ready ones of the current template, started seconds after it was
 * rolled out, on nodes picked by name — one a node for a DaemonSet.
 */
function readyPods(o: WorkloadOrder, kind: string, synced: number): GitWorkloadInput {
  const rolled = (templateRevisions(o.steps).at(-1) ?? (o.steps[0] as Step)).sync.age;
  const drift = o.app.drift[o.ref];
  const replicas = drift?.replicas ?? synced;
  // Pods beyond what the sync asked for came when someone scaled the workload by hand.
  const created = (i: number) => {
    const at = i >= synced && drift ? drift.age : rolled;
    return `${Math.max(0, Number(at.slice(0, -1)) * unit(at) - 3 - i)}s`;
  };
  const node = (i: number) =>
    o.nodes[(parseInt(hex(`${o.app.name}/${o.ref}`, 6), 16) + i) % o.nodes.length] as string;
  const pods: PodInput[] =
    kind === 'DaemonSet'
      ? o.nodes.map((n, i) => ({ created: created(i), node: n, events: [] }))
      : Array.from({ length: replicas }, (_, i) => ({ created: created(i), node: node(i), events: [] }));
  return { pods };
}

const unit = (age: string) => ({ s: 1, m: 60, h: 3600, d: 86400 })[age.slice(-1) as 's'] ?? 1;

/** A workload as its syncs made it, with the pods the story tells. */
function workload(w: StoryWorld, o: WorkloadOrder): Obj[] {
  const [kind] = o.ref.split('/') as [string];
  const st = o.steps;
  const first = st[0] as Step;
  const spec = (st.at(-1) as Step).manifest.spec;
  const drift = o.app.drift[o.ref];
  const d = o.told ?? readyPods(o, kind, spec.replicas ?? 1);
  const order = { app: o.app.name, namespace: o.app.namespace, steps: st, pods: d.pods, path: o.where };
  if (kind === 'Deployment') {
    const pods = syncedDeployment(w, {
      ...order,
      previousPods: d.previousPods,
      progress: d.progress,
      ...(drift ? { scaled: drift } : {}),
    });
    if (drift) scaledByHand(w, o, spec.replicas ?? 1, drift);
    return pods;
  }
  if (kind === 'StatefulSet') return syncedStatefulSet(w, order);
  const onNodes = d.pods.map((p, i) => {
    if (!p.node) throw new StoryProblem(`${o.where}.pods.${i}.node`, 'a DaemonSet’s pod says its node');
    return [p.node, p] as const;
  });
  return daemonSet(w, (st.at(-1) as Step).manifest, {
    created: first.sync.age,
    generation: generation(st),
    rolled: (templateRevisions(st).at(-1) ?? first).sync.age,
    pods: Object.fromEntries(onNodes),
    path: o.where,
  });
}

/** The event of `kubectl scale` on a Deployment: its controller scaled the current ReplicaSet. */
function scaledByHand(
  w: StoryWorld,
  o: WorkloadOrder,
  from: number,
  drift: { replicas: number; age: string },
) {
  const name = o.ref.split('/')[1] as string;
  const dep = w.find('Deployment', name, o.app.namespace) as Obj;
  const rs = w.objects
    .filter((x) => x.kind === 'ReplicaSet' && x.metadata.ownerReferences?.[0]?.uid === dep.metadata.uid)
    .at(-1);
  const way = drift.replicas > from ? 'up' : 'down';
  event(w, dep, {
    reason: 'ScalingReplicaSet',
    message: `Scaled ${way} replica set ${rs?.metadata.name} from ${from} to ${drift.replicas}`,
    type: 'Normal',
    first: drift.age,
    last: drift.age,
    component: 'deployment-controller',
  });
}

/** The story's apps so far, and what a story with an app of apps adds: the nodes for pods left out. */
export interface FromGitOrder {
  git: StoryGit | undefined;
  nodes: string[];
  path: string;
}

/**
 * Everything the app's last sync applied, as its syncs made it: the workloads of `fromGit` with
 * their pods, Services with Endpoints, CRDs established, the rest as stored. Returns the pods.
 */
export function fromGit(w: StoryWorld, a: StoryApp, o: FromGitOrder): Obj[] {
  const { git, path } = o;
  const ofAppOfApps = !!a.git;
  if (!ofAppOfApps && !Object.keys(a.fromGit).length) return [];
  if (!git) throw new StoryProblem(`${path}.fromGit`, 'workloads from Git need the story’s git');
  const syncs: Sync[] = a.history.map((h, i) => ({
    commit: commitOf(git, h.commit, `${path}.history.${i}.commit`),
    age: h.age,
  }));
  const app = a.git?.manifest ?? {
    metadata: { name: a.name },
    spec: { source: { path: a.path }, destination: { namespace: a.namespace } },
  };
  const chart = a.git?.chart;
  // Rendered at the synced commits only: what Git said in between was never applied.
  const synced = new Set(syncs.map((x) => x.commit));
  const manifests = renderedAt(
    git.trees,
    (i) => (synced.has(i) ? app : undefined),
    () => structuredClone((chart?.manifests ?? []) as Manifest[]),
  );
  for (const ref of Object.keys(a.fromGit)) {
    const [kind, name] = ref.split('/') as [string, string];
    const made = chart?.operated.some((m: Any) => m.kind === kind && m.metadata.name === name);
    if (!made && !steps(manifests, syncs, kind, name).length)
      throw new StoryProblem(`${path}.fromGit.${ref}`, `no sync of the app applied ${ref}`);
  }
  const last = manifests[(syncs.at(-1) as Sync).commit] ?? [];
  const stepsOf = (m: Manifest) => steps(manifests, syncs, m.kind, m.metadata.name);
  const told = (ref: string, where: string) => {
    const d = a.fromGit[ref];
    if (!d && !ofAppOfApps) throw new StoryProblem(where, `Git has ${ref}: say how its pods fared`);
    return d;
  };
  const order = (m: Manifest, st: Step[]): WorkloadOrder => {
    const ref = `${m.kind}/${m.metadata.name}`;
    return {
      app: a,
      steps: st,
      ref,
      told: told(ref, `${path}.fromGit`),
      nodes: o.nodes,
      where: `${path}.fromGit.${ref}`,
    };
  };
  const pods = last
    .filter((m) => WORKLOADS.includes(m.kind))
    .flatMap((m) => workload(w, order(m, stepsOf(m))));
  const services: Manifest[] = [];
  for (const m of last) {
    if (WORKLOADS.includes(m.kind) || m.kind === 'Application') continue;
    const st = stepsOf(m);
    const applied_ = { created: (st[0] as Step).sync.age, generation: generation(st) };
    if (m.kind === 'Service') services.push(m);
    else if (m.kind === 'CustomResourceDefinition') customResourceDefinition(w, m, applied_);
    else if (OPERATED.includes(m.kind)) pods.push(...operated(w, a, m, st, order, chart?.operated ?? []));
    else applied(w, m, applied_);
  }
  // Services last, so that their Endpoints see every pod (an operator's too).
  for (const m of services) {
    const st = stepsOf(m);
    appliedService(w, m, { created: (st[0] as Step).sync.age, generation: generation(st) }, pods);
  }
  return pods;
}

/**
 * A Prometheus or Alertmanager and what the Prometheus Operator made for it (the story's file of
 * what it operates: a StatefulSet and its governing Service, owned by the resource).
 */
function operated(
  w: StoryWorld,
  a: StoryApp,
  m: Manifest,
  st: Step[],
  order: (m: Manifest, st: Step[]) => WorkloadOrder,
  made: unknown[],
): Obj[] {
  const mine = (made as Manifest[]).filter((x: Any) => {
    const owner = x.metadata.ownerReferences?.[0];
    return owner?.kind === m.kind && owner?.name === m.metadata.name;
  });
  const sts = mine.find((x) => x.kind === 'StatefulSet') as (Manifest & { spec: Any }) | undefined;
  const selector = Object.entries(sts?.spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const first = (st[0] as Step).sync.age;
  const cr = operatedResource(w, m, {
    created: first,
    generation: generation(st),
    reconciled: (st.at(-1) as Step).sync.age,
    available: (st.at(-1) as Step).sync.age,
    selector,
  });
  const own = (o: Obj) => {
    o.metadata.ownerReferences = [ownerRef(cr)];
    return o;
  };
  // The operator rewrites its StatefulSet when the resource changes: one step for each of the resource's.
  const pods = sts
    ? workload(
        w,
        order(
          sts,
          st.map((s) => ({ manifest: structuredClone(sts), sync: s.sync })),
        ),
      )
    : [];
  const set = sts && w.find('StatefulSet', sts.metadata.name, a.namespace);
  if (set) own(set);
  for (const x of mine.filter((y) => y.kind === 'Service')) {
    const { ownerReferences: _, ...meta } = x.metadata as Any;
    own(appliedService(w, { ...x, metadata: meta }, { created: first }, pods));
  }
  return pods;
}
