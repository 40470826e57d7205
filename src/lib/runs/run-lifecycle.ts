import { createDetachedDoor } from '../aws/detached-door.js';
import type { Context } from '../context.js';
import { InterruptedError, MolectlError } from '../errors.js';
import { fleetLockTtlMs } from './run-preconditions.js';
import { LedgerWriteError } from './ledger-write-error.js';
import { LockLostError } from './lock-held-error.js';
import { DEFAULT_FLEET_LOCK_TTL_MS, findFleetLockRefusal, fleetLockRenewEveryMs } from './fleet-lock.js';
import { findLocalLockRefusal } from './local-lock.js';
import { orderLocks } from './lock-names.js';
import { lockRun, type RunLocks } from './lock-run.js';
import type { RunLedger } from './run-ledger.js';
import type { CreateRunInput } from './run-store.js';

/**
 * The one lifecycle of every mutating run (migrate apply, resume, rollback; secrets put, rotate,
 * rollback; org delete, gc; org create without locks):
 *
 *   1. the ledger is created (or an existing one, being resumed, is handed in);
 *   2. its locks are taken in the one order (orderLocks in ./lock-names.ts), each a local lock then, for
 *      fleet-wide work, the SSM fleet lock; a lock whose holder died on this host is taken over
 *      with a notice; any refusal releases what was taken and records the run as aborted;
 *   3. fleet locks are renewed while the work runs; a renewal that finds the lock taken by
 *      another run marks the run as stopping: the work stops dispatching at its next safe
 *      point (checkpoint) and the run ends `aborted` with the reason, never just a warning;
 *   4. an interrupt (SIGINT, SIGTERM, SIGHUP) ends the run `interrupted` with how to resume;
 *   5. the locks are released in reverse order, whatever happened.
 */

/** What the work can ask: may it start more? */
export interface RunGuard {
  /** True once no new work may start: the run was interrupted, or lost a lock. */
  readonly stopping: boolean;
  /** Throws the reason (InterruptedError, LockLostError) when stopping: call before each new batch of changes. */
  checkpoint(): void;
}

export interface ActiveRun extends RunGuard {
  readonly ledger: RunLedger;
}

export interface RunSpec {
  /** A new run, or the ledger of one being resumed (already claimed by this process). */
  ledger: { create: CreateRunInput } | { existing: RunLedger };
  /** Operations to lock for the whole run. */
  locks: string[];
  /** Fleet-wide work also takes each lock in SSM Parameter Store (every machine sees it). */
  fleet: boolean;
  breakLock: boolean;
  /** How to go on after an interrupt, given the run id. */
  resumeHint(runId: string): string;
  /**
   * Said on an interrupt about what was already done (default: work already done stays done); a
   * function when that depends on how far the work got (org create: before or after the CP took it).
   */
  interruptNote?: string | (() => string);
}

/**
 * The fleet locks' own door outlives a Ctrl-C (its calls are not cancelled with the run) for as
 * long as a run may last, so that renewing and releasing still work at the end of a long one.
 */
const FLEET_LOCK_DOOR_LIFETIME_MS = 24 * 3600_000;

/** The locks of a run, as runMutation takes them (RunSpec), for checkLocksFree. */
export type RunLockSpec = Pick<RunSpec, 'locks' | 'fleet' | 'breakLock'> & {
  /** A run being resumed: a lock its own id holds is its own to take back. */
  runId?: string;
};

/**
 * Before a run is planned and confirmed: would runMutation's locks be refused right now? Throws
 * the refusal it would meet (LockHeldError, exit 1, nothing changed) and takes nothing, so that a
 * run already holding the environment is found before a fleet probe, a typed confirmation and a
 * ledger recording a refused attempt, not after them. runMutation still takes the locks and
 * decides: a lock taken in between is refused there as before.
 */
