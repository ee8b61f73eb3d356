/**
 * The parts of Argo CD's API objects deckhand reads, as the REST API returns them (JSON tags of
 * the Go types; see the swagger definitions v1alpha1Application, v1alpha1ApplicationTree).
 * Optional almost everywhere because the API omits empty fields.
 */
export type SyncStatusCode = 'Synced' | 'OutOfSync' | 'Unknown';
export type HealthStatusCode = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
export type OperationPhase = 'Running' | 'Terminating' | 'Failed' | 'Error' | 'Succeeded';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

export interface ApplicationSource {
  repoURL: string;
  path?: string;
  targetRevision?: string;
  chart?: string;
  ref?: string;
  helm?: {
    valueFiles?: string[];
    values?: string;
    valuesObject?: Record<string, unknown>;
    parameters?: { name: string; value: string; forceString?: boolean }[];
    releaseName?: string;
  };
  kustomize?: {
    images?: string[];
    namePrefix?: string;
    nameSuffix?: string;
    replicas?: { name: string; count: number | string }[];
  };
  directory?: { recurse?: boolean; include?: string; exclude?: string };
  plugin?: { name?: string; env?: { name: string; value: string }[] };
}

export interface ApplicationDestination {
  server?: string;
  name?: string;
  namespace?: string;
}

export interface SyncPolicy {
  automated?: { enabled?: boolean; prune?: boolean; selfHeal?: boolean; allowEmpty?: boolean };
  syncOptions?: string[];
  retry?: { limit?: number };
}

export interface ResourceRef {
  group?: string;
  version?: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export interface HealthStatus {
  status?: HealthStatusCode;
  message?: string;
  lastTransitionTime?: string;
}

export interface ResourceStatus extends ResourceRef {
  status?: SyncStatusCode;
  health?: HealthStatus;
  hook?: boolean;
  requiresPruning?: boolean;
  syncWave?: number;
}

export interface ResourceResult extends ResourceRef {
  status?: 'Synced' | 'SyncFailed' | 'Pruned' | 'PruneSkipped';
  message?: string;
  hookType?: string;
  hookPhase?: OperationPhase;
  syncPhase?: string;
  images?: string[];
}

export interface SyncOperation {
  revision?: string;
  revisions?: string[];
  prune?: boolean;
  dryRun?: boolean;
  syncOptions?: string[];
  source?: ApplicationSource;
  resources?: { group?: string; kind: string; name: string; namespace?: string }[];
}

export interface Operation {
  sync?: SyncOperation;
  initiatedBy?: { username?: string; automated?: boolean };
  info?: { name: string; value: string }[];
  retry?: { limit?: number };
}

export interface OperationState {
  operation: Operation;
  phase: OperationPhase;
  message?: string;
  startedAt: string;
  finishedAt?: string;
  retryCount?: number;
  syncResult?: {
    revision: string;
    revisions?: string[];
    source?: ApplicationSource;
    resources?: ResourceResult[];
  };
}

export interface RevisionHistory {
  id: number;
  revision?: string;
  revisions?: string[];
  deployedAt: string;
  deployStartedAt?: string;
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  initiatedBy?: { username?: string; automated?: boolean };
}

export interface ApplicationCondition {
  type: string;
  message: string;
  lastTransitionTime?: string;
}

export interface ApplicationStatus {
  sync?: {
    status: SyncStatusCode;
    revision?: string;
    revisions?: string[];
    comparedTo?: {
      source?: ApplicationSource;
      sources?: ApplicationSource[];
      destination?: ApplicationDestination;
    };
  };
  health?: HealthStatus;
  operationState?: OperationState;
  history?: RevisionHistory[];
  conditions?: ApplicationCondition[];
  resources?: ResourceStatus[];
  summary?: { images?: string[]; externalURLs?: string[] };
  reconciledAt?: string;
  sourceType?: string;
  sourceTypes?: string[];
  resourceHealthSource?: string;
  controllerNamespace?: string;
}

export interface Application {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: {
    project: string;
    source?: ApplicationSource;
    sources?: ApplicationSource[];
    destination: ApplicationDestination;
    syncPolicy?: SyncPolicy;
    revisionHistoryLimit?: number;
  };
  status?: ApplicationStatus;
  operation?: Operation;
}

export interface ResourceNode extends ResourceRef {
  parentRefs?: ResourceRef[];
  info?: { name: string; value: string }[];
  networkingInfo?: Record<string, unknown>;
  resourceVersion?: string;
  images?: string[];
  health?: HealthStatus;
  createdAt?: string;
}

export interface ApplicationTree {
  nodes?: ResourceNode[];
  orphanedNodes?: ResourceNode[];
  hosts?: unknown[];
  shardsCount?: number;
}

export interface RevisionMetadata {
  author?: string;
  date?: string;
  tags?: string[];
  message?: string;
  signatureInfo?: string;
}

/** Whether Argo CD syncs the app on its own: `automated` present and not explicitly disabled. */
export const isAutoSync = (app: Application): boolean =>
  !!app.spec.syncPolicy?.automated && app.spec.syncPolicy.automated.enabled !== false;
