/**
 * What the two monitoring apps render. Grafana is the home lab's own chart in Git (its templates
 * are in the repository; this is what they produce for the values). kube-prometheus-stack comes
 * from the prometheus-community chart repository: here is the part of its release the demo
 * keeps — the operator, kube-state-metrics, node-exporter, one Prometheus and one Alertmanager.
 */
import type { Manifest } from './cluster.ts';
import { GRAFANA_CHART_VERSION, grafanaValues, type RepoState } from './repo.ts';

type Values = ReturnType<typeof grafanaValues>;

export function grafanaManifests(s: RepoState): Manifest[] {
  const v = grafanaValues(s) as Values & {
    image: { repository: string; tag: string };
    replicas: number;
    resources: Record<string, unknown>;
    adminSecret: string;
    prometheusUrl: string;
    service: { port: number };
  };
  const selector = { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'grafana' };
  const labels = {
    ...selector,
    'app.kubernetes.io/version': v.image.tag,
    'app.kubernetes.io/managed-by': 'Helm',
    'helm.sh/chart': `grafana-${GRAFANA_CHART_VERSION}`,
  };
  const secretEnv = (name: string, key: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: v.adminSecret, key } },
  });
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'grafana-datasources', namespace: 'monitoring', labels },
      data: {
        'datasources.yaml': `apiVersion: 1\ndatasources:\n  - name: Prometheus\n    type: prometheus\n    url: ${v.prometheusUrl}\n    isDefault: true\n`,
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'grafana', namespace: 'monitoring', labels },
      spec: { selector, ports: [{ name: 'http', port: v.service.port, targetPort: 'http' }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'grafana', namespace: 'monitoring', labels },
      spec: {
        replicas: v.replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: selector },
          spec: {
            containers: [
              {
                name: 'grafana',
                image: `${v.image.repository}:${v.image.tag}`,
                ports: [{ name: 'http', containerPort: 3000 }],
                env: [
                  secretEnv('GF_SECURITY_ADMIN_USER', 'admin-user'),
                  secretEnv('GF_SECURITY_ADMIN_PASSWORD', 'admin-password'),
                ],
                readinessProbe: { httpGet: { path: '/api/health', port: 'http' } },
                volumeMounts: [{ name: 'datasources', mountPath: '/etc/grafana/provisioning/datasources' }],
                resources: v.resources,
              },
            ],
            volumes: [{ name: 'datasources', configMap: { name: 'grafana-datasources' } }],
          },
        },
      },
    },
  ];
}

/** The images each chart version of kube-prometheus-stack runs. */
export const kubePrometheusImages: Record<
  string,
  {
    operator: string;
    reloader: string;
    prometheus: string;
    alertmanager: string;
    kubeStateMetrics: string;
    nodeExporter: string;
  }
> = {
  '75.10.0': {
    operator: 'v0.83.0',
    reloader: 'v0.83.0',
    prometheus: 'v3.4.1',
    alertmanager: 'v0.28.1',
    kubeStateMetrics: 'v2.15.0',
    nodeExporter: 'v1.9.1',
  },
  '75.12.0': {
    operator: 'v0.83.0',
    reloader: 'v0.83.0',
    prometheus: 'v3.4.2',
    alertmanager: 'v0.28.1',
    kubeStateMetrics: 'v2.16.0',
    nodeExporter: 'v1.9.1',
  },
};

const kps = 'kube-prometheus-stack';

/** The chart's labels for one of its components. */
function chartLabels(chart: string, component: string, extra: Record<string, string> = {}) {
  return {
    app: `${kps}-${component}`,
    'app.kubernetes.io/instance': kps,
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/part-of': kps,
    'app.kubernetes.io/version': chart,
    chart: `${kps}-${chart}`,
    heritage: 'Helm',
    release: kps,
    ...extra,
  };
}

const crd = (chart: string, kind: string, plural: string, short: string): Manifest => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: {
    name: `${plural}.monitoring.coreos.com`,
    annotations: {
      'controller-gen.kubebuilder.io/version': 'v0.18.0',
      'operator.prometheus.io/version': '0.83.0',
    },
    labels: { 'app.kubernetes.io/managed-by': 'Helm', release: kps, chart: `${kps}-${chart}` },
  },
  spec: {
    group: 'monitoring.coreos.com',
    names: {
      categories: ['prometheus-operator'],
      kind,
      listKind: `${kind}List`,
      plural,
      shortNames: [short],
      singular: kind.toLowerCase(),
    },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        // The real schema runs to thousands of lines; the sandbox does not validate.
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        subresources: { status: {} },
      },
    ],
  },
});

