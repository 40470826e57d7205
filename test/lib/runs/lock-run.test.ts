import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/lib/clock.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { acquireFleetLock } from '../../../src/lib/runs/fleet-lock.js';
import { localLockPath } from '../../../src/lib/runs/local-lock.js';
import { LockHeldError, LockLostError } from '../../../src/lib/runs/lock-held-error.js';
import { lockRun } from '../../../src/lib/runs/lock-run.js';
import { RunStore } from '../../../src/lib/runs/run-store.js';
import { findDeadPid } from './dead-pid.js';
import { createFakeParameterStore } from './fake-parameter-store.js';
import { createManualClock } from './manual-clock.js';
import { testEnvironment } from '../../helpers/environment.js';

const PREFIX = '/molectl/staging';
const FLEET_NAME = '/molectl/staging/locks/migrate-cp-secret';
const OPERATION = 'migrate cp-secret';

let stateDir: string;
let store: RunStore;
let clock: ReturnType<typeof createManualClock>;
let params: ReturnType<typeof createFakeParameterStore>;
let warnings: string[];

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'molectl-lockrun-'));
  clock = createManualClock();
  store = new RunStore({ stateDir, clock, redactor: new Redactor() });
  params = createFakeParameterStore();
  warnings = [];
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

async function startRun(breakLock = false) {
  const ledger = await store.create({
    command: 'migrate cp-secret apply',
    environment: testEnvironment({ name: 'staging' }),
    targets: ['acme'],
  });
  const locks = await lockRun({
    runs: store,
    ledger,
    environment: 'staging',
    operation: OPERATION,
    fleet: { store: params, parameterPrefix: PREFIX, clock },
    breakLock,
    onWarning: (m) => warnings.push(m),
  });
  return { ledger, locks };
}

describe('lockRun', () => {
  it('takes the local and the fleet lock, and release gives both back', async () => {
    const { ledger, locks } = await startRun();
    expect(JSON.parse(await readFile(locks.local.path, 'utf8')).runId).toBe(ledger.id);
    expect(JSON.parse(params.values.get(FLEET_NAME)!.value).runId).toBe(ledger.id);
    await locks.release();
    expect(params.values.has(FLEET_NAME)).toBe(false);
    await expect(readFile(locks.local.path)).rejects.toThrow(/ENOENT/);
    expect(warnings).toEqual([]);
  });

  it('records a refused run as aborted with the holder named, and leaves no local lock behind', async () => {
    const other = await acquireFleetLock({
      store: params,
      parameterPrefix: PREFIX,
      operation: OPERATION,
      runId: 'run-elsewhere',
      clock,
      identity: { pid: 1, hostname: 'bastion', user: 'bob' },
    });
    const ledger = await store.create({
      command: 'migrate cp-secret apply',
      environment: testEnvironment({ name: 'staging' }),
    });
    const error = await lockRun({
      runs: store,
      ledger,
      environment: 'staging',
      operation: OPERATION,
      fleet: { store: params, parameterPrefix: PREFIX, clock },
      onWarning: () => undefined,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeldError);
    const doc = JSON.parse(await readFile(ledger.path, 'utf8'));
    expect(doc.status).toBe('aborted');
    expect(doc.error.message).toContain('bob@bastion (run run-elsewhere');
    // The local lock it took first was given back: the next attempt is not blocked by it.
    await other.release();
    await (await startRun()).locks.release();
  });

  it('takes over locks whose holder died on this host, with a notice, without --break-lock', async () => {
    const deadPid = findDeadPid();
    await mkdir(store.lockDir, { recursive: true });
    await writeFile(
      localLockPath({ lockDir: store.lockDir, environment: 'staging', operation: OPERATION }),
      JSON.stringify({ pid: deadPid, hostname: hostname(), runId: 'run-killed', user: 'alice', acquiredAt: 'x' }),
    );
    // Not expired: a holder that died a minute ago would otherwise block every run for ten more.
    await acquireFleetLock({
      store: params,
      parameterPrefix: PREFIX,
      operation: OPERATION,
      runId: 'run-killed',
      clock,
      identity: { pid: deadPid, hostname: hostname(), user: 'alice' },
    });

    const { ledger, locks } = await startRun(false);
    const events = JSON.parse(await readFile(ledger.path, 'utf8')).events.map((e: { message: string }) => e.message);
    expect(events).toEqual([
      expect.stringMatching(
        new RegExp(
          `^took over the local lock .* from run run-killed \\(pid ${deadPid} on .*\\), which is no longer running$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^took over the fleet lock /molectl/staging/locks/migrate-cp-secret from run run-killed \\(pid ${deadPid}, alice@.*\\), which is no longer running on this host$`,
        ),
      ),
    ]);
    expect(warnings).toEqual(events);
    await locks.release();
  });

  it('with --break-lock breaks an expired fleet lock held from another host, and records it; without, it refuses', async () => {
    await acquireFleetLock({
      store: params,
      parameterPrefix: PREFIX,
      operation: OPERATION,
      runId: 'run-elsewhere',
      clock,
      identity: { pid: 4242, hostname: 'another-host', user: 'bob' },
    });
    clock.advance(11 * 60_000);
    await expect(startRun(false)).rejects.toThrow(/is stale/);
    const { ledger, locks } = await startRun(true);
    const events = JSON.parse(await readFile(ledger.path, 'utf8')).events.map((e: { message: string }) => e.message);
    expect(events).toEqual([
      expect.stringMatching(
        /^broke the expired fleet lock \/molectl\/staging\/locks\/migrate-cp-secret held by bob@another-host \(run run-elsewhere, expired /,
      ),
    ]);
    await locks.release();
  });

  it('notices a lost fleet lock: throwIfLost stops the run, release leaves the new holder alone', async () => {
    const ledger = await store.create({
      command: 'migrate cp-secret apply',
      environment: testEnvironment({ name: 'staging' }),
    });
    const locks = await lockRun({
      runs: store,
      ledger,
      environment: 'staging',
      operation: OPERATION,
      fleet: { store: params, parameterPrefix: PREFIX, clock: systemClock, refreshEveryMs: 5 },
      onWarning: (m) => warnings.push(m),
    });
    params.values.set(FLEET_NAME, {
      value: JSON.stringify({ owner: 'bob@bastion', runId: 'run-thief', expiresAt: '2099-01-01T00:00:00Z' }),
      version: 9,
    });
    for (let i = 0; i < 50 && !locks.lost; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(locks.lost).toBe(true);
    expect(() => locks.throwIfLost()).toThrow(LockLostError);
    await locks.release();
    expect(JSON.parse(params.values.get(FLEET_NAME)!.value).runId).toBe('run-thief');
    expect(warnings[0]).toMatch(
      /^could not renew the fleet lock: the fleet lock .* is now held by bob@bastion \(run run-thief\)/,
    );
  });
});
