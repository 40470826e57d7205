import type { AwsApi } from '../aws/aws-types.js';
import type { Clock } from '../clock.js';
import { LockHeldError, LockLostError } from './lock-held-error.js';
import { checkOwnerLiveness, describeCurrentProcess, formatOwner, type ProcessIdentity } from './process-owner.js';

/**
 * The fleet-wide lock: one SSM parameter `<parameterPrefix>/locks/<operation>` per operation and
 * environment, visible from every machine with access to the account. Acquiring is a conditional
 * put (Overwrite=false), which SSM performs atomically, so two machines cannot both win.
 *
 * The holder renews the expiry while it works (keepFresh); a lock past its expiry is stale, and
 * is broken only when asked (`--break-lock`), never silently. Expiry times are absolute UTC, so
 * they assume machine clocks agree to well within the TTL (NTP does that).
 *
 * SSM has no compare-and-delete: release, refresh and break read the holder and then act, so a
 * racing writer between the two calls is possible. The window is one API round trip, and a
 * refresh that finds another run's holder stops the run (LockLostError) rather than overwrite it.
 */

/** What fleet locking needs from AWS; tests pass an in-memory fake, commands pass ctx.aws. */
export type ParameterStore = Pick<AwsApi, 'putParameter' | 'getParameter' | 'deleteParameter'>;

export interface FleetLockHolder {
  /** `user@host` */
  owner: string;
  runId: string;
  operation: string;
  pid: number;
  acquiredAt: string;
  expiresAt: string;
  /** Which process had the pid (process-owner.ts): a recycled pid is not the holder. */
  processStart?: string;
}

export interface FleetLockTarget {
  store: ParameterStore;
  /** The environment's parameterPrefix, e.g. `/molectl/production`. */
  parameterPrefix: string;
  operation: string;
}

export interface AcquireFleetLockArgs extends FleetLockTarget {
  runId: string;
  clock: Clock;
  /** How long the lock lasts without renewal. Short, so a crashed holder frees it soon. */
  ttlMs?: number;
  /** Break the lock if (and only if) it has expired. */
  breakLock?: boolean;
  /** How the user breaks a stale lock with the command at hand. */
  breakHint?: string;
  identity?: ProcessIdentity;
}

/**
 * How long a fleet lock lasts without renewal (MOLECTL_LOCK_TTL overrides it): short, so that
 * the lock of a run that crashed or lost its machine frees itself within minutes.
 */
export const DEFAULT_FLEET_LOCK_TTL_MS = 10 * 60_000;

/**
 * Renewed every third of its lifetime (never more often than once a second): a renewal may fail
 * once and the next still comes before the lock lapses.
 */
export function fleetLockRenewEveryMs(ttlMs: number): number {
  return Math.max(1000, Math.floor(ttlMs / 3));
}

