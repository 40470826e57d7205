#!/bin/sh
":" //; [ -z "${NODE_EXTRA_CA_CERTS-}" ] || { export MOLECTL_DEFERRED_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; }; exec node "$0" "$@"
'use strict';
// Read by sh, then by Node. sh (the shebang) runs line 2, which Node reads as a string and a
// comment: it starts the Node on PATH on this file, as `#!/usr/bin/env node` would, but with
// NODE_EXTRA_CA_CERTS moved aside. Node 20 loads that file and builds its root store before any
// JavaScript runs, ~70 ms on every command; molectl loads it when it first opens a TLS connection
// (src/lib/http/deferred-extra-ca.ts), and commands that never do (gitea rewrite, --help, the
// loopback sandbox) never pay. POSIX sh rather than `env -S`, which BusyBox's env lacks.
// No Node flag is given at start: any V8 flag makes V8 reject the code cache of Node's own modules
// (growHeapByHalfOnceLarge below). test/e2e/installed-command.test.ts holds all of this.
const deferredExtraCaFile = takeDeferredExtraCaFile(process.env);
// CommonJS (bin/package.json), like the bundle it loads (build/bundle.mjs): a run that never
// starts Node's ESM loader starts ~20 ms sooner (issue 16).
const { join } = require('node:path');
const {
  commandKey,
  deferExtraCaCertificates,
  isQuickAnswer,
  main,
  outliveTheTerminal,
  quickAnswerText,
} = require('../dist/bundle/cli.cjs');
if (deferredExtraCaFile) deferExtraCaCertificates(deferredExtraCaFile);

async function run(argv) {
  const quick = isQuickAnswer(argv);
  if (quick && writeQuickAnswer(argv)) return;
  // The help and the version are written at once, from cli.cjs alone. Anything else loads the
  // chunks of a command: compiled with V8's code cache of earlier runs (compile-cache.js), and
  // guarded against a terminal that goes away mid-run (SIGHUP), which must not cut the run's
  // ending short (lost-terminal.ts).
  const saveCompileCache = quick
    ? () => {}
    : require('./compile-cache.js').enableCompileCache(join(__dirname, '..', 'dist', 'bundle'), commandKey(argv));
  const terminal = quick ? null : outliveTheTerminal(require('node:tty').isatty);
  const heap = quick ? null : growHeapByHalfOnceLarge();
  process.exitCode = await main(argv);
  // Code V8 compiled under other flags would be rejected by the next run: not kept.
  if (!heap?.flagSet) saveCompileCache();
  // main() returns when the work is done and its output written. End now, once stdout and
  // stderr have taken all of it, rather than when idle keep-alive sockets or stray timers let
  // go (they can hold a finished command for seconds: issue 16, test/e2e/exit-promptly.test.ts).
  await Promise.all(
    [process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))),
  );
  terminal?.closeIfHungUp();
  process.exit();
}

/**
 * V8 lets the old generation grow to ~3.3x what survived the last full GC when GC looks cheap, so
 * a 10,000-tenant apply whose live heap is ~45 MB peaked at ~300 MB RSS, most of it garbage;
 * growing by half (--heap-growing-percent=50) held it at ~190 MB for the same CPU
 * (docs/architecture.md). The flag used to be in the shebang, but any V8 flag given at start
 * makes V8 reject the code cache Node ships for its own modules (it is checked against the
 * flags), so every built-in a run loaded (streams, net, http...) was compiled from source: ~25 ms
 * of a ~75 ms `org list` (issue 16). The flag only matters once the heap is large, and V8 reads
 * it at each full GC: it is set when the process passes 100 MB of RSS (a command that talks to
 * the CP and AWS stays near 50-80 MB), checked every 250 ms.
 */
function growHeapByHalfOnceLarge() {
  const state = { flagSet: false };
  const timer = setInterval(() => {
    if (process.memoryUsage.rss() < 100 * 1024 * 1024) return;
    require('node:v8').setFlagsFromString('--heap-growing-percent=50');
    state.flagSet = true;
    clearInterval(timer);
  }, 250);
  timer.unref();
  return state;
}

/**
 * The help or the version, written straight to descriptor 1 when it is not a terminal (a pipe, a
 * file, /dev/null): creating process.stdout loads Node's stream modules (~3 ms, a tenth of
 * `node -e 0`), and nothing else in such a run would need them. A terminal (whose width the help
 * follows), or a descriptor that cannot take the text at once, gets the usual path. Returns
 * whether the answer was given (the process is then ending).
 */
function writeQuickAnswer(argv) {
  const { fstatSync, statSync, writeSync } = require('node:fs');
  let out;
  try {
    out = fstatSync(1);
    const devNull = out.isCharacterDevice() && out.rdev === statSync('/dev/null').rdev;
    if (!(out.isFile() || out.isFIFO() || out.isSocket() || devNull)) return false;
  } catch {
    return false;
  }
  const text = Buffer.from(quickAnswerText(argv, 80));
  let written = 0;
  try {
    while (written < text.length) written += writeSync(1, text, written);
  } catch (error) {
    // The reader went away (`molectl --help | head -1` and the like): help ends with 0 as usual
    // (src/cli/closed-output.ts). A non-blocking pipe that is full takes the rest through the stream.
    if (error.code === 'EAGAIN' && written === 0) return false;
    if (error.code === 'EAGAIN') {
      process.stdout.on('error', () => {});
      process.stdout.write(text.subarray(written), () => process.exit(0));
      return true;
    }
    if (error.code !== 'EPIPE') throw error;
  }
  process.exit(0);
}

/**
 * The extra CA file the sh header moved aside, if any; NODE_EXTRA_CA_CERTS is put back, so that
 * the programs molectl starts (git, a detached sandbox) see the environment the user gave it.
 */
function takeDeferredExtraCaFile(env) {
  const file = env.MOLECTL_DEFERRED_EXTRA_CA_CERTS;
  if (file === undefined) return undefined;
  delete env.MOLECTL_DEFERRED_EXTRA_CA_CERTS;
  if (file) env.NODE_EXTRA_CA_CERTS = file;
  return file || undefined;
}

run(process.argv.slice(2));
