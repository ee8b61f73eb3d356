/**
 * A DaemonSet from Git as the cluster runs it: the DaemonSet with its status, the
 * ControllerRevision that keeps its pod template (named by the template's hash, as the sandbox's
 * rollout code names ReplicaSets), and one pod on each node, made from the manifest's template.
 */
import type { Manifest } from '../reconciler/kustomize.ts';
import { templateHash } from '../reconciler/rollout.ts';
import type { Applied } from './applied.ts';
import { applied } from './applied.ts';
import { manifestTemplate } from './containers.ts';
import { isReady, pod } from './pods.ts';
import type { PodInput } from './schema.ts';
import { ownerRef, podName, type Any, type Obj, type StoryWorld } from './world.ts';

/** A revision of its pod template (the current one by default) a StatefulSet or DaemonSet keeps. */
export function controllerRevision(
  w: StoryWorld,
  owner: Obj,
  revision: number,
  created: string,
  of: Any = owner.spec.template,
): Obj {
  const template = structuredClone(of);
  const hash = templateHash(template);
  const name = `${owner.metadata.name}-${hash}`;
  return w.add({
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      ...w.meta('ControllerRevision', name, owner.metadata.namespace, created),
      labels: { ...(template.metadata?.labels ?? {}), 'controller.kubernetes.io/hash': hash },
      ownerReferences: [ownerRef(owner)],
    },
    data: { spec: { template: { ...template, $patch: 'replace' } } },
    revision,
  });
}

export interface DaemonSetOrder extends Applied {
  /** The pod on each node, by node name (one a node; `node` is filled in). */
  pods: Record<string, Omit<PodInput, 'node'>>;
  /** When the current template was rolled out (its ControllerRevision); `created` by default. */
  rolled?: string;
  path: string;
}

/** The DaemonSet a manifest asks for, its revision and its pods; returns the pods. */
export function daemonSet(w: StoryWorld, m: Manifest, o: DaemonSetOrder): Obj[] {
  const generation = o.generation ?? 1;
  const ds = applied(w, m, o);
  ds.metadata.annotations = {
    ...(ds.metadata.annotations ?? {}),
    'deprecated.daemonset.template.generation': String(generation),
  };
  ds.spec = { revisionHistoryLimit: 10, ...ds.spec };
  const hash = controllerRevision(w, ds, generation, o.rolled ?? o.created).metadata.labels[
    'controller.kubernetes.io/hash'
  ] as string;
  const template = manifestTemplate(ds.spec.template as Any);
  const prefix = ds.metadata.name as string;
  const pods = Object.entries(o.pods).map(([node, def], i) =>
    pod(w, {
      name: podName(prefix, i, ds.metadata.namespace),
      namespace: ds.metadata.namespace,
      owner: ds,
      labels: {
        ...template.labels,
        'controller-revision-hash': hash,
        'pod-template-generation': String(generation),
      },
      template,
      def: { ...def, node } as PodInput,
      path: `${o.path}.pods.${node}`,
    }),
  );
  const n = pods.length;
  const ready = pods.filter(isReady).length;
  ds.status = {
    currentNumberScheduled: n,
    desiredNumberScheduled: n,
    numberAvailable: ready,
    numberMisscheduled: 0,
    numberReady: ready,
    ...(ready < n ? { numberUnavailable: n - ready } : {}),
    observedGeneration: generation,
    updatedNumberScheduled: n,
  };
  return pods;
}
