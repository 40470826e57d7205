#!/usr/bin/env -S node --heap-growing-percent=50
'use strict';
// CommonJS (bin/package.json), like the bundle it loads (build/bundle.mjs): a run that never
// starts Node's ESM loader starts ~20 ms sooner (issue 16).
// The flag: V8 lets the old generation grow to ~3.3x what survived the last full GC when GC
// looks cheap, so a 10,000-tenant apply whose live heap is ~45 MB peaked at ~300 MB RSS, most of
// it garbage; growing by half instead held it at ~190 MB for the same CPU (docs/architecture.md).
// Node reads it only at start, hence the shebang; `node bin/molectl.js` runs without it.
const { join } = require('node:path');
const { isQuickAnswer, main, outliveTheTerminal } = require('../dist/bundle/cli.cjs');

async function run(argv) {
  const quick = isQuickAnswer(argv);
  // The help and the version are written at once, from cli.cjs alone. Anything else loads the
  // chunks of a command: compiled with V8's code cache of earlier runs (compile-cache.js), and
  // guarded against a terminal that goes away mid-run (SIGHUP), which must not cut the run's
  // ending short (lost-terminal.ts).
  const saveCompileCache = quick
    ? () => {}
    : require('./compile-cache.js').enableCompileCache(join(__dirname, '..', 'dist', 'bundle'));
  const terminal = quick ? null : outliveTheTerminal(require('node:tty').isatty);
  process.exitCode = await main(argv);
  saveCompileCache();
  // main() returns when the work is done and its output written. End now, once stdout and
  // stderr have taken all of it, rather than when idle keep-alive sockets or stray timers let
  // go (they can hold a finished command for seconds: issue 16, test/e2e/exit-promptly.test.ts).
  await Promise.all(
    [process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))),
  );
  terminal?.closeIfHungUp();
  process.exit();
}

run(process.argv.slice(2));
