#!/usr/bin/env node
// The bundle `npm run build` makes (build/bundle.mjs): a few chunks instead of ~170 modules.
import { main } from '../dist/bundle/cli.js';

process.exitCode = await main(process.argv.slice(2));
// main() returns when the work is done and its output written. End now, once stdout and stderr
// have taken all of it, rather than when idle keep-alive sockets or stray timers let go (they
// can hold a finished command for seconds: issue 16, test/e2e/exit-promptly.test.ts).
await Promise.all(
  [process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))),
);
process.exit();
