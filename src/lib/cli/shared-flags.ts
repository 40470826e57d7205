import { DEFAULT_FLEET_CONCURRENCY, MAX_FLEET_CONCURRENCY } from '../ssm/fleet-concurrency.js';
import { OUTPUT_FORMATS } from '../config/output-format.js';
import { type Flag } from './flag-declaration.js';
import { countFlag, durationFlag, outputFileFlag, switchFlag, textFlag } from './flags.js';
import { listFlag, orgSlugFlag, orgSlugsFlag, repeatableFlag } from './list-flags.js';

/**
 * The flags several commands share, declared once so that they are spelled, bounded and
 * defaulted alike everywhere (apply and rollback; org delete and org gc). Each command words
 * the description for itself.
 */

/** The waves after the canary: counts or cumulative percentages (judged by the wave planner). */
export const wavesFlag = (description: string): Flag<string> =>
  textFlag('--waves <spec>', description, { default: '1,5,25%,100%' });

export const maxErrorsFlag = (description: string): Flag<number> =>
  countFlag('--max-errors <n>', description, { min: 0, max: 100_000, default: 0 });

export const maxConcurrencyFlag = (description: string): Flag<number> =>
  countFlag('--max-concurrency <n>', description, {
    min: 1,
    max: MAX_FLEET_CONCURRENCY,
    why: `at most ${MAX_FLEET_CONCURRENCY} hosts at once across the fleet`,
    default: DEFAULT_FLEET_CONCURRENCY,
  });

/** --max-concurrency for a run resumed: unset keeps what the run recorded. */
export const resumeMaxConcurrencyFlag = (description: string): Flag<number | undefined> =>
  countFlag('--max-concurrency <n>', description, {
    min: 1,
    max: MAX_FLEET_CONCURRENCY,
    why: `at most ${MAX_FLEET_CONCURRENCY} hosts at once across the fleet`,
  });

export const breakLockFlag = (description: string): Flag<boolean> => switchFlag('--break-lock', description);

export const onlyOrgsFlag = (): Flag<string[] | undefined> =>
  orgSlugsFlag('--orgs <slugs>', 'only these orgs (comma-separated slugs)');

export const summaryMdFlag = (description: string): Flag<string | undefined> =>
  outputFileFlag('--summary-md <file>', description);

/** One DELETE call of the CP's cascade; the cascade itself may take minutes. */
export const cascadeTimeoutFlag = (description: string): Flag<number> =>
  durationFlag('--cascade-timeout <duration>', description, { minMs: 1000, maxMs: 3600_000, default: '3m' });

/** The tenant changed first and watched before the waves. */
export const canaryFlag = (description: string): Flag<string | undefined> =>
  orgSlugFlag('--canary <slug>', description);

export const soakFlag = (description: string): Flag<number> =>
  durationFlag('--soak <duration>', description, { minMs: 0, maxMs: 24 * 3600_000, default: '60s' });

/** How long a tenant waits for its recreated container's /health. */
export const healthTimeoutFlag = (description: string): Flag<number> =>
  durationFlag('--health-timeout <duration>', description, { minMs: 1000, maxMs: 3600_000, default: '90s' });

/** `--report-file [format:]file`, repeatable: the reports of verify and fleet audit, also written to files. */
export const reportFileFlag = (): Flag<string[]> =>
  repeatableFlag(
    '--report-file <[format:]file>',
    `also write the report to a file (format: ${OUTPUT_FORMATS.join(', ')}; default the --output one); repeatable`,
  );

/** Check ids, comma-separated (`--only`, `--skip`, `--checks`); which ids exist is the command's to judge. */
export const checkIdsFlag = (flags: string, description: string): Flag<string[] | undefined> =>
  listFlag(flags, description, {
    pattern: /^[a-z0-9][a-z0-9-]{0,62}$/,
    problem: 'is not a check id (lowercase letters, digits and "-")',
    example: 'cp-health,canvas-home',
  });

/** The output formats of a command that prints a report (verify, fleet audit). */
export const REPORT_COMMAND_FORMATS = OUTPUT_FORMATS;

/** The flags of a command that prints remote text for people (console, logs): where it goes, redaction, diagnosis. */
export const remoteTextReportFlags = (what: string) => ({
  out: outputFileFlag('--out <file>', `write the ${what} (redacted) to a file instead of stdout`),
  redact: switchFlag('--no-redact', 'show secrets in clear (warned; refused into a pipe or file without --yes)'),
  diagnosis: switchFlag('--no-diagnosis', 'leave out the "likely cause" section'),
});
