import { z } from 'zod';
import { environmentSchema } from '../config/environment-schema.js';

/**
 * The on-disk shape of a run ledger (`<stateDir>/runs/<id>.json`), documented in docs/runs.md.
 * Invariant: a ledger holds names, ids, fingerprints and outcomes, never a secret value; every
 * string also passes the redactor on its way in and again on every write.
 *
 * Readers other than molectl (jq, a colleague's script) rely on these names: add fields freely,
 * but renaming or removing one means bumping LEDGER_SCHEMA_VERSION.
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

/** Flat, JSON-able values: names, ids, counts, fingerprints. */
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const scalarOrList = z.union([scalar, z.array(z.string())]);

const errorRecordSchema = z.looseObject({
  message: z.string(),
  hint: z.string().optional(),
  code: z.number().optional(),
});

const ownerSchema = z.looseObject({
  pid: z.number().int(),
  hostname: z.string(),
  user: z.string(),
  /** When this owner took the run (creation or resume). */
  since: z.string(),
});

const targetSchema = z.looseObject({
  key: z.string(),
  state: z.enum(TARGET_STATES),
  /** Command-specific result word: migrated, current, rolled-back, ... */
  outcome: z.string().optional(),
  /** Where the work went remotely: SSM command id, secret version id, purge id. */
  remoteIds: z.record(z.string(), z.string()),
  /** Command-specific facts: fingerprints, exit codes, health. Never values. */
  detail: z.record(z.string(), scalarOrList),
  /** Dispatches so far: incremented each time the target enters in-progress. */
  attempts: z.number().int(),
  error: errorRecordSchema.optional(),
  startedAt: z.string().optional(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
});

const eventSchema = z.looseObject({
  at: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
  target: z.string().optional(),
});

export const runLedgerSchema = z.looseObject({
  schemaVersion: z.literal(LEDGER_SCHEMA_VERSION),
  kind: z.literal('molectl-run-ledger'),
  id: z.string(),
  command: z.string(),
  /** Where the run acted (src/lib/config/run-environment.ts); unknown values are left out on disk. */
  environment: environmentSchema,
  status: z.enum(RUN_STATUSES),
  startedAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  /** Who is (or last was) running it; a `running` ledger whose owner is gone was killed. */
  owner: ownerSchema,
  /** Flags and options by name; secret inputs appear as names or fingerprints only. */
  inputs: z.record(z.string(), scalarOrList),
  /** What the run pinned at its start (secret id + version id, fingerprint, image tag). */
  pinned: z.record(z.string(), scalarOrList),
  targets: z.record(z.string(), targetSchema),
  events: z.array(eventSchema),
  /** How many of the oldest events were dropped to keep the ledger bounded. */
  eventsDropped: z.number().int(),
  error: errorRecordSchema.optional(),
});

export type RunLedgerDocument = z.infer<typeof runLedgerSchema>;
export type TargetRecord = z.infer<typeof targetSchema>;
export type RunEvent = z.infer<typeof eventSchema>;
export type RunOwner = z.infer<typeof ownerSchema>;
export type RunErrorRecord = z.infer<typeof errorRecordSchema>;
export type ScalarOrList = z.infer<typeof scalarOrList>;
