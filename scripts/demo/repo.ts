/**
 * The demo's GitOps repository (github.com/sijunkim/infra) as a story: a state of what Git says
 * (image tags, replicas, limits, which apps exist), the commits that changed it, and the file tree
 * each state renders to — Application manifests, kustomize bases and overlays, a small Helm chart.
 * The cluster side of the demo is built from these same trees, so what runs agrees with Git.
 */
import { stringify } from 'yaml';
import { CLUSTER_SERVER, DAY, HOUR, MINUTE, NOW, people, REPO_URL } from './model.ts';

export const ENVS = ['dev', 'staging', 'prod'] as const;
export type Env = (typeof ENVS)[number];
export const FLASH = ['flash-api', 'flash-gateway', 'flash-pay-worker', 'flash-web'] as const;
export type FlashService = (typeof FLASH)[number];

export interface RepoState {
  has: { naverNews: boolean; monitoring: boolean; flash: boolean };
  mysql: { tag: string };
  friendApp: { tag: string; replicas: number };
  naverNews: { tag: string; requestMemory: string; limitMemory: string };
  kubePrometheusStack: { chart: string };
  grafana: { tag: string; requestMemory: string; limitMemory: string };
  flash: Record<Env, Record<FlashService, { tag: string; replicas: number }>>;
  /** Staging's flash-gateway selects pods by an extra label (an immutable selector change). */
  gatewayTierLabel: boolean;
  /** Overlays whose pay worker reads the Toss Payments key. */
  tossSecretKey: Env[];
}

export interface Commit {
  message: string;
  author: string;
  at: number;
  change: (s: RepoState) => void;
}

type Release = Record<FlashService, string>;
export const releases: Release[] = [
  { 'flash-api': '1.13.0', 'flash-gateway': '0.9.2', 'flash-pay-worker': '1.5.3', 'flash-web': '2.6.0' },
  { 'flash-api': '1.14.0', 'flash-gateway': '0.9.3', 'flash-pay-worker': '1.5.4', 'flash-web': '2.7.0' },
  { 'flash-api': '1.14.2', 'flash-gateway': '0.9.4', 'flash-pay-worker': '1.6.0', 'flash-web': '2.7.3' },
  { 'flash-api': '1.15.0', 'flash-gateway': '0.9.5', 'flash-pay-worker': '1.6.1', 'flash-web': '2.8.0' },
];
const release = (n: number): Release => releases[n] as Release;

function promote(s: RepoState, envs: Env[], r: Release): void {
  for (const env of envs) for (const svc of FLASH) s.flash[env][svc].tag = r[svc];
}

/** When naver-news's right-sized rollout began; the crash-loop timeline counts from here. */
export const NAVER_NEWS_ROLLOUT = NOW - 1839_000;

export function initialState(): RepoState {
  const flash = {} as RepoState['flash'];
  for (const env of ENVS) {
    flash[env] = {} as Record<FlashService, { tag: string; replicas: number }>;
    for (const svc of FLASH) flash[env][svc] = { tag: release(0)[svc], replicas: env === 'prod' ? 2 : 1 };
  }
  return {
    has: { naverNews: false, monitoring: false, flash: false },
    mysql: { tag: '8.4.0' },
    friendApp: { tag: 'v1.2.0', replicas: 2 },
    naverNews: { tag: 'master-7d2a9c4', requestMemory: '512Mi', limitMemory: '1Gi' },
    kubePrometheusStack: { chart: '75.10.0' },
    grafana: { tag: '12.0.2', requestMemory: '128Mi', limitMemory: '256Mi' },
    flash,
    gatewayTierLabel: false,
    tossSecretKey: [],
  };
}

