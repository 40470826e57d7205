import { defineCommand } from '../lib/cli/command-definition.js';
import { type ParsedFlags } from '../lib/cli/flag-declaration.js';
import { durationFlag, switchFlag, textFlag } from '../lib/cli/flags.js';
import { listFlag } from '../lib/cli/list-flags.js';
import { ORG_SLUG_PATTERN } from '../lib/cp/check-org-slug.js';
import { checkIdsFlag, REPORT_COMMAND_FORMATS, reportFileFlag } from '../lib/cli/shared-flags.js';
import type { Context } from '../lib/context.js';
import { ExitCode, UsageError } from '../lib/errors.js';
import { formatDuration } from '../lib/output/table.js';
import type { VerifyCheck } from '../lib/verify/check-types.js';
import { BUILT_IN_CHECK_IDS, BUILT_IN_CHECKS } from '../lib/verify/checks/built-in-checks.js';
import { createCheckDeps } from '../lib/verify/create-check-deps.js';
import { fitLine } from '../lib/output/fit-line.js';
import { buildReport, STRICT_HINT } from '../lib/verify/report/build-report.js';
import { renderReport, type ReportFormat } from '../lib/verify/report/render-report.js';
import { renderTextHints, renderTextReport } from '../lib/verify/report/render-text-report.js';
import {
  checkReportFile,
  modeFor,
  parseReportFileSpec,
  writeReportFiles,
} from '../lib/verify/report/write-report-files.js';
import { renderDeep } from '../lib/output/output.js';
import { resolveVerifySettings } from '../lib/verify/resolve-verify-settings.js';
import { runChecks, selectChecks } from '../lib/verify/run-checks.js';
import { formatCount } from '../lib/output/format-count.js';

const flags = {
  checklist: textFlag('--checklist <file>', 'YAML or JSON checklist file that adds checks or replaces built-in ones'),
  only: checkIdsFlag('--only <ids>', 'run only these check ids (comma-separated)'),
  skip: checkIdsFlag('--skip <ids>', 'do not run these check ids (comma-separated)'),
  expectCommit: textFlag('--expect-commit <sha>', 'the commit the CP, the canvas and the tenant image must be on', {
    pattern: /^[0-9a-fA-F]{7,40}$/,
    what: 'a commit id of 7 to 40 hex digits',
  }),
  canary: listFlag('--canary <slug...>', 'canary org slugs for the instance and tenant health checks', {
    pattern: ORG_SLUG_PATTERN,
    problem: 'is not an org slug',
    example: 'acme',
  }),
  wait: durationFlag('--wait <duration>', 'keep retrying the deploy and image checks this long (e.g. 15m)', {
    minMs: 0,
    maxMs: 24 * 3600_000,
    default: '0',
  }),
  interval: durationFlag('--interval <duration>', 'pause between retries under --wait', {
    minMs: 10,
    maxMs: 3600_000,
    default: '15s',
  }),
  strict: switchFlag('--strict', 'count skipped checks as failures'),
  reportFile: reportFileFlag(),
  validate: textFlag(
    '--validate <file>',
    'check a checklist file and report its problems with line numbers; runs nothing',
  ),
};

export const verifyCommand = defineCommand({
  description:
    `Run the post-deploy checklist: ${BUILT_IN_CHECK_IDS.join(', ')}, plus the checks of a checklist file. ` +
    'Checks run in parallel; each passes, fails or skips (missing credentials or inputs, named in the detail). ' +
    'Exit 0 when nothing failed, 1 otherwise. --output also takes junit and markdown.',
  flags,
  formats: REPORT_COMMAND_FORMATS,
  examples: [
    ['molectl verify', 'the built-in checklist against production'],
    [
      'molectl verify --expect-commit "$(git rev-parse HEAD)" --canary acme --wait 15m',
      'after a deploy: wait for it to land on the commit',
    ],
    [
      'molectl verify -o junit --report-file verify.xml --report-file markdown:"$GITHUB_STEP_SUMMARY"',
      'in CI: JUnit file and step summary, table on the log',
    ],
    ['molectl verify --checklist checks.yaml --only cp-health,canvas-home', 'two checks, one of them from a file'],
    ['molectl verify --validate checks.yaml', 'lint a checklist file'],
  ],

  async run(ctx, input) {
    const { options } = input;
    if (options.validate) return validateChecklist(ctx, options.validate);

    const format = ctx.flags.outputFormat;
    const reportFiles = options.reportFile.map((spec) => checkReportFile(parseReportFileSpec(spec, format)));
    const settings = resolveVerifySettings(ctx.config.environment, {
      canaries: options.canary,
      expectCommit: options.expectCommit,
    });
    const { checks, refuseLeaks } = await chooseChecks(options);
    // Before anything is sent: a checklist whose request would carry a secret molectl holds
    // (whatever the variable's name) stops the run, exit 2.
    refuseLeaks?.(settings, ctx);

    ctx.out.info(`verifying ${settings.environmentName} (${settings.cpUrl}): ${formatCount(checks.length, 'check')}`);
    // A 15-minute wait retries every 15 s: say so when the answer changes, not 60 times over.
    const lastSaid = new Map<string, string>();
    const startedAt = ctx.clock.now();
    const results = await runChecks(checks, createCheckDeps(ctx, settings), {
      waitMs: options.wait,
      intervalMs: options.interval,
      strict: options.strict,
      now: () => ctx.clock.now().getTime(),
      sleep: (ms, signal) => ctx.clock.sleep(ms, signal),
      signal: ctx.signal,
      onRetry: (check, outcome, attempt, delayMs) => {
        const line = `${check.id}: ${outcome.detail}; trying again every ${formatDuration(delayMs)} (attempt ${attempt})`;
        if (lastSaid.get(check.id) === outcome.detail) ctx.out.verbose(line);
        else ctx.out.info(line);
        lastSaid.set(check.id, outcome.detail);
      },
    });
    // No redaction pass here: every byte of the report goes out through the output layer or
    // writeReportFiles, which apply both tiers (known values everywhere, shapes in remote spans).
    const report = buildReport({
      environment: settings.environmentName,
      cpUrl: settings.cpUrl,
      startedAt,
      durationMs: ctx.clock.now().getTime() - startedAt.getTime(),
      strict: options.strict,
      expectCommit: settings.expectCommit,
      results,
    });

    // Interrupted: the report as it stood (what passed, what was still waiting) still goes out, then exit 130.
    await writeReportFiles(report, reportFiles, ctx.redactor);
    await printReport(ctx, report, reportFiles.length > 0 ? 'text' : format);
    if (report.outcome === 'interrupted') return ExitCode.interrupted;
    return report.ok ? ExitCode.ok : ExitCode.failed;
  },
});

