import { AwsDoor } from './aws-door.js';

/**
 * A door whose calls Ctrl-C does not cancel, bounded by a timeout instead: for the few calls a
 * command must still make after an interrupt (releasing its fleet lock, deleting a run-scoped
 * parameter). Everything else goes through ctx.aws, which stops at the first Ctrl-C.
 */
export function createDetachedDoor(door: AwsDoor, timeoutMs = 30_000): AwsDoor {
  return new AwsDoor({ ...door.options, signal: AbortSignal.timeout(timeoutMs) });
}
