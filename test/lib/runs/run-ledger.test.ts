import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { remoteText } from '../../../src/lib/output/remote-text.js';
import { MAX_EVENTS } from '../../../src/lib/runs/run-ledger.js';
import { RunStore } from '../../../src/lib/runs/run-store.js';
import { MolectlError } from '../../../src/lib/errors.js';
import { findDeadPid } from './dead-pid.js';
import { createManualClock } from './manual-clock.js';
import { testEnvironment } from '../../helpers/environment.js';

const SENTINEL = 'sentinel-Zq7xW2pLk9Vb4Nc8';
const ENVIRONMENT = testEnvironment({
  name: 'staging',
  cpUrl: 'https://staging-api.moleculesai.app',
  awsRegion: 'us-east-2',
});

let stateDir: string;
let redactor: Redactor;
let clock: ReturnType<typeof createManualClock>;
let store: RunStore;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'molectl-ledger-'));
  redactor = new Redactor();
  clock = createManualClock();
  store = new RunStore({ stateDir, clock, redactor });
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

async function readLedgerFile(id: string): Promise<Record<string, any>> {
  return JSON.parse(await readFile(join(stateDir, 'runs', `${id}.json`), 'utf8'));
}

describe('RunLedger on disk', () => {
  it('writes the final status without scrubbing unchanged targets again, and still scrubs a value registered since', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `org-${i}`);
    const ledger = await store.create({ command: 'migrate cp-secret apply', environment: ENVIRONMENT, targets: keys });
    await ledger.updateTarget('org-7', { state: 'succeeded', detail: { note: `saw ${SENTINEL}` } });
    let scrubbed = 0;
    const { redactKnown } = redactor;
    redactor.redactKnown = (text: string) => {
      scrubbed++;
      return redactKnown.call(redactor, text);
    };
    await ledger.setStatus('succeeded');
    // The head only (a few dozen strings), not a thousand targets' worth.
    expect(scrubbed).toBeLessThan(100);
    expect((await readLedgerFile(ledger.id)).status).toBe('succeeded');
    redactor.register(SENTINEL);
    await ledger.setStatus('partial');
    const text = await readFile(join(stateDir, 'runs', `${ledger.id}.json`), 'utf8');
    expect(text).not.toContain(SENTINEL);
    expect(JSON.parse(text).targets['org-7'].detail.note).toBe('saw [REDACTED:secret]');
  });

  it('leaves what is unknown about the environment out of the file, and reads it back as unknown', async () => {
    const ledger = await store.create({ command: 'org create', environment: ENVIRONMENT });
    const onDisk = (await readLedgerFile(ledger.id)).environment;
    // Ledgers of schema 1 always left unknown values out: every molectl that reads them still does.
    expect(onDisk).toEqual({ name: 'staging', cpUrl: 'https://staging-api.moleculesai.app', awsRegion: 'us-east-2' });
    expect((await store.load(ledger.id)).document.environment).toEqual({
      name: 'staging',
      cpUrl: 'https://staging-api.moleculesai.app',
      tenantCpUrl: '',
      awsAccount: null,
      awsRegion: 'us-east-2',
    });
  });

  it('creates <stateDir>/runs/<id>.json, mode 0600, owned by this process, with inputs and pending targets', async () => {
    const ledger = await store.create({
      command: 'migrate cp-secret apply',
      environment: ENVIRONMENT,
      inputs: { waves: ['1', '25%'], maxErrors: 0 },
      targets: ['acme', 'beta'],
    });
    expect(ledger.id).toMatch(/^20261122T203000Z-migrate-cp-secret-apply-[0-9a-f]{4}$/);
    const file = join(stateDir, 'runs', `${ledger.id}.json`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const doc = await readLedgerFile(ledger.id);
    expect(doc).toMatchObject({
      schemaVersion: 1,
      id: ledger.id,
      command: 'migrate cp-secret apply',
      environment: { name: 'staging', cpUrl: 'https://staging-api.moleculesai.app', awsRegion: 'us-east-2' },
      status: 'running',
      startedAt: '2026-11-22T20:30:00.000Z',
      owner: { pid: process.pid, hostname: hostname() },
      inputs: { waves: ['1', '25%'], maxErrors: 0 },
      targets: { acme: { state: 'pending', attempts: 0 }, beta: { state: 'pending' } },
    });
  });

  it('persists every one of many concurrent target updates, never showing a partial file', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `org-${i}`);
    const ledger = await store.create({ command: 'migrate cp-secret apply', environment: ENVIRONMENT, targets: keys });
    const file = ledger.path;
    let reading = true;
    let reads = 0;
    // A reader racing the writer must always parse a whole document (old or new).
    const reader = (async () => {
      while (reading) {
        JSON.parse(await readFile(file, 'utf8'));
        reads += 1;
      }
    })();
    await Promise.all(
      keys.map(async (key, i) => {
        await ledger.updateTarget(key, { state: 'in-progress', remoteIds: { ssmCommandId: `cmd-${i % 7}` } });
        await ledger.updateTarget(key, {
          state: 'succeeded',
          outcome: 'migrated',
          detail: { fingerprint: 'sha256:0123456789ab' },
        });
      }),
    );
    reading = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
    const doc = await readLedgerFile(ledger.id);
    expect(Object.values(doc.targets).filter((t: any) => t.state === 'succeeded')).toHaveLength(300);
    // The file is the final in-memory state: no write overtook a later one.
    expect(await readFile(file, 'utf8')).toBe(ledger.serialize());
    expect(doc.targets['org-299']).toMatchObject({
      outcome: 'migrated',
      attempts: 1,
      remoteIds: { ssmCommandId: 'cmd-5' },
    });
    // No temp files left behind beside the ledger.
    expect(await readdir(join(stateDir, 'runs'))).toEqual([`${ledger.id}.json`]);
  });

  it('never writes a secret, even one a caller passes in an error, event, detail or input', async () => {
    redactor.register(SENTINEL);
    const ledger = await store.create({
      command: 'secrets rotate',
      environment: ENVIRONMENT,
      inputs: { note: `value ${SENTINEL}` },
      targets: ['acme'],
    });
    await ledger.updateTarget('acme', {
      state: 'failed',
      error: new Error(`docker run -e MOLECULE_CP_SHARED_SECRET=${SENTINEL} failed`),
      detail: { raw: SENTINEL },
      remoteIds: { x: SENTINEL },
    });
    await ledger.recordEvent(`host said ${SENTINEL} and ${Buffer.from(SENTINEL).toString('base64')}`, {
      level: 'error',
      target: 'acme',
    });
    // A value molectl never registered is still caught by its shape, in text marked as remote.
    await ledger.setStatus('failed', {
      error: new MolectlError(
        `the CP answered: ${remoteText(`rejected Bearer abcdefghijklmnop1234 CP_ADMIN_API_TOKEN=${'f'.repeat(40)}`)}`,
        {
          hint: 'pass --token-file=PATH, or set CP_ADMIN_API_TOKEN',
        },
      ),
    });
    const text = await readFile(ledger.path, 'utf8');
    expect(text).not.toContain(SENTINEL);
    expect(text).not.toContain(Buffer.from(SENTINEL).toString('base64'));
    expect(text).not.toContain('abcdefghijklmnop1234');
    expect(text).not.toContain('f'.repeat(40));
    expect(text).toContain('[REDACTED:');
    expect(JSON.parse(text).targets.acme.error.message).toBe(
      'docker run -e MOLECULE_CP_SHARED_SECRET=[REDACTED:secret] failed',
    );
    // molectl's own words are kept as written: the shape rules run only over remote spans.
    expect(JSON.parse(text).error.hint).toBe('pass --token-file=PATH, or set CP_ADMIN_API_TOKEN');
    expect(text).not.toMatch(/[\uE000\uE001]/);
  });

  it('redacts a secret registered after it entered the ledger, at the latest when the status changes', async () => {
    const ledger = await store.create({ command: 'secrets rotate', environment: ENVIRONMENT, targets: ['acme'] });
    await ledger.updateTarget('acme', { state: 'failed', error: `host printed ${SENTINEL}` });
    redactor.register(SENTINEL);
    await ledger.setStatus('failed');
    expect(await readFile(ledger.path, 'utf8')).not.toContain(SENTINEL);
  });

  it('keeps each write cheap on a 1,000-target ledger, so per-target awaits do not stall a fleet run', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `org-${i}`);
    const ledger = await store.create({ command: 'migrate cp-secret apply', environment: ENVIRONMENT, targets: keys });
    await Promise.all(
      keys.map((key) =>
        ledger.updateTarget(key, {
          state: 'succeeded',
          outcome: 'migrated',
          remoteIds: { ssmCommandId: `${key}-command-id` },
          detail: { fingerprint: 'sha256:0123456789ab' },
        }),
      ),
    );
    // Counted, not timed (speed lives in the benchmarks): re-redacting the whole document on each
    // write would scrub ~1,000 targets' strings a write; the cache scrubs the changed target's.
    let scrubbed = 0;
    const { redactKnown } = redactor;
    redactor.redactKnown = (text: string) => {
      scrubbed++;
      return redactKnown.call(redactor, text);
    };
    for (const key of keys.slice(0, 100)) await ledger.updateTarget(key, { detail: { healthChecked: true } });
    expect(scrubbed / 100).toBeLessThan(50);
    const doc = await readLedgerFile(ledger.id);
    expect(doc.targets['org-99'].detail).toEqual({ fingerprint: 'sha256:0123456789ab', healthChecked: true });
  });

  it('lets a reader tell finished targets from unfinished ones after a reload', async () => {
    const ledger = await store.create({
      command: 'migrate cp-secret apply',
      environment: ENVIRONMENT,
      targets: ['a', 'b', 'c', 'd', 'e'],
    });
    await ledger.updateTarget('a', { state: 'in-progress' });
    await ledger.updateTarget('a', { state: 'succeeded' });
    await ledger.updateTarget('b', { state: 'skipped', outcome: 'current' });
    await ledger.updateTarget('c', { state: 'in-progress', remoteIds: { ssmCommandId: 'cmd-c' } });
    await ledger.updateTarget('d', { state: 'in-progress' });
    await ledger.updateTarget('d', { state: 'failed', error: 'exit 3' });

    const reloaded = await store.load(ledger.id);
    expect(reloaded.unfinishedTargets()).toEqual(['c', 'd', 'e']);
    expect(reloaded.target('c')).toMatchObject({ state: 'in-progress', remoteIds: { ssmCommandId: 'cmd-c' } });
    expect(reloaded.countTargets()).toMatchObject({
      total: 5,
      settled: 3,
      succeeded: 1,
      skipped: 1,
      failed: 1,
      'in-progress': 1,
      pending: 1,
    });
  });

  it('counts an attempt per dispatch, stamps finish times, and clears the old error on retry', async () => {
    const ledger = await store.create({
      command: 'migrate cp-secret apply',
      environment: ENVIRONMENT,
      targets: ['acme'],
    });
    await ledger.updateTarget('acme', { state: 'in-progress' });
    clock.advance(5_000);
    await ledger.updateTarget('acme', { state: 'failed', error: 'timed out' });
    expect(ledger.target('acme')).toMatchObject({
      attempts: 1,
      finishedAt: '2026-11-22T20:30:05.000Z',
      error: { message: 'timed out' },
    });
    clock.advance(60_000);
    await ledger.updateTarget('acme', { state: 'in-progress' });
    expect(ledger.target('acme')).toMatchObject({ attempts: 2, startedAt: '2026-11-22T20:31:05.000Z' });
    expect(ledger.target('acme')!.error).toBeUndefined();
    expect(ledger.target('acme')!.finishedAt).toBeUndefined();
    await ledger.setStatus('succeeded');
    expect((await readLedgerFile(ledger.id)).finishedAt).toBe('2026-11-22T20:31:05.000Z');
  });

  it('keeps the event list bounded, counting what it dropped', async () => {
    const ledger = await store.create({ command: 'migrate cp-secret apply', environment: ENVIRONMENT });
    await Promise.all(Array.from({ length: MAX_EVENTS + 25 }, (_, i) => ledger.recordEvent(`event ${i}`)));
    const doc = await readLedgerFile(ledger.id);
    expect(doc.events).toHaveLength(MAX_EVENTS);
    expect(doc.eventsDropped).toBe(25);
    expect(doc.events[0].message).toBe('event 25');
    expect(doc.events.at(-1).message).toBe(`event ${MAX_EVENTS + 24}`);
  });
});

