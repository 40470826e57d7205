import type { InvocationStatus, SimCommand } from '../state.js';

/**
 * SSM's status vocabulary. `SimInvocation.status` holds the detailed status (SSM's
 * StatusDetails); the wire `Status` is coarser: Undeliverable and Terminated read as Failed,
 * both timeouts as TimedOut. Command status is aggregated the way "Understanding command
 * statuses" in the SSM user guide describes.
 */

const WIRE_STATUS: Record<InvocationStatus, string> = {
  Pending: 'Pending',
  InProgress: 'InProgress',
  Delayed: 'Delayed',
  Success: 'Success',
  Failed: 'Failed',
  TimedOut: 'TimedOut',
  Cancelled: 'Cancelled',
  Cancelling: 'Cancelling',
  Undeliverable: 'Failed',
  DeliveryTimedOut: 'TimedOut',
  Terminated: 'Failed',
  InvalidPlatform: 'Failed',
  AccessDenied: 'Failed',
};

export function describeInvocationStatus(status: InvocationStatus): { status: string; statusDetails: string } {
  return { status: WIRE_STATUS[status], statusDetails: status === 'TimedOut' ? 'ExecutionTimedOut' : status };
}

export function isTerminalStatus(status: InvocationStatus): boolean {
  return status !== 'Pending' && status !== 'InProgress' && status !== 'Delayed' && status !== 'Cancelling';
}

/** Only failures and execution timeouts count toward MaxErrors. */
export function countsAsError(status: InvocationStatus): boolean {
  return status === 'Failed' || status === 'TimedOut';
}

export interface CommandCounts {
  targetCount: number;
  completedCount: number;
  errorCount: number;
  deliveryTimedOutCount: number;
}

export function countInvocations(command: SimCommand): CommandCounts {
  let completedCount = 0;
  let errorCount = 0;
  let deliveryTimedOutCount = 0;
  for (const inv of command.invocations) {
    if (isTerminalStatus(inv.status)) completedCount++;
    if (countsAsError(inv.status)) errorCount++;
    if (inv.status === 'DeliveryTimedOut') deliveryTimedOutCount++;
  }
  return { targetCount: command.invocations.length, completedCount, errorCount, deliveryTimedOutCount };
}

export function aggregateCommandStatus(command: SimCommand): SimCommand['status'] {
  return describeCommandStatus(command).status as SimCommand['status'];
}

/** The command's Status and StatusDetails from its invocations. */
export function describeCommandStatus(command: SimCommand): { status: string; statusDetails: string } {
  const invs = command.invocations;
  const open = invs.filter((i) => !isTerminalStatus(i.status));
  const cancelled = invs.some((i) => i.status === 'Cancelled');
  if (open.length > 0) {
    if (cancelled) return { status: 'Cancelling', statusDetails: 'Cancelling' };
    const started = invs.some((i) => i.status !== 'Pending');
    return started
      ? { status: 'InProgress', statusDetails: 'InProgress' }
      : { status: 'Pending', statusDetails: 'Pending' };
  }
  if (cancelled) return { status: 'Cancelled', statusDetails: 'Cancelled' };
  const counts = countInvocations(command);
  const maxErrors = resolveLimit(command.maxErrors, invs.length, 0);
  if (counts.errorCount > maxErrors || invs.some((i) => i.status === 'Terminated')) {
    const allTimeouts = invs.filter((i) => countsAsError(i.status)).every((i) => i.status === 'TimedOut');
    return allTimeouts
      ? { status: 'TimedOut', statusDetails: 'ExecutionTimedOut' }
      : { status: 'Failed', statusDetails: 'Failed' };
  }
  if (counts.deliveryTimedOutCount > maxErrors) return { status: 'TimedOut', statusDetails: 'DeliveryTimedOut' };
  // Undeliverable invocations count neither way; a command that ran nowhere is not a success.
  const considered = invs.filter((i) => i.status !== 'Undeliverable');
  if (considered.length > 0 && considered.every((i) => i.status === 'Success'))
    return { status: 'Success', statusDetails: 'Success' };
  if (invs.length === 0) return { status: 'Success', statusDetails: 'Success' };
  return { status: 'Failed', statusDetails: 'Incomplete' };
}

/** "10" or "10%" of `targets`; a percentage rounds down; the result is at least `floor`. */
export function resolveLimit(spec: string, targets: number, floor: number): number {
  const pct = /^(\d+)%$/.exec(spec);
  const value = pct ? Math.floor((Number(pct[1]) * targets) / 100) : Number(spec);
  return Math.max(floor, value);
}
