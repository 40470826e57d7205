import { breakLockFlag, resumeMaxConcurrencyFlag, summaryMdFlag } from '../lib/cli/shared-flags.js';
import { MAX_FLEET_CONCURRENCY } from '../lib/ssm/fleet-concurrency.js';
import { defineCommand } from '../lib/cli/command-definition.js';
import { argument } from '../lib/cli/flag-declaration.js';
import { switchFlag } from '../lib/cli/flags.js';
import { confirmChange } from '../lib/prompt/confirm-change.js';
import { adoptInFlight, inFlightWaitMs } from '../lib/tenant-secret-delivery/adopt-in-flight.js';
import {
  planFromLedger,
  refuseStepOfAnotherRun,
  settingsFromLedger,
} from '../lib/tenant-secret-delivery/apply-ledger.js';
import { checkPinnedVersionStillLive } from '../lib/tenant-secret-delivery/check-pinned-version.js';
import { deliveryLocks, reportRun, runApply } from '../lib/tenant-secret-delivery/run-apply.js';
import { checkLocksFree } from '../lib/runs/run-lifecycle.js';
import { checkRunEnvironment } from '../lib/runs/check-run-environment.js';
import { configuredEnvironment } from '../lib/config/run-environment.js';

export const migrateCpSecretResumeCommand = defineCommand({
  confirmation: () => ({ kind: 'environment' }),
  writesState: () => 'run-ledger',
  description:
    'Continue an interrupted, killed, aborted or partial apply run: collects the results of commands it had already sent, skips tenants it finished, and goes on with the same settings and the same pinned secret version.',
  args: [argument('run', 'run id (or a unique prefix of it), from `molectl runs list`')],
  flags: {
    force: switchFlag('--force', 'take over a run marked running by a process on another host'),
    breakLock: breakLockFlag('take over an expired fleet lock'),
    summaryMd: summaryMdFlag('also write a Markdown summary'),
    maxConcurrency: resumeMaxConcurrencyFlag(
      `most hosts working at once (1-${MAX_FLEET_CONCURRENCY}) from here on; default: what the run recorded`,
    ),
  },
  examples: [
    ['molectl migrate cp-secret resume 20261122T203000Z-migrate', 'continue after Ctrl-C or a crash'],
    ['molectl --env production migrate cp-secret resume 20261122T2030 --yes', 'unattended'],
    ['molectl migrate cp-secret resume 20261122T2030 --max-concurrency 5', 'go on more slowly (SSM throttling)'],
  ],

  async run(ctx, { args, options }) {
    const input = options;
    const ledger = await ctx.runs.load(args[0]!);
    refuseStepOfAnotherRun(ledger.document);
    const plan = planFromLedger(ledger.document);
    const recorded = settingsFromLedger(ledger.document).settings;
    // The pace is the one setting a resume may change: it decides how fast, never what or how.
    const settings = { ...recorded, maxConcurrency: input.maxConcurrency ?? recorded.maxConcurrency };
    checkRunEnvironment(ledger.document, configuredEnvironment(ctx.config), 'resume it');
    if (ledger.status === 'succeeded') {
      ctx.out.info(`run ${ledger.id} already finished; nothing to resume`);
      await reportRun(ctx, ledger, input.summaryMd);
      return 0;
    }
    await checkLocksFree(ctx, deliveryLocks(input.breakLock, ledger.id));
    await checkPinnedVersionStillLive(ctx, plan.secret);
    await confirmChange(ctx, { kind: 'environment' }, `resume run ${ledger.id}`);
    await ledger.claim({ force: input.force });
    if (settings.maxConcurrency !== recorded.maxConcurrency)
      await ledger.recordEvent(
        `resumed with --max-concurrency ${settings.maxConcurrency} (the run had ${recorded.maxConcurrency})`,
      );
    await adoptInFlight(ctx, ledger, plan.secret.fingerprint, inFlightWaitMs(settings));
    return runApply(ctx, plan, settings, ledger, { breakLock: input.breakLock, summaryMd: input.summaryMd });
  },
});
