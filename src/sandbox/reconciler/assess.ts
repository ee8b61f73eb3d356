/**
 * App health as Argo CD's controller assesses it: the aggregate of the managed resources' health
 * in the live tree, and each managed resource's own health (what status.resources[].health holds).
 */
import { appHealth } from '../argo-api/apps.ts';
import { buildTree, managedRefs } from '../argo-api/tree.ts';
import type { ScenarioApplication } from '../scenario.ts';
import type { ClusterState, World } from '../world.ts';
import type { AppHealth } from './controller.ts';

const refKey = (r: { kind: string; namespace?: string; name: string }) =>
  `${r.kind}/${r.namespace ?? ''}/${r.name}`;

export function assessHealth(world: World, app: ScenarioApplication, cluster: ClusterState): AppHealth {
  const instance =
    world.instances.find((i) => i.get(app.metadata.name, app.metadata.namespace) !== undefined) ??
    world.instances[0];
  if (!instance) return { status: 'Unknown', resources: new Map() };
  const health = appHealth(world, instance, app);
  const managed = new Set(managedRefs(app, cluster).map(refKey));
  const { nodes, missing } = buildTree(app, cluster, instance);
  const resources = new Map<string, { status: string; message?: string }>();
  for (const n of nodes) {
    const k = refKey(n);
    if (managed.has(k) && n.health) resources.set(k, n.health);
  }
  for (const m of missing)
    resources.set(refKey(m), { status: 'Missing', message: 'Resource has not been created' });
  return { status: health.status, ...(health.message ? { message: health.message } : {}), resources };
}
