/**
 * What sits beside the workloads: Services with the Endpoints the endpoints controller keeps from
 * pod readiness, ConfigMaps, Ingresses, HorizontalPodAutoscalers (their conditions follow from the
 * replicas and the CPU) and ResourceQuotas.
 */
import { storyEvent } from './events.ts';
import { isLive, isReady } from './pods.ts';
import type { HpaInput, IngressInput, ServiceInput, StoryInput } from './schema.ts';
import { hex, INSTANCE, managed, type Labels, type Obj, type StoryWorld } from './world.ts';

/** What the API server fills into a ClusterIP Service's spec (single-stack IPv4 defaults). */
export const clusterIpSpec = (clusterIP: string) => ({
  clusterIP,
  clusterIPs: [clusterIP],
  ipFamilies: ['IPv4'],
  ipFamilyPolicy: 'SingleStack',
  internalTrafficPolicy: 'Cluster',
  sessionAffinity: 'None',
});

export function service(w: StoryWorld, app: string, namespace: string, s: ServiceInput, pods: Obj[]): Obj {
  const ip = (k: string) => parseInt(hex(`${w.seed}/${s.name}/${k}`, 2), 16);
  const clusterIP = s.headless ? 'None' : `10.96.${ip('ip')}.${(ip('ip2') % 250) + 2}`;
  const svc: Obj = w.add({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { ...w.meta('Service', s.name, namespace, '60d'), labels: managed(app, s.name) },
    spec: {
      type: 'ClusterIP',
      ...clusterIpSpec(clusterIP),
      selector: s.selector,
      ports: [{ name: 'http', port: s.port, protocol: 'TCP', targetPort: 'http' }],
    },
    status: { loadBalancer: {} },
  });
  endpoints(w, svc, pods, '60d');
  return svc;
}

/** The port a Service's port reaches on a pod: a number, or a container port by its name. */
function podPort(p: Obj | undefined, target: number | string): number {
  if (typeof target === 'number') return target;
  const ports = (p?.spec.containers ?? []).flatMap((c: Obj) => c.ports ?? []);
  return (ports.find((x: Obj) => x.name === target)?.containerPort ??
    ports[0]?.containerPort ??
    8080) as number;
}

/** The endpoints controller: every live pod with an IP that the selector matches, by readiness. */
export function endpoints(w: StoryWorld, svc: Obj, pods: Obj[], created: string): Obj {
  const { name, namespace } = svc.metadata;
  const selector: Labels = svc.spec.selector ?? {};
  const selected = pods.filter(
    (p) =>
      isLive(p) &&
      p.status.podIP &&
      !p.metadata.deletionTimestamp &&
      p.metadata.namespace === namespace &&
      Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v),
  );
  const address = (p: Obj) => ({
    ip: p.status.podIP,
    nodeName: p.spec.nodeName,
    targetRef: { kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid },
  });
  const ready = selected.filter(isReady).map(address);
  const notReady = selected.filter((p) => !isReady(p)).map(address);
  const ports = (svc.spec.ports as Obj[]).map((p) => ({
    name: p.name,
    port: podPort(selected[0], p.targetPort),
    protocol: p.protocol,
  }));
  return w.add({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      ...w.meta('Endpoints', name, namespace, created),
      labels: { ...svc.metadata.labels, 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' },
    },
    ...(selected.length
      ? {
          subsets: [
            {
              ...(ready.length ? { addresses: ready } : {}),
              ...(notReady.length ? { notReadyAddresses: notReady } : {}),
              ports,
            },
          ],
        }
      : {}),
  });
}

export function configMap(w: StoryWorld, app: string, namespace: string, name: string, data: Labels): Obj {
  return w.add({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { ...w.meta('ConfigMap', name, namespace, '60d'), labels: managed(app, app) },
    data,
  });
}

export function ingress(w: StoryWorld, app: string, namespace: string, i: IngressInput): Obj {
  return w.add({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { ...w.meta('Ingress', i.name, namespace, '60d'), labels: managed(app, i.name) },
    spec: {
      ingressClassName: i.className,
      rules: [
        {
          host: i.host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: i.name, port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    },
    status: { loadBalancer: i.ip ? { ingress: [{ ip: i.ip }] } : {} },
  });
}

/** An HPA scaling its Deployment on CPU; at its maximum with CPU above target it is ScalingLimited. */
export function hpa(w: StoryWorld, app: string, namespace: string, h: HpaInput, path: string): Obj {
  const limited = h.current >= h.max && h.cpu.now > h.cpu.target;
  const conditions = [
    ['AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size'],
    [
      'ScalingActive',
      'True',
      'ValidMetricFound',
      'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
    ],
    limited
      ? [
          'ScalingLimited',
          'True',
          'TooManyReplicas',
          'the desired replica count is more than the maximum replica count',
        ]
      : ['ScalingLimited', 'False', 'DesiredWithinRange', 'the desired count is within the acceptable range'],
  ];
  const o = w.add({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      ...w.meta('HorizontalPodAutoscaler', h.name, namespace, '60d'),
      labels: managed(app, h.name),
    },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: h.name },
      minReplicas: h.min,
      maxReplicas: h.max,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: h.cpu.target } },
        },
      ],
    },
    status: {
      currentReplicas: h.current,
      desiredReplicas: h.desired,
      lastScaleTime: w.at('18m'),
      currentMetrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            current: { averageUtilization: h.cpu.now, averageValue: `${h.cpu.now * 5}m` },
          },
        },
      ],
      conditions: conditions.map(([type, status, reason, message]) => ({
        type,
        status,
        reason,
        message,
        lastTransitionTime: w.at('18m'),
      })),
    },
  });
  h.events.forEach((e, i) => storyEvent(w, o, e, undefined, `${path}.events.${i}`));
  return o;
}

export function quota(w: StoryWorld, q: StoryInput['quotas'][number]): Obj {
  return w.add({
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: {
      ...w.meta('ResourceQuota', q.name, q.namespace, '90d'),
      ...(q.app ? { labels: { [INSTANCE]: q.app } } : {}),
    },
    spec: { hard: q.hard },
    status: { hard: q.hard, used: q.used },
  });
}
