/**
 * The words of a run ledger (docs/runs.md): its format version, the run's statuses and each
 * target's states. Apart from the zod schema (run-ledger-schema.ts) so that using them loads
 * no validator.
 */

export const LEDGER_SCHEMA_VERSION = 1;

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'partial', 'aborted', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * pending: not started. in-progress: dispatched, outcome not yet known (remoteIds says where to
 * look, so a resume polls it before dispatching again). succeeded / skipped: finished, never
 * repeated. failed: finished this attempt; a resume may retry it.
 */
export const TARGET_STATES = ['pending', 'in-progress', 'succeeded', 'failed', 'skipped'] as const;
export type TargetState = (typeof TARGET_STATES)[number];

/** Target states a resume must not repeat. */
export const FINISHED_TARGET_STATES: ReadonlySet<TargetState> = new Set(['succeeded', 'skipped']);
/** Target states whose work is over for this attempt (finished or failed). */
export const SETTLED_TARGET_STATES: ReadonlySet<TargetState> = new Set(['succeeded', 'skipped', 'failed']);
