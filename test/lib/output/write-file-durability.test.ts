import { mkdtemp, rm } from 'node:fs/promises';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/lib/output/write-file.js';
import { writeFileExclusive } from '../../../src/lib/runs/write-file-exclusive.js';

// A power cut (a laptop's battery, a host reset) after rename(2) but before the file system
// commits the directory entry brings the previous ledger back: the intent recorded before a
// SendCommand would be lost although the command went out. Only an fsync of the directory makes
// the rename itself durable. What each write does is journalled here, in order, by wrapping the
// fs calls for the length of one test (and putting them back after it).
const journal: string[] = [];
const real = { open: fs.promises.open, rename: fs.promises.rename, link: fs.promises.link };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'molectl-durable-'));
  journal.length = 0;
  fs.promises.open = async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    const sync = handle.sync.bind(handle);
    handle.sync = async () => {
      journal.push(`fsync ${String(args[0])}`);
      return sync();
    };
    return handle;
  };
  fs.promises.rename = async (from: fs.PathLike, to: fs.PathLike) => {
    await real.rename(from, to);
    journal.push(`rename -> ${String(to)}`);
  };
  fs.promises.link = async (from: fs.PathLike, to: fs.PathLike) => {
    await real.link(from, to);
    journal.push(`link -> ${String(to)}`);
  };
  syncBuiltinESMExports();
});
afterEach(async () => {
  Object.assign(fs.promises, real);
  syncBuiltinESMExports();
  await rm(dir, { recursive: true, force: true });
});

describe('a write is on disk, name included, before the promise resolves', () => {
  it('writeFileAtomic (every ledger update): the directory is fsynced after the rename', async () => {
    const path = join(dir, 'run.json');
    await writeFileAtomic(path, '{"state":"in-progress"}');
    const renamed = journal.indexOf(`rename -> ${path}`);
    expect(renamed).toBeGreaterThan(0);
    expect(journal.slice(0, renamed).some((e) => e.startsWith(`fsync ${dir}/.run.json.`))).toBe(true);
    expect(journal.slice(renamed + 1)).toContain(`fsync ${dir}`);
  });

  it('writeFileExclusive (a new ledger, a lock): the directory is fsynced after the link', async () => {
    const path = join(dir, 'run.lock');
    expect(await writeFileExclusive(path, 'holder')).toBe(true);
    const linked = journal.indexOf(`link -> ${path}`);
    expect(linked).toBeGreaterThan(0);
    expect(journal.slice(linked + 1)).toContain(`fsync ${dir}`);
  });
});
