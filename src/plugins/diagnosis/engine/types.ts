/**
 * The diagnosis engine's public shapes. `Diagnosis` is a stable machine interface (DESIGN.md,
 * "Stable machine interfaces"): `deckhand exec --json` prints it and remediation rules match on its
 * category and fix intent words, so these names change only together with those consumers.
 */

/** Every failure mode the rules can name, in the order DESIGN.md lists them. */
export const categories = [
  'OOMKilled',
  'CrashLoopBackOff',
  'ImagePullError',
  'ContainerConfigError',
  'Unschedulable',
  'ProbeFailure',
  'ProgressDeadlineExceeded',
  'QuotaExceeded',
  'SyncFailed',
  'OutOfSync',
  'VolumePending',
  'Evicted',
  'InitContainerFailure',
  'JobFailed',
  'NodeNotReady',
  'ServiceNoEndpoints',
  'AutoscalerLimited',
  /** Argo CD cannot generate the manifests: a path that is not there, a Helm or kustomize error. */
  'ComparisonError',
  /** A sync that runs and does not finish: a hook or a sync wave waits on a resource. */
  'SyncStuck',
] as const;

export type Category = (typeof categories)[number];

export type Severity = 'critical' | 'warning' | 'info';

export type FixIntent = 'image' | 'resources' | 'replicas' | 'restart' | 'revert';

export interface Fix {
  intent: FixIntent;
  params: Record<string, unknown>;
}

export interface ResourceRef {
  kind: string;
  namespace?: string;
  name: string;
  container?: string;
}

/**
 * How sure a finding is: `high` when it rests on the objects' own state read just now, `medium`
 * when it rests on a summary of it (Argo CD's resource tree) or on a correlation in time (the
 * change that came before a failure).
 */
export type Confidence = 'high' | 'medium';

export interface Finding {
  category: Category;
  severity: Severity;
  /** The workload (or node, claim, Service, Application) the finding is about. */
  resource: ResourceRef;
  summary: string;
  /** Short, concrete lines: event messages with count and age, terminated states, log lines. */
  evidence: string[];
  fix?: Fix;
  confidence: Confidence;
  /** The inputs the finding rests on, all of which were read (see Input). */
  basis: string[];
}

export interface Diagnosis {
  app: string;
  sync: string;
  health: string;
  /** Root causes first, then their consequences; each group by severity. */
  findings: Finding[];
  rootCause?: Finding;
  /** What the snapshot could not read, so a short list of findings is not mistaken for health. */
  gaps?: string[];
  /**
   * What could not be read and so limits the answer, in plain words ("Kubernetes pods in
   * naver-news: did not answer within 5 s"). Empty when the picture is complete. A root cause is
   * named only from what was read; remediation acts only on a complete diagnosis.
   */
  incomplete: string[];
  /** Failure modes that could not be checked for lack of an input, and which input. */
  unassessed: { category: Category; missing: string[] }[];
  /** Advice withheld on purpose and why ("a sync is running: no sync advice"). */
  withheld: string[];
}

export interface DiagnoseOptions {
  /** The clock for ages in evidence ("x14 over 20m"); the snapshot's collection time by default. */
  now?: number;
}
