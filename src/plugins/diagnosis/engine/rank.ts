/**
 * Order findings by causality and severity and pick the root cause: each root cause (a finding
 * nothing else explains) is followed by what it explains. Among root causes, severity first, then
 * how fundamental the category is (a NotReady node before the pods on it, a failed sync before
 * drift), then how many pods it touches.
 */
import { causes, mightExplain } from './causality.ts';
import type { Draft } from './draft.ts';
import { severityRank } from './merge.ts';
import type { Category } from './types.ts';

// Argo CD's own failures first: while manifests cannot be generated or applied, no change reaches
// the cluster, whatever else is wrong there.
const fundamental: Category[] = [
  'ComparisonError',
  'SyncFailed',
  'SyncStuck',
  'NodeNotReady',
  'QuotaExceeded',
  'VolumePending',
  'OOMKilled',
  'ContainerConfigError',
  'ImagePullError',
  'InitContainerFailure',
  'ProbeFailure',
  'CrashLoopBackOff',
  'Unschedulable',
  'JobFailed',
  'ServiceNoEndpoints',
  'Evicted',
  'ProgressDeadlineExceeded',
  'AutoscalerLimited',
  'OutOfSync',
];

const compare = (a: Draft, b: Draft): number =>
  severityRank[a.severity] - severityRank[b.severity] ||
  fundamental.indexOf(a.category) - fundamental.indexOf(b.category) ||
  (b.pods?.length ?? 0) - (a.pods?.length ?? 0);

/**
 * The root cause among `roots` (best first), given failure modes that could not be looked for:
 * the best root is named only when none of them might explain it and none would rank above it —
 * otherwise the complete picture could name another, and a wrong cause is worse than none.
 */
function certainRoot(roots: Draft[], unassessed: Category[]): Draft | undefined {
  const best = roots[0];
  if (!best || !unassessed.length) return best;
  if (unassessed.some((c) => mightExplain(c, best))) return undefined;
  const hidden = (category: Category): Draft =>
    ({ category, severity: 'critical', resource: best.resource, summary: '', evidence: [] }) as Draft;
  if (unassessed.some((c) => compare(hidden(c), best) < 0)) return undefined;
  return best;
}

export function rank(findings: Draft[], unassessed: Category[] = []): { ordered: Draft[]; root?: Draft } {
  const explainedBy = causes(findings);
  let roots = findings.filter((f) => !explainedBy.get(f)?.length).sort(compare);
  // Explanations that run in a circle leave no root: take the most fundamental finding then.
  if (!roots.length && findings.length) roots = [[...findings].sort(compare)[0] as Draft];
  const ordered: Draft[] = [];
  const seen = new Set<Draft>();
  const visit = (f: Draft) => {
    if (seen.has(f)) return;
    seen.add(f);
    ordered.push(f);
    findings
      .filter((e) => explainedBy.get(e)?.includes(f))
      .sort(compare)
      .forEach(visit);
  };
  roots.forEach(visit);
  [...findings].sort(compare).forEach(visit);
  for (const f of ordered) {
    const by = (explainedBy.get(f) ?? []).filter((c) => c !== f);
    if (!by.length || roots.includes(f)) continue;
    // Name the first cause in the chain only: "OOMKilled", not "OOMKilled and CrashLoopBackOff".
    const first = by.filter((c) => !by.some((o) => explainedBy.get(c)?.includes(o)));
    const names = [...new Set((first.length ? first : by).sort(compare).map((c) => c.category))];
    f.summary += ` — a consequence of ${names.join(' and ')}`;
    // The cause's fix is the one to apply; fixing a symptom would hide it.
    delete f.fix;
  }
  return { ordered, root: certainRoot(roots, unassessed) };
}