/** The repository's history, oldest first. The last commit is the branch head. */
export const commits: Commit[] = [
  {
    message: 'bootstrap: Argo CD app of apps, mysql and friend-app',
    author: people.sijun,
    at: NOW - 62 * DAY - 5 * HOUR,
    change: () => {},
  },
  {
    message: 'naver-news: Spring Boot news crawler, deployed with kustomize',
    author: people.sijun,
    at: NOW - 45 * DAY - 3 * HOUR,
    change: (s) => {
      s.has.naverNews = true;
    },
  },
  {
    message:
      'monitoring: kube-prometheus-stack from the community chart, grafana chart with its values in Git',
    author: people.sijun,
    at: NOW - 40 * DAY - 7 * HOUR,
    change: (s) => {
      s.has.monitoring = true;
    },
  },
  {
    message: 'mysql: 8.4.0 -> 8.4.2',
    author: people.sijun,
    at: NOW - 28 * DAY - 2 * HOUR,
    change: (s) => {
      s.mysql.tag = '8.4.2';
    },
  },
  {
    message: 'friend-app: v1.2.1',
    author: people.sijun,
    at: NOW - 25 * DAY - 9 * HOUR,
    change: (s) => {
      s.friendApp.tag = 'v1.2.1';
    },
  },
  {
    message:
      'flash-tickets: kustomize bases and dev/staging/prod overlays for api, gateway, pay-worker and web\n\nOne Application per service and environment, all in the flash-tickets project. Prod syncs by hand.',
    author: people.jaehyun,
    at: NOW - 21 * DAY - 4 * HOUR,
    change: (s) => {
      s.has.flash = true;
    },
  },
  {
    message: 'naver-news: deploy master-51c0e8d',
    author: people.ci,
    at: NOW - 20 * DAY - 6 * HOUR,
    change: (s) => {
      s.naverNews.tag = 'master-51c0e8d';
    },
  },
  {
    message: 'kube-prometheus-stack: chart 75.10.0 -> 75.12.0',
    author: people.sijun,
    at: NOW - 18 * DAY - 2 * HOUR,
    change: (s) => {
      s.kubePrometheusStack.chart = '75.12.0';
    },
  },
  {
    message: 'flash-tickets: release 2026.08.1 to dev and staging',
    author: people.jaehyun,
    at: NOW - 16 * DAY - 5 * HOUR,
    change: (s) => promote(s, ['dev', 'staging'], release(1)),
  },
  {
    message: 'flash-tickets: promote 2026.08.1 to prod',
    author: people.jaehyun,
    at: NOW - 14 * DAY - 3 * HOUR,
    change: (s) => promote(s, ['prod'], release(1)),
  },
  {
    message: 'naver-news: deploy master-9b1d4a7',
    author: people.ci,
    at: NOW - 10 * DAY - 8 * HOUR,
    change: (s) => {
      s.naverNews.tag = 'master-9b1d4a7';
    },
  },
  {
    message: 'friend-app: v1.3.2',
    author: people.sijun,
    at: NOW - 9 * DAY - 2 * HOUR,
    change: (s) => {
      s.friendApp.tag = 'v1.3.2';
    },
  },
  {
    message: 'flash-tickets: release 2026.08.2 to dev and staging',
    author: people.jaehyun,
    at: NOW - 8 * DAY - 6 * HOUR,
    change: (s) => promote(s, ['dev', 'staging'], release(2)),
  },
  {
    message: 'flash-tickets: promote 2026.08.2 to prod',
    author: people.jaehyun,
    at: NOW - 6 * DAY - 7 * HOUR,
    change: (s) => promote(s, ['prod'], release(2)),
  },
  {
    message: 'grafana: 12.1.1, memory limit 512Mi for the bigger dashboards',
    author: people.sijun,
    at: NOW - 6 * DAY - 3 * HOUR,
    change: (s) => {
      s.grafana = { tag: '12.1.1', requestMemory: '256Mi', limitMemory: '512Mi' };
    },
  },
  {
    message: 'naver-news: deploy master-3f9c2e1',
    author: people.ci,
    at: NOW - 3 * DAY - 4 * HOUR,
    change: (s) => {
      s.naverNews.tag = 'master-3f9c2e1';
    },
  },
  {
    message: 'flash-tickets: release 2026.08.3 to dev',
    author: people.jaehyun,
    at: NOW - 2 * DAY - 5 * HOUR,
    change: (s) => promote(s, ['dev'], release(3)),
  },
  {
    message: 'flash-tickets: release 2026.08.3 to staging',
    author: people.jaehyun,
    at: NOW - 30 * HOUR,
    change: (s) => promote(s, ['staging'], release(3)),
  },
  {
    message: "flash-api(prod): 3 replicas for Monday's 20:00 ticket sale",
    author: people.sijun,
    at: NOW - 26 * HOUR,
    change: (s) => {
      s.flash.prod['flash-api'].replicas = 3;
    },
  },
  {
    message: 'flash-gateway(staging): select pods by tier label for the edge routes',
    author: people.minji,
    at: NOW - 3 * HOUR - 12 * MINUTE,
    change: (s) => {
      s.gatewayTierLabel = true;
    },
  },
  {
    message:
      'flash-api(prod): v1.15.0 with the seat-hold fix before the 20:00 sale\n\nOnly the API moves to 2026.08.3 in prod; gateway, pay-worker and web stay on 2026.08.2.',
    author: people.jaehyun,
    at: NOW - 78 * MINUTE,
    change: (s) => {
      s.flash.prod['flash-api'].tag = 'v1.15.0';
    },
  },
  {
    message:
      'naver-news: right-size memory (request 384Mi, limit 512Mi)\n\nThe working set sits around 420Mi on the Grafana dashboard; the 1Gi limit was mostly idle.',
    author: people.sijun,
    at: NAVER_NEWS_ROLLOUT - 2 * MINUTE - 40_000,
    change: (s) => {
      s.naverNews.requestMemory = '384Mi';
      s.naverNews.limitMemory = '512Mi';
    },
  },
  {
    message: 'flash-pay-worker(dev,staging): take the Toss Payments secret key from flash-pay-secrets',
    author: people.minji,
    at: NOW - 7 * MINUTE - 20_000,
    change: (s) => {
      s.tossSecretKey = ['dev', 'staging'];
    },
  },
];

