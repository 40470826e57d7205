import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/lib/output/write-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'molectl-write-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes parts as their concatenation, however many (more than one writev takes), empty ones included', async () => {
    const parts = Array.from({ length: 3000 }, (_, i) => Buffer.from(i % 7 === 0 ? '' : `part ${i} ✔\n`));
    const path = join(dir, 'ledger.json');
    await writeFileAtomic(path, parts, { mode: 0o600 });
    expect(await readFile(path)).toEqual(Buffer.concat(parts));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['ledger.json']);
  });

  it('replaces what was there with a string or a buffer', async () => {
    const path = join(dir, 'plan.json');
    await writeFileAtomic(path, 'old');
    await writeFileAtomic(path, Buffer.from('new'));
    expect(await readFile(path, 'utf8')).toBe('new');
  });
});
