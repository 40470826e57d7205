import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The machines have 2 cores, but sandbox-backed tests spend much of their time waiting (SSM
    // polls, /health waits, rate limits) rather than computing: more workers than cores fill that
    // idle time. Measured on test/commands (354 tests, 2 cores, load 5-10 from other work):
    // 2 workers 325 s, 3 workers 201 s, 4 workers 218 s. On the whole suite, a quiet machine
    // (2,259 tests, more of them waiting on throttles and retries): 3 workers 157 s, 4 workers
    // 133 s, for ~160 CPU-seconds either way; `npm test` with 3 had gone past its 3 minutes.
    // With 2,688 tests, more of them rehearsing kills, resumes and slow answers that wait, `npm
    // test` on a quiet 2-core machine, one after another: 4 workers 187 s and 189 s, 5 workers
    // 163 s, 6 workers 135 s, 8 workers 122 s (24 GiB: memory is not the limit). 6 keeps most
    // of the gain with less contention for the tests that time a wait.
    maxWorkers: 6,
    // A test file does not need a fresh process: every file starts its own sandboxes, state
    // directories and molectl runs (main() takes its env, streams and signal as arguments), and no
    // test mocks modules or changes process-wide state it does not restore. Isolation cost a new
    // worker process per file, which loads vitest, src/ and the AWS SDK again: measured on 2 cores
    // (load 6-7 from other work), test/lib 64 -> 20 CPU-seconds, test/commands 221 -> 179.
    isolate: false,
    // Ambient MOLECTL_*/AWS_* settings of the shell that runs the tests are cleared first.
    setupFiles: ['test/setup/hermetic-env.ts'],
    testTimeout: 30_000,
    // Hooks start sandboxes and sometimes run a whole migration as a scenario's setup.
    hookTimeout: 120_000,
    // The JSON report lets .ci/run print the plain "N passed, N failed" line CI systems read.
    reporters: ['default', 'json'],
    outputFile: { json: '.molectl-tmp/vitest-results.json' },
  },
});
