/**
 * One finding per workload, container and category: the same crash in three replicas is one
 * problem "in 3 of 3 pods", told with the evidence of the replica that shows it worst.
 */
import { refKey, type Draft } from './draft.ts';
import type { Severity } from './types.ts';

export const severityRank: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

const keyOf = (d: Draft) => `${d.category}|${refKey(d.resource)}|${d.resource.container ?? ''}`;
const union = <T>(a: T[] | undefined, b: T[] | undefined): T[] => [...new Set([...(a ?? []), ...(b ?? [])])];

export function merge(drafts: Draft[]): Draft[] {
  const groups = new Map<string, Draft[]>();
  for (const d of drafts) groups.set(keyOf(d), [...(groups.get(keyOf(d)) ?? []), d]);
  return [...groups.values()].map((group) => {
    const primary = [...group].sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0))[0] as Draft;
    // The representative's pod first: it is the one whose evidence is shown.
    const pods = group.reduce<string[]>((all, d) => union(all, d.pods), primary.pods ?? []).filter(Boolean);
    const totals = group.map((d) => d.total).filter((t): t is number => t !== undefined);
    const total = totals.length ? Math.max(...totals, pods.length) : undefined;
    // "(2 of 3 pods, restarted 5 times)": how widespread, then the representative's detail.
    const count =
      total !== undefined && total > 1
        ? `${pods.length} of ${total} pods`
        : pods.length > 1
          ? `${pods.length} pods`
          : '';
    const tail = [count, primary.detail].filter(Boolean).join(', ');
    const names = pods.slice(0, 3).join(', ') + (pods.length > 3 ? `, … (${pods.length})` : '');
    const isPod = primary.resource.kind === 'Pod';
    return {
      ...primary,
      severity: group.reduce<Severity>(
        (s, d) => (severityRank[d.severity] < severityRank[s] ? d.severity : s),
        'info',
      ),
      summary: tail ? `${primary.summary} (${tail})` : primary.summary,
      // Name the pods so a reader can run kubectl against one; the pod itself needs no such line.
      evidence: [...primary.evidence, ...(pods.length && !isPod ? [`pods: ${names}`] : [])],
      fix: primary.fix ?? group.find((d) => d.fix)?.fix,
      pods,
      total,
      links: group.reduce<string[]>((all, d) => union(all, d.links), []),
      tags: group.reduce<string[]>((all, d) => union(all, d.tags), []),
    };
  });
}
