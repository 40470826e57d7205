// molectl as an installed `molectl` runs it: Node with the flags of bin/molectl.js's shebang
// (`#!/usr/bin/env -S node <flags>`), then the script. The benches start `process.execPath`
// rather than the file itself so that every figure is for the Node that runs the bench.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/molectl.js', import.meta.url));

/** The Node flags of bin/molectl.js's shebang line (none if it names no flags). */
export function shebangNodeFlags(bin = BIN) {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0];
  const match = /^#!\S*env\s+-S\s+node\s+(.*)$/.exec(first);
  return match ? match[1].trim().split(/\s+/).filter(Boolean) : [];
}

/** Arguments for process.execPath that run molectl with `args`, as the installed command would. */
export function molectlArgs(args = [], extraNodeFlags = []) {
  return [...shebangNodeFlags(), ...extraNodeFlags, BIN, ...args];
}