/** The state after each commit, in commit order. */
export function states(): RepoState[] {
  const out: RepoState[] = [];
  let s = initialState();
  for (const c of commits) {
    s = structuredClone(s);
    c.change(s);
    out.push(s);
  }
  return out;
}

/** How a status field names commit `i`: a revision expression the sandbox resolves at start. */
export const revisionOf = (i: number): string =>
  i === commits.length - 1 ? 'HEAD' : `HEAD~${commits.length - 1 - i}`;

// ---- Applications ------------------------------------------------------------------------------

export type SourceKind = 'Directory' | 'Kustomize' | 'Helm';

export interface AppDef {
  name: string;
  project: string;
  namespace: string;
  sourceType: SourceKind;
  /** Auto-sync (dev, staging, the home lab) or by hand (flash prod). */
  automated: boolean;
  labels?: Record<string, string>;
  source: Record<string, unknown>;
  syncPolicy: Record<string, unknown>;
  /** Where the app's manifest lives in Git (root-app's own is applied by hand). */
  manifestPath: string;
}

const autoPolicy = (extra: string[] = []) => ({
  automated: { prune: true, selfHeal: true },
  syncOptions: ['CreateNamespace=true', ...extra],
});

const gitSource = (path: string, extra: Record<string, unknown> = {}) => ({
  repoURL: REPO_URL,
  path,
  targetRevision: 'HEAD',
  ...extra,
});

