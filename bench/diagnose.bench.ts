/**
 * Issue 8: `/diagnose naver-news` completes in under 2 s against the demo world, with the number
 * of requests the collection makes. The sandbox serves config/scenarios/demo.yaml from a child
 * process; the bot runs here with the configuration the sandbox wrote (Argo CD cache on, as by
 * default). The first run also loads the Kubernetes client, so it is reported on its own.
 */
import type { Message } from '../src/core/message/model.ts';
import { benchBot, childSandbox } from './lib/world.ts';
import { ms, print, repeat, type Result } from './lib/measure.ts';

const RUNS = 30;

async function diagnoseDemo(): Promise<Result[]> {
  const sandbox = await childSandbox({
    scenario: new URL('../config/scenarios/demo.yaml', import.meta.url).pathname,
  });
  try {
    const bot = await benchBot(sandbox.configFile, { cache: true });
    let requests: number[] = [];
    const diagnose = async () => {
      // benchBot's run is execOnce: the reply's messages come with it.
      const r = (await bot.run('/diagnose naver-news')) as { ok: boolean; messages: Message[] };
      const data = r.messages.at(-1)?.data as
        { diagnosis?: { rootCause?: { category: string } }; collection?: { requests: number } } | undefined;
      if (!r.ok || data?.diagnosis?.rootCause?.category !== 'OOMKilled')
        throw new Error(`unexpected diagnosis: ${JSON.stringify(data?.diagnosis?.rootCause ?? r.messages)}`);
      requests.push(data.collection?.requests ?? NaN);
    };
    const t = performance.now();
    await diagnose();
    const coldMs = performance.now() - t;
    for (let i = 0; i < 3; i++) await diagnose();
    requests = [];
    const warm = await repeat(RUNS, diagnose);
    await bot.stop();
    const counts = [...new Set(requests)].join(', ');
    return [
      { bench: 'diagnose', metric: 'first /diagnose naver-news (loads the k8s client)', value: ms(coldMs) },
      {
        bench: 'diagnose',
        metric: `/diagnose naver-news p50 (${RUNS} runs, demo world)`,
        value: ms(warm.p50),
        target: '< 2000 ms',
        ok: warm.p50 < 2_000,
      },
      {
        bench: 'diagnose',
        metric: `/diagnose naver-news p99`,
        value: ms(warm.p99),
        target: '< 2000 ms',
        ok: warm.p99 < 2_000,
      },
      { bench: 'diagnose', metric: 'requests per collection (data.collection.requests)', value: counts },
    ];
  } finally {
    await sandbox.stop();
  }
}

export const run = diagnoseDemo;

if (import.meta.main) print(await run());
