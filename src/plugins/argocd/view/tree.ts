/**
 * The resource tree (`/resource-tree`) read defensively, and the per-resource health it carries.
 * Argo CD 2.x stored each managed resource's health inline in status.resources; 3.x stores it in
 * the tree and says so with `status.resourceHealthSource: appTree` (argo-cd controller/health.go).
 * argocd-server fills status.resources[].health back in on Get and Watch, never on List, by
 * matching tree nodes on group, kind, namespace and name; a node with neither health,
 * resourceVersion, uid nor createdAt is "Missing: Resource has not been created"
 * (server/application/application.go inferResourcesStatusHealth).
 */
import { at, obj, objs, str, strs, type Raw } from './read.ts';
import type { ResourceView } from './app-view.ts';

export interface TreeNodeView {
  group?: string;
  version?: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  parents: { group?: string; kind: string; namespace?: string; name: string }[];
  health?: { status: string; message?: string };
  info: { name: string; value: string }[];
  images: string[];
  createdAt?: string;
  /** Argo CD shows nodes without a resourceVersion, uid or createdAt as not created. */
  created: boolean;
}

export const resourceKey = (r: { group?: string; kind: string; namespace?: string; name: string }): string =>
  `${r.group ?? ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

function readNode(n: Raw): TreeNodeView | undefined {
  const kind = str(n.kind);
  const name = str(n.name);
  if (!kind || !name) return undefined;
  const hs = str(at(n, 'health', 'status'));
  return {
    ...(str(n.group) ? { group: str(n.group) } : {}),
    ...(str(n.version) ? { version: str(n.version) } : {}),
    kind,
    ...(str(n.namespace) ? { namespace: str(n.namespace) } : {}),
    name,
    ...(str(n.uid) ? { uid: str(n.uid) } : {}),
    parents: objs(n.parentRefs).flatMap((p) =>
      str(p.kind) && str(p.name)
        ? [
            {
              ...(str(p.group) ? { group: str(p.group) } : {}),
              kind: str(p.kind) as string,
              ...(str(p.namespace) ? { namespace: str(p.namespace) } : {}),
              name: str(p.name) as string,
            },
          ]
        : [],
    ),
    ...(hs
      ? {
          health: {
            status: hs,
            ...(str(at(n, 'health', 'message')) ? { message: str(at(n, 'health', 'message')) } : {}),
          },
        }
      : {}),
    info: objs(n.info).flatMap((i) =>
      str(i.name) ? [{ name: str(i.name) as string, value: str(i.value) ?? '' }] : [],
    ),
    images: strs(n.images),
    ...(str(n.createdAt) ? { createdAt: str(n.createdAt) } : {}),
    created: !!(str(n.resourceVersion) || str(n.uid) || str(n.createdAt)),
  };
}

export function readTree(tree: unknown): TreeNodeView[] {
  return objs(obj(tree)?.nodes).flatMap((n) => readNode(n) ?? []);
}

/** Fill in the health a resource lacks from its tree node, as argocd-server does on Get. */
export function withTreeHealth(resources: ResourceView[], nodes: TreeNodeView[]): ResourceView[] {
  const byKey = new Map(nodes.map((n) => [resourceKey(n), n]));
  return resources.map((r) => {
    if (r.health) return r;
    const n = byKey.get(resourceKey(r));
    if (!n) return r;
    if (n.health) return { ...r, health: n.health };
    if (!n.created) return { ...r, health: { status: 'Missing', message: 'Resource has not been created' } };
    return r;
  });
}
