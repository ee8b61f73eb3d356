/**
 * Workloads as a GitOps story's syncs made them. An app's syncs are commits of the story's Git
 * history, each with when it ran; at each, Argo CD applied what Git said then (./gitops.ts renders
 * it). A workload's revisions are the distinct pod templates it was synced with, in rollout order,
 * and its generation counts the specs applied that differed from the one before — so the story says
 * only what Git cannot: when the syncs ran and how the pods fared.
 */
import type { Manifest } from '../reconciler/kustomize.ts';
import { templateHash } from '../reconciler/rollout.ts';
import { applied } from './applied.ts';
import { manifestTemplate } from './containers.ts';
import { controllerRevision } from './daemonsets.ts';
import { deployment } from './deployments.ts';
import type { AppCommits } from './gitops.ts';
import { isReady, pod } from './pods.ts';
import type { DeploymentInput, PodInput } from './schema.ts';
import { claim } from './storage.ts';
import type { Any, Obj, StoryWorld } from './world.ts';

export interface Sync {
  /** The commit's index in the history (oldest first). */
  commit: number;
  /** When the sync ran. */
  age: string;
}

/** A workload's manifest as one sync applied it. */
export interface Step {
  manifest: Manifest & { spec: Any };
  sync: Sync;
}

/** The manifest of a workload at each sync that applied it (`manifests`: an app's at each commit), oldest first. */
export function steps(manifests: AppCommits['manifests'], syncs: Sync[], kind: string, name: string): Step[] {
  return syncs.flatMap((sync) => {
    const m = manifests[sync.commit]?.find((x) => x.kind === kind && x.metadata.name === name);
    return m ? [{ manifest: m as Step['manifest'], sync }] : [];
  });
}

/** The distinct pod templates in rollout order, each with the sync that first rolled it out. */
export function templateRevisions(st: Step[]): Step[] {
  const out: Step[] = [];
  let last = '';
  for (const s of st) {
    const hash = templateHash(s.manifest.spec.template);
    if (hash !== last) out.push(s);
    last = hash;
  }
  return out;
}

/** The generation the API server counts: one for each applied spec that differs from the last. */
export function generation(st: Step[]): number {
  let g = 0;
  let last = '';
  for (const s of st) {
    const spec = JSON.stringify(s.manifest.spec);
    if (spec !== last) g += 1;
    last = spec;
  }
  return Math.max(1, g);
}

export interface SyncedDeploymentOrder {
  app: string;
  namespace: string;
  /** The Deployment's manifest at each sync (`steps`). */
  steps: Step[];
  /** The pods of the current revision; of the one before, while a rolling update keeps it serving. */
  pods: PodInput[];
  previousPods?: PodInput[];
  progress?: DeploymentInput['progress'];
  /** Scaled by hand since the last sync: the replicas now and when. */
  scaled?: { replicas: number; age: string };
  path: string;
}

/** A Deployment whose revisions are what Git said at its syncs, with the pods the story tells. */
export function syncedDeployment(w: StoryWorld, o: SyncedDeploymentOrder): Obj[] {
  const revisions = templateRevisions(o.steps);
  const first = o.steps[0];
  const last = o.steps.at(-1);
  if (!first || !last) throw new Error(`${o.app}: the Deployment was never synced`);
  const { name, labels } = last.manifest.metadata;
  const spec = last.manifest.spec;
  const n = revisions.length;
  const d: DeploymentInput = {
    name,
    replicas: o.scaled?.replicas ?? spec.replicas ?? 1,
    strategy: spec.strategy?.type === 'Recreate' ? 'Recreate' : 'RollingUpdate',
    progress: o.progress ?? 'done',
    podLabels: spec.template.metadata?.labels ?? {},
    revisions: revisions.map((r, i) => ({
      revision: i + 1,
      created: r.sync.age,
      ...(i === n - 1 && o.scaled ? { scaled: o.scaled.age } : {}),
      pods: i === n - 1 ? o.pods : i === n - 2 ? (o.previousPods ?? []) : [],
    })),
  };
  const pods = deployment(w, {
    app: o.app,
    namespace: o.namespace,
    d,
    named: {},
    path: o.path,
    templates: revisions.map((r) => manifestTemplate(r.manifest.spec.template)),
  });
  // What the API server keeps of the manifest: its labels, when it was first applied, its generation.
  const dep = w.find('Deployment', name, o.namespace) as Obj;
  const g = generation(o.steps);
  dep.metadata = {
    ...dep.metadata,
    creationTimestamp: w.at(first.sync.age),
    generation: g,
    labels: { ...labels },
  };
  dep.status.observedGeneration = g;
  // The spec is the manifest's with what the API server defaults; the selector often has fewer
  // labels than the template, and the ReplicaSets keep it as the sandbox's reconciler makes them.
  dep.spec = {
    progressDeadlineSeconds: 600,
    revisionHistoryLimit: 10,
    ...(spec.strategy?.type === 'Recreate' ? {} : { strategy: dep.spec.strategy }),
    ...structuredClone(spec),
    ...(o.scaled ? { replicas: o.scaled.replicas } : {}),
  };
  for (const rs of w.objects.filter((x) => x.metadata.ownerReferences?.[0]?.uid === dep.metadata.uid))
    rs.spec.selector = structuredClone(spec.selector);
  return pods;
}

