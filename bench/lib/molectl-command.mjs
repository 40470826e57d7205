// molectl as an installed `molectl` runs it: bin/molectl.js under Node with no flags (its shebang
// is `#!/usr/bin/env node`, pinned by test/e2e/installed-command.test.ts: a flag given at start
// would make V8 reject the code cache of Node's own modules). The benches start
// `process.execPath` rather than the file itself so that every figure is for the Node that runs
// the bench.
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/molectl.js', import.meta.url));

/** Arguments for process.execPath that run molectl with `args`, as the installed command would. */
export function molectlArgs(args = [], extraNodeFlags = []) {
  return [...extraNodeFlags, BIN, ...args];
}
