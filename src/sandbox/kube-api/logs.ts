/**
 * Pod logs as the API server answers them: text/plain, the container chosen by name (or the
 * default one), the previous instance, the last N lines, a byte limit; the kubelet's errors for a
 * missing container or previous instance.
 */
import type { ServerResponse } from 'node:http';
import type { Json } from '../json.ts';
import type { KubeObject } from '../scenario.ts';
import type { ClusterState } from '../world.ts';
import { status } from './server.ts';

export function podLog(
  cluster: ClusterState,
  pod: KubeObject,
  q: URLSearchParams,
  res: ServerResponse,
): void {
  const p = pod as Json;
  const name = p.metadata.name as string;
  const ns = p.metadata.namespace as string;
  const containers = ((p.spec?.containers ?? []) as { name: string }[]).map((c) => c.name);
  const inits = ((p.spec?.initContainers ?? []) as { name: string }[]).map((c) => c.name);
  let container = q.get('container') ?? undefined;
  if (!container) {
    const annotated = p.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
    if (containers.length === 1) container = containers[0];
    else if (annotated) container = annotated;
    else
      return status(
        res,
        400,
        'BadRequest',
        `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]${inits.length ? ` or one of the init containers: [${inits.join(' ')}]` : ''}`,
      );
  }
  if (!containers.includes(container as string) && !inits.includes(container as string)) {
    return status(res, 400, 'BadRequest', `container ${container} is not valid for pod ${name}`);
  }
  const previous = q.get('previous') === 'true';
  const text = cluster.logs.get(`${ns}/${name}/${container}${previous ? '#previous' : ''}`);
  if (text === undefined && previous)
    return status(
      res,
      400,
      'BadRequest',
      `previous terminated container "${container}" in pod "${name}" not found`,
    );
  let lines = (text ?? '').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const tail = q.get('tailLines');
  if (tail !== null) lines = Number(tail) > 0 ? lines.slice(-Number(tail)) : [];
  // Log lines carry no times in a scenario, so sinceSeconds cannot cut them: all lines are recent.
  if (q.get('timestamps') === 'true') {
    const t = new Date()
      .toISOString()
      .replace('Z', '000000Z')
      .replace(/\.(\d{9})\d*Z$/, '.$1Z');
    lines = lines.map((l) => `${t} ${l}`);
  }
  let out = lines.length ? lines.join('\n') + '\n' : '';
  const limit = Number(q.get('limitBytes') ?? 0);
  if (limit > 0) out = Buffer.from(out).subarray(0, limit).toString();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(out)) });
  res.end(out);
}
