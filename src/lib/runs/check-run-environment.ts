import type { Environment } from '../config/run-environment.js';
import { UsageError } from '../errors.js';
import type { RunLedgerDocument } from './run-ledger-schema.js';

/**
 * A run continued or undone from its ledger acts on the targets the ledger names (instance ids,
 * secret versions), which belong to the environment it ran against. Acting on them from another
 * environment would show and confirm one environment and change another's hosts, so it is bad
 * input (exit 2), found before anything remote happens. The same goes for the same environment
 * name pointed at another CP (`--cp-url`, `MOLECTL_CP_URL`) or another AWS region: the canary's
 * soak would ask a CP the run never talked to, and the instance ids belong to the recorded region.
 */
export function checkRunEnvironment(
  doc: Readonly<RunLedgerDocument>,
  here: Pick<Environment, 'name' | 'cpUrl' | 'awsRegion'>,
  what: string,
): void {
  const was = doc.environment;
  if (was.name !== here.name)
    throw new UsageError(
      `run ${doc.id} was against ${was.name}, not ${here.name}; nothing was changed`,
      `add --env ${was.name} to ${what} there`,
    );
  if (was.cpUrl && was.cpUrl !== here.cpUrl)
    throw new UsageError(
      `run ${doc.id} was against the CP at ${was.cpUrl}, not ${here.cpUrl}; nothing was changed`,
      `point --cp-url (or MOLECTL_CP_URL) at ${was.cpUrl}, or unset it, to ${what}`,
    );
  if (was.awsRegion && here.awsRegion && was.awsRegion !== here.awsRegion)
    throw new UsageError(
      `run ${doc.id} was in AWS region ${was.awsRegion}, not ${here.awsRegion}; nothing was changed`,
      `add --region ${was.awsRegion} to ${what}`,
    );
}
