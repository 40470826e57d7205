import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/spawn-cli.js';

// npm installs `molectl` as a link to bin/molectl.js, so the system runs it through its shebang.
// A broken shebang would break every installed command while every test that runs
// `node bin/molectl.js` still passed. It names no Node flag: any V8 flag given at start makes V8
// reject the code cache of Node's own modules, ~25 ms of a fresh `org list` (the heap flag is set
// later, by bin/molectl.js itself, once the heap is large).

const run = promisify(execFile);

describe('molectl as npm installs it', () => {
  it('runs through its own shebang, with the Node on PATH', async () => {
    const shebang = readFileSync(BIN, 'utf8').split('\n', 1)[0];
    expect(shebang).toBe('#!/usr/bin/env node');
    const r = await run(BIN, ['--version'], {
      env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: process.env.HOME },
    });
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(r.stderr).toBe('');
  });
});
