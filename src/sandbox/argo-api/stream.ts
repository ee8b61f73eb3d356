/**
 * `GET /api/v1/stream/applications`: newline-delimited `{"result":{"type","application"}}` over a
 * chunked response, an initial ADDED burst (unless a resourceVersion is given), then live changes.
 * Identical consecutive messages for one app are dropped, as Argo CD's forwarder does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObjectEvent, World, ArgoInstanceState } from '../world.ts';
import type { ScenarioApplication } from '../scenario.ts';
import { matcher, queryFrom, withResourceHealth } from './apps.ts';
import { applyFields, parseFields } from './fields.ts';

export function streamApplications(
  world: World,
  instance: ArgoInstanceState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): void {
  const q = queryFrom(url.searchParams);
  const match = matcher(q, instance);
  const fields = parseFields(url.searchParams.get('fields'));
  const sse = (req.headers.accept ?? '').includes('text/event-stream');
  res.writeHead(200, {
    'content-type': sse ? 'text/event-stream' : 'application/json',
    'transfer-encoding': 'chunked',
    'cache-control': 'no-cache',
  });
  const last = new Map<string, string>();
  const send = (type: string, app: ScenarioApplication) => {
    const shown = type === 'DELETED' ? app : withResourceHealth(world, instance, app as never);
    const msg = applyFields({ result: { type, application: shown } }, fields);
    const text = JSON.stringify(msg);
    const key = `${app.metadata.namespace}/${app.metadata.name}`;
    if (last.get(key) === text) return;
    last.set(key, text);
    res.write(sse ? `data: ${text} \n\n` : `${text}\n`);
  };
  if (!url.searchParams.get('resourceVersion') || q.name) {
    const initial = instance
      .list()
      .filter(match)
      .sort((a, b) =>
        `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
          `${b.metadata.namespace}/${b.metadata.name}`,
        ),
      );
    for (const app of initial) send('ADDED', app);
  }
  const onChange = (e: ObjectEvent<ScenarioApplication>) => {
    if (match(e.object)) send(e.type, e.object);
  };
  instance.on('change', onChange);
  const keepalive = sse ? setInterval(() => res.write(':\n'), 15_000) : undefined;
  const end = () => {
    instance.off('change', onChange);
    clearInterval(keepalive);
  };
  req.on('close', end);
  res.on('close', end);
}
