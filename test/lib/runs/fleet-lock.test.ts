import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/lib/clock.js';
import { ExitCode } from '../../../src/lib/errors.js';
import { acquireFleetLock, breakFleetLock, readFleetLock } from '../../../src/lib/runs/fleet-lock.js';
import { LockHeldError, LockLostError } from '../../../src/lib/runs/lock-held-error.js';
import { createFakeParameterStore } from './fake-parameter-store.js';
import { createManualClock } from './manual-clock.js';

const PREFIX = '/molectl/production';
const NAME = '/molectl/production/locks/migrate-cp-secret';
const alice = { pid: 101, hostname: 'laptop-alice', user: 'alice' };
const bob = { pid: 202, hostname: 'bastion', user: 'bob' };

function setup() {
  const store = createFakeParameterStore();
  const clock = createManualClock();
  const acquire = (runId: string, identity = alice, extra: { breakLock?: boolean } = {}) =>
    acquireFleetLock({
      store,
      parameterPrefix: PREFIX,
      operation: 'migrate cp-secret',
      runId,
      clock,
      ttlMs: 10 * 60_000,
      identity,
      ...extra,
    });
  return { store, clock, acquire };
}

async function failure(promise: Promise<unknown>): Promise<LockHeldError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LockHeldError);
  return error as LockHeldError;
}

describe('fleet lock in SSM Parameter Store', () => {
  it('is a conditional put of <prefix>/locks/<operation> holding owner, run id and expiry', async () => {
    const { store, acquire } = setup();
    const lock = await acquire('run-a');
    expect(lock.name).toBe(NAME);
    expect(store.calls[0]).toBe(`put ${NAME} overwrite=false`);
    expect(JSON.parse(store.values.get(NAME)!.value)).toEqual({
      owner: 'alice@laptop-alice',
      runId: 'run-a',
      operation: 'migrate cp-secret',
      pid: 101,
      acquiredAt: '2026-11-22T20:30:00.000Z',
      expiresAt: '2026-11-22T20:40:00.000Z',
    });
  });

  it('refuses a second run from any machine, naming the holder and expiry (exit 1)', async () => {
    const { acquire } = setup();
    await acquire('run-a');
    const error = await failure(acquire('run-b', bob));
    expect(error.code).toBe(ExitCode.failed);
    expect(error.stale).toBe(false);
    expect(error.message).toBe(
      `migrate cp-secret is already running against this environment: the fleet lock ${NAME} is held by alice@laptop-alice (run run-a, pid 101, since 2026-11-22T20:30:00.000Z) until 2026-11-22T20:40:00.000Z`,
    );
    expect(error.hint).toContain('molectl runs show run-a');
  });

  it('lets exactly one of many simultaneous acquirers win', async () => {
    const { acquire } = setup();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => acquire(`run-${i}`, { ...bob, pid: i })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('reports an expired lock as stale with the --break-lock hint, and breaks it only when asked', async () => {
    const { store, clock, acquire } = setup();
    await acquire('run-a');
    clock.advance(11 * 60_000);
    const stale = await failure(acquire('run-b', bob));
    expect(stale.stale).toBe(true);
    expect(stale.message).toContain('is stale: held by alice@laptop-alice (run run-a');
    expect(stale.message).toContain('expired at 2026-11-22T20:40:00.000Z');
    expect(stale.hint).toMatch(/rerun with --break-lock$/);
    expect(JSON.parse(store.values.get(NAME)!.value).runId).toBe('run-a');

    const lock = await acquire('run-b', bob, { breakLock: true });
    expect(lock.holder).toMatchObject({ runId: 'run-b', owner: 'bob@bastion' });
    expect(JSON.parse(store.values.get(NAME)!.value).runId).toBe('run-b');
  });

  it('--break-lock does not break a lock that has not expired', async () => {
    const { acquire } = setup();
    await acquire('run-a');
    const error = await failure(acquire('run-b', bob, { breakLock: true }));
    expect(error.message).toContain('(--break-lock only breaks an expired lock)');
  });

  it('refresh extends the expiry so a long run is not seen as stale', async () => {
    const { clock, acquire } = setup();
    const lock = await acquire('run-a');
    clock.advance(8 * 60_000);
    await lock.refresh();
    expect(lock.holder.expiresAt).toBe('2026-11-22T20:48:00.000Z');
    clock.advance(5 * 60_000);
    expect((await failure(acquire('run-b', bob))).stale).toBe(false);
  });

  it('a holder whose lock was broken learns it on refresh and does not delete the new holder on release', async () => {
    const { store, clock, acquire } = setup();
    const old = await acquire('run-a');
    clock.advance(11 * 60_000);
    await acquire('run-b', bob, { breakLock: true });
    await expect(old.refresh()).rejects.toBeInstanceOf(LockLostError);
    expect(await old.release()).toBe(false);
    expect(JSON.parse(store.values.get(NAME)!.value).runId).toBe('run-b');
  });

  it('release deletes our own lock, after which another run can take it', async () => {
    const { store, acquire } = setup();
    const lock = await acquire('run-a');
    expect(await lock.release()).toBe(true);
    expect(store.values.has(NAME)).toBe(false);
    await acquire('run-b', bob);
  });

  it('a resumed run takes back its own lock', async () => {
    const { acquire } = setup();
    await acquire('run-a');
    const again = await acquire('run-a', { ...alice, pid: 999 });
    expect(again.holder.pid).toBe(999);
  });

  it('readFleetLock shows the holder; breakFleetLock removes it whatever its expiry', async () => {
    const { store, acquire } = setup();
    await acquire('run-a');
    const target = { store, parameterPrefix: PREFIX, operation: 'migrate cp-secret' };
    expect(await readFleetLock(target)).toMatchObject({ runId: 'run-a' });
    expect(await breakFleetLock(target)).toMatchObject({ name: NAME, existed: true, holder: { runId: 'run-a' } });
    expect(await readFleetLock(target)).toBeNull();
  });

  it('keepFresh renews in the background until released', async () => {
    const store = createFakeParameterStore();
    const lock = await acquireFleetLock({
      store,
      parameterPrefix: PREFIX,
      operation: 'migrate cp-secret',
      runId: 'run-a',
      clock: systemClock,
      ttlMs: 60_000,
      identity: alice,
    });
    const first = lock.holder.expiresAt;
    const errors: unknown[] = [];
    lock.keepFresh({ everyMs: 5, onError: (e) => errors.push(e) });
    // Two renewals, however long a loaded machine takes to give the timers their turns.
    const renewals = (): number => store.calls.filter((c) => c === `put ${NAME} overwrite=true`).length;
    for (let waited = 0; renewals() < 2 && waited < 5_000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await lock.release()).toBe(true);
    expect(errors).toEqual([]);
    expect(renewals()).toBeGreaterThan(1);
    expect(lock.holder.expiresAt > first).toBe(true);
    const putsAfterRelease = store.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(store.calls.length).toBe(putsAfterRelease);
  });
});
