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

export interface Finding {
  category: Category;
  severity: Severity;
  /** The workload (or node, claim, Service, Application) the finding is about. */
  resource: ResourceRef;
  summary: string;
  /** Short, concrete lines: event messages with count and age, terminated states, log lines. */
  evidence: string[];
  fix?: Fix;
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
}

export interface DiagnoseOptions {
  /** The clock for ages in evidence ("x14 over 20m"); the snapshot's collection time by default. */
  now?: number;
}
