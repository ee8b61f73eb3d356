/**
 * ProbeFailure: the kubelet's probes fail ("Readiness probe failed: …" Unhealthy events). A
 * failing liveness or startup probe kills the container ("Container app failed liveness probe,
 * will be restarted") and is then the cause of any crash loop; a failing readiness probe only takes
 * the pod out of its Service. Only containers that are unready now, or were killed, are reported:
 * events outlive a blip by an hour.
 */
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { Ctx } from '../context.ts';
import { refKey, type Draft } from '../draft.ts';
import { clip, eventLine } from '../evidence.ts';
import { previousImage } from '../history.ts';
import { imageOf, live, podDraft } from './pods.ts';

/** The container an event is about: from fieldPath `spec.containers{app}`, else the message. */
function containerOf(e: CoreV1Event, pod: V1Pod): string | undefined {
  const path = /\{([^}]+)\}$/.exec(e.involvedObject.fieldPath ?? '')?.[1];
  if (path) return path;
  const named = /^Container (\S+) failed/.exec(e.message ?? '')?.[1];
  return named ?? (pod.spec?.containers?.length === 1 ? pod.spec.containers[0]?.name : undefined);
}

export const probeRule = (ctx: Ctx): Draft[] =>
  ctx.s.pods.filter(live).flatMap((pod) => {
    const unhealthy = ctx.podEvents(pod, 'Unhealthy');
    const kills = ctx
      .podEvents(pod, 'Killing')
      .filter((e) => /failed (liveness|startup) probe/.test(e.message ?? ''));
    const names = new Set(
      [...unhealthy, ...kills].map((e) => containerOf(e, pod)).filter((n) => n !== undefined),
    );
    return [...names].flatMap((name) => {
      const status = pod.status?.containerStatuses?.find((s) => s.name === name);
      const mine = (e: CoreV1Event) => containerOf(e, pod) === name;
      const killed = kills.filter(mine);
      if (status?.ready && !killed.length) return [];
      const failures = unhealthy.filter(mine);
      // One line per probe type, newest first: "Liveness probe failed: … (x12 over 20m)".
      const byType = new Map<string, CoreV1Event>();
      for (const e of failures) {
        const type = /^(\w+) probe/.exec(e.message ?? '')?.[1] ?? 'Probe';
        if (!byType.has(type)) byType.set(type, e);
      }
      const deadly = killed.length > 0;
      const d = podDraft(
        ctx,
        pod,
        'ProbeFailure',
        deadly || allUnready(ctx, pod, name) ? 'critical' : 'warning',
        name,
      );
      const first =
        (deadly ? failures.find((e) => !/^Readiness/.test(e.message ?? '')) : undefined) ?? failures[0];
      const type = deadly ? (/startup/.test(killed[0]?.message ?? '') ? 'startup' : 'liveness') : 'readiness';
      const output = first?.message?.replace(/^\w+ probe (failed|errored): /, '');
      d.summary = deadly
        ? `the ${type} probe of container ${name} fails and the kubelet restarts it`
        : `the readiness probe of container ${name} fails, so the pod receives no traffic`;
      if (output) d.summary += `: ${clip(output, 120)}`;
      d.tags = deadly ? ['liveness'] : [];
      // A Service the container is configured to reach (a dependency) may be what fails the probe.
      d.links = [...(d.links ?? []), ...dependencies(ctx, pod, name)];
      d.weight = failures.reduce((n, e) => n + (e.count ?? 1), 0);
      d.evidence = [
        ...[...byType.values()].map((e) => eventLine(e, ctx.now)),
        ...killed.slice(0, 1).map((e) => eventLine(e, ctx.now)),
        ...(status && status.restartCount > 0 ? [`restartCount: ${status.restartCount}`] : []),
      ];
      d.fix = fixFor(ctx, pod, name);
      return [d];
    });
  });

/**
 * The Services of the app a container names in its environment or arguments (e.g.
 * SPRING_DATA_REDIS_HOST=naver-news-redis, or a URL with the Service's DNS name) — not its own.
 */
function dependencies(ctx: Ctx, pod: V1Pod, name: string): string[] {
  const c = pod.spec?.containers?.find((x) => x.name === name);
  if (!c) return [];
  const words = [...(c.env ?? []).map((e) => e.value ?? ''), ...(c.args ?? []), ...(c.command ?? [])].join(
    ' ',
  );
  const labels = pod.metadata?.labels ?? {};
  return ctx.s.services
    .filter((svc) => {
      const n = svc.metadata?.name ?? '';
      const selector = Object.entries(svc.spec?.selector ?? {});
      const selectsThisPod = selector.length > 0 && selector.every(([k, v]) => labels[k] === v);
      return (
        n &&
        !selectsThisPod &&
        new RegExp(`(^|[^\\w-])${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w-]|$)`).test(words)
      );
    })
    .map((svc) =>
      refKey({ kind: 'Service', namespace: svc.metadata?.namespace, name: svc.metadata?.name ?? '' }),
    );
}

/** Whether no replica of the workload has this container ready: an outage, not a straggler. */
function allUnready(ctx: Ctx, pod: V1Pod, name: string): boolean {
  const pods = ctx.podsOf(ctx.workloadOf(pod)).filter(live);
  return pods.every((p) => p.status?.containerStatuses?.some((s) => s.name === name && !s.ready));
}

/** Back to the image of a fresh rollout; or restart when only some replicas are stuck. */
function fixFor(ctx: Ctx, pod: V1Pod, name: string): Draft['fix'] {
  const before = previousImage(ctx, ctx.workloadOf(pod), name, imageOf(pod, name), true);
  if (before) return { intent: 'image', params: { container: name, image: before } };
  // Every replica failing points at the app or a dependency, which a restart does not change.
  return allUnready(ctx, pod, name) ? undefined : { intent: 'restart', params: {} };
}