export async function checkLocksFree(ctx: Context, spec: RunLockSpec): Promise<void> {
  const runId = spec.runId ?? '';
  for (const operation of orderLocks(spec.locks)) {
    const local = await findLocalLockRefusal({
      lockDir: ctx.runs.lockDir,
      environment: ctx.config.envName.value,
      operation,
      runId,
      breakLock: spec.breakLock,
    });
    if (local) throw local;
    if (!spec.fleet) continue;
    const fleet = await findFleetLockRefusal({
      store: ctx.aws,
      parameterPrefix: ctx.config.environment.parameterPrefix,
      operation,
      runId,
      clock: ctx.clock,
      breakLock: spec.breakLock,
    });
    if (fleet) throw fleet;
  }
}

export async function runMutation<T>(ctx: Context, spec: RunSpec, work: (run: ActiveRun) => Promise<T>): Promise<T> {
  const ttlMs = fleetLockTtlMs(ctx.env) ?? DEFAULT_FLEET_LOCK_TTL_MS;
  const ledger = 'existing' in spec.ledger ? spec.ledger.existing : await ctx.runs.create(spec.ledger.create);
  if ('create' in spec.ledger) ctx.out.info(`run ${ledger.id}: ledger ${ledger.path}`);
  const held: RunLocks[] = [];
  try {
    for (const operation of orderLocks(spec.locks)) {
      held.push(
        await lockRun({
          runs: ctx.runs,
          ledger,
          environment: ctx.config.envName.value,
          operation,
          // The locks outlive a Ctrl-C long enough to be released: they talk through a detached door.
          ...(spec.fleet
            ? {
                fleet: {
                  store: createDetachedDoor(ctx.aws, FLEET_LOCK_DOOR_LIFETIME_MS),
                  parameterPrefix: ctx.config.environment.parameterPrefix,
                  clock: ctx.clock,
                  ttlMs,
                  refreshEveryMs: fleetLockRenewEveryMs(ttlMs),
                },
              }
            : {}),
          breakLock: spec.breakLock,
          onWarning: (message) => ctx.out.warn(message),
        }),
      );
    }
  } catch (error) {
    await releaseAll(held);
    throw error;
  }

  const lostLock = (): LockLostError | null => {
    for (const lock of held) {
      try {
        lock.throwIfLost();
      } catch (error) {
        return error as LockLostError;
      }
    }
    return null;
  };
  const run: ActiveRun = {
    ledger,
    get stopping() {
      return ctx.signal.aborted || lostLock() !== null;
    },
    checkpoint() {
      if (ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new InterruptedError();
      const lost = lostLock();
      if (lost) throw lost;
    },
  };

  try {
    return await work(run);
  } catch (error) {
    if (ctx.signal.aborted) {
      const interrupted = new InterruptedError(
        `interrupted: run ${ledger.id} saved; ${(typeof spec.interruptNote === 'function' ? spec.interruptNote() : spec.interruptNote) ?? 'work already done stays done'}`,
        spec.resumeHint(ledger.id),
      );
      // Kept in the ledger with its hint: `runs show` says how this command continues, which is
      // not the same for every command (resume, run it again, or only look).
      await ledger.setStatus('interrupted', { error: interrupted });
      throw interrupted;
    }
    const lost = error instanceof LockLostError ? error : lostLock();
    if (lost) {
      await ledger.setStatus('aborted', { error: lost });
      throw new MolectlError(`aborted: ${lost.message}; run ${ledger.id} stopped dispatching`, {
        hint: lost.hint ?? spec.resumeHint(ledger.id),
      });
    }
    if (error instanceof LedgerWriteError) {
      // The ledger is what failed: its last good state (running, with the intent of anything in
      // flight) is what a resume takes over, as after a SIGKILL.
      await ledger.setStatus('failed', { error }).catch(() => undefined);
      throw new MolectlError(error.message, {
        hint: `${error.hint}, then ${spec.resumeHint(ledger.id)}`,
        cause: error,
      });
    }
    if (ledger.status === 'running') await ledger.setStatus('failed', { error });
    throw error;
  } finally {
    await releaseAll(held);
  }
}

async function releaseAll(held: RunLocks[]): Promise<void> {
  for (const lock of [...held].reverse()) await lock.release();
}
