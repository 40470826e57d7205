import type { Clock } from '../clock.js';
import { acquireFleetLock, type FleetLock, type ParameterStore } from './fleet-lock.js';
import { LockHeldError, LockLostError } from './lock-held-error.js';
import type { LocalLock } from './local-lock.js';
import type { RunLedger } from './run-ledger.js';
import type { RunStore } from './run-store.js';

/**
 * Takes the locks a mutating run needs, in the one order every command uses: the local lock
 * (cheap, catches a second run on this machine), then the SSM fleet lock (every machine), then
 * keeps the fleet lock fresh. Whatever goes wrong, what was taken is given back and the ledger
 * records the refused attempt as `aborted`, so `runs list` shows it.
 *
 * A lock whose holder is a process that no longer exists on this host is taken over with a notice
 * (waiting would never end: it can neither renew nor release). `breakLock` (a command's
 * --break-lock) also breaks what only looks stale from here: a local lock whose file is
 * unreadable, a fleet lock past its expiry held from another host. Each takeover is recorded in
 * the ledger's events.
 */

export interface LockRunArgs {
  runs: RunStore;
  ledger: RunLedger;
  environment: string;
  operation: string;
  /** Fleet-wide operations also take `<parameterPrefix>/locks/<operation>` in SSM. */
  fleet?: { store: ParameterStore; parameterPrefix: string; clock: Clock; ttlMs?: number; refreshEveryMs?: number };
  breakLock?: boolean;
  /** Problems that must not end the run by themselves (a failed refresh, a failed release). */
  onWarning: (message: string) => void;
}

export interface RunLocks {
  readonly local: LocalLock;
  readonly fleet: FleetLock | null;
  /** True once a refresh found the fleet lock taken by another run. */
  readonly lost: boolean;
  /** Throws LockLostError if the fleet lock was lost: call it before each new wave of changes. */
  throwIfLost(): void;
  /** Stops refreshing and releases both locks. Never throws: it runs in `finally` blocks. */
  release(): Promise<void>;
}

export async function lockRun(args: LockRunArgs): Promise<RunLocks> {
  const { ledger } = args;
  let local: LocalLock | null = null;
  try {
    local = await acquireLocal(args);
    const fleet = args.fleet
      ? await acquireFleetLock({
          store: args.fleet.store,
          parameterPrefix: args.fleet.parameterPrefix,
          operation: args.operation,
          runId: ledger.id,
          clock: args.fleet.clock,
          ttlMs: args.fleet.ttlMs,
          breakLock: args.breakLock,
        })
      : null;
    if (fleet?.broke) {
      const { holder, because } = fleet.broke;
      const notice =
        because === 'owner-dead'
          ? `took over the fleet lock ${fleet.name} from run ${holder.runId} (pid ${holder.pid}, ${holder.owner}), which is no longer running on this host`
          : `broke the expired fleet lock ${fleet.name} held by ${holder.owner} (run ${holder.runId}, expired ${holder.expiresAt})`;
      await ledger.recordEvent(notice, { level: 'warn' });
      args.onWarning(notice);
    }
    return startHolding(args, local, fleet);
  } catch (error) {
    if (local) await local.release().catch(() => false);
    await ledger.setStatus('aborted', { error });
    throw error;
  }
}

async function acquireLocal(args: LockRunArgs): Promise<LocalLock> {
  const request = { environment: args.environment, operation: args.operation, runId: args.ledger.id };
  try {
    return await args.runs.acquireLock(request);
  } catch (error) {
    // A holder dead on this host is taken over with a notice; anything else stale needs --break-lock.
    if (!(error instanceof LockHeldError && error.mayBeTakenOver(args.breakLock ?? false))) throw error;
    const broken = await args.runs.breakLock(request);
    const who = broken.holder
      ? `run ${broken.holder.runId} (pid ${broken.holder.pid} on ${broken.holder.hostname})`
      : 'an unreadable holder';
    const notice = error.ownerDeadHere
      ? `took over the local lock ${broken.path} from ${who}, which is no longer running`
      : `broke the stale local lock ${broken.path} held by ${who}`;
    await args.ledger.recordEvent(notice, { level: 'warn' });
    args.onWarning(notice);
    return args.runs.acquireLock(request);
  }
}

function startHolding(args: LockRunArgs, local: LocalLock, fleet: FleetLock | null): RunLocks {
  let lost: LockLostError | null = null;
  const stopRefreshing = fleet?.keepFresh({
    everyMs: args.fleet?.refreshEveryMs,
    onError: (error) => {
      if (error instanceof LockLostError) {
        lost = error;
        void args.ledger.recordEvent(error.message, { level: 'error' }).catch(() => undefined);
      }
      args.onWarning(`could not renew the fleet lock: ${(error as Error).message}`);
    },
  });
  return {
    local,
    fleet,
    get lost() {
      return lost !== null;
    },
    throwIfLost() {
      if (lost) throw lost;
    },
    async release() {
      stopRefreshing?.();
      if (fleet) {
        try {
          if (!(await fleet.release()) && !lost)
            args.onWarning(`the fleet lock ${fleet.name} was no longer held by this run; left it as it is`);
        } catch (error) {
          args.onWarning(
            `could not release the fleet lock ${fleet.name} (${(error as Error).message}); it expires at ${fleet.holder.expiresAt}, or delete it with \`aws ssm delete-parameter --name ${fleet.name}\``,
          );
        }
      }
      try {
        await local.release();
      } catch (error) {
        args.onWarning(
          `could not release the local lock ${local.path} (${(error as Error).message}); delete it by hand`,
        );
      }
    },
  };
}
