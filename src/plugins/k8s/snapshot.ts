/**
 * The collected state of one application: what Argo CD says about it and what its cluster runs.
 * Diagnosis, digests and status cards all read this one shape; the collector fills it with
 * concurrent requests and records what it could not fetch instead of failing as a whole.
 * Kubernetes objects are the client library's types (timestamps are Date objects).
 */
import type {
  CoreV1Event,
  V1DaemonSet,
  V1Deployment,
  V1Endpoints,
  V1Job,
  V1Node,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ReplicaSet,
  V1ResourceQuota,
  V1Service,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { Application, ApplicationTree, ManagedResource } from '../argocd/index.ts';

export interface ContainerLogs {
  /** The tail of the running (or last started) container's log. */
  current?: string;
  /** The tail of the previous, terminated instance's log (after a restart). */
  previous?: string;
}

export interface AppSnapshot {
  /** The Argo CD instance the app lives in. */
  instance: string;
  /** The cluster (by name) the app deploys to, when known. */
  cluster?: string;
  app: Application;
  tree: ApplicationTree;
  pods: V1Pod[];
  deployments: V1Deployment[];
  statefulSets: V1StatefulSet[];
  daemonSets: V1DaemonSet[];
  replicaSets: V1ReplicaSet[];
  jobs: V1Job[];
  services: V1Service[];
  endpoints: V1Endpoints[];
  hpas: V2HorizontalPodAutoscaler[];
  pvcs: V1PersistentVolumeClaim[];
  /** Nodes the app's pods run on (or were scheduled to). */
  nodes: V1Node[];
  /** Quotas of the app's namespaces. */
  quotas: V1ResourceQuota[];
  /** Kubernetes events whose involved object belongs to the app (pods, workloads, PVCs, …). */
  events: CoreV1Event[];
  /** Argo CD's own events about the Application (sync started, failed, …). */
  appEvents: CoreV1Event[];
  /**
   * Argo CD's diff of the managed resources (read when the app is OutOfSync): what differs from
   * Git, what is not created, what is to be pruned — as `/argo diff` shows it.
   */
  managed?: ManagedResource[];
  /** Logs of containers that are failing or restarted, keyed `<namespace>/<pod>/<container>`. */
  logs: Record<string, ContainerLogs>;
  collectedAt: number;
  /**
   * What could not be collected, so readers know the picture is partial: the source
   * (`kubernetes:pods/<ns>`, `argocd:resource-tree`, `cluster`, …) and why, in the backend's words.
   */
  gaps: { source: string; message: string }[];
  /** How many requests the collection made (for the benchmark and the curious). */
  requests: number;
}
