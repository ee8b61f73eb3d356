/**
 * One live resource of an application, and the actions Argo CD offers on it, as argo-cd
 * server/application/application.go answers them: the resource must be a node of the app's tree
 * with a uid, else 400 "<kind> <group> <name> not found as part of application <app>"
 * (getAppLiveResource); Secret values are replaced with `+` (gitops-engine pkg/diff HideSecretData);
 * actions come from the built-in Lua discovery scripts under resource_customizations/ (the order
 * of a Lua table is unspecified; we keep the file's).
 */
import type { ScenarioApplication } from '../scenario.ts';
import type { ArgoInstanceState, ClusterState } from '../world.ts';
import { ArgoApiError, GRPC } from './errors.ts';
import { buildTree, liveManaged } from './tree.ts';
import type { Json } from '../json.ts';

type Obj = Record<string, Json>;

export interface ResourceQuery {
  namespace: string;
  resourceName: string;
  group: string;
  kind: string;
  version: string;
}

export const resourceQuery = (p: URLSearchParams): ResourceQuery => ({
  namespace: p.get('namespace') ?? '',
  resourceName: p.get('resourceName') ?? '',
  group: p.get('group') ?? '',
  kind: p.get('kind') ?? '',
  version: p.get('version') ?? '',
});

/** The live object behind a node of the tree (or the Application itself, for actions on it). */
export function liveResource(
  app: ScenarioApplication,
  cluster: ClusterState | undefined,
  instance: ArgoInstanceState,
  q: ResourceQuery,
): Obj {
  const { nodes } = buildTree(app, cluster, instance);
  const node = nodes.find(
    (n) =>
      (n.group ?? '') === q.group &&
      n.kind === q.kind &&
      (n.namespace ?? '') === q.namespace &&
      n.name === q.resourceName,
  );
  if (!node || !node.uid)
    throw new ArgoApiError(
      GRPC.InvalidArgument,
      `${q.kind} ${q.group} ${q.resourceName} not found as part of application ${app.metadata.name}`,
    );
  const obj = liveManaged(
    {
      group: q.group,
      version: q.version || node.version,
      kind: q.kind,
      namespace: node.namespace,
      name: node.name,
    },
    cluster,
    instance,
  );
  if (!obj) throw new ArgoApiError(GRPC.NotFound, `${q.kind} "${q.resourceName}" not found`);
  return q.kind === 'Secret' && q.group === '' ? hideSecret(obj as Obj) : (obj as Obj);
}

/**
 * Secrets' values as `+` characters, stringData folded into data first (gitops-engine
 * HideSecretData): over the objects given together (desired and live), equal values get equal
 * masks and each different value 4 more `+`, so a change still shows without its values.
 */
export function hideSecrets(objs: (Obj | undefined)[]): (Obj | undefined)[] {
  const masks = new Map<string, Map<Json, string>>();
  return objs.map((secret) => {
    if (!secret) return secret;
    const data = {
      ...((secret.data as Obj | undefined) ?? {}),
      ...((secret.stringData as Obj | undefined) ?? {}),
    };
    const { stringData: _s, ...rest } = secret;
    const hidden = Object.fromEntries(
      Object.entries(data).map(([k, v]) => {
        const seen = masks.get(k) ?? new Map<Json, string>();
        masks.set(k, seen);
        if (!seen.has(v)) seen.set(v, '+'.repeat(8 + 4 * seen.size));
        return [k, seen.get(v) as string];
      }),
    );
    return { ...rest, data: hidden };
  });
}

export const hideSecret = (secret: Obj): Obj => hideSecrets([secret])[0] as Obj;

const ACTIONS: Record<string, (o: Obj) => { name: string; [k: string]: Json }[]> = {
  // resource_customizations/argoproj.io/Application/actions/discovery.lua (`disabled: false`
  // is omitempty on the wire)
  'argoproj.io/Application': (o) => {
    const automated = o.spec?.syncPolicy?.automated;
    const on = !!automated && (automated.enabled === true || automated.enabled === undefined);
    return [{ name: 'toggle-auto-sync', displayName: on ? 'Disable Auto-Sync' : 'Enable Auto-Sync' }];
  },
  // resource_customizations/apps/Deployment/actions/discovery.lua
  'apps/Deployment': (o) => {
    const paused = o.spec?.paused === true;
    return [
      { name: 'restart', iconClass: 'fa fa-fw fa-redo' },
      { name: 'pause', ...(paused ? { disabled: true } : {}), iconClass: 'fa fa-fw fa-pause-circle' },
      { name: 'resume', ...(!paused ? { disabled: true } : {}), iconClass: 'fa fa-fw fa-play-circle' },
      { name: 'scale', params: [{ name: 'replicas' }], iconClass: 'fa fa-fw fa-plus-circle' },
    ];
  },
  // resource_customizations/apps/StatefulSet/actions/discovery.lua
  'apps/StatefulSet': () => [
    { name: 'restart', iconClass: 'fa fa-fw fa-redo' },
    { name: 'scale', params: [{ name: 'replicas' }], iconClass: 'fa fa-fw fa-plus-circle' },
  ],
  // resource_customizations/apps/DaemonSet/actions/discovery.lua
  'apps/DaemonSet': () => [{ name: 'restart', iconClass: 'fa fa-fw fa-redo' }],
  // resource_customizations/batch/CronJob/actions/discovery.lua
  'batch/CronJob': (o) => [
    { name: 'create-job', iconClass: 'fa fa-fw fa-plus', displayName: 'Create Job' },
    o.spec?.suspend === true
      ? { name: 'resume', iconClass: 'fa fa-fw fa-play' }
      : { name: 'suspend', iconClass: 'fa fa-fw fa-pause' },
  ],
  // resource_customizations/batch/Job/actions/discovery.lua
  'batch/Job': (o) => {
    const done = ((o.status?.conditions ?? []) as Obj[]).some(
      (c) =>
        ['Complete', 'Failed', 'FailureTarget', 'SuccessCriteriaMet'].includes(c.type as string) &&
        c.status === 'True',
    );
    if (done) return [];
    return [
      o.spec?.suspend === true
        ? { name: 'resume', iconClass: 'fa fa-fw fa-play' }
        : { name: 'suspend', iconClass: 'fa fa-fw fa-pause' },
      ...(o.status ? [{ name: 'terminate', iconClass: 'fa fa-fw fa-stop' }] : []),
    ];
  },
};

/** ResourceActionsListResponse: `actions` is omitempty, so a kind without actions answers `{}`. */
export function resourceActions(obj: Obj, q: ResourceQuery): { actions?: Json[] } {
  const actions = ACTIONS[`${q.group}/${q.kind}`]?.(obj) ?? [];
  return actions.length ? { actions } : {};
}