describe('RunLedger.claim (resume)', () => {
  async function ledgerOwnedBy(owner: { pid: number; hostname: string }): Promise<string> {
    const ledger = await store.create({ command: 'migrate cp-secret apply', environment: ENVIRONMENT, targets: ['a'] });
    const doc = await readLedgerFile(ledger.id);
    // Another owner, as a ledger without processStart names it (an older molectl, off Linux).
    doc.owner = { ...doc.owner, processStart: undefined, ...owner };
    await writeFile(ledger.path, JSON.stringify(doc));
    return ledger.id;
  }

  it('takes over a running ledger whose owner was killed, and records who resumed it', async () => {
    const id = await ledgerOwnedBy({ pid: findDeadPid(), hostname: hostname() });
    // What a SIGKILL between write and rename leaves behind.
    await writeFile(join(stateDir, 'runs', `.${id}.json.0123456789ab.tmp`), '{"half":');
    const ledger = await store.load(id);
    await ledger.claim();
    expect(await readdir(join(stateDir, 'runs'))).toEqual([`${id}.json`]);
    const doc = await readLedgerFile(id);
    expect(doc.owner.pid).toBe(process.pid);
    expect(doc.status).toBe('running');
    expect(doc.events.at(-1).message).toMatch(/^resumed by .* \(was running, owner /);
  });

  it('refuses while the owner is alive on this host', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const id = await ledgerOwnedBy({ pid: child.pid!, hostname: hostname() });
      const ledger = await store.load(id);
      await expect(ledger.claim()).rejects.toThrow(/still running \(pid \d+ on /);
    } finally {
      child.kill();
    }
  });

  it('judges and takes over the file as it is at the claim, not as it was loaded', async () => {
    // Two resumes of one interrupted run: this one loaded it, then waited at its confirmation.
    const id = await ledgerOwnedBy({ pid: findDeadPid(), hostname: hostname() });
    const path = join(stateDir, 'runs', `${id}.json`);
    const interrupted = await readLedgerFile(id);
    interrupted.status = 'interrupted';
    await writeFile(path, JSON.stringify(interrupted));
    const waited = await store.load(id);
    // Meanwhile the other one claimed it and is still working on it: refused.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const claimed = await readLedgerFile(id);
      claimed.status = 'running';
      claimed.owner = { ...claimed.owner, pid: child.pid, processStart: undefined };
      await writeFile(path, JSON.stringify(claimed));
      await expect(waited.claim()).rejects.toThrow(`is still running (pid ${child.pid} on `);
    } finally {
      child.kill();
    }
    // Or it finished target `a` and was killed: that progress is kept, not overwritten.
    const progressed = await readLedgerFile(id);
    progressed.owner = { ...progressed.owner, pid: findDeadPid() };
    progressed.targets.a = { ...progressed.targets.a, state: 'succeeded', outcome: 'migrated' };
    await writeFile(path, JSON.stringify(progressed));
    await waited.claim();
    expect(waited.target('a')).toMatchObject({ state: 'succeeded', outcome: 'migrated' });
    expect((await readLedgerFile(id)).targets.a).toMatchObject({ state: 'succeeded', outcome: 'migrated' });
  });

  it('lets exactly one of two resumes claiming at the same moment win; the other changes nothing', async () => {
    const id = await ledgerOwnedBy({ pid: findDeadPid(), hostname: hostname() });
    const [first, second] = [await store.load(id), await store.load(id)];
    const outcomes = await Promise.allSettled([first.claim(), second.claim()]);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toBeInstanceOf(MolectlError);
    expect((refused[0]!.reason as MolectlError).code).toBe(1);
    expect((refused[0]!.reason as Error).message).toMatch(
      new RegExp(`^run ${id} was claimed by another resume at the same moment \\(pid ${process.pid} on `),
    );
    const doc = await readLedgerFile(id);
    expect(doc.events.filter((e: { message: string }) => e.message.startsWith('resumed by '))).toHaveLength(1);
    // Later, with that resume gone, the run can be claimed again.
    doc.owner = { ...doc.owner, pid: findDeadPid() };
    doc.status = 'interrupted';
    await writeFile(join(stateDir, 'runs', `${id}.json`), JSON.stringify(doc));
    await (await store.load(id)).claim();
  });

  it('takes over from a claimant that died between its claim and its ledger write', async () => {
    const dead = findDeadPid();
    const id = await ledgerOwnedBy({ pid: dead, hostname: hostname() });
    const [dying, next] = [await store.load(id), await store.load(id)];
    await dying.claim();
    // As if that claimant was killed before writing: the ledger still names the old owner.
    const doc = await readLedgerFile(id);
    const claimedBy = findDeadPid();
    doc.owner = { ...doc.owner, pid: dead, processStart: undefined };
    await writeFile(join(stateDir, 'runs', `${id}.json`), JSON.stringify(doc));
    const markers = (await readdir(join(stateDir, 'locks'))).filter((n) => n.startsWith(`${id}.claim-`));
    expect(markers).toHaveLength(1);
    const markerPath = join(stateDir, 'locks', markers[0]!);
    const marker = JSON.parse(await readFile(markerPath, 'utf8'));
    await writeFile(markerPath, JSON.stringify({ ...marker, pid: claimedBy, processStart: undefined }));
    await next.claim();
    expect((await readLedgerFile(id)).owner.pid).toBe(process.pid);
  });

  it('refuses an owner on another host unless forced', async () => {
    const id = await ledgerOwnedBy({ pid: 4242, hostname: 'other-host.example' });
    const ledger = await store.load(id);
    await expect(ledger.claim()).rejects.toThrow(/another host \(other-host.example\)/);
    await ledger.claim({ force: true });
    expect((await readLedgerFile(id)).owner.pid).toBe(process.pid);
  });
});
