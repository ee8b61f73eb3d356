import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The JSON report feeds the "N passed, N failed" line of .ci/run.
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One worker more than there are cores: the end-to-end files spend much of their time waiting
    // (deadlines, follow-ups, child processes), so a core that one file leaves idle goes to
    // another. Vitest's default (cores - 1) runs the 2-core machines file after file.
    maxWorkers: availableParallelism() + 1,
    // Two halves, started together by `vitest run` (npm test) or alone by `--project`
    // (npm run test:unit, npm run test:e2e).
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          // Cross-plugin and end-to-end tests: sandboxes, fake chat platforms, real processes.
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          // A story of several merges, each followed until Argo CD has it, takes 5 s alone and up
          // to 20 s while every worker runs on two cores (dora, Image Updater write-back).
          testTimeout: 60_000,
        },
      },
    ],
    // No test holds global state between files (every bot, sandbox, store, registry and logger is
    // built per test and stopped after it), so a worker runs file after file without importing
    // the whole bot again for each: that import was a third of the suite's CPU.
    isolate: false,
  },
});