export const kubePrometheusValues = {
  grafana: { enabled: false },
  prometheus: {
    prometheusSpec: {
      retention: '15d',
      serviceMonitorSelectorNilUsesHelmValues: false,
      storageSpec: {
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
  alertmanager: { alertmanagerSpec: { retention: '120h' } },
};

/** Every Application that exists in a state, root-app first. */
export function appDefs(s: RepoState): AppDef[] {
  const apps: AppDef[] = [
    {
      name: 'root-app',
      project: 'default',
      namespace: 'argocd',
      sourceType: 'Directory',
      automated: true,
      source: gitSource('argocd/apps', { directory: { recurse: true } }),
      syncPolicy: { automated: { prune: true, selfHeal: true } },
      manifestPath: 'argocd/root-app.yaml',
    },
    {
      name: 'mysql',
      project: 'default',
      namespace: 'mysql',
      sourceType: 'Kustomize',
      automated: true,
      source: gitSource('k8s/apps/mysql'),
      syncPolicy: autoPolicy(),
      manifestPath: 'argocd/apps/mysql.yaml',
    },
    {
      name: 'friend-app',
      project: 'default',
      namespace: 'friend-app',
      sourceType: 'Kustomize',
      automated: true,
      source: gitSource('k8s/apps/friend-app'),
      syncPolicy: autoPolicy(),
      manifestPath: 'argocd/apps/friend-app.yaml',
    },
  ];
  if (s.has.naverNews)
    apps.push({
      name: 'naver-news',
      project: 'default',
      namespace: 'naver-news',
      sourceType: 'Kustomize',
      automated: true,
      source: gitSource('k8s/apps/naver-news'),
      syncPolicy: autoPolicy(),
      manifestPath: 'argocd/apps/naver-news.yaml',
    });
  if (s.has.monitoring)
    apps.push(
      {
        name: 'kube-prometheus-stack',
        project: 'default',
        namespace: 'monitoring',
        sourceType: 'Helm',
        automated: true,
        source: {
          repoURL: 'https://prometheus-community.github.io/helm-charts',
          chart: 'kube-prometheus-stack',
          targetRevision: s.kubePrometheusStack.chart,
          helm: { releaseName: 'kube-prometheus-stack', valuesObject: kubePrometheusValues },
        },
        // The chart's CRDs are too large for client-side apply's annotation.
        syncPolicy: autoPolicy(['ServerSideApply=true']),
        manifestPath: 'argocd/apps/kube-prometheus-stack.yaml',
      },
      {
        name: 'grafana',
        project: 'default',
        namespace: 'monitoring',
        sourceType: 'Helm',
        automated: true,
        source: gitSource('monitoring/grafana', {
          helm: { releaseName: 'grafana', valueFiles: ['values.yaml'] },
        }),
        syncPolicy: autoPolicy(),
        manifestPath: 'argocd/apps/grafana.yaml',
      },
    );
  if (s.has.flash)
    for (const svc of FLASH)
      for (const env of ENVS)
        apps.push({
          name: `${svc}-${env}`,
          project: 'flash-tickets',
          namespace: `flash-${env}`,
          sourceType: 'Kustomize',
          automated: env !== 'prod',
          labels: { 'app.kubernetes.io/part-of': 'flash-tickets', 'flash-tickets.dev/env': env },
          source: gitSource(`flash-tickets/overlays/${env}/${svc}`),
          syncPolicy:
            env === 'prod'
              ? { syncOptions: ['CreateNamespace=true'] }
              : {
                  ...autoPolicy(),
                  retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
                },
          manifestPath: `argocd/apps/flash-tickets/${svc}-${env}.yaml`,
        });
  return apps;
}

export const destination = (a: AppDef) => ({ server: CLUSTER_SERVER, namespace: a.namespace });

export function applicationManifest(a: AppDef): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: a.name,
      namespace: 'argocd',
      ...(a.labels ? { labels: a.labels } : {}),
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: { project: a.project, source: a.source, destination: destination(a), syncPolicy: a.syncPolicy },
  };
}

// ---- Files -------------------------------------------------------------------------------------

const kustomization = (body: Record<string, unknown>) =>
  stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...body });

