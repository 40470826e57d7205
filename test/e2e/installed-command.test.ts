import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/spawn-cli.js';

// npm installs `molectl` as a link to bin/molectl.js, so the system runs it through its shebang,
// which passes Node a flag (full GCs before garbage piles up: see the comment there). A shebang that
// `env` cannot split, or a flag this Node refuses, would break every installed command while
// every test that runs `node bin/molectl.js` still passed.

const run = promisify(execFile);

describe('molectl as npm installs it', () => {
  it('runs through its own shebang, with the Node on PATH', async () => {
    const shebang = readFileSync(BIN, 'utf8').split('\n', 1)[0];
    expect(shebang).toMatch(/^#!\/usr\/bin\/env -S node( --[a-z-]+=\S+)*$/);
    const r = await run(BIN, ['--version'], {
      env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: process.env.HOME },
    });
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(r.stderr).toBe('');
  });
});
