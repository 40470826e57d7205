import { ExitCode, MolectlError } from '../errors.js';

/**
 * Another run holds the lock this one needs (exit 1: nothing was changed). `stale` says whether
 * molectl believes the holder is gone (dead pid on this host, or an expired fleet lock): the
 * message then says so and the hint names the explicit way to break it. Locks are never broken
 * silently, because a wrong guess means two runs changing the same fleet at once.
 */
export class LockHeldError extends MolectlError {
  readonly lockName: string;
  readonly holderRunId: string | undefined;
  readonly stale: boolean;
  /** True when the holder is a process on this host that no longer exists: safe to take over. */
  readonly ownerDeadHere: boolean;

  constructor(args: {
    message: string;
    hint: string;
    lockName: string;
    holderRunId?: string;
    stale: boolean;
    ownerDeadHere?: boolean;
  }) {
    super(args.message, { code: ExitCode.failed, hint: args.hint });
    this.name = 'LockHeldError';
    this.lockName = args.lockName;
    this.holderRunId = args.holderRunId;
    this.stale = args.stale;
    this.ownerDeadHere = args.ownerDeadHere ?? false;
  }

  /**
   * Whether a run may take this lock over rather than refuse: a holder dead on this host always,
   * any other stale one only with --break-lock. The one rule for taking a local lock
   * (lock-run.ts) and for looking ahead at it (findLocalLockRefusal).
   */
  mayBeTakenOver(breakLock: boolean): boolean {
    return this.stale && (this.ownerDeadHere || breakLock);
  }
}

/** A lock this run held was taken by someone else (broken as stale): stop changing things. */
export class LockLostError extends MolectlError {
  constructor(message: string, hint: string) {
    super(message, { code: ExitCode.failed, hint });
    this.name = 'LockLostError';
  }
}
