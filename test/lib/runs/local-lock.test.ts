import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/lib/errors.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { LockHeldError } from '../../../src/lib/runs/lock-held-error.js';
import { acquireLocalLock, localLockPath } from '../../../src/lib/runs/local-lock.js';
import { RunStore } from '../../../src/lib/runs/run-store.js';
import { findDeadPid } from './dead-pid.js';
import { createManualClock } from './manual-clock.js';

let stateDir: string;
let store: RunStore;
const target = { environment: 'production', operation: 'migrate cp-secret' };

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'molectl-lock-'));
  store = new RunStore({ stateDir, clock: createManualClock(), redactor: new Redactor() });
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

async function plantLock(holder: Record<string, unknown>): Promise<string> {
  const path = localLockPath({ lockDir: store.lockDir, ...target });
  await mkdir(store.lockDir, { recursive: true });
  await writeFile(
    path,
    JSON.stringify({
      user: 'alice',
      environment: 'production',
      operation: 'migrate cp-secret',
      acquiredAt: '2026-11-22T19:00:00.000Z',
      ...holder,
    }),
  );
  return path;
}

async function failure(promise: Promise<unknown>): Promise<LockHeldError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LockHeldError);
  return error as LockHeldError;
}

describe('local lock', () => {
  it('is a 0600 file per environment and operation naming pid, host and run id', async () => {
    const lock = await store.acquireLock({ ...target, runId: 'run-a' });
    expect(lock.path).toBe(join(stateDir, 'locks', 'production.migrate-cp-secret.lock'));
    expect((await stat(lock.path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(lock.path, 'utf8'))).toMatchObject({
      pid: process.pid,
      hostname: hostname(),
      runId: 'run-a',
      acquiredAt: '2026-11-22T20:30:00.000Z',
    });
    // Another environment or operation is a different lock.
    await (
      await store.acquireLock({ environment: 'staging', operation: 'migrate cp-secret', runId: 'run-b' })
    ).release();
  });

  it('refuses a second holder while the first is alive, naming it, and frees on release', async () => {
    const lock = await store.acquireLock({ ...target, runId: 'run-a' });
    const error = await failure(store.acquireLock({ ...target, runId: 'run-b' }));
    expect(error.code).toBe(ExitCode.failed);
    expect(error.stale).toBe(false);
    expect(error.message).toContain(
      `migrate cp-secret on production is already running: the local lock is held by run run-a (pid ${process.pid}`,
    );
    expect(error.hint).toContain('molectl runs show run-a');
    expect(await lock.release()).toBe(true);
    await (await store.acquireLock({ ...target, runId: 'run-b' })).release();
  });

  it('lets exactly one of many simultaneous acquirers win', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => store.acquireLock({ ...target, runId: `run-${i}` })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof LockHeldError)).toHaveLength(11);
  });

  it('reports a lock whose pid is dead on this host as stale, with how to break it, and does not break it by itself', async () => {
    const deadPid = findDeadPid();
    const path = await plantLock({ pid: deadPid, hostname: hostname(), runId: 'run-dead' });
    const error = await failure(
      acquireLocalLock({
        lockDir: store.lockDir,
        ...target,
        runId: 'run-new',
        now: new Date(),
        breakHint: 'rerun with --break-lock',
      }),
    );
    expect(error.stale).toBe(true);
    expect(error.message).toBe(
      `the local lock for migrate cp-secret on production is stale: run run-dead (pid ${deadPid} on ${hostname()}, since 2026-11-22T19:00:00.000Z) is no longer running`,
    );
    expect(error.hint).toBe('check it with `molectl runs show run-dead`, then rerun with --break-lock');
    expect(JSON.parse(await readFile(path, 'utf8')).runId).toBe('run-dead');

    const broken = await store.breakLock(target);
    expect(broken).toMatchObject({ existed: true, holder: { runId: 'run-dead', pid: deadPid } });
    await (await store.acquireLock({ ...target, runId: 'run-new' })).release();
  });

  it('does not guess about a holder on another host', async () => {
    await plantLock({ pid: 1234, hostname: 'bastion-2', runId: 'run-far' });
    const error = await failure(store.acquireLock({ ...target, runId: 'run-new' }));
    expect(error.stale).toBe(false);
    expect(error.message).toContain('another host, so molectl cannot tell whether it is alive');
    expect(error.hint).toMatch(/^check on bastion-2; if that process is gone: /);
  });

  it('treats an unreadable lock file as held, and breakable', async () => {
    const path = localLockPath({ lockDir: store.lockDir, ...target });
    await mkdir(store.lockDir, { recursive: true });
    await writeFile(path, '');
    const error = await failure(store.acquireLock({ ...target, runId: 'run-new' }));
    expect(error.message).toContain('exists but cannot be read');
    expect(await store.breakLock(target)).toMatchObject({ existed: true, holder: null });
  });

  it('release leaves alone a lock that was broken and retaken by another run', async () => {
    const mine = await store.acquireLock({ ...target, runId: 'run-a' });
    await store.breakLock(target);
    const theirs = await store.acquireLock({ ...target, runId: 'run-b' });
    expect(await mine.release()).toBe(false);
    expect(JSON.parse(await readFile(theirs.path, 'utf8')).runId).toBe('run-b');
  });
});
