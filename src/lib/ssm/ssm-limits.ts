/**
 * SSM Run Command's documented limits (../shared/platform.md, "Secrets in SSM and consoles").
 * Everything that reads command output plans around these numbers, so they live in one place.
 */

/** Instance ids one SendCommand call may name. */
export const SSM_MAX_INSTANCE_IDS_PER_COMMAND = 50;

/**
 * The most hosts molectl lets one run work on at once (--max-concurrency). Not an SSM limit: a
 * bound on the blast radius of one bad run, and on the commands in flight (20 of 50 hosts).
 */
export const MAX_FLEET_CONCURRENCY = 1000;

/** GetCommandInvocation keeps at most this many characters of stdout; the rest is dropped. */
export const SSM_STDOUT_CAP_CHARS = 24_000;

/** GetCommandInvocation keeps at most this many characters of stderr. */
export const SSM_STDERR_CAP_CHARS = 8_000;

/** ListCommandInvocations' per-plugin output preview is cut at this many characters. */
export const SSM_LIST_OUTPUT_CAP_CHARS = 2_500;

/**
 * Invocation statuses after which nothing changes. `Success` only means exit 0; Undeliverable,
 * DeliveryTimedOut, InvalidPlatform and AccessDenied mean the script never ran.
 */
export const SSM_TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  'Success',
  'Failed',
  'TimedOut',
  'Cancelled',
  'Undeliverable',
  'DeliveryTimedOut',
  'Terminated',
  'InvalidPlatform',
  'AccessDenied',
]);

/** Statuses that mean the script never started on the instance (no output will ever come). */
export const SSM_NOT_DELIVERED_STATUSES: ReadonlySet<string> = new Set([
  'Undeliverable',
  'DeliveryTimedOut',
  'InvalidPlatform',
  'AccessDenied',
  'Terminated',
]);

export function isTerminalInvocationStatus(status: string): boolean {
  return SSM_TERMINAL_STATUSES.has(status);
}
