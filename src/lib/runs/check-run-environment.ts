import { UsageError } from '../errors.js';
import type { RunLedgerDocument } from './run-ledger-schema.js';

/**
 * A run continued or undone from its ledger acts on the targets the ledger names (instance ids,
 * secret versions), which belong to the environment it ran against. Acting on them from another
 * environment would show and confirm one environment and change another's hosts, so it is bad
 * input (exit 2), found before anything remote happens.
 */
export function checkRunEnvironment(doc: Readonly<RunLedgerDocument>, envName: string, what: string): void {
  if (doc.environment.name === envName) return;
  throw new UsageError(
    `run ${doc.id} was against ${doc.environment.name}, not ${envName}; nothing was changed`,
    `add --env ${doc.environment.name} to ${what} there`,
  );
}
