import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// A power cut (a laptop's battery, a host reset) after rename(2) but before the file system
// commits the directory entry brings the previous ledger back: the intent recorded before a
// SendCommand would be lost although the command went out. Only an fsync of the directory makes
// the rename itself durable. What each write does is recorded here, in order.
const journal: string[] = [];
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const handle = await fs.open(...args);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        journal.push(`fsync ${String(args[0])}`);
        return sync();
      };
      return handle;
    },
    rename: async (from: string, to: string) => {
      await fs.rename(from, to);
      journal.push(`rename -> ${to}`);
    },
    link: async (from: string, to: string) => {
      await fs.link(from, to);
      journal.push(`link -> ${to}`);
    },
  };
});

const { writeFileAtomic } = await import('../../../src/lib/output/write-file.js');
const { writeFileExclusive } = await import('../../../src/lib/runs/write-file-exclusive.js');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'molectl-durable-'));
  journal.length = 0;
});
afterEach(async () => {
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
