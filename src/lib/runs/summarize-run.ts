import { hostname } from 'node:os';
import { checkOwnerLiveness, type OwnerLiveness } from './process-owner.js';
import type { RunLedgerDocument, RunStatus } from './run-ledger-schema.js';
import { SETTLED_TARGET_STATES } from './run-ledger-states.js';

/**
 * What `runs list` and `runs show` say about a ledger, computed rather than stored: whether a
 * `running` ledger's owner is still there, how long it took, how far its targets got.
 */

export interface RunSummary {
  id: string;
  command: string;
  environment: string;
  status: RunStatus;
  /** `running, owner dead` for a run whose process was killed: the reader's cue to resume. */
  displayStatus: string;
  /** Only meaningful while status is running. */
  ownerLiveness: OwnerLiveness;
  owner: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number;
  targets: {
    total: number;
    settled: number;
    succeeded: number;
    failed: number;
    skipped: number;
    pending: number;
    inProgress: number;
  };
  /** Some work is left, nobody is doing it, and the command can take it up again. */
  resumable: boolean;
}

/**
 * Commands whose run is never taken up again: `org create` sends its create once (a second one
 * would be refused or make a second org), so an interrupted or failed create is looked at, not
 * resumed; the ledger's hint says where to look.
 */
const NOT_RESUMABLE = new Set(['org create']);

export function summarizeRun(doc: RunLedgerDocument, now: Date, here: string = hostname()): RunSummary {
  const targets = { total: 0, settled: 0, succeeded: 0, failed: 0, skipped: 0, pending: 0, inProgress: 0 };
  for (const t of Object.values(doc.targets)) {
    targets.total += 1;
    if (SETTLED_TARGET_STATES.has(t.state)) targets.settled += 1;
    if (t.state === 'in-progress') targets.inProgress += 1;
    else targets[t.state] += 1;
  }
  const ownerLiveness = doc.status === 'running' ? checkOwnerLiveness(doc.owner, here) : 'dead';
  const orphaned = doc.status === 'running' && ownerLiveness === 'dead';
  let displayStatus: string = doc.status;
  if (orphaned) displayStatus = 'running, owner dead';
  else if (doc.status === 'running' && ownerLiveness === 'unknown') displayStatus = `running on ${doc.owner.hostname}`;
  const end = doc.finishedAt ? Date.parse(doc.finishedAt) : orphaned ? Date.parse(doc.updatedAt) : now.getTime();
  const workLeft = targets.total === 0 || targets.succeeded + targets.skipped < targets.total;
  return {
    id: doc.id,
    command: doc.command,
    environment: doc.environment.name,
    status: doc.status,
    displayStatus,
    ownerLiveness,
    owner: `${doc.owner.user}@${doc.owner.hostname} pid ${doc.owner.pid}`,
    startedAt: doc.startedAt,
    finishedAt: doc.finishedAt ?? null,
    durationMs: Math.max(0, end - Date.parse(doc.startedAt)),
    targets,
    resumable:
      !NOT_RESUMABLE.has(doc.command) &&
      // A step of another run (a rotation's tenant step) is continued by that run, not on its own.
      typeof doc.inputs.partOfRun !== 'string' &&
      doc.status !== 'succeeded' &&
      (doc.status !== 'running' || orphaned) &&
      workLeft,
  };
}
