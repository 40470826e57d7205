import { AwsDoor } from './aws-door.js';

/**
 * A door whose calls Ctrl-C does not cancel, bounded by a timeout instead: for the few calls a
 * command must still make after an interrupt (releasing its fleet lock, deleting a run-scoped
 * parameter). Everything else goes through ctx.aws, which stops at the first Ctrl-C. A stand-in
 * door (tests hand one to main()) has no signal to detach from and is used as it is.
 */
export function createDetachedDoor(door: AwsDoor, timeoutMs = 30_000): AwsDoor {
  return door instanceof AwsDoor ? new AwsDoor({ ...door.options, signal: AbortSignal.timeout(timeoutMs) }) : door;
}
