/**
 * A story: a small world said as what happened (a rollout, a container that crash-loops, a claim
 * that never binds) rather than as the API objects that show it. The library in this folder writes
 * the objects; this is what a story document may say.
 */
import { z } from 'zod';
import { CiSchema } from '../ci-schema.ts';
import type { Any } from './world.ts';
import { Age, ContainerSchema, Count, EventSchema, Labels, PodSchema, StoryLogs } from './schema-pods.ts';

export * from './schema-pods.ts';

export const RevisionSchema = z.strictObject({
  revision: z.number().int().min(1),
  /** When the rollout made its ReplicaSet. */
  created: Age,
  /** When it was last scaled, when that (not its creation) is the Deployment's latest change. */
  scaled: Age.optional(),
  /** Absent: the previous revision's, with `image`, `requests`, `limits` and `env` changed on the first. */
  containers: z.array(ContainerSchema).min(1).optional(),
  image: z.string().optional(),
  requests: Labels.optional(),
  limits: Labels.optional(),
  env: z.array(z.looseObject({ name: z.string() })).optional(),
  init: z.array(ContainerSchema).optional(),
  schedulerName: z.string().optional(),
  pods: z.array(PodSchema).default([]),
  /** The ReplicaSet's spec.replicas; the number of its pods by default. */
  replicas: z.number().int().min(0).optional(),
  /** The API server refused to create more pods (a quota): its reason, and the FailedCreate events. */
  refused: z.strictObject({ message: z.string(), since: Age, count: Count, last: Age }).optional(),
});
export type RevisionInput = z.output<typeof RevisionSchema>;

export const DeploymentSchema = z.strictObject({
  name: z.string(),
  component: z.string().optional(),
  replicas: z.number().int().min(0),
  strategy: z.enum(['RollingUpdate', 'Recreate']).default('RollingUpdate'),
  /** done: rolled out; rolling: within the deadline; deadline: ProgressDeadlineExceeded. */
  progress: z.enum(['done', 'rolling', 'deadline']).default('done'),
  /** Labels of the pod template when they differ from the name label. */
  podLabels: Labels.optional(),
  revisions: z.array(RevisionSchema).min(1),
});
export type DeploymentInput = z.output<typeof DeploymentSchema>;

export const StatefulSetSchema = z.strictObject({
  name: z.string(),
  created: Age,
  container: ContainerSchema,
  /** The claim template `data`; its claim data-<name>-0 is Bound when `bound`. */
  storage: z.strictObject({
    className: z.string(),
    size: z.string(),
    bound: z.boolean().default(false),
    events: z.array(EventSchema).default([]),
  }),
  pod: PodSchema,
});
export type StatefulSetInput = z.output<typeof StatefulSetSchema>;

const JobFields = {
  name: z.string(),
  container: ContainerSchema,
  backoffLimit: z.number().int().min(0).default(3),
  /** The Job's pods, one a run, oldest first. */
  runs: z.array(PodSchema).min(1),
  /** When the Job completed or failed; 95 seconds after its last run started when absent. */
  finished: Age.optional(),
  events: z.array(EventSchema).default([]),
};
export const CronJobSchema = z.strictObject({
  ...JobFields,
  schedule: z.string(),
  /** The moment the Job of this story was scheduled. */
  scheduled: z.string().datetime({ offset: true }),
});
export const HookSchema = z.strictObject({
  ...JobFields,
  hook: z.enum(['PreSync', 'Sync', 'PostSync', 'SyncFail']),
  created: Age,
});
export type CronJobInput = z.output<typeof CronJobSchema>;
export type HookInput = z.output<typeof HookSchema>;

const ServiceSchema = z.strictObject({
  name: z.string(),
  selector: Labels,
  port: z.number().int().default(80),
  headless: z.boolean().default(false),
});
export type ServiceInput = z.output<typeof ServiceSchema>;

const HpaSchema = z.strictObject({
  /** The Deployment it scales (and its own name). */
  name: z.string(),
  min: z.number().int(),
  max: z.number().int(),
  current: z.number().int(),
  desired: z.number().int(),
  cpu: z.strictObject({ now: z.number().int(), target: z.number().int() }),
  events: z.array(EventSchema).default([]),
});
export type HpaInput = z.output<typeof HpaSchema>;

const IngressSchema = z.strictObject({
  name: z.string(),
  host: z.string(),
  className: z.string().default('nginx'),
  /** The load balancer's address; Progressing without one. */
  ip: z.string().optional(),
});
export type IngressInput = z.output<typeof IngressSchema>;

