import { markdownCell as cell, markdownInline as inline } from '../output/markdown-text.js';
import { summarizeAudit, type AuditReport } from './build-audit-report.js';
import { formatCount } from '../output/format-count.js';

/** GitHub caps a step summary at 1 MiB: findings beyond these limits are counted, not listed. */
const MAX_TENANTS = 100;
const MAX_FINDINGS_PER_TENANT = 20;

/** A code span inside a table cell: only pipes need escaping there; backticks would end the span. */
function code(value: string): string {
  return `\`${value
    .replace(/[\r\n]+/g, ' ')
    .replace(/`/g, "'")
    .replace(/\|/g, '\\|')}\``;
}

/**
 * The heading's word for the exit code. Findings below --fail-on leave the exit at 0, but the
 * summary a person reads must not call a fleet with findings "clean".
 */
function describeVerdict(report: AuditReport): string {
  if (report.exitCode === 5) return '⚠️ incomplete';
  if (report.exitCode !== 0) return '❌ findings';
  const below = report.totals.failed;
  return below === 0 ? '✅ clean' : `✅ passed, ${formatCount(below, 'finding')} below ${report.failOn}`;
}

/** Markdown for a CI step summary ($GITHUB_STEP_SUMMARY, Gitea's equivalent). */
export function renderAuditMarkdown(report: AuditReport): string {
  const verdict = describeVerdict(report);
  const lines = [
    `## molectl fleet audit: ${verdict} (${inline(report.environment)})`,
    '',
    `${inline(summarizeAudit(report))}. CP \`${report.cpUrl}\`, region \`${report.region}\`, fail on **${report.failOn}**.`,
    '',
    '| Check | Severity | Pass | Fail | Unknown |',
    '| --- | --- | ---: | ---: | ---: |',
    ...report.checks.map(
      (c) =>
        `| \`${c.id}\` | ${c.severity} | ${c.pass} | ${c.fail ? `**${c.fail}**` : 0} | ${c.unknown ? `**${c.unknown}**` : 0} |`,
    ),
  ];
  if (report.skipped.length)
    lines.push('', `Not run: ${report.skipped.map((s) => `\`${s.id}\` (${inline(s.reason)})`).join(', ')}.`);
  for (const [title, bars] of [
    ['Images in use', report.histograms.images],
    ['SSM agent versions', report.histograms.agentVersions],
  ] as const) {
    lines.push(
      '',
      `### ${title}`,
      '',
      '| Value | Tenants |',
      '| --- | ---: |',
      ...bars.map((b) => `| \`${cell(b.value)}\` | ${b.count} |`),
    );
  }
  if (report.tenants.length > 0) {
    lines.push('', '### Findings by tenant');
    for (const group of report.tenants.slice(0, MAX_TENANTS)) {
      lines.push(
        '',
        `#### ${inline(group.tenant)}`,
        '',
        '| Result | Check | Instance | Detail | Fix |',
        '| --- | --- | --- | --- | --- |',
      );
      for (const f of group.findings.slice(0, MAX_FINDINGS_PER_TENANT)) {
        const result = f.status === 'fail' ? `❌ ${f.severity}` : '⚠️ unknown';
        lines.push(
          `| ${result} | \`${f.check}\` | ${f.instanceId ? `\`${f.instanceId}\`` : 'org'} | ${cell(f.detail)} | ${f.fix ? code(f.fix) : ''} |`,
        );
      }
      if (group.findings.length > MAX_FINDINGS_PER_TENANT)
        lines.push(
          '',
          `…and ${group.findings.length - MAX_FINDINGS_PER_TENANT} more for ${inline(group.tenant)} (see the JSON report).`,
        );
    }
    if (report.tenants.length > MAX_TENANTS)
      lines.push(
        '',
        `…and ${formatCount(report.tenants.length - MAX_TENANTS, 'more tenant')} with findings (see the JSON report).`,
      );
  }
  lines.push('');
  return lines.join('\n');
}
