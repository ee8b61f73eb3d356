/**
 * Pod logs through Argo CD: the NDJSON stream of `{"result":{content,podName,timeStamp,
 * timeStampStr,last}}` entries ending with one `last: true` entry, for one pod or for the pods of
 * the app (or of one of its resources), at most ten.
 */
import type { ServerResponse } from 'node:http';
import type { ScenarioApplication } from '../scenario.ts';
import type { ArgoInstanceState, World } from '../world.ts';
import { ArgoApiError, GRPC } from './errors.ts';
import { buildTree } from './tree.ts';

export function podLogs(
  world: World,
  instance: ArgoInstanceState,
  app: ScenarioApplication,
  res: ServerResponse,
  params: URLSearchParams,
  podName?: string,
): void {
  const cluster = world.clusterFor(app);
  const { nodes } = buildTree(app, cluster, instance);
  let pods = nodes.filter((n) => n.kind === 'Pod');
  const resourceName = params.get('resourceName');
  const kind = params.get('kind');
  if (podName) pods = pods.filter((p) => p.name === podName);
  else if (resourceName && kind && kind !== 'Pod') {
    // The pods below the named resource: follow parent references down from it.
    const below = new Set<string>();
    const owner = nodes.find((n) => n.kind === kind && n.name === resourceName);
    const walk = (uid?: string) => {
      for (const n of nodes) {
        if (!uid || below.has(n.uid ?? '') || !n.parentRefs?.some((r) => r.uid === uid)) continue;
        below.add(n.uid ?? '');
        walk(n.uid);
      }
    };
    walk(owner?.uid);
    pods = pods.filter((p) => below.has(p.uid ?? ''));
  } else if (resourceName) pods = pods.filter((p) => p.name === resourceName);
  if (pods.length > 10)
    throw new ArgoApiError(
      GRPC.InvalidArgument,
      'max pods to view logs are reached. Please provide more granular query',
    );
  const container = params.get('container');
  const previous = params.get('previous') === 'true';
  const tail = Number(params.get('tailLines') ?? 0);
  const rawFilter = params.get('filter') ?? '';
  const invert = rawFilter.startsWith('!');
  const filter = invert ? rawFilter.slice(1) : rawFilter;
  const matchCase = params.get('matchCase') === 'true';
  const keep = (line: string) => {
    if (!filter) return true;
    const hit = matchCase ? line.includes(filter) : line.toLowerCase().includes(filter.toLowerCase());
    return invert ? !hit : hit;
  };
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  const stamp = new Date().toISOString();
  for (const p of pods) {
    const live = cluster?.get('v1', 'Pod', p.namespace, p.name) as
      { spec?: { containers?: { name: string }[] } } | undefined;
    const name = container ?? live?.spec?.containers?.[0]?.name ?? '';
    const text = cluster?.logs.get(`${p.namespace}/${p.name}/${name}${previous ? '#previous' : ''}`);
    let lines = text === undefined ? [] : text.replace(/\n$/, '').split('\n');
    if (text === undefined && previous)
      lines = [`previous terminated container "${name}" in pod "${p.name}" not found`];
    lines = lines.filter(keep);
    if (tail > 0) lines = lines.slice(-tail);
    for (const content of lines)
      res.write(
        JSON.stringify({
          result: { content, podName: p.name, timeStamp: stamp, timeStampStr: stamp, last: false },
        }) + '\n',
      );
  }
  res.end(
    JSON.stringify({
      result: { content: '', podName: '', timeStamp: stamp, timeStampStr: stamp, last: true },
    }) + '\n',
  );
}