/** A sync that failed: when it ran, what failed (a resource the API server refused, or a hook), how often it was retried. */
const FailedSyncSchema = z.strictObject({
  /** In a story with an app of apps: the first commit (HEAD~n) that no sync could apply; every later one failed too. */
  from: z.string().optional(),
  /** When the last attempt started and ended; in a story with an app of apps, after the newest commit by default. */
  started: Age.optional(),
  finished: Age.optional(),
  retried: z.number().int().min(1).optional(),
  failed: z
    .array(
      z.strictObject({
        kind: z.string(),
        name: z.string(),
        /** The API server's answer; a hook's comes from its Job. */
        message: z.string().optional(),
      }),
    )
    .min(1),
});
export type FailedSyncInput = z.output<typeof FailedSyncSchema>;

/** A workload whose manifests come from the story's Git repository: only how its pods fared is told. */
const GitWorkloadSchema = z.strictObject({
  /** Its pods now (of the current revision); pod `i` of a StatefulSet, one a node of a DaemonSet. */
  pods: z.array(PodSchema).default([]),
  /** A Deployment's pods of the revision before, while a rolling update keeps them serving. */
  previousPods: z.array(PodSchema).optional(),
  progress: z.enum(['done', 'rolling', 'deadline']).optional(),
});
export type GitWorkloadInput = z.output<typeof GitWorkloadSchema>;

export const AppSchema = z.strictObject({
  name: z.string(),
  /** Where it deploys and from which path; in a story with an app of apps, its Application in Git says. */
  namespace: z.string().optional(),
  path: z.string().optional(),
  /**
   * Deployed commits, oldest first, with the age of each deployment: keys that become commit ids,
   * or in a story with `git`, `HEAD` and `HEAD~n` of its history. In a story with an app of apps,
   * every commit that changed what the app renders, synced a minute or two after it by default.
   */
  history: z
    .array(z.strictObject({ commit: z.string(), age: Age }))
    .min(1)
    .optional(),
  /** Who pressed Sync, for an app without automated sync in a story with an app of apps. */
  syncedBy: z.string().default('admin'),
  /** Workloads someone scaled by hand since the last sync (`Deployment/<name>`): OutOfSync, as Argo CD sees it. */
  drift: z
    .record(
      z.string().regex(/^Deployment\/.+$/),
      z.strictObject({ replicas: z.number().int().min(0), age: Age }),
    )
    .default({}),
  /** Events Argo CD recorded about the Application. */
  events: z.array(EventSchema).default([]),
  /** What Git's branch resolves to now, when newer than the deployed commit. */
  target: z.string().optional(),
  /** Managed resources (`Kind/name`) that differ from Git: the app is OutOfSync. */
  outOfSync: z.array(z.string()).default([]),
  /** Automated sync with self-heal (the default), without it, or manual sync only. */
  sync: z.enum(['auto', 'auto-no-self-heal', 'manual']).default('auto'),
  failedSync: FailedSyncSchema.optional(),
  sourceType: z.string().default('Kustomize'),
  deployments: z.array(DeploymentSchema).default([]),
  statefulSets: z.array(StatefulSetSchema).default([]),
  cronJobs: z.array(CronJobSchema).default([]),
  hooks: z.array(HookSchema).default([]),
  services: z.array(ServiceSchema).default([]),
  configMaps: z.array(z.strictObject({ name: z.string(), data: Labels })).default([]),
  ingresses: z.array(IngressSchema).default([]),
  hpas: z.array(HpaSchema).default([]),
  /**
   * In a story with `git`: the app's objects are what its syncs (`history`) applied from Git, and
   * this says how the pods of each workload (`Deployment/<name>`, `StatefulSet/<name>`,
   * `DaemonSet/<name>`) fared. In a story with an app of apps, a workload left out runs ready pods.
   */
  fromGit: z
    .record(z.string().regex(/^(Deployment|StatefulSet|DaemonSet)\/.+$/), GitWorkloadSchema)
    .default({}),
});
export type AppInput = z.output<typeof AppSchema>;

/** What Argo CD recorded of one deployment of an app whose Application is in Git. */
export interface GitSync {
  revision: string;
  source: unknown;
  initiatedBy: { automated: true } | { username: string };
}