export function fleetLockName(parameterPrefix: string, operation: string): string {
  const word = operation
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${parameterPrefix.replace(/\/+$/, '')}/locks/${word}`;
}

export class FleetLock {
  private stopKeepFresh: (() => void) | null = null;

  constructor(
    readonly name: string,
    private current: FleetLockHolder,
    private readonly args: AcquireFleetLockArgs & { ttlMs: number },
    /** The holder this acquisition broke (expired with --break-lock, or dead on this host), for the run's record. */
    readonly broke: { holder: FleetLockHolder; because: 'expired' | 'owner-dead' } | null = null,
  ) {}

  get holder(): Readonly<FleetLockHolder> {
    return this.current;
  }

  /** Pushes the expiry out by the TTL. Throws LockLostError if the lock is no longer ours. */
  async refresh(): Promise<void> {
    const found = await readHolder(this.args.store, this.name);
    if (!found || found.holder?.runId !== this.current.runId) {
      const who = found?.holder ? `${found.holder.owner} (run ${found.holder.runId})` : 'nobody (it was deleted)';
      throw new LockLostError(
        `the fleet lock ${this.name} is no longer held by run ${this.current.runId}: it is now held by ${who}`,
        'stop and check what else is working on this environment before resuming',
      );
    }
    const next = {
      ...this.current,
      expiresAt: new Date(this.args.clock.now().getTime() + this.args.ttlMs).toISOString(),
    };
    await this.args.store.putParameter({
      name: this.name,
      value: JSON.stringify(next),
      secure: false,
      overwrite: true,
      description: DESCRIPTION,
    });
    this.current = next;
  }

  /**
   * Refreshes every `everyMs` (a third of the TTL by default) until stopped or released. A failed
   * refresh is reported to onError; a lost lock also stops the renewing.
   */
  keepFresh(options: { everyMs?: number; onError: (error: unknown) => void }): () => void {
    this.stopKeepFresh?.();
    const controller = new AbortController();
    const every = options.everyMs ?? fleetLockRenewEveryMs(this.args.ttlMs);
    const loop = async (): Promise<void> => {
      while (!controller.signal.aborted) {
        try {
          await this.args.clock.sleep(every, controller.signal);
        } catch {
          return;
        }
        if (controller.signal.aborted) return;
        try {
          await this.refresh();
        } catch (error) {
          options.onError(error);
          if (error instanceof LockLostError) return;
        }
      }
    };
    void loop();
    const stop = (): void => controller.abort();
    this.stopKeepFresh = stop;
    return stop;
  }

  /** Deletes the lock if it is still ours; resolves false when it had been taken or removed. */
  async release(): Promise<boolean> {
    this.stopKeepFresh?.();
    this.stopKeepFresh = null;
    const found = await readHolder(this.args.store, this.name);
    if (found?.holder?.runId !== this.current.runId) return false;
    return this.args.store.deleteParameter(this.name);
  }
}

const DESCRIPTION = 'molectl fleet lock (docs/runs.md); break a stale one with --break-lock';

export async function acquireFleetLock(input: AcquireFleetLockArgs): Promise<FleetLock> {
  const args = { ...input, ttlMs: input.ttlMs ?? DEFAULT_FLEET_LOCK_TTL_MS };
  const name = fleetLockName(args.parameterPrefix, args.operation);
  const me = args.identity ?? describeCurrentProcess();
  let broke = false;
  let brokenHolder: FleetLockHolder | null = null;
  let brokeBecause: 'expired' | 'owner-dead' = 'expired';
  // A few rounds absorb a holder that releases between our put and our read.
  for (let round = 0; round < 4; round++) {
    const now = args.clock.now();
    const holder: FleetLockHolder = {
      owner: formatOwner(me),
      runId: args.runId,
      operation: args.operation,
      pid: me.pid,
      acquiredAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + args.ttlMs).toISOString(),
      ...(me.processStart ? { processStart: me.processStart } : {}),
    };
    const value = JSON.stringify(holder);
    if (await args.store.putParameter({ name, value, secure: false, overwrite: false, description: DESCRIPTION })) {
      return new FleetLock(name, holder, args, brokenHolder ? { holder: brokenHolder, because: brokeBecause } : null);
    }
    const found = await readHolder(args.store, name);
    if (!found) continue;
    const current = found.holder;
    const judged = judgeHolder(current, args, me.hostname, now);
    if (judged.kind === 'ours') {
      // Our own run, resumed after a crash: the lock is already ours to take back.
      await args.store.putParameter({ name, value, secure: false, overwrite: true, description: DESCRIPTION });
      return new FleetLock(name, holder, args);
    }
    if (judged.kind === 'breakable' && !broke) {
      broke = true;
      brokenHolder = current ?? null;
      brokeBecause = judged.because;
      await args.store.deleteParameter(name);
      continue;
    }
    throw describeContention(name, current, judged.expired, args);
  }
  throw new LockHeldError({
    message: `could not take the fleet lock ${name}: it kept changing hands`,
    hint: 'another run is starting against this environment; try again in a minute',
    lockName: name,
    stale: false,
  });
}

type HolderVerdict =
  | { kind: 'ours' }
  | { kind: 'breakable'; because: 'expired' | 'owner-dead'; expired: boolean }
  | { kind: 'held'; expired: boolean };

/** What acquiring would do about a lock held by `current` (undefined: not a molectl lock). */
function judgeHolder(
  current: FleetLockHolder | undefined,
  args: Pick<AcquireFleetLockArgs, 'runId' | 'breakLock'>,
  hostname: string,
  now: Date,
): HolderVerdict {
  if (current?.runId === args.runId) return { kind: 'ours' };
  const expired =
    !current || Date.parse(current.expiresAt) <= now.getTime() || Number.isNaN(Date.parse(current.expiresAt));
  // A holder on this very host whose process is gone can never release or renew: waiting for
  // its expiry helps nobody, and only this host can tell, so it is taken over with a notice.
  const deadHere =
    current !== undefined &&
    current.pid > 0 &&
    checkOwnerLiveness({ ...current, hostname: ownerHost(current.owner) }, hostname) === 'dead';
  if (deadHere) return { kind: 'breakable', because: 'owner-dead', expired };
  if (args.breakLock && expired) return { kind: 'breakable', because: 'expired', expired };
  return { kind: 'held', expired };
}

/**
 * Would acquireFleetLock refuse right now? The refusal it would throw, or null; takes nothing.
 * For a check before a run is planned and confirmed (see checkLocksFree in run-lifecycle.ts):
 * acquiring later still decides, so a lock taken in between is still refused.
 */
export async function findFleetLockRefusal(args: Omit<AcquireFleetLockArgs, 'ttlMs'>): Promise<LockHeldError | null> {
  const name = fleetLockName(args.parameterPrefix, args.operation);
  const found = await readHolder(args.store, name);
  if (!found) return null;
  const me = args.identity ?? describeCurrentProcess();
  const judged = judgeHolder(found.holder, args, me.hostname, args.clock.now());
  return judged.kind === 'held' ? describeContention(name, found.holder, judged.expired, args) : null;
}

/** Who holds the fleet lock, or null when free (for status displays). */
export async function readFleetLock(target: FleetLockTarget): Promise<FleetLockHolder | null> {
  const found = await readHolder(target.store, fleetLockName(target.parameterPrefix, target.operation));
  return found?.holder ?? null;
}

/** Deletes the fleet lock whoever holds it, expired or not. Resolves the holder it removed. */
export async function breakFleetLock(
  target: FleetLockTarget,
): Promise<{ name: string; holder: FleetLockHolder | null; existed: boolean }> {
  const name = fleetLockName(target.parameterPrefix, target.operation);
  const found = await readHolder(target.store, name);
  const existed = await target.store.deleteParameter(name);
  return { name, holder: found?.holder ?? null, existed };
}

function describeContention(
  name: string,
  holder: FleetLockHolder | undefined,
  expired: boolean,
  args: Pick<AcquireFleetLockArgs, 'breakHint' | 'breakLock'>,
): LockHeldError {
  const breakHint = args.breakHint ?? 'rerun with --break-lock';
  if (!holder) {
    return new LockHeldError({
      message: `the fleet lock ${name} exists but its value is not a molectl lock`,
      hint: `if no run is working on this environment: ${breakHint}`,
      lockName: name,
      stale: true,
    });
  }
  const who = `${holder.owner} (run ${holder.runId}, pid ${holder.pid}, since ${holder.acquiredAt})`;
  if (expired) {
    return new LockHeldError({
      message: `the fleet lock ${name} is stale: held by ${who}, expired at ${holder.expiresAt}`,
      hint: `a live run renews its lock, so that run has probably died; confirm with ${holder.owner}, then ${breakHint}`,
      lockName: name,
      holderRunId: holder.runId,
      stale: true,
    });
  }
  const alreadyAsked = args.breakLock ? ' (--break-lock only breaks an expired lock)' : '';
  return new LockHeldError({
    message: `${holder.operation} is already running against this environment: the fleet lock ${name} is held by ${who} until ${holder.expiresAt}${alreadyAsked}`,
    hint: `wait for that run to finish (it renews the lock while it works); on its machine: \`molectl runs show ${holder.runId}\``,
    lockName: name,
    holderRunId: holder.runId,
    stale: false,
  });
}

async function readHolder(store: ParameterStore, name: string): Promise<{ holder?: FleetLockHolder } | null> {
  const param = await store.getParameter(name, { decrypt: false });
  if (!param) return null;
  try {
    const parsed = JSON.parse(param.value) as Partial<FleetLockHolder>;
    if (typeof parsed.runId === 'string' && typeof parsed.owner === 'string' && typeof parsed.expiresAt === 'string') {
      return { holder: { pid: 0, operation: '', acquiredAt: '', ...parsed } as FleetLockHolder };
    }
  } catch {
    // Falls through: something is there, but not a lock molectl wrote.
  }
  return {};
}

/** The host part of a `user@host` owner. */
function ownerHost(owner: string): string {
  return owner.slice(owner.lastIndexOf('@') + 1);
}
