/**
 * ServiceNoEndpoints: a Service with a selector but no ready endpoint. Kubernetes emits no event
 * for this and Argo CD calls such a Service Healthy, so the rule compares the selector with the
 * pods itself: no pod matches → the selector is wrong (a root cause); pods match but none is
 * ready → a consequence of whatever keeps those pods unready.
 */
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import type { Ctx } from '../context.ts';
import { refKey, type Draft } from '../draft.ts';
import { clip } from '../evidence.ts';
import { live } from './pods.ts';

const matches = (selector: Record<string, string>, pod: V1Pod) =>
  Object.entries(selector).every(([k, v]) => pod.metadata?.labels?.[k] === v);

const show = (labels: Record<string, string> | undefined) =>
  Object.entries(labels ?? {})
    .filter(([k]) => k !== 'pod-template-hash')
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export const serviceRule = (ctx: Ctx): Draft[] =>
  ctx.s.services.flatMap((svc: V1Service): Draft[] => {
    const selector = svc.spec?.selector;
    const ns = svc.metadata?.namespace;
    const name = svc.metadata?.name ?? '';
    if (!selector || !Object.keys(selector).length || svc.spec?.type === 'ExternalName') return [];
    const ep = ctx.s.endpoints.find((e) => e.metadata?.namespace === ns && e.metadata?.name === name);
    const ready = (ep?.subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
    const notReady = (ep?.subsets ?? []).reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
    if (ready > 0) return [];
    // Without the pods (or the Endpoints) of this namespace there is nothing to compare with.
    if (ctx.missing('pods', ns) || (!ep && ctx.missing('endpoints', ns))) return [];
    const pods = ctx.s.pods.filter((p) => p.metadata?.namespace === ns && live(p));
    const matched = pods.filter((p) => matches(selector, p));
    // Workloads whose pod template the selector matches: pods that do not exist yet still count.
    const templates = [
      ...ctx.s.deployments.map((o) => ({ kind: 'Deployment', o })),
      ...ctx.s.statefulSets.map((o) => ({ kind: 'StatefulSet', o })),
      ...ctx.s.daemonSets.map((o) => ({ kind: 'DaemonSet', o })),
    ].filter(({ o }) => o.metadata?.namespace === ns);
    const selected = templates.filter(({ o }) =>
      Object.entries(selector).every(([k, v]) => o.spec?.template?.metadata?.labels?.[k] === v),
    );
    const owners = new Set([
      ...matched.map((p) => refKey(ctx.workloadOf(p))),
      ...selected.map(({ kind, o }) => refKey({ kind, namespace: ns, name: o.metadata?.name ?? '' })),
    ]);
    const resource = { kind: 'Service', namespace: ns, name };
    const selectorLine = `selector: ${show(selector)}`;
    if (!owners.size) {
      const seen = [
        ...new Set([
          ...pods.map((p) => show(p.metadata?.labels)),
          ...templates.map(({ o }) => show(o.spec?.template?.metadata?.labels)),
        ]),
      ].slice(0, 3);
      if (!seen.length) return [];
      return [
        {
          category: 'ServiceNoEndpoints',
          severity: 'critical',
          resource,
          summary: `Service ${name} selects no pods: its selector ${show(selector)} matches none of the app's pods`,
          evidence: [
            selectorLine,
            ...seen.map((l) => clip(`pod labels: ${l || '(none)'}`)),
            `Endpoints ${name}: no addresses`,
          ],
          tags: ['selector'],
        },
      ];
    }
    // Scaled to zero on purpose: no endpoint is expected.
    const scaledDown =
      selected.length > 0 && selected.every(({ o }) => (o.spec as { replicas?: number }).replicas === 0);
    if (!matched.length && scaledDown) return [];
    return [
      {
        category: 'ServiceNoEndpoints',
        severity: 'critical',
        resource,
        summary: matched.length
          ? `Service ${name} has no ready endpoint: ${matched.length} pod${matched.length === 1 ? ' matches' : 's match'} its selector but none is ready`
          : `Service ${name} has no endpoint: the pods it selects do not exist`,
        evidence: [selectorLine, `Endpoints ${name}: 0 ready, ${notReady} not ready addresses`],
        // The pods' workloads: whatever keeps them unready (or uncreated) explains this.
        links: [...owners],
      },
    ];
  });
