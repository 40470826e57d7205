// molectl as an installed `molectl` runs. npm links the command to bin/molectl.js, whose first
// line is `#!/bin/sh`: sh moves NODE_EXTRA_CA_CERTS aside and runs the `node` on PATH, with no
// flag, on the same file (bin/molectl.js says why). The start-up benches run it that way
// (installedMolectl), with the bench's own Node first on PATH, so that every figure is for the
// Node that runs the bench. Long runs, and runs that need Node flags (profiling), start
// `process.execPath` on the file (molectlArgs): the header's few milliseconds do not matter there,
// and Node then loads NODE_EXTRA_CA_CERTS itself, if set.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/molectl.js', import.meta.url));

/** Arguments for process.execPath that run molectl with `args`. */
export function molectlArgs(args = [], extraNodeFlags = []) {
  return [...extraNodeFlags, BIN, ...args];
}

/** The file to start, its arguments and environment: molectl through its own header. */
export function installedMolectl(args = [], env = process.env) {
  return { file: BIN, args, env: withBenchNode(env) };
}

/** `env` with the Node that runs the bench first on PATH. */
export function withBenchNode(env) {
  return { ...env, PATH: `${dirname(process.execPath)}:${env.PATH ?? ''}` };
}