function naverNewsFiles(s: RepoState): Record<string, string> {
  const n = s.naverNews;
  return {
    'k8s/apps/naver-news/kustomization.yaml': kustomization({
      namespace: 'naver-news',
      resources: ['configmap.yaml', 'deployment.yaml', 'service.yaml'],
      images: [{ name: 'ghcr.io/sijunkim/naver-news-spring', newTag: n.tag }],
    }),
    'k8s/apps/naver-news/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: naver-news
  labels:
    app.kubernetes.io/name: naver-news
    app.kubernetes.io/component: crawler
spec:
  replicas: 1
  # One crawler at a time: two pods would fetch and store every article twice.
  strategy:
    type: Recreate
  selector:
    matchLabels:
      app.kubernetes.io/name: naver-news
  template:
    metadata:
      labels:
        app.kubernetes.io/name: naver-news
        app.kubernetes.io/component: crawler
    spec:
      containers:
        - name: naver-news
          image: ghcr.io/sijunkim/naver-news-spring # tag from kustomization.yaml
          ports:
            - name: http
              containerPort: 8080
          env:
            - name: SPRING_PROFILES_ACTIVE
              value: prod
            - name: JAVA_TOOL_OPTIONS
              value: "-XX:MaxRAMPercentage=75.0 -Xlog:gc"
            - name: SPRING_DATASOURCE_USERNAME
              valueFrom:
                secretKeyRef:
                  name: naver-news-db
                  key: username
            - name: SPRING_DATASOURCE_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: naver-news-db
                  key: password
          volumeMounts:
            - name: config
              mountPath: /app/config
          readinessProbe:
            httpGet:
              path: /actuator/health/readiness
              port: http
            initialDelaySeconds: 20
            periodSeconds: 10
          livenessProbe:
            httpGet:
              path: /actuator/health/liveness
              port: http
            initialDelaySeconds: 60
            periodSeconds: 20
          resources:
            requests:
              cpu: 250m
              memory: ${n.requestMemory}
            limits:
              memory: ${n.limitMemory}
      volumes:
        - name: config
          configMap:
            name: naver-news-config
`,
    'k8s/apps/naver-news/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: naver-news
  labels:
    app.kubernetes.io/name: naver-news
spec:
  selector:
    app.kubernetes.io/name: naver-news
  ports:
    - name: http
      port: 80
      targetPort: http
`,
    'k8s/apps/naver-news/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: naver-news-config
  labels:
    app.kubernetes.io/name: naver-news
data:
  application-prod.yaml: |
    spring:
      datasource:
        url: jdbc:mysql://mysql.mysql.svc.cluster.local:3306/news
    crawler:
      sections: [politics, economy, society, it]
      pages-per-section: 20
      schedule: "0 */30 * * * *"
      fetch-threads: 8
`,
  };
}

function friendAppFiles(s: RepoState): Record<string, string> {
  const f = s.friendApp;
  return {
    'k8s/apps/friend-app/kustomization.yaml': kustomization({
      namespace: 'friend-app',
      resources: ['deployment.yaml', 'service.yaml'],
      images: [{ name: 'ghcr.io/sijunkim/friend-app', newTag: f.tag }],
    }),
    'k8s/apps/friend-app/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: friend-app
  labels:
    app.kubernetes.io/name: friend-app
spec:
  replicas: ${f.replicas}
  selector:
    matchLabels:
      app.kubernetes.io/name: friend-app
  template:
    metadata:
      labels:
        app.kubernetes.io/name: friend-app
    spec:
      containers:
        - name: friend-app
          image: ghcr.io/sijunkim/friend-app
          ports:
            - name: http
              containerPort: 3000
          env:
            - name: HOSTNAME
              value: 0.0.0.0
          readinessProbe:
            httpGet:
              path: /api/health
              port: http
          resources:
            requests:
              cpu: 50m
              memory: 128Mi
            limits:
              memory: 256Mi
`,
    'k8s/apps/friend-app/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: friend-app
  labels:
    app.kubernetes.io/name: friend-app
spec:
  selector:
    app.kubernetes.io/name: friend-app
  ports:
    - name: http
      port: 80
      targetPort: http
`,
  };
}

function mysqlFiles(s: RepoState): Record<string, string> {
  return {
    'k8s/apps/mysql/kustomization.yaml': kustomization({
      namespace: 'mysql',
      resources: ['configmap.yaml', 'service.yaml', 'statefulset.yaml'],
      images: [{ name: 'mysql', newTag: s.mysql.tag }],
    }),
    'k8s/apps/mysql/statefulset.yaml': `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: mysql
  labels:
    app.kubernetes.io/name: mysql
spec:
  serviceName: mysql
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: mysql
  template:
    metadata:
      labels:
        app.kubernetes.io/name: mysql
    spec:
      containers:
        - name: mysql
          image: mysql
          ports:
            - name: mysql
              containerPort: 3306
          env:
            - name: MYSQL_ROOT_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: mysql-secret
                  key: root-password
          readinessProbe:
            exec:
              command: [mysqladmin, ping, -h, 127.0.0.1]
            periodSeconds: 10
          volumeMounts:
            - name: data
              mountPath: /var/lib/mysql
            - name: config
              mountPath: /etc/mysql/conf.d
          resources:
            requests:
              cpu: 250m
              memory: 512Mi
            limits:
              memory: 1Gi
      volumes:
        - name: config
          configMap:
            name: mysql-config
  volumeClaimTemplates:
    - metadata:
        name: data
        labels:
          app.kubernetes.io/name: mysql
      spec:
        accessModes: [ReadWriteOnce]
        storageClassName: local-path
        resources:
          requests:
            storage: 10Gi
`,
    'k8s/apps/mysql/service.yaml': `# Headless: the StatefulSet's pods get stable DNS names (mysql-0.mysql.mysql.svc).
apiVersion: v1
kind: Service
metadata:
  name: mysql
  labels:
    app.kubernetes.io/name: mysql
spec:
  clusterIP: None
  selector:
    app.kubernetes.io/name: mysql
  ports:
    - name: mysql
      port: 3306
      targetPort: mysql
`,
    'k8s/apps/mysql/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: mysql-config
  labels:
    app.kubernetes.io/name: mysql
data:
  homelab.cnf: |
    [mysqld]
    character-set-server = utf8mb4
    collation-server = utf8mb4_0900_ai_ci
    innodb_buffer_pool_size = 256M
    max_connections = 100
`,
  };
}

