import { CHECK_IDS } from '../lib/audit/audit-checks.js';
import { resolveAuditSettings } from '../lib/audit/audit-settings.js';
import { toAuditDocument, type AuditReport } from '../lib/audit/build-audit-report.js';
import { renderAuditReport } from '../lib/audit/render-audit-report.js';
import { renderAuditText } from '../lib/audit/render-audit-text.js';
import { runAudit } from '../lib/audit/run-audit.js';
import { defineCommand } from '../lib/cli/command-definition.js';
import { choiceFlag, switchFlag, textFlag } from '../lib/cli/flags.js';
import { orgSlugsFlag } from '../lib/cli/list-flags.js';
import { checkIdsFlag, REPORT_COMMAND_FORMATS, reportFileFlag } from '../lib/cli/shared-flags.js';
import type { Context } from '../lib/context.js';
import type { ReportFormat } from '../lib/verify/report/render-report.js';
import {
  checkReportFile,
  modeFor,
  parseReportFileSpec,
  writeRenderedReports,
} from '../lib/verify/report/write-report-files.js';
import { renderDeep } from '../lib/output/output.js';
import { formatCount } from '../lib/output/format-count.js';

const flags = {
  orgs: orgSlugsFlag('--orgs <slugs>', 'audit only these orgs (comma-separated)'),
  checks: checkIdsFlag('--checks <ids>', 'run only these check ids (comma-separated)'),
  skip: checkIdsFlag('--skip <ids>', 'do not run these check ids (comma-separated)'),
  failOn: choiceFlag(
    '--fail-on <severity>',
    'lowest severity that makes the audit exit 1: high, medium or low',
    ['high', 'medium', 'low'],
    { default: 'high' },
  ),
  console: switchFlag('--no-console', 'do not read EC2 console output (skips console-leaks-secret)'),
  expectedImage: textFlag(
    '--expected-image <ref>',
    'the image tenants must run: tag, reference or sha256 digest (default: audit.expectedImage)',
    {
      pattern: /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/,
      what: 'an image tag, reference or digest',
    },
  ),
  reportFile: reportFileFlag(),
};

export const fleetAuditCommand = defineCommand({
  description:
    "Audit the fleet's security and drift posture, read-only: the CP shared secret on tenants, exposed tokens, " +
    'secrets in consoles, open ports and listeners, IMDSv1, orphans, image drift and SSM agents. ' +
    `Checks: ${CHECK_IDS.join(', ')}. Exit 0 when nothing fails at or above --fail-on, 1 when something does, ` +
    '5 when part of the fleet could not be audited (unknown). --output also takes junit and markdown.',
  flags,
  formats: REPORT_COMMAND_FORMATS,
  examples: [
    ['molectl fleet audit', 'the whole fleet: summary, histograms, findings by tenant'],
    ['molectl fleet audit --orgs acme,beta --checks cp-secret-missing,imds-v1', 'two checks on two tenants'],
    ['molectl fleet audit --fail-on medium --no-console -o json', 'machine-readable, medium findings fail too'],
    [
      'molectl fleet audit -o junit --report-file audit.xml --report-file markdown:"$GITHUB_STEP_SUMMARY"',
      'in CI: JUnit file and step summary, table on the log',
    ],
  ],

  async run(ctx, input) {
    const { options } = input;
    const format = ctx.flags.outputFormat;
    const reportFiles = options.reportFile.map((spec) => checkReportFile(parseReportFileSpec(spec, format)));
    const settings = resolveAuditSettings(ctx.config.environment, options);
    ctx.out.info(
      `auditing ${ctx.config.envName.value} (${ctx.cp.baseUrl}): ${formatCount(settings.checks.length, 'check')}, read-only`,
    );
    const report = await runAudit(ctx, settings);
    await writeRenderedReports(
      reportFiles,
      (f) => renderAuditReport(renderDeep(report, ctx.redactor, modeFor(f)), f),
      ctx.redactor,
    );
    await printReport(ctx, report, reportFiles.length > 0 ? 'text' : format);
    return report.exitCode;
  },
});

/** stdout gets the chosen format, or the text report when the chosen format went to files. */
async function printReport(ctx: Context, report: AuditReport, format: ReportFormat): Promise<void> {
  if (format === 'json') return ctx.out.result(toAuditDocument(report), () => '');
  // Strings rendered before the format lays them out: widths and escaping see the final text.
  const rendered = renderDeep(report, ctx.redactor, modeFor(format));
  if (format === 'text') return ctx.out.stream(`${renderAuditText(rendered, ctx.out.resultStyle)}\n`);
  await ctx.out.stream(renderAuditReport(rendered, format));
}
