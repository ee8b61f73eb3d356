/**
 * Issue 17: the one redaction step runs on every message, log record, audit row and Git text, so
 * it must cost little. A status-card-sized message, a 200-line log tail and a page of 200 apps.
 */
import { Redactor } from '../src/core/redact.ts';
import { ms, print, summarize, type Result } from './lib/measure.ts';

function time(runs: number, fn: () => unknown): ReturnType<typeof summarize> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return summarize(times);
}

async function redaction(): Promise<Result[]> {
  const r = new Redactor();
  // As many configured secrets as a bot with a few instances, clusters and hosts holds.
  r.addSecrets(Array.from({ length: 12 }, (_, i) => `configured-secret-${i}-${'x'.repeat(24)}`));
  const card = {
    text: 'naver-news: Synced, Degraded at 2a4ad00',
    blocks: Array.from({ length: 12 }, (_, i) => ({
      type: 'text',
      text: `line ${i} of the card with a link https://github.com/acme/infra/commit/2a4ad00fd5b31bbfec1531b749a12b9053e20c83`,
    })),
    data: { app: { name: 'naver-news', images: [{ image: 'ghcr.io/acme/news:1.2.3', origin: 'git' }] } },
  };
  const log = Array.from(
    { length: 200 },
    (_, i) =>
      `2026-08-24T09:${String(i % 60).padStart(2, '0')}:00Z INFO c.n.crawler fetched page ${i} of politics in 123ms`,
  );
  const page = {
    data: {
      apps: Array.from({ length: 200 }, (_, i) => ({
        name: `app-${i}`,
        sync: 'Synced',
        health: 'Healthy',
        revision: 'a1b2c3d',
      })),
    },
  };
  for (let i = 0; i < 50; i++) r.object(card); // warm the regular expressions
  const c = time(2_000, () => r.object(card));
  const l = time(500, () => r.object({ lines: log }));
  const p = time(500, () => r.object(page));
  return [
    {
      bench: 'redaction',
      metric: 'status-card message, p99',
      value: ms(c.p99),
      target: '< 1 ms',
      ok: c.p99 < 1,
    },
    {
      bench: 'redaction',
      metric: '200-line log tail, p99',
      value: ms(l.p99),
      target: '< 5 ms',
      ok: l.p99 < 5,
    },
    {
      bench: 'redaction',
      metric: 'a page of 200 apps (data), p99',
      value: ms(p.p99),
      target: '< 10 ms',
      ok: p.p99 < 10,
    },
  ];
}

export const run = redaction;

if (import.meta.main) print(await run());
