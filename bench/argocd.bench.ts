/**
 * Issue 4: `/argo status` from the warm watch cache against a direct Argo CD call (2,000 apps),
 * and `/argo list` over 10,000 apps on 4 instances: wall time and the bot's RSS. The sandbox runs
 * in a child process, so this process's memory is the bot's.
 */
import { benchBot, childSandbox } from './lib/world.ts';
import { mb, ms, print, repeat, type Result } from './lib/measure.ts';
import { syntheticScenario } from './lib/synthetic.ts';

const name = (i: number) => `svc-${String(i).padStart(5, '0')}`;

async function statusLatency(): Promise<Result[]> {
  const sandbox = await childSandbox(syntheticScenario({ instances: 1, perInstance: 2_000 }));
  try {
    const cached = await benchBot(sandbox.configFile, { cache: true });
    for (let i = 0; i < 50; i++) await cached.run(`/argo status ${name(i)}`); // warm the JIT and metadata
    const fromCache = await repeat(500, (i) => cached.run(`/argo status ${name(i % 50)}`));
    await cached.stop();
    const direct = await benchBot(sandbox.configFile, { cache: false });
    for (let i = 0; i < 20; i++) await direct.run(`/argo status ${name(i)}`);
    const fromApi = await repeat(100, (i) => direct.run(`/argo status ${name(i % 20)}`));
    await direct.stop();
    return [
      {
        bench: 'argocd status',
        metric: 'from warm cache, p50 (2,000 apps)',
        value: ms(fromCache.p50),
        target: '< 5 ms',
        ok: fromCache.p50 < 5,
      },
      { bench: 'argocd status', metric: 'from warm cache, p99', value: ms(fromCache.p99) },
      { bench: 'argocd status', metric: 'direct API call, p50', value: ms(fromApi.p50) },
      { bench: 'argocd status', metric: 'direct API call, p99', value: ms(fromApi.p99) },
    ];
  } finally {
    await sandbox.stop();
  }
}

async function listTenThousand(): Promise<Result[]> {
  const sandbox = await childSandbox(syntheticScenario({ instances: 4, perInstance: 2_500 }));
  try {
    const rssBefore = process.memoryUsage().rss;
    const t = performance.now();
    const bot = await benchBot(sandbox.configFile, { cache: true });
    const warmMs = performance.now() - t;
    const first = performance.now();
    const r = await bot.run('/argo list');
    const firstMs = performance.now() - first;
    if (!r.ok) throw new Error('list failed');
    const warm = await repeat(10, () => bot.run('/argo list --health Degraded'));
    const rss = process.memoryUsage().rss;
    await bot.stop();
    const direct = await benchBot(sandbox.configFile, { cache: false });
    const d = await repeat(3, () => direct.run('/argo list'));
    await direct.stop();
    return [
      { bench: 'argocd list', metric: '4 instances × 2,500: cache warm after start', value: ms(warmMs) },
      {
        bench: 'argocd list',
        metric: '/argo list of 10,000 from cache',
        value: ms(firstMs),
        target: '< 2000 ms',
        ok: firstMs < 2_000,
      },
      { bench: 'argocd list', metric: '/argo list --health Degraded p50', value: ms(warm.p50) },
      {
        bench: 'argocd list',
        metric: '/argo list of 10,000, direct calls p50',
        value: ms(d.p50),
        target: '< 2000 ms',
        ok: d.p50 < 2_000,
      },
      {
        bench: 'argocd list',
        metric: 'RSS with 10,000 apps cached',
        value: mb(rss),
        target: '< 300 MB',
        ok: rss < 300 * 1024 * 1024,
      },
      { bench: 'argocd list', metric: 'RSS growth over the bench start', value: mb(rss - rssBefore) },
    ];
  } finally {
    await sandbox.stop();
  }
}

export async function run(): Promise<Result[]> {
  return [...(await statusLatency()), ...(await listTenThousand())];
}

if (import.meta.main) print(await run());