interface FlashSpec {
  port?: number;
  request: { cpu: string; memory: string };
  limitMemory: string;
  env: string;
  probe?: string;
}

const flashSpecs: Record<FlashService, FlashSpec> = {
  'flash-api': {
    port: 8080,
    request: { cpu: '200m', memory: '384Mi' },
    limitMemory: '768Mi',
    probe: '/actuator/health/readiness',
    env: `            - name: SPRING_PROFILES_ACTIVE
              value: k8s
            - name: FLASH_ENV
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: DB_URL
              value: jdbc:postgresql://postgres.$(FLASH_ENV).flash-tickets.internal:5432/flash
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: flash-api-db
                  key: password
`,
  },
  'flash-gateway': {
    port: 8080,
    request: { cpu: '100m', memory: '256Mi' },
    limitMemory: '512Mi',
    probe: '/actuator/health/readiness',
    env: `            - name: FLASH_API_URL
              value: http://flash-api:8080
`,
  },
  'flash-pay-worker': {
    request: { cpu: '50m', memory: '64Mi' },
    limitMemory: '128Mi',
    env: `            - name: QUEUE_URL
              value: redis://redis.flash-tickets.internal:6379/0
            - name: PG_SECRET_KEY
              valueFrom:
                secretKeyRef:
                  name: flash-pay-secrets
                  key: pg-secret-key
`,
  },
  'flash-web': {
    port: 3000,
    request: { cpu: '100m', memory: '192Mi' },
    limitMemory: '384Mi',
    probe: '/api/health',
    env: `            - name: HOSTNAME
              value: 0.0.0.0
            - name: API_BASE_URL
              value: http://flash-gateway:8080
`,
  },
};

