/**
 * AutoscalerLimited: the HorizontalPodAutoscaler cannot give the load the replicas it wants:
 * pinned at maxReplicas (ScalingLimited=True, TooManyReplicas — Argo CD calls that Healthy), or
 * unable to compute a replica count (ScalingActive=False, usually missing metrics or requests).
 * At the maximum, the HPA's own formula says how many replicas the load asks for.
 */
import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { Ctx } from '../context.ts';
import type { Draft } from '../draft.ts';
import { conditionLine, eventLine } from '../evidence.ts';

/** Utilisation against target for resource metrics, and the replicas the HPA formula asks for. */
function demand(hpa: V2HorizontalPodAutoscaler): { lines: string[]; wanted?: number } {
  const current = hpa.status?.currentReplicas ?? 0;
  const lines: string[] = [];
  let wanted: number | undefined;
  for (const m of hpa.spec?.metrics ?? []) {
    const name = m.resource?.name;
    const target = m.resource?.target?.averageUtilization;
    const now = hpa.status?.currentMetrics?.find((c) => c.resource?.name === name)?.resource?.current
      ?.averageUtilization;
    if (!name || !target || now === undefined) continue;
    lines.push(`${name} at ${now}% of requests (target ${target}%)`);
    // desiredReplicas = ceil(currentReplicas × current / target), as the HPA controller computes it.
    wanted = Math.max(wanted ?? 0, Math.ceil((current * now) / target));
  }
  return { lines, wanted };
}

export const autoscalerRule = (ctx: Ctx): Draft[] =>
  ctx.s.hpas.flatMap((hpa): Draft[] => {
    const conds = hpa.status?.conditions ?? [];
    const max = hpa.spec?.maxReplicas ?? 0;
    const limited = conds.find(
      (c) => c.type === 'ScalingLimited' && c.status === 'True' && c.reason === 'TooManyReplicas',
    );
    const inactive = conds.find((c) => c.type === 'ScalingActive' && c.status === 'False');
    const unable = conds.find((c) => c.type === 'AbleToScale' && c.status === 'False');
    const cond = limited ?? unable ?? inactive;
    if (!cond) return [];
    const name = hpa.metadata?.name ?? '';
    const target = hpa.spec?.scaleTargetRef;
    const { lines, wanted } = demand(hpa);
    const d: Draft = {
      category: 'AutoscalerLimited',
      severity: 'warning',
      resource: { kind: 'HorizontalPodAutoscaler', namespace: hpa.metadata?.namespace, name },
      summary: '',
      evidence: [
        conditionLine('HorizontalPodAutoscaler', cond),
        `replicas: current ${hpa.status?.currentReplicas ?? '?'}, desired ${hpa.status?.desiredReplicas ?? '?'}, min ${hpa.spec?.minReplicas ?? 1}, max ${max}`,
        ...lines,
        ...ctx
          .eventsAbout('HorizontalPodAutoscaler', hpa.metadata)
          .filter((e) => e.type === 'Warning')
          .slice(0, 1)
          .map((e) => eventLine(e, ctx.now)),
      ],
      links: target ? [`${target.kind}/${hpa.metadata?.namespace ?? ''}/${target.name}`] : [],
    };
    if (cond === limited) {
      // Ask for what the load wants, but at most double: a bigger jump deserves a person's look.
      const next = Math.min(Math.max(wanted ?? Math.ceil(max * 1.5), max + 1), max * 2);
      d.summary = `HPA ${name} is pinned at maxReplicas ${max}${wanted && wanted > max ? ` while the load asks for ${wanted}` : ''}; raise maxReplicas in Git if the cluster has room`;
      d.fix = { intent: 'replicas', params: { hpa: name, maxReplicas: next } };
    } else {
      d.summary = `HPA ${name} cannot scale ${target?.name ?? 'its target'}: ${cond.message ?? cond.reason}`;
    }
    return [d];
  });