/** Everything Argo CD applies for the release (the operator makes the rest). */
export function kubePrometheusManifests(s: RepoState): Manifest[] {
  const chart = s.kubePrometheusStack.chart;
  const img = kubePrometheusImages[chart];
  if (!img) throw new Error(`no images for chart ${chart}`);
  const ns = 'monitoring';
  const opLabels = chartLabels(chart, 'operator');
  const ksmSelector = { 'app.kubernetes.io/name': 'kube-state-metrics', 'app.kubernetes.io/instance': kps };
  const neSelector = {
    'app.kubernetes.io/name': 'prometheus-node-exporter',
    'app.kubernetes.io/instance': kps,
  };
  const svc = (
    name: string,
    labels: Record<string, string>,
    selector: Record<string, string>,
    ports: unknown[],
  ) =>
    ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns, labels },
      spec: { selector, ports },
    }) as Manifest;
  return [
    crd(chart, 'Alertmanager', 'alertmanagers', 'am'),
    crd(chart, 'Prometheus', 'prometheuses', 'prom'),
    svc(`${kps}-operator`, opLabels, { app: `${kps}-operator`, release: kps }, [
      { name: 'https', port: 443, targetPort: 'https' },
    ]),
    svc(
      `${kps}-prometheus`,
      chartLabels(chart, 'prometheus', { 'self-monitor': 'true' }),
      {
        'app.kubernetes.io/name': 'prometheus',
        'operator.prometheus.io/name': `${kps}-prometheus`,
      },
      [
        { name: 'http-web', port: 9090, targetPort: 9090 },
        { name: 'reloader-web', port: 8080, targetPort: 'reloader-web' },
      ],
    ),
    svc(
      `${kps}-alertmanager`,
      chartLabels(chart, 'alertmanager', { 'self-monitor': 'true' }),
      {
        'app.kubernetes.io/name': 'alertmanager',
        alertmanager: `${kps}-alertmanager`,
      },
      [
        { name: 'http-web', port: 9093, targetPort: 9093 },
        { name: 'reloader-web', port: 8080, targetPort: 'reloader-web' },
      ],
    ),
    svc(
      `${kps}-kube-state-metrics`,
      { ...ksmSelector, 'app.kubernetes.io/version': img.kubeStateMetrics.slice(1) },
      ksmSelector,
      [{ name: 'http', port: 8080, targetPort: 8080 }],
    ),
    svc(`${kps}-prometheus-node-exporter`, { ...neSelector, jobLabel: 'node-exporter' }, neSelector, [
      { name: 'http-metrics', port: 9100, targetPort: 9100 },
    ]),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `${kps}-operator`, namespace: ns, labels: opLabels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: `${kps}-operator`, release: kps } },
        template: {
          metadata: { labels: opLabels },
          spec: {
            serviceAccountName: `${kps}-operator`,
            containers: [
              {
                name: kps,
                image: `quay.io/prometheus-operator/prometheus-operator:${img.operator}`,
                args: [
                  '--kubelet-service=kube-system/kube-prometheus-stack-kubelet',
                  '--localhost=127.0.0.1',
                  `--prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:${img.reloader}`,
                  '--web.enable-tls=true',
                  '--web.listen-address=:10250',
                ],
                ports: [{ name: 'https', containerPort: 10250 }],
                resources: {},
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `${kps}-kube-state-metrics`, namespace: ns, labels: ksmSelector },
      spec: {
        replicas: 1,
        selector: { matchLabels: ksmSelector },
        template: {
          metadata: {
            labels: { ...ksmSelector, 'app.kubernetes.io/version': img.kubeStateMetrics.slice(1) },
          },
          spec: {
            serviceAccountName: `${kps}-kube-state-metrics`,
            containers: [
              {
                name: 'kube-state-metrics',
                image: `registry.k8s.io/kube-state-metrics/kube-state-metrics:${img.kubeStateMetrics}`,
                args: [
                  '--port=8080',
                  '--resources=configmaps,cronjobs,daemonsets,deployments,jobs,namespaces,nodes,persistentvolumeclaims,pods,replicasets,services,statefulsets',
                ],
                ports: [{ name: 'http', containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/readyz', port: 8081 } },
                resources: {},
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: `${kps}-prometheus-node-exporter`, namespace: ns, labels: neSelector },
      spec: {
        selector: { matchLabels: neSelector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
        template: {
          metadata: { labels: { ...neSelector, jobLabel: 'node-exporter' } },
          spec: {
            hostNetwork: true,
            hostPID: true,
            serviceAccountName: `${kps}-prometheus-node-exporter`,
            containers: [
              {
                name: 'node-exporter',
                image: `quay.io/prometheus/node-exporter:${img.nodeExporter}`,
                args: [
                  '--path.procfs=/host/proc',
                  '--path.sysfs=/host/sys',
                  '--path.rootfs=/host/root',
                  '--web.listen-address=[$(HOST_IP)]:9100',
                ],
                env: [{ name: 'HOST_IP', value: '0.0.0.0' }],
                ports: [{ name: 'http-metrics', containerPort: 9100 }],
                resources: {},
              },
            ],
            tolerations: [{ effect: 'NoSchedule', operator: 'Exists' }],
          },
        },
      },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Prometheus',
      metadata: { name: `${kps}-prometheus`, namespace: ns, labels: chartLabels(chart, 'prometheus') },
      spec: {
        image: `quay.io/prometheus/prometheus:${img.prometheus}`,
        version: img.prometheus,
        replicas: 1,
        shards: 1,
        retention: '15d',
        serviceAccountName: `${kps}-prometheus`,
        serviceMonitorSelector: {},
        storage: {
          volumeClaimTemplate: {
            spec: {
              storageClassName: 'local-path',
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: '20Gi' } },
            },
          },
        },
      },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Alertmanager',
      metadata: { name: `${kps}-alertmanager`, namespace: ns, labels: chartLabels(chart, 'alertmanager') },
      spec: {
        image: `quay.io/prometheus/alertmanager:${img.alertmanager}`,
        version: img.alertmanager,
        replicas: 1,
        retention: '120h',
        serviceAccountName: `${kps}-alertmanager`,
      },
    },
  ];
}
