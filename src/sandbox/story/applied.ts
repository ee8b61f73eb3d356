/**
 * Manifests from Git as the API server stores them once Argo CD applied them: the manifest with its
 * uid, creation time and generation, and for the kinds whose controllers report back, the status
 * they write — a CustomResourceDefinition's names accepted and established, and the Prometheus or
 * Alertmanager an operator reconciled into a StatefulSet (Available, Reconciled). Kinds with no
 * status of their own (an AppProject, a ConfigMap) are the manifest alone. A Service gets the
 * cluster IP the API server allocated and the Endpoints the endpoints controller keeps.
 */
import type { Manifest } from '../reconciler/kustomize.ts';
import { clusterIpSpec, endpoints } from './services.ts';
import { hex, type Any, type Obj, type StoryWorld } from './world.ts';

export interface Applied {
  /** When it was first applied. */
  created: string;
  /** How many changes to its spec were applied (1 when absent). */
  generation?: number;
}

/** The manifest as stored; cluster-scoped when it has no namespace. */
export function applied(w: StoryWorld, m: Manifest, o: Applied): Obj {
  const { name, namespace, ...rest } = structuredClone(m.metadata) as Any;
  // The API server counts generations of everything but the core kinds (v1: Services, ConfigMaps, …).
  const versioned = m.apiVersion !== 'v1';
  return w.add({
    ...structuredClone(m),
    metadata: {
      ...w.meta(m.kind, name, namespace, o.created),
      ...(versioned ? { generation: o.generation ?? 1 } : {}),
      ...rest,
    },
  });
}

/** A CustomResourceDefinition, its names accepted and the API established when it was applied. */
export function customResourceDefinition(w: StoryWorld, m: Manifest, o: Applied): Obj {
  const crd = applied(w, m, o);
  const at = crd.metadata.creationTimestamp;
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    reason,
    message,
    lastTransitionTime: at,
  });
  crd.status = {
    acceptedNames: structuredClone(crd.spec.names),
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    storedVersions: (crd.spec.versions as Any[]).filter((v) => v.storage).map((v) => v.name),
  };
  return crd;
}

export interface Operated extends Applied {
  /** When the operator last reconciled it, and when its pods were last all available. */
  reconciled: string;
  available: string;
  /** The label selector of the pods the operator runs for it. */
  selector: string;
  /** Replicas running now (the spec's by default). */
  ready?: number;
}

/** A Prometheus or Alertmanager as the Prometheus Operator reports it. */
export function operatedResource(w: StoryWorld, m: Manifest, o: Operated): Obj {
  const cr = applied(w, m, o);
  const generation = cr.metadata.generation;
  const replicas = (cr.spec.replicas as number | undefined) ?? 1;
  const ready = o.ready ?? replicas;
  const condition = (type: string, ok: boolean, at: string) => ({
    type,
    status: ok ? 'True' : 'False',
    lastTransitionTime: w.at(at),
    observedGeneration: generation,
  });
  const counts = { replicas, updatedReplicas: ready, unavailableReplicas: replicas - ready };
  cr.status = {
    availableReplicas: ready,
    conditions: [
      condition('Available', ready === replicas, o.available),
      condition('Reconciled', true, o.reconciled),
    ],
    paused: false,
    replicas,
    selector: o.selector,
    // A Prometheus is sharded; each shard reports its replicas.
    ...(m.kind === 'Prometheus'
      ? {
          shardStatuses: [{ availableReplicas: ready, ...counts, shardID: '0' }],
          shards: (cr.spec.shards as number | undefined) ?? 1,
        }
      : {}),
    unavailableReplicas: replicas - ready,
    updatedReplicas: ready,
  };
  return cr;
}

/** A Service from Git: the manifest with what the API server fills in, and its Endpoints from `pods`. */
export function appliedService(w: StoryWorld, m: Manifest, o: Applied, pods: Obj[]): Obj {
  const svc = applied(w, m, o);
  const spec = svc.spec;
  const octet = (k: string) =>
    parseInt(hex(`${w.seed}/${svc.metadata.namespace}/${svc.metadata.name}/${k}`, 2), 16);
  const clusterIP = spec.clusterIP ?? `10.96.${octet('ip')}.${(octet('ip2') % 250) + 2}`;
  svc.spec = {
    type: 'ClusterIP',
    ...spec,
    ...clusterIpSpec(clusterIP),
    ports: (spec.ports as Any[]).map((p) => ({
      ...p,
      protocol: p.protocol ?? 'TCP',
      targetPort: p.targetPort ?? p.port,
    })),
  };
  svc.status = { loadBalancer: {} };
  endpoints(w, svc, pods, o.created);
  return svc;
}