export interface SyncedStatefulSetOrder {
  app: string;
  namespace: string;
  /** The StatefulSet's manifest at each sync (`steps`). */
  steps: Step[];
  /** Pod `i` of the StatefulSet; its claims are bound on its node (Pending while it has none). */
  pods: PodInput[];
  path: string;
}

/**
 * A StatefulSet whose revisions are what Git said at its syncs: a ControllerRevision for each pod
 * template, pod-<ordinal> of the current one, and each claim of its templates for each pod.
 */
export function syncedStatefulSet(w: StoryWorld, o: SyncedStatefulSetOrder): Obj[] {
  const first = o.steps[0];
  const revisions = templateRevisions(o.steps);
  if (!first) throw new Error(`${o.app}: the StatefulSet was never synced`);
  const g = generation(o.steps);
  const sts = applied(w, (o.steps.at(-1) as Step).manifest, { created: first.sync.age, generation: g });
  const name = sts.metadata.name as string;
  sts.spec = {
    podManagementPolicy: 'OrderedReady',
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    revisionHistoryLimit: 10,
    ...sts.spec,
  };
  const kept = revisions.map((r, i) =>
    controllerRevision(w, sts, i + 1, r.sync.age, r.manifest.spec.template),
  );
  const revision = (kept.at(-1) as Obj).metadata.name as string;
  const claims: Any[] = sts.spec.volumeClaimTemplates ?? [];
  const template = manifestTemplate(sts.spec.template);
  const pods = o.pods.map((def, i) => {
    const pvcs = claims.map((c) =>
      claim(w, {
        namespace: o.namespace,
        name: `${c.metadata.name}-${name}-${i}`,
        className: c.spec.storageClassName,
        size: c.spec.resources.requests.storage,
        accessModes: c.spec.accessModes,
        created: first.sync.age,
        labels: c.metadata.labels ?? {},
        bound: !!def.node,
        node: def.node,
      }),
    );
    const volumes = claims.map((c, j) => ({
      name: c.metadata.name,
      persistentVolumeClaim: { claimName: pvcs[j]?.metadata.name },
    }));
    return pod(w, {
      name: `${name}-${i}`,
      namespace: o.namespace,
      owner: sts,
      labels: {
        ...template.labels,
        'apps.kubernetes.io/pod-index': String(i),
        'controller-revision-hash': revision,
        'statefulset.kubernetes.io/pod-name': `${name}-${i}`,
      },
      template: {
        ...template,
        spec: { ...template.spec, volumes: [...volumes, ...(template.spec.volumes ?? [])] },
      },
      def,
      path: `${o.path}.pods.${i}`,
    });
  });
  const ready = pods.filter(isReady).length;
  sts.status = {
    availableReplicas: ready,
    collisionCount: 0,
    currentReplicas: pods.length,
    currentRevision: revision,
    observedGeneration: g,
    ...(ready ? { readyReplicas: ready } : {}),
    replicas: pods.length,
    updateRevision: revision,
    updatedReplicas: pods.length,
  };
  return pods;
}
