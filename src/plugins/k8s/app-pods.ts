/** The pods of an application: those its resource tree names, read from its cluster. */
import type { V1Pod } from '@kubernetes/client-node';
import type { ResolvedApp } from '../argocd/index.ts';
import type { ClusterDirectory } from './clusters.ts';

export async function appPods(
  r: ResolvedApp,
  clusters: ClusterDirectory,
  signal?: AbortSignal,
): Promise<V1Pod[]> {
  const reader = clusters.for(r.app);
  const tree = await r.client.resourceTree(r.locator, signal);
  const wanted = new Set(
    (tree.nodes ?? []).filter((n) => n.kind === 'Pod').map((n) => `${n.namespace}/${n.name}`),
  );
  const namespaces = new Set(
    (tree.nodes ?? []).filter((n) => n.kind === 'Pod').map((n) => n.namespace ?? ''),
  );
  const lists = await Promise.all([...namespaces].map((ns) => reader.listPods(ns, {}, signal)));
  return lists
    .flat()
    .filter((p) => wanted.has(`${p.metadata?.namespace}/${p.metadata?.name}`))
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}
