import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The machines have 2 cores; sandbox-backed tests spawn bash per simulated host,
    // so more workers than cores only adds contention.
    maxWorkers: 2,
    testTimeout: 30_000,
    // Hooks start sandboxes and sometimes run a whole migration as a scenario's setup.
    hookTimeout: 120_000,
    // The JSON report lets .ci/run print the plain "N passed, N failed" line CI systems read.
    reporters: ['default', 'json'],
    outputFile: { json: '.molectl-tmp/vitest-results.json' },
  },
});
