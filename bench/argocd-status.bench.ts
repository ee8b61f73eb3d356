/**
 * Issue 4: `/argo status` from the warm watch cache against a direct Argo CD call, 2,000 apps.
 * The sandbox runs in a child process; the bot runs here.
 */
import { benchBot, childSandbox } from './lib/world.ts';
import { ms, print, repeat, type Result } from './lib/measure.ts';

const name = (i: number) => `svc-${String(i).padStart(5, '0')}`;

async function statusLatency(): Promise<Result[]> {
  const sandbox = await childSandbox({ instances: 1, perInstance: 2_000 });
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

export const run = statusLatency;

if (import.meta.main) print(await run());
