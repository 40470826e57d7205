import { SSM_MAX_INSTANCE_IDS_PER_COMMAND } from '../aws/ssm-limits.js';

/**
 * How many hosts a fleet run works on at once (--max-concurrency, and the tenant waves of a
 * rotation). molectl's choices, not SSM limits (those are in src/lib/aws/ssm-limits.ts).
 */

/**
 * The most hosts one run may work on at once. A bound on the blast radius of one bad run, and
 * on the SSM commands in flight (20 of 50 hosts).
 */
export const MAX_FLEET_CONCURRENCY = 1000;

/**
 * Hosts at once unless told otherwise: one SSM command's worth, so a run keeps one command in
 * flight and a bad change stops after at most one batch has run it.
 */
export const DEFAULT_FLEET_CONCURRENCY = SSM_MAX_INSTANCE_IDS_PER_COMMAND;
