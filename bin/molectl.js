#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json), like the bundle it loads (build/bundle.mjs): a run that never
// starts Node's ESM loader starts ~20 ms sooner (issue 16). The bundle's chunks are compiled
// with V8's code cache from earlier runs (compile-cache.js).
const { join } = require('node:path');
const { enableCompileCache } = require('./compile-cache.js');

const saveCompileCache = enableCompileCache(join(__dirname, '..', 'dist', 'bundle'));
const { main, outliveTheTerminal } = require('../dist/bundle/cli.cjs');

// A terminal that goes away mid-run (SIGHUP) must not cut the run's ending short (lost-terminal.ts).
const terminal = outliveTheTerminal();
main(process.argv.slice(2)).then(async (code) => {
  process.exitCode = code;
  saveCompileCache();
  // main() returns when the work is done and its output written. End now, once stdout and
  // stderr have taken all of it, rather than when idle keep-alive sockets or stray timers let
  // go (they can hold a finished command for seconds: issue 16, test/e2e/exit-promptly.test.ts).
  await Promise.all(
    [process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))),
  );
  terminal.closeIfHungUp();
  process.exit();
});
