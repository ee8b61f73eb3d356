/**
 * What Argo CD answers about itself and its surroundings: clusters, projects and settings.
 * Shapes and rules from argo-cd server/cluster/cluster.go (List filters by name, then server, each
 * the first exact match; credentials are stripped by Cluster.Sanitized), util/db/cluster.go (the
 * built-in `in-cluster` at https://kubernetes.default.svc), server/project/project.go (Get reads
 * the AppProject; a missing one is 404 `appprojects.argoproj.io "<n>" not found`) and
 * server/server.go (argocd-server creates the `default` project at start-up).
 */
import type { KubeObject } from '../scenario.ts';
import type { ArgoInstanceState, ClusterState, World } from '../world.ts';
import { ArgoApiError, GRPC } from './errors.ts';

function clusterEntry(world: World, instance: ArgoInstanceState, c: ClusterState, now: string) {
  const state = c.faults.down
    ? { status: 'Failed', message: 'dial tcp: connect: connection refused', attemptedAt: now }
    : { status: 'Successful', message: '', attemptedAt: now };
  // The controller watches only the namespaces Argo CD serves.
  const apps = instance
    .list()
    .filter((a) => instance.namespaceEnabled(a.metadata.namespace) && world.clusterFor(a) === c).length;
  return {
    server: c.server,
    name: c.name,
    config: { tlsClientConfig: { insecure: false } },
    connectionState: state,
    serverVersion: '1.31',
    info: {
      connectionState: state,
      serverVersion: '1.31',
      cacheInfo: { resourcesCount: [...c.all()].length, apisCount: 40, lastCacheSyncTime: now },
      applicationsCount: apps,
    },
  };
}

/** `GET /api/v1/clusters[?name=&server=]`: every cluster, filtered by the first exact match. */
export function listClusters(world: World, instance: ArgoInstanceState, params: URLSearchParams) {
  const now = new Date(world.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let items = world.clusters.map((c) => clusterEntry(world, instance, c, now));
  const name = params.get('name');
  const server = params.get('server');
  if (name) items = items.filter((c) => c.name === name).slice(0, 1);
  if (server) items = items.filter((c) => c.server === server).slice(0, 1);
  // ClusterList.items is not omitempty: an empty list is null on the wire.
  return { metadata: {}, items: items.length ? items : null };
}

/** `GET /api/v1/clusters/{id}`: by server URL, or by name with `id.type=name`. */
export function getCluster(world: World, instance: ArgoInstanceState, id: string, params: URLSearchParams) {
  const now = new Date(world.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const byName = params.get('id.type') === 'name' || params.get('id.type') === 'name_escaped';
  const c = world.clusters.find((x) => (byName ? x.name === id : x.server === id));
  // argo-cd server/cluster/cluster.go getClusterAndVerifyAccess: an unknown cluster is denied,
  // so that names do not leak.
  if (!c) throw new ArgoApiError(GRPC.PermissionDenied, 'permission denied');
  return clusterEntry(world, instance, c, now);
}

/** `GET /api/v1/projects/{name}`: the AppProject as stored, or `default` as argocd-server makes it. */
export function getProject(world: World, name: string): KubeObject {
  for (const c of world.clusters) {
    const found = c.list('argoproj.io/v1alpha1', 'AppProject').find((p) => p.metadata.name === name);
    if (found) {
      const { apiVersion: _a, kind: _k, ...rest } = found as KubeObject & Record<string, unknown>;
      return { ...rest, status: (found as Record<string, unknown>).status ?? {} } as unknown as KubeObject;
    }
  }
  if (name === 'default')
    return {
      metadata: { name: 'default', namespace: 'argocd', generation: 1 },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      },
      status: {},
    } as unknown as KubeObject;
  throw new ArgoApiError(GRPC.NotFound, `appprojects.argoproj.io "${name}" not found`);
}

/**
 * `GET /api/v1/settings` (server/settings/settings.go Get): every field omitempty, so false and
 * empty values are left out; kustomizeOptions, googleAnalytics and help are always objects; the
 * controller's namespace only for a logged-in caller.
 */
export function settings(instance: ArgoInstanceState, loggedIn: boolean) {
  return {
    ...(instance.uiUrl ? { url: instance.uiUrl } : {}),
    appLabelKey: 'app.kubernetes.io/instance',
    kustomizeOptions: {},
    googleAnalytics: {},
    help: {},
    trackingMethod: 'annotation',
    ...(instance.appNamespaces.length ? { appsInAnyNamespaceEnabled: true } : {}),
    ...(loggedIn ? { controllerNamespace: instance.controlNamespace } : {}),
  };
}
