/**
 * Issue 3: a 2,000-application scenario loads in under 2 s, and the Argo CD list with `fields`
 * trimming answers it in well under a second.
 */
import { systemClock } from '../src/core/clock.ts';
import { createArgoServer } from '../src/sandbox/argo-api/server.ts';
import { parseScenario } from '../src/sandbox/scenario.ts';
import { World } from '../src/sandbox/world.ts';
import { syntheticScenario } from './lib/synthetic.ts';
import { ms, print, repeat, type Result } from './lib/measure.ts';

export async function run(): Promise<Result[]> {
  const text = syntheticScenario({ instances: 1, perInstance: 2_000 });
  const t = performance.now();
  const world = new World(parseScenario(text, 'synthetic.yaml'), systemClock);
  const loadMs = performance.now() - t;
  const instance = world.instances[0]!;
  const server = createArgoServer(world, instance);
  const url = await server.listen(0);
  const get = async (query: string) => {
    const res = await fetch(`${url}/api/v1/applications${query}`, {
      headers: { authorization: `Bearer ${instance.token}` },
    });
    const body = (await res.json()) as { items: unknown[] };
    if (body.items.length !== 2_000) throw new Error(`expected 2000 apps, got ${body.items.length}`);
  };
  const fields =
    '?fields=items.metadata.name,items.metadata.namespace,items.spec.project,items.status.sync.status,items.status.health.status,items.status.sync.revision';
  await get(fields);
  const trimmed = await repeat(20, () => get(fields));
  const full = await repeat(10, () => get(''));
  await server.close();
  return [
    {
      bench: 'sandbox',
      metric: 'load 2,000-app scenario (parse + world)',
      value: ms(loadMs),
      target: '< 2000 ms',
      ok: loadMs < 2_000,
    },
    {
      bench: 'sandbox',
      metric: 'GET applications?fields=… (2,000) p50',
      value: ms(trimmed.p50),
      target: '< 1000 ms',
      ok: trimmed.p50 < 1_000,
    },
    { bench: 'sandbox', metric: 'GET applications?fields=… (2,000) p99', value: ms(trimmed.p99) },
    { bench: 'sandbox', metric: 'GET applications, full objects (2,000) p50', value: ms(full.p50) },
  ];
}

if (import.meta.main) print(await run());
