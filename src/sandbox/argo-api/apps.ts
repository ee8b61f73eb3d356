/**
 * Finding applications as Argo CD's API does, and showing them as Get and Watch do: with the
 * per-resource health filled in from the resource tree (Argo CD 3 keeps it there; List does not
 * fill it).
 */
import { matchesSelector, parseSelector } from '../../core/labels.ts';
import type { ScenarioApplication } from '../scenario.ts';
import type { ArgoInstanceState, World } from '../world.ts';
import { ArgoApiError, GRPC } from './errors.ts';
import { worse, type Health } from './health.ts';
import { buildTree, liveManaged, managedRefs } from './tree.ts';
import type { Json } from '../json.ts';

type App = ScenarioApplication & {
  metadata: Record<string, Json>;
  spec: Record<string, Json>;
  status?: Json;
  operation?: Json;
};

export interface AppQuery {
  name?: string | null;
  projects: string[];
  selector?: string | null;
  appNamespace?: string | null;
  repo?: string | null;
}

export function queryFrom(params: URLSearchParams): AppQuery {
  return {
    name: params.get('name'),
    projects: [...params.getAll('projects'), ...params.getAll('project')].filter(Boolean),
    selector: params.get('selector'),
    appNamespace: params.get('appNamespace'),
    repo: params.get('repo'),
  };
}

export function matcher(q: AppQuery, instance?: ArgoInstanceState): (a: ScenarioApplication) => boolean {
  let reqs: ReturnType<typeof parseSelector> = [];
  if (q.selector) {
    try {
      reqs = parseSelector(q.selector);
    } catch (e) {
      throw new ArgoApiError(GRPC.InvalidArgument, `error parsing label selector: ${(e as Error).message}`);
    }
  }
  const repos = q.repo ? [q.repo.replace(/\.git$/, '').toLowerCase()] : [];
  const sourceRepos = (a: ScenarioApplication) => {
    const spec = a.spec as { source?: { repoURL?: string }; sources?: { repoURL?: string }[] };
    return (spec.sources?.length ? spec.sources : spec.source ? [spec.source] : []).map((s) =>
      (s.repoURL ?? '').replace(/\.git$/, '').toLowerCase(),
    );
  };
  return (a) =>
    // List leaves out apps of namespaces Argo CD does not serve (application.go List).
    (!instance || instance.namespaceEnabled(a.metadata.namespace)) &&
    (!repos.length || sourceRepos(a).some((r) => repos.includes(r))) &&
    (!q.name || a.metadata.name === q.name) &&
    (q.projects.length === 0 || q.projects.includes(a.spec.project)) &&
    (!q.appNamespace || a.metadata.namespace === q.appNamespace) &&
    matchesSelector(reqs, a.metadata.labels as Record<string, string> | undefined);
}

/**
 * Get's rules (argo-cd server/application/application.go getAppEnforceRBAC): the app is looked up
 * in `appNamespace`, or in Argo CD's own namespace when none is given — an app elsewhere is not
 * found without it; a namespace Argo CD does not serve is refused like a missing app. A missing
 * app is 403 without a project (so names do not leak) and 404 with one.
 */
export function getApp(instance: ArgoInstanceState, name: string, params: URLSearchParams): App {
  const projects = [...params.getAll('projects'), ...params.getAll('project')].filter(Boolean);
  if (projects.length > 1)
    throw new ArgoApiError(
      GRPC.InvalidArgument,
      'multiple projects specified - the get endpoint accepts either zero or one project',
    );
  const ns = params.get('appNamespace') || instance.controlNamespace;
  // A namespace Argo CD does not serve is refused as permission denied, project or not.
  if (!instance.namespaceEnabled(ns)) throw new ArgoApiError(GRPC.PermissionDenied, 'permission denied');
  const app = instance.get(name, ns) as App | undefined;
  if (!app || (projects[0] && app.spec.project !== projects[0])) {
    if (projects[0]) throw new ArgoApiError(GRPC.NotFound, `applications.argoproj.io "${name}" not found`);
    throw new ArgoApiError(GRPC.PermissionDenied, 'permission denied');
  }
  return app;
}

