/**
 * Which finding explains which. An OOM kill explains the crash loop of the same container; a
 * liveness probe that kills its container explains a crash loop, a crash loop explains failing
 * readiness; any pod-level failure explains its Deployment missing the progress deadline and its
 * Service losing endpoints; a missing volume explains unschedulable pods; a failed hook Job
 * explains a failed sync, which explains OutOfSync; a dependency's Service that selects no pod
 * explains the failing probes of the workload configured to reach it. Findings nothing explains
 * are root causes.
 */
import { refKey, type Draft } from './draft.ts';
import type { Category } from './types.ts';

/** container: same workload and container; workload: same resource; linked: the effect links to the cause. */
type Scope = 'container' | 'workload' | 'linked';
type Edge = [
  cause: Category,
  effect: Category,
  scope: Scope,
  when?: (cause: Draft, effect: Draft) => boolean,
];

const POD_LEVEL: Category[] = [
  'OOMKilled',
  'CrashLoopBackOff',
  'ImagePullError',
  'ContainerConfigError',
  'InitContainerFailure',
  'Unschedulable',
  'ProbeFailure',
];
const liveness = (d: Draft) => d.tags?.includes('liveness') ?? false;

const edges: Edge[] = [
  ['OOMKilled', 'CrashLoopBackOff', 'container'],
  ['OOMKilled', 'ProbeFailure', 'container'],
  ['ProbeFailure', 'CrashLoopBackOff', 'container', (c) => liveness(c)],
  ['CrashLoopBackOff', 'ProbeFailure', 'container', (_, e) => !liveness(e)],
  ...POD_LEVEL.flatMap((c): Edge[] => [
    [c, 'ProgressDeadlineExceeded', 'workload'],
    [c, 'JobFailed', 'workload'],
    [c, 'ServiceNoEndpoints', 'linked'],
    ['NodeNotReady', c, 'linked'],
  ]),
  ['NodeNotReady', 'Evicted', 'linked'],
  // A dependency's Service that selects no pod fails the probes of what reaches for it.
  ['ServiceNoEndpoints', 'ProbeFailure', 'linked', (c) => c.tags?.includes('selector') ?? false],
  ['ServiceNoEndpoints', 'CrashLoopBackOff', 'linked', (c) => c.tags?.includes('selector') ?? false],
  ['QuotaExceeded', 'ProgressDeadlineExceeded', 'workload'],
  ['QuotaExceeded', 'ServiceNoEndpoints', 'linked'],
  ['VolumePending', 'Unschedulable', 'linked'],
  ['JobFailed', 'SyncFailed', 'linked'],
  ['SyncFailed', 'OutOfSync', 'workload'],
];

function applies([cause, effect, scope, when]: Edge, c: Draft, e: Draft): boolean {
  if (c === e || c.category !== cause || e.category !== effect) return false;
  const same = refKey(c.resource) === refKey(e.resource);
  const inScope =
    scope === 'container'
      ? same && c.resource.container === e.resource.container
      : scope === 'workload'
        ? same
        : (e.links ?? []).includes(refKey(c.resource));
  return inScope && (when ? when(c, e) : true);
}

/** For each finding, the findings that explain it (empty for root causes). */
export function causes(findings: Draft[]): Map<Draft, Draft[]> {
  return new Map(
    findings.map((e) => [e, findings.filter((c) => edges.some((edge) => applies(edge, c, e)))] as const),
  );
}

/**
 * Whether a finding of `cause` — one that could not be looked for — might explain `effect`: an edge
 * from that category to the effect's exists and, for links, the effect links to something.
 */
export function mightExplain(cause: Category, effect: Draft): boolean {
  return edges.some(
    ([c, e, scope]) =>
      c === cause && e === effect.category && (scope !== 'linked' || (effect.links ?? []).length > 0),
  );
}