function flashBaseFiles(svc: FlashService): Record<string, string> {
  const f = flashSpecs[svc];
  const dir = `flash-tickets/base/${svc}`;
  const ports = f.port
    ? `          ports:
            - name: http
              containerPort: ${f.port}
`
    : `          ports:
            - name: metrics
              containerPort: 9090
`;
  const probe = f.probe
    ? `          readinessProbe:
            httpGet:
              path: ${f.probe}
              port: http
            periodSeconds: 5
`
    : '';
  const files: Record<string, string> = {
    [`${dir}/kustomization.yaml`]: kustomization({
      resources: f.port ? ['deployment.yaml', 'service.yaml'] : ['deployment.yaml'],
    }),
    [`${dir}/deployment.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${svc}
  labels:
    app.kubernetes.io/name: ${svc}
    app.kubernetes.io/part-of: flash-tickets
spec:
  replicas: 1 # per environment, in the overlays
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      app.kubernetes.io/name: ${svc}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${svc}
        app.kubernetes.io/part-of: flash-tickets
    spec:
      containers:
        - name: ${svc}
          image: ghcr.io/sijunkim/${svc} # tag per environment, in the overlays
${ports}          env:
${f.env}${probe}          resources:
            requests:
              cpu: ${f.request.cpu}
              memory: ${f.request.memory}
            limits:
              memory: ${f.limitMemory}
`,
  };
  if (f.port)
    files[`${dir}/service.yaml`] = `apiVersion: v1
kind: Service
metadata:
  name: ${svc}
  labels:
    app.kubernetes.io/name: ${svc}
    app.kubernetes.io/part-of: flash-tickets
spec:
  selector:
    app.kubernetes.io/name: ${svc}
  ports:
    - name: http
      port: ${f.port}
      targetPort: http
`;
  return files;
}

const gatewayTierPatch = `# Edge routes pick gateway pods by tier; the label has to be in the selector too.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: flash-gateway
spec:
  selector:
    matchLabels:
      tier: edge
  template:
    metadata:
      labels:
        tier: edge
`;

const tossSecretPatch = `# pay-worker 1.6.1 talks to Toss Payments; the key comes from the same Secret as the PG key.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: flash-pay-worker
spec:
  template:
    spec:
      containers:
        - name: flash-pay-worker
          env:
            - name: PAYMENT_PROVIDER
              value: toss
            - name: TOSS_SECRET_KEY
              valueFrom:
                secretKeyRef:
                  name: flash-pay-secrets
                  key: toss-secret-key
`;

function flashOverlayFiles(s: RepoState, env: Env, svc: FlashService): Record<string, string> {
  const dir = `flash-tickets/overlays/${env}/${svc}`;
  const v = s.flash[env][svc];
  const patches: string[] = [];
  const files: Record<string, string> = {};
  if (svc === 'flash-gateway' && env === 'staging' && s.gatewayTierLabel) {
    patches.push('tier-label.yaml');
    files[`${dir}/tier-label.yaml`] = gatewayTierPatch;
  }
  if (svc === 'flash-pay-worker' && s.tossSecretKey.includes(env)) {
    patches.push('toss-secret-key.yaml');
    files[`${dir}/toss-secret-key.yaml`] = tossSecretPatch;
  }
  files[`${dir}/kustomization.yaml`] = kustomization({
    namespace: `flash-${env}`,
    resources: [`../../../base/${svc}`],
    images: [{ name: `ghcr.io/sijunkim/${svc}`, newTag: v.tag }],
    replicas: [{ name: svc, count: v.replicas }],
    ...(patches.length ? { patches: patches.map((path) => ({ path })) } : {}),
  });
  return files;
}

const flashProject = stringify({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AppProject',
  metadata: { name: 'flash-tickets', namespace: 'argocd' },
  spec: {
    description: 'Flash Tickets: api, gateway, pay-worker and web in dev, staging and prod',
    sourceRepos: [REPO_URL],
    destinations: ENVS.map((env) => ({ server: CLUSTER_SERVER, namespace: `flash-${env}` })),
    clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
  },
});

/** The values of the home lab's own Grafana chart; the keys follow the upstream chart's. */
export function grafanaValues(s: RepoState): Record<string, unknown> {
  return {
    image: { repository: 'docker.io/grafana/grafana', tag: s.grafana.tag },
    replicas: 1,
    resources: {
      requests: { cpu: '100m', memory: s.grafana.requestMemory },
      limits: { memory: s.grafana.limitMemory },
    },
    adminSecret: 'grafana-admin',
    prometheusUrl: 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090',
    service: { port: 80 },
  };
}

export const GRAFANA_CHART_VERSION = '0.4.0';

function grafanaFiles(s: RepoState): Record<string, string> {
  const dir = 'monitoring/grafana';
  return {
    [`${dir}/Chart.yaml`]: `apiVersion: v2
name: grafana
description: Grafana for the home lab, with the Prometheus data source provisioned
type: application
version: ${GRAFANA_CHART_VERSION}
appVersion: "${s.grafana.tag}"
`,
    [`${dir}/values.yaml`]: `# Keys as in the upstream grafana chart, so values can move over unchanged.\n${stringify(grafanaValues(s))}`,
    [`${dir}/templates/_helpers.tpl`]: `{{- define "grafana.selectorLabels" -}}
app.kubernetes.io/name: grafana
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "grafana.labels" -}}
{{ include "grafana.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}
`,
    [`${dir}/templates/deployment.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include "grafana.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      {{- include "grafana.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "grafana.selectorLabels" . | nindent 8 }}
    spec:
      containers:
        - name: grafana
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports:
            - name: http
              containerPort: 3000
          env:
            - name: GF_SECURITY_ADMIN_USER
              valueFrom:
                secretKeyRef:
                  name: {{ .Values.adminSecret }}
                  key: admin-user
            - name: GF_SECURITY_ADMIN_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ .Values.adminSecret }}
                  key: admin-password
          readinessProbe:
            httpGet:
              path: /api/health
              port: http
          volumeMounts:
            - name: datasources
              mountPath: /etc/grafana/provisioning/datasources
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
      volumes:
        - name: datasources
          configMap:
            name: {{ .Release.Name }}-datasources
`,
    [`${dir}/templates/service.yaml`]: `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include "grafana.labels" . | nindent 4 }}
spec:
  selector:
    {{- include "grafana.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .Values.service.port }}
      targetPort: http
`,
    [`${dir}/templates/configmap.yaml`]: `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-datasources
  labels:
    {{- include "grafana.labels" . | nindent 4 }}
data:
  datasources.yaml: |
    apiVersion: 1
    datasources:
      - name: Prometheus
        type: prometheus
        url: {{ .Values.prometheusUrl }}
        isDefault: true
`,
  };
}

const readme = `# infra

GitOps for the home lab: Argo CD (https://argocd.sijunkim.dev) syncs everything here into the
\`in-cluster\` cluster.

- \`argocd/root-app.yaml\` — the app of apps, applied once by hand; it syncs \`argocd/apps/\`.
- \`k8s/apps/<app>/\` — kustomize for the home-lab apps (naver-news, friend-app, mysql).
- \`flash-tickets/base/<service>/\` + \`flash-tickets/overlays/<env>/<service>/\` — Flash Tickets;
  dev and staging sync on their own, prod is synced by hand.
- \`monitoring/grafana/\` — our Grafana chart and its values; kube-prometheus-stack comes from the
  prometheus-community chart repository.

Secrets are created by hand (\`kubectl create secret\`), never committed.
`;

/** Every file of the repository in a state, sorted by path. */
export function renderTree(s: RepoState): Record<string, string> {
  const files: Record<string, string> = { 'README.md': readme, ...mysqlFiles(s), ...friendAppFiles(s) };
  if (s.has.naverNews) Object.assign(files, naverNewsFiles(s));
  if (s.has.monitoring) Object.assign(files, grafanaFiles(s));
  if (s.has.flash) {
    files['argocd/apps/flash-tickets/project.yaml'] = flashProject;
    for (const svc of FLASH) {
      Object.assign(files, flashBaseFiles(svc));
      for (const env of ENVS) Object.assign(files, flashOverlayFiles(s, env, svc));
    }
  }
  for (const a of appDefs(s)) files[a.manifestPath] = stringify(applicationManifest(a));
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
}

/** What one commit changed: new and edited files, and `null` for removed ones. */
export function diffTrees(
  before: Record<string, string>,
  after: Record<string, string>,
): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [p, text] of Object.entries(after)) if (before[p] !== text) out[p] = text;
  for (const p of Object.keys(before)) if (!(p in after)) out[p] = null;
  return out;
}
