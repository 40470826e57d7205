import * as z from 'zod/mini';
import '../zod-settings.js';
import { LEDGER_SCHEMA_VERSION, RUN_STATUSES, TARGET_STATES } from './run-ledger-states.js';
import { environmentSchema } from '../config/environment-schema.js';

/**
 * The on-disk shape of a run ledger (`<stateDir>/runs/<id>.json`), documented in docs/runs.md.
 * Invariant: a ledger holds names, ids, fingerprints and outcomes, never a secret value; every
 * string also passes the redactor on its way in and again on every write.
 *
 * Readers other than molectl (jq, a colleague's script) rely on these names: add fields freely,
 * but renaming or removing one means bumping LEDGER_SCHEMA_VERSION.
 *
 * Only the types and the reader's check need this module (and zod with it): the statuses and
 * the version, which many modules use, live in run-ledger-states.ts, and RunStore imports
 * this module when it reads a ledger, so a command that never reads one never builds it.
 */

export type { RunStatus, TargetState } from './run-ledger-states.js';

/** Flat, JSON-able values: names, ids, counts, fingerprints. */
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const scalarOrList = z.union([scalar, z.array(z.string())]);

const errorRecordSchema = z.looseObject({
  message: z.string(),
  hint: z.optional(z.string()),
  code: z.optional(z.number()),
});

const ownerSchema = z.looseObject({
  pid: z.int(),
  hostname: z.string(),
  user: z.string(),
  /** Which process had the pid (process-owner.ts); absent in older ledgers and off Linux. */
  processStart: z.optional(z.string()),
  /** When this owner took the run (creation or resume). */
  since: z.string(),
});

const targetSchema = z.looseObject({
  key: z.string(),
  state: z.enum(TARGET_STATES),
  /** Command-specific result word: migrated, current, rolled-back, ... */
  outcome: z.optional(z.string()),
  /** Where the work went remotely: SSM command id, secret version id, purge id. */
  remoteIds: z.record(z.string(), z.string()),
  /** Command-specific facts: fingerprints, exit codes, health. Never values. */
  detail: z.record(z.string(), scalarOrList),
  /** Dispatches so far: incremented each time the target enters in-progress. */
  attempts: z.int(),
  error: z.optional(errorRecordSchema),
  startedAt: z.optional(z.string()),
  updatedAt: z.string(),
  finishedAt: z.optional(z.string()),
});

const eventSchema = z.looseObject({
  at: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
  target: z.optional(z.string()),
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
  finishedAt: z.optional(z.string()),
  /** Who is (or last was) running it; a `running` ledger whose owner is gone was killed. */
  owner: ownerSchema,
  /** Flags and options by name; secret inputs appear as names or fingerprints only. */
  inputs: z.record(z.string(), scalarOrList),
  /** What the run pinned at its start (secret id + version id, fingerprint, image tag). */
  pinned: z.record(z.string(), scalarOrList),
  targets: z.record(z.string(), targetSchema),
  events: z.array(eventSchema),
  /** How many of the oldest events were dropped to keep the ledger bounded. */
  eventsDropped: z.int(),
  error: z.optional(errorRecordSchema),
});

export type RunLedgerDocument = z.infer<typeof runLedgerSchema>;
export type TargetRecord = z.infer<typeof targetSchema>;
export type RunEvent = z.infer<typeof eventSchema>;
export type RunOwner = z.infer<typeof ownerSchema>;
export type RunErrorRecord = z.infer<typeof errorRecordSchema>;
export type ScalarOrList = z.infer<typeof scalarOrList>;
