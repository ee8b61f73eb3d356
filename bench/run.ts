/**
 * `npm run bench`: every benchmark in its own process (so memory figures do not mix), results as
 * one table. `npm run bench -- argocd` runs the ones whose file name contains "argocd".
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort();
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n# ${f}\n`);
  try {
    const out = execFileSync(process.execPath, [...process.execArgv, `${dir}${f}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    process.stdout.write(out);
    if (out.includes('✗')) failed++;
  } catch (e) {
    failed++;
    process.stdout.write(`${f} failed: ${(e as Error).message}\n`);
  }
}
process.stdout.write(`\n${files.length} benchmarks, ${failed} with a missed target or an error\n`);
process.exitCode = failed ? 1 : 0;
