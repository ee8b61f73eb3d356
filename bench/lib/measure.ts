/** Timing helpers: repeated runs summarised as percentiles, and a line per result. */
export interface Summary {
  runs: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

export async function repeat(runs: number, fn: (i: number) => Promise<unknown>): Promise<Summary> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  return summarize(times);
}

export function summarize(times: number[]): Summary {
  const s = [...times].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return {
    runs: s.length,
    p50: at(0.5),
    p99: at(0.99),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    max: s.at(-1) as number,
  };
}

export const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(0)} ms`;
export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export interface Result {
  bench: string;
  metric: string;
  value: string;
  target?: string;
  ok?: boolean;
}

export function print(results: Result[]): void {
  for (const r of results) {
    const verdict = r.ok === undefined ? '' : r.ok ? '  ✓' : '  ✗ (target missed)';
    process.stdout.write(
      `${r.bench.padEnd(22)} ${r.metric.padEnd(44)} ${r.value.padStart(12)}${r.target ? `  target ${r.target}` : ''}${verdict}\n`,
    );
  }
}
