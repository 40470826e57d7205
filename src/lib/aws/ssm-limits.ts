/**
 * SSM's documented API limits (AWS Systems Manager API reference; see also
 * ../shared/platform.md, "Secrets in SSM and consoles"). The AWS door enforces them and the
 * executor in src/lib/ssm plans around them, so each is written here once. These are facts
 * about SSM, not molectl's choices (those are in src/lib/ssm/fleet-concurrency.ts). The
 * sandbox (src/sandbox/aws) models the same limits on its own on purpose: a wrong number here
 * must fail a test against it, not be copied into it.
 */

/**
 * Instance ids one SendCommand call may name: a run on more hosts sends several commands
 * (src/lib/ssm/run-shell-script.ts batches), and the door refuses a larger one before sending.
 */
export const SSM_MAX_INSTANCE_IDS_PER_COMMAND = 50;

/** Values one DescribeInstanceInformation `InstanceIds` filter may list: longer lists go in chunks. */
export const SSM_MAX_INSTANCE_IDS_PER_FILTER = 50;

/** The largest page (MaxResults) DescribeInstanceInformation, ListCommandInvocations and ListCommands return. */
export const SSM_MAX_PAGE_SIZE = 50;

/** DescribeInstanceInformation refuses a MaxResults below this. */
export const SSM_MIN_PAGE_SIZE_DESCRIBE_INSTANCES = 5;

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