type LeakGuard = (settings: ReturnType<typeof resolveVerifySettings>, ctx: Context) => void;

/** Built-ins, then the checklist file's changes, then --only / --skip. */
async function chooseChecks(
  options: ParsedFlags<typeof flags>,
): Promise<{ checks: VerifyCheck[]; refuseLeaks?: LeakGuard }> {
  let fileChecks: VerifyCheck[] = [];
  let keepBuiltIns: 'all' | 'none' | string[] = 'all';
  let refuseLeaks: LeakGuard | undefined;
  if (options.checklist) {
    // The YAML parser loads only when a checklist is used.
    const { loadChecklistFile } = await import('../lib/verify/checklist/load-checklist-file.js');
    const { createHttpCheck } = await import('../lib/verify/checklist/create-http-check.js');
    const { findRegisteredValue, prepareRequest } = await import('../lib/verify/checklist/create-http-check.js');
    const checklist = await loadChecklistFile(options.checklist, BUILT_IN_CHECK_IDS);
    fileChecks = checklist.checks.map((spec) => createHttpCheck(spec, checklist.vars));
    keepBuiltIns = checklist.builtins;
    const file = options.checklist;
    refuseLeaks = (settings, ctx) => {
      for (const spec of checklist.checks) {
        const prepared = prepareRequest(spec, checklist.vars, { settings, env: ctx.env });
        const leak = prepared.ok ? findRegisteredValue(prepared, ctx.redactor) : undefined;
        if (leak)
          throw new UsageError(
            `${file}: check ${spec.id}: the ${leak} would carry a secret molectl holds; nothing was sent`,
            'a checklist sends a credential only with auth: (see the threat model in docs/commands/verify.md)',
          );
      }
    };
  }
  const { checks, unknownIds } = selectChecks({
    builtIns: BUILT_IN_CHECKS,
    keepBuiltIns,
    fileChecks,
    only: options.only,
    skip: options.skip,
  });
  if (unknownIds.length) {
    const known = selectChecks({ builtIns: BUILT_IN_CHECKS, keepBuiltIns, fileChecks }).checks.map((c) => c.id);
    throw new UsageError(
      `unknown check id${unknownIds.length > 1 ? 's' : ''} ${unknownIds.join(', ')} in --only/--skip`,
      `the checks of this run are: ${known.join(', ')}`,
    );
  }
  if (checks.length === 0)
    throw new UsageError(
      'no checks left to run',
      'loosen --only/--skip, or keep some built-in checks in the checklist file',
    );
  return { checks, ...(refuseLeaks ? { refuseLeaks } : {}) };
}

/**
 * stdout gets the chosen format, or the text table when the chosen format went to files. What to
 * do about failures and skips is a hint: stderr, after the result (failures' even under --quiet,
 * like an error's hint; skips' and the --strict hint only without it).
 */
async function printReport(ctx: Context, report: ReturnType<typeof buildReport>, format: ReportFormat): Promise<void> {
  // Strings rendered before the format lays them out: widths and escaping see the final text.
  if (format === 'json') await ctx.out.result(report, () => '');
  else if (format === 'text')
    await ctx.out.stream(
      `${renderTextReport(renderDeep(report, ctx.redactor, modeFor('text')), ctx.out.resultStyle)}\n`,
    );
  else await ctx.out.stream(renderReport(renderDeep(report, ctx.redactor, modeFor(format)), format));
  const hints = renderTextHints(renderDeep(report, ctx.redactor, modeFor('text')), ctx.out.style);
  if (hints.failures.length > 0 || (hints.skips.length > 0 && !ctx.out.quiet)) ctx.out.error('What to do:');
  for (const line of hints.failures) ctx.out.error(line);
  for (const line of hints.skips) ctx.out.info(line);
  if (report.outcome === 'passed-with-skips') ctx.out.info(fitLine(`hint: ${STRICT_HINT}`, ctx.out.style, 6));
}

async function validateChecklist(ctx: Context, file: string): Promise<number> {
  const { readChecklistFile } = await import('../lib/verify/checklist/load-checklist-file.js');
  const { renderValidation } = await import('../lib/verify/checklist/render-validation.js');
  const { checklist, problems } = await readChecklistFile(file, BUILT_IN_CHECK_IDS);
  const result = {
    file,
    valid: checklist !== null,
    checks: checklist?.checks.length ?? 0,
    builtins: checklist?.builtins ?? null,
    problems,
  };
  await ctx.out.result(result, renderValidation);
  return result.valid ? ExitCode.ok : ExitCode.usage;
}
