import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, NotFoundError, UsageError } from '../../../src/lib/errors.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { createRunId, isRunId } from '../../../src/lib/runs/run-id.js';
import { RunStore } from '../../../src/lib/runs/run-store.js';
import { UnreadableLedgerError } from '../../../src/lib/runs/unreadable-ledger-error.js';
import { createManualClock } from './manual-clock.js';
import { testEnvironment } from '../../helpers/environment.js';

const ENVIRONMENT = testEnvironment({ name: 'production', cpUrl: 'https://api.moleculesai.app' });

let stateDir: string;
let clock: ReturnType<typeof createManualClock>;
let store: RunStore;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'molectl-store-'));
  clock = createManualClock();
  store = new RunStore({ stateDir, clock, redactor: new Redactor() });
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

/** Creates runs a minute apart, in the order given. */
async function createRuns(commands: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const command of commands) {
    ids.push((await store.create({ command, environment: ENVIRONMENT })).id);
    clock.advance(60_000);
  }
  return ids;
}

describe('run ids', () => {
  it('read as time, command and a random tail, and sort by start time as strings', () => {
    const early = createRunId('migrate cp-secret apply', new Date('2026-11-22T20:30:00.123Z'), () => '3f9a');
    const late = createRunId('org create', new Date('2026-11-22T21:05:09Z'), () => '0001');
    expect(early).toBe('20261122T203000Z-migrate-cp-secret-apply-3f9a');
    expect(late).toBe('20261122T210509Z-org-create-0001');
    expect([late, early].sort()).toEqual([early, late]);
    expect(isRunId(early)).toBe(true);
    for (const bad of ['../../etc/passwd', '.hidden', '20261122T203000Z-x/y-3f9a', ''])
      expect(isRunId(bad)).toBe(false);
  });
});

describe('RunStore.list', () => {
  it('lists newest first, filters by command or command group, and honours the limit', async () => {
    const [first, second, third, fourth] = await createRuns([
      'migrate cp-secret apply',
      'org create',
      'migrate cp-secret resume',
      'org delete',
    ]);
    expect((await store.list()).runs.map((r) => r.id)).toEqual([fourth, third, second, first]);
    expect((await store.list({ command: 'migrate' })).runs.map((r) => r.id)).toEqual([third, first]);
    expect((await store.list({ command: 'org create' })).runs.map((r) => r.id)).toEqual([second]);
    expect((await store.list({ command: 'org cre' })).runs).toEqual([]);
    expect((await store.list({ limit: 2 })).runs.map((r) => r.id)).toEqual([fourth, third]);
    expect((await store.list({ command: 'org', limit: 1 })).runs.map((r) => r.id)).toEqual([fourth]);
  });

  it('skips an unreadable ledger with its reason instead of failing, and ignores other files', async () => {
    const [good] = await createRuns(['org create']);
    await writeFile(join(stateDir, 'runs', '20261122T100000Z-org-delete-beef.json'), '{"schemaVersion":1,');
    await writeFile(
      join(stateDir, 'runs', '20261122T110000Z-org-delete-cafe.json'),
      JSON.stringify({ schemaVersion: 2 }),
    );
    await writeFile(join(stateDir, 'runs', 'notes.txt'), 'hello');
    const listing = await store.list();
    expect(listing.runs.map((r) => r.id)).toEqual([good]);
    expect(listing.skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/20261122T110000Z-org-delete-cafe\.json is unreadable: written by a newer molectl/),
      expect.stringMatching(/20261122T100000Z-org-delete-beef\.json is unreadable: not valid JSON/),
    ]);
  });

  it('loading a ledger of another molectl is exit 1 with one line saying older or newer', async () => {
    await mkdir(join(stateDir, 'runs'), { recursive: true });
    for (const [version, word] of [
      [0, 'older'],
      [2, 'newer'],
    ] as const) {
      const id = `20261122T12000${version}Z-migrate-cp-secret-apply-abcd`;
      await writeFile(join(stateDir, 'runs', `${id}.json`), JSON.stringify({ schemaVersion: version }));
      const error = await store.load(id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnreadableLedgerError);
      expect((error as UnreadableLedgerError).code).toBe(ExitCode.failed);
      expect((error as UnreadableLedgerError).message).toMatch(
        new RegExp(
          `^run ledger .*${id}\\.json is unreadable: written by an? ${word} molectl \\(ledger schemaVersion ${version}[;)]`,
        ),
      );
      expect((error as UnreadableLedgerError).message).not.toContain('\n');
    }
  });

  it('is empty, not an error, before any run', async () => {
    expect(await store.list()).toEqual({ runs: [], skipped: [] });
  });
});

describe('RunStore.load', () => {
  it('loads by full id or unique prefix', async () => {
    const [id] = await createRuns(['org create']);
    expect((await store.load(id!)).id).toBe(id);
    expect((await store.load(id!.slice(0, 15))).id).toBe(id);
  });

  it('answers an unknown id with exit 4 and the hint to list runs', async () => {
    const error = await store.load('20261122T203000Z-org-create-0000').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).code).toBe(ExitCode.notFound);
    expect((error as NotFoundError).hint).toContain('molectl runs list');
  });

  it('never turns a path-like id into a file read', async () => {
    await writeFile(join(stateDir, 'secret.json'), '{}');
    await expect(store.load('../secret')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.load('../../../../etc/passwd')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses an ambiguous prefix as a usage error naming the candidates', async () => {
    await createRuns(['org create', 'org create']);
    const error = await store.load('20261122T203').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(/matches 2 runs/);
  });

  it('writes ledgers a later molectl can read back unchanged', async () => {
    const ledger = await store.create({
      command: 'org create',
      environment: ENVIRONMENT,
      inputs: { slug: 'acme' },
      pinned: { secretVersionId: 'v-1' },
      targets: ['acme'],
    });
    const before = await readFile(ledger.path, 'utf8');
    const loaded = await store.load(ledger.id);
    expect(loaded.serialize()).toBe(before);
  });
});
