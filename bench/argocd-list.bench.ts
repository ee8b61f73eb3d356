/**
 * Issue 4: `/argo list` over 10,000 apps on 4 instances — wall time, and the RSS of a process that
 * holds only the bot (the sandbox runs in a child process).
 */
import { benchBot, childSandbox } from './lib/world.ts';
import { mb, ms, print, repeat, type Result } from './lib/measure.ts';

async function listTenThousand(): Promise<Result[]> {
  const sandbox = await childSandbox({ instances: 4, perInstance: 2_500 });
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
    global.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
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
      { bench: 'argocd list', metric: 'RSS before the bot started', value: mb(rssBefore) },
      { bench: 'argocd list', metric: 'JS heap in use with 10,000 apps cached', value: mb(heapUsed) },
    ];
  } finally {
    await sandbox.stop();
  }
}

export const run = listTenThousand;

if (import.meta.main) print(await run());
