#!/usr/bin/env node
import { main, outliveTheTerminal } from '../dist/cli.js';

// A terminal that goes away mid-run (SIGHUP) must not cut the run's ending short (lost-terminal.ts).
const terminal = outliveTheTerminal();
process.exitCode = await main(process.argv.slice(2));
// main() returns when the work is done and its output written. End now, once stdout and stderr
// have taken all of it, rather than when idle keep-alive sockets or stray timers let go (they
// can hold a finished command for seconds: issue 16, test/e2e/exit-promptly.test.ts).
await Promise.all(
  [process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))),
);
terminal.closeIfHungUp();
process.exit();
