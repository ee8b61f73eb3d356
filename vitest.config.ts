import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The JSON report feeds the "N passed, N failed" line of .ci/run.
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two halves, started together by `vitest run` (npm test) or alone by `--project`
    // (npm run test:unit, npm run test:e2e).
    projects: [
      {
        extends: true,
        test: {
          // The unit tests sit beside the code; they hold no global state between files (every
          // bot, store, registry and logger is built per test), so one worker runs file after file
          // without re-importing the dependencies for each.
          name: 'unit',
          include: ['src/**/*.test.ts'],
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          // Cross-plugin and end-to-end tests: sandboxes, fake chat platforms, real processes.
          name: 'e2e',
          include: ['test/**/*.test.ts'],
        },
      },
    ],
  },
});