/** The application with status.resources[].health from its live tree, as Get and Watch return it. */
export function withResourceHealth(world: World, instance: ArgoInstanceState, app: App): App {
  const resources = (app.status?.resources ?? []) as {
    kind: string;
    namespace?: string;
    name: string;
    group?: string;
    version?: string;
    health?: Health;
  }[];
  const cluster = world.clusterFor(app);
  if (!resources.length || !cluster) return app;
  const { nodes, missing } = buildTree(app, cluster, instance);
  const byKey = new Map(nodes.map((n) => [`${n.kind}/${n.namespace ?? ''}/${n.name}`, n]));
  const absent = new Set(missing.map((m) => `${m.kind}/${m.namespace ?? ''}/${m.name}`));
  const filled = resources.map((r) => {
    const key = `${r.kind}/${r.namespace ?? ''}/${r.name}`;
    if (absent.has(key))
      return { ...r, health: { status: 'Missing', message: 'Resource has not been created' } };
    const health = byKey.get(key)?.health;
    return health ? { ...r, health } : r;
  });
  return { ...app, status: { ...app.status, resources: filled } };
}

/** Sync hooks (Argo CD's own annotation or Helm's): part of the tree, never of the app's health. */
export const isHook = (o: { metadata: { annotations?: Record<string, string> } } | undefined): boolean =>
  !!(o?.metadata.annotations?.['argocd.argoproj.io/hook'] ?? o?.metadata.annotations?.['helm.sh/hook']);

/**
 * Recompute an app's aggregate health from its tree (the controller's job in real Argo CD), as
 * argo-cd controller/health.go setApplicationHealth does: hooks and resources annotated
 * `argocd.argoproj.io/ignore-healthcheck: "true"` do not count; a resource not created yet does
 * not either (OutOfSync says it) unless none is live, which makes the app Missing; a child
 * Application that is Missing or Unknown does not affect its parent; the message names up to
 * three resources of the worst status ("Caused by apps/Deployment:ns/name").
 */
export function appHealth(world: World, instance: ArgoInstanceState, app: App): Health {
  const cluster = world.clusterFor(app);
  const { nodes, missing } = buildTree(app, cluster, instance);
  const key = (r: { kind: string; namespace?: string; name: string }) =>
    `${r.kind}/${r.namespace ?? ''}/${r.name}`;
  const byKey = new Map(nodes.map((n) => [key(n), n]));
  let status: Health['status'] = 'Healthy';
  let causes: { group?: string; kind: string; namespace?: string; name: string }[] = [];
  let counted = 0;
  let live = 0;
  for (const ref of managedRefs(app, cluster)) {
    const obj = liveManaged(ref, cluster, instance);
    if (isHook(obj)) continue;
    counted += 1;
    if (!obj) continue;
    live += 1;
    if (obj.metadata.annotations?.['argocd.argoproj.io/ignore-healthcheck'] === 'true') continue;
    const h = byKey.get(key(ref))?.health;
    if (!h) continue;
    const child = ref.kind === 'Application' && ref.group === 'argoproj.io';
    if (child && (h.status === 'Missing' || h.status === 'Unknown')) continue;
    if (worse(status, h.status) !== status) {
      status = h.status;
      causes = [ref];
    } else if (h.status === status && status !== 'Healthy') causes.push(ref);
  }
  if (counted > 0 && live === 0 && missing.length && worse(status, 'Missing') === 'Missing')
    return { status: 'Missing' };
  if (!causes.length) return { status };
  const names = causes
    .slice(0, 3)
    .map((c) => `${c.group ? `${c.group}/` : ''}${c.kind}:${c.namespace ? `${c.namespace}/` : ''}${c.name}`);
  const more = causes.length > 3 ? ` and ${causes.length - 3} more` : '';
  return { status, message: `Caused by ${names.join(', ')}${more}` };
}
