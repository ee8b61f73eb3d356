/**
 * Issue 10: a scheduled sweep of 10,000 apps on 4 Argo CD instances — the first one, which alerts
 * every app that is Degraded or Missing (1,250 of them here: each alert is stored, gets a
 * [Diagnose] button and is posted), the steady ones after it, and a digest of all 10,000 with its
 * chart — wall time, and the RSS of a process that holds only the bot (the sandbox runs in a
 * child process).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { benchBot, childSandbox } from './lib/world.ts';
import { mb, ms, print, repeat, type Result } from './lib/measure.ts';

async function sweepTenThousand(): Promise<Result[]> {
  const sandbox = await childSandbox({ instances: 4, perInstance: 2_500 });
  try {
    // The sandbox's own configuration, plus a sweep and a digest over every app.
    const config = parse(readFileSync(sandbox.configFile, 'utf8')) as { plugins: Record<string, unknown> };
    config.plugins.digest = {
      schedules: [
        { id: 'fleet-sweep', kind: 'sweep', channel: 'console:bench', cron: '*/10 * * * *' },
        { id: 'fleet-digest', kind: 'digest', channel: 'console:bench', cron: '0 9 * * 1-5', chart: true },
      ],
      transitions: { defaultChannel: 'console:bench' },
    };
    const file = join(dirname(sandbox.configFile), 'deckhand-digest.yaml');
    writeFileSync(file, stringify(config));
    const rssBefore = process.memoryUsage().rss;
    const bot = await benchBot(file, { cache: true });
    const { jobs, store } = bot.bot;
    const apps = (await bot.run('/argo list')).ok;
    if (!apps) throw new Error('list failed');
    global.gc?.();
    const rssCached = process.memoryUsage().rss;

    let t = performance.now();
    if ((await jobs.runNow('digest.fleet-sweep')) !== 'ok') throw new Error('first sweep failed');
    const firstMs = performance.now() - t;
    const open = await store.collection<{ ref?: unknown }>('transition-alerts').list();
    const posted = open.filter((a) => a.value.ref).length;
    const steady = await repeat(5, async () => {
      if ((await jobs.runNow('digest.fleet-sweep')) !== 'ok') throw new Error('sweep failed');
    });
    t = performance.now();
    if ((await jobs.runNow('digest.fleet-digest')) !== 'ok') throw new Error('digest failed');
    const digestMs = performance.now() - t;
    global.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    await bot.stop();
    return [
      {
        bench: 'digest sweep',
        metric: `first sweep of 10,000 (${posted} alerts posted)`,
        value: ms(firstMs),
        target: '< 3000 ms',
        ok: firstMs < 3_000,
      },
      {
        bench: 'digest sweep',
        metric: 'sweep of 10,000, nothing new, p50',
        value: ms(steady.p50),
        target: '< 3000 ms',
        ok: steady.max < 3_000,
      },
      { bench: 'digest sweep', metric: 'sweep of 10,000, nothing new, max', value: ms(steady.max) },
      { bench: 'digest sweep', metric: 'digest of 10,000 with its chart', value: ms(digestMs) },
      {
        bench: 'digest sweep',
        metric: 'RSS after the sweeps and the digest',
        value: mb(rss),
        target: '< 300 MB',
        ok: rss < 300 * 1024 * 1024,
      },
      { bench: 'digest sweep', metric: 'RSS with 10,000 apps cached, before sweeping', value: mb(rssCached) },
      { bench: 'digest sweep', metric: 'RSS before the bot started (modules loaded)', value: mb(rssBefore) },
      { bench: 'digest sweep', metric: 'JS heap in use', value: mb(heapUsed) },
    ];
  } finally {
    await sandbox.stop();
  }
}

export const run = sweepTenThousand;

if (import.meta.main) print(await run());
