/**
 * Issue 20 item 5: an alert storm — 500 distinct, authenticated Alertmanager groups in 10 s (50 a
 * second) for the demo's OOMKilled app, each a new incident: a thread, a diagnosis and the
 * remediation rule. Measures the webhook's answer times, the bot's RSS (the sandbox runs in a child
 * process; the shipped Deployment's memory limit is 512Mi, deploy/base/deployment.yaml), the
 * event-loop delay, and how long until every group is diagnosed. A 503 is retried after its
 * Retry-After, as Alertmanager retries a 5xx.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Incident } from '../src/plugins/incidents/index.ts';
import { oomAlertGroup } from '../test/support/alerts.ts';
import { benchBot, childSandbox } from './lib/world.ts';
import { mb, ms, print, summarize, type Result } from './lib/measure.ts';

const GROUPS = 500;
const PER_SECOND = 50;
const TOKEN = 'alert-storm-bench-token-0123456789';

async function alertStorm(): Promise<Result[]> {
  const sandbox = await childSandbox({
    scenario: new URL('../config/scenarios/demo.yaml', import.meta.url).pathname,
  });
  try {
    const bot = await benchBot(sandbox.configFile, {
      cache: true,
      http: true,
      configure: (config) => {
        const plugins = config.plugins as Record<string, Record<string, unknown>>;
        plugins.incidents = { ...plugins.incidents, webhookToken: TOKEN, defaultChannel: 'console:bench' };
      },
    });
    const url = `http://127.0.0.1:${bot.bot.port}/hooks/incidents/alertmanager`;
    const incidents = bot.bot.store.collection<Incident>('incidents');
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();

    const answers: number[] = [];
    let deferred = 0;
    const deliver = async (n: number): Promise<void> => {
      const t = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(oomAlertGroup('naver-news', n)),
      });
      await res.arrayBuffer();
      answers.push(performance.now() - t);
      if (res.status === 503) {
        deferred++;
        await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
        return deliver(n);
      }
      if (res.status !== 202) throw new Error(`delivery ${n}: HTTP ${res.status}`);
    };
    const start = performance.now();
    const sent: Promise<void>[] = [];
    for (let n = 0; n < GROUPS; n++) {
      // On a schedule, not one after another: a slow answer must not slow the storm down.
      const due = start + (n * 1000) / PER_SECOND - performance.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      sent.push(deliver(n));
    }
    await Promise.all(sent);
    const sentMs = performance.now() - start;

    let diagnosed = 0;
    while (performance.now() - start < 120_000) {
      diagnosed = (await incidents.list()).filter((d) => d.value.diagnosed).length;
      if (diagnosed >= GROUPS) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const allMs = performance.now() - start;
    await bot.bot.tasks.idle(30_000);
    clearInterval(sampler);
    lag.disable();
    global.gc?.();
    const after = process.memoryUsage();
    await bot.stop();
    const a = summarize(answers);
    return [
      {
        bench: 'alert storm',
        metric: `webhook answer p50 (${GROUPS} groups in ${(sentMs / 1000).toFixed(1)} s)`,
        value: ms(a.p50),
      },
      {
        bench: 'alert storm',
        metric: 'webhook answer p99',
        value: ms(a.p99),
        target: '< 200 ms',
        ok: a.p99 < 200,
      },
      { bench: 'alert storm', metric: 'webhook answer max', value: ms(a.max) },
      { bench: 'alert storm', metric: 'answered 503 (retried after Retry-After)', value: String(deferred) },
      {
        bench: 'alert storm',
        metric: 'RSS peak',
        value: mb(rssPeak),
        target: '< 400 MB',
        ok: rssPeak < 400 * 1024 * 1024,
      },
      { bench: 'alert storm', metric: 'RSS before the storm', value: mb(rssBefore) },
      { bench: 'alert storm', metric: 'RSS after the storm (after a GC)', value: mb(after.rss) },
      {
        bench: 'alert storm',
        metric: 'JS heap in use / reserved after the storm',
        value: `${mb(after.heapUsed)} / ${mb(after.heapTotal)}`,
      },
      {
        bench: 'alert storm',
        metric: `every group diagnosed (${diagnosed} of ${GROUPS}), from the first delivery`,
        value: ms(allMs),
        target: '< 60000 ms',
        ok: diagnosed >= GROUPS && allMs < 60_000,
      },
      { bench: 'alert storm', metric: 'event-loop delay p99', value: ms(lag.percentile(99) / 1e6) },
      { bench: 'alert storm', metric: 'event-loop delay max', value: ms(lag.max / 1e6) },
    ];
  } finally {
    await sandbox.stop();
  }
}

export const run = alertStorm;

if (import.meta.main) print(await run());