/** An app with where it deploys, its deployments and (from an app of apps) its Application in Git. */
export type StoryApp = Omit<AppInput, 'namespace' | 'path' | 'history' | 'failedSync'> & {
  namespace: string;
  path: string;
  history: { commit: string; age: string }[];
  failedSync?: FailedSyncInput & { started: string; finished: string };
  git?: {
    /** The Application as Git has it at the head. */
    manifest: { metadata: Any; spec: Any };
    /** Per history entry: the revision and source Argo CD recorded, and who started it. */
    syncs: GitSync[];
    /** What the last sync did to each resource (`syncResult.resources`). */
    results: unknown[];
    /** The Applications an app of apps manages. */
    children: { metadata: { name: string; namespace?: string } }[];
    /** What a Helm app's chart renders, and what an operator makes for its custom resources. */
    chart?: { manifests: unknown[]; operated: unknown[] };
  };
};

const NodeSchema = z.union([
  z.string(),
  z.strictObject({
    name: z.string(),
    cpu: z.string().default('4'),
    memory: z.string().default('8Gi'),
    /** Its address on the network (10.0.0.x by default, one a node); pods on the host network share it. */
    ip: z.string().optional(),
    /** A kubeadm control-plane node (labelled so; untainted, it runs apps too). */
    controlPlane: z.boolean().default(false),
    /** When it last booted: its conditions changed then (41 days ago by default). */
    booted: Age.optional(),
    /** The kubelet stopped posting status this long ago. */
    lostFor: Age.optional(),
    events: z.array(EventSchema).default([]),
  }),
]);

export const StorySchema = z.strictObject({
  apiVersion: z.literal('deckhand.dev/v1alpha1'),
  kind: z.literal('Story'),
  metadata: z.strictObject({ name: z.string().min(1), description: z.string().optional() }),
  /** The moment the story describes; ages count back from it. */
  now: z.string().datetime({ offset: true }),
  argocd: z.strictObject({ name: z.string().default('default'), url: z.string().optional() }).prefault({}),
  cluster: z
    .strictObject({
      name: z.string().default('in-cluster'),
      server: z.string().default('https://kubernetes.default.svc'),
    })
    .prefault({}),
  /** The Git repository the apps' sources are in. */
  repo: z.string(),
  /**
   * Its files and history, kept beside the story (paths relative to the story's folder): the
   * branch head's tree as a directory, and the commits as a list of what each added and a unified
   * diff of what it changed (see ./git.ts).
   */
  git: z
    .strictObject({
      branch: z.string().default('master'),
      files: z.string(),
      history: z.string(),
      ci: CiSchema.optional(),
    })
    .optional(),
  /**
   * The app of apps: its Application's path in the story's Git. The story's apps are then the
   * Applications it finds there, each deployed as its Application in Git says; `apps` tells only
   * what Git cannot (how pods fared, drift, failed syncs), and apps it leaves out run healthy.
   */
  appOfApps: z.string().optional(),
  /**
   * What Helm apps' charts render, by app (the sandbox applies values to workloads but does not run
   * templates): files of manifests beside the story, and what an operator makes for the custom
   * resources among them (each naming its owner by kind and name).
   */
  charts: z
    .record(z.string(), z.strictObject({ manifests: z.string(), operated: z.string().optional() }))
    .default({}),
  /**
   * Logs of running containers whose pod does not give its own, by container name (or
   * `<namespace>/<container>`): text, or `file:` beside the story. A log is written as one start of
   * the app; each container's copy has its timestamps moved to when that container started.
   */
  logs: StoryLogs.default({}),
  /** Copied into the scenario as they are (see the scenario's registries and simulation). */
  registries: z.array(z.unknown()).optional(),
  simulation: z.unknown().optional(),
  nodes: z.array(NodeSchema).default([]),
  storageClasses: z
    .array(z.strictObject({ name: z.string(), created: Age, default: z.boolean().default(false) }))
    .default([]),
  namespaces: z.array(z.string()).default([]),
  /** Containers that workloads start from (`like: <name>`). */
  containers: z.record(z.string(), ContainerSchema).default({}),
  apps: z.array(AppSchema).default([]),
  /** ResourceQuotas, with what is in use; `app` is the instance label of what manages them. */
  quotas: z
    .array(
      z.strictObject({
        namespace: z.string(),
        name: z.string(),
        app: z.string().optional(),
        hard: Labels,
        used: Labels,
      }),
    )
    .default([]),
});
export type StoryInput = z.output<typeof StorySchema>;
export type NodeInput = Exclude<StoryInput['nodes'][number], string>;
