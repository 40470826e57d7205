import type { Styles } from '../output/output.js';
import { ownCell, renderTable } from '../output/table.js';
import { summarizeAudit, type AuditReport, type CheckSummary } from './build-audit-report.js';
import type { HistogramBar } from './judge-image.js';
import { formatCount } from '../output/format-count.js';
import { fitLine } from '../output/fit-line.js';
import { MIN_WIDTH_TO_WRAP, wrapText } from '../cli/help-layout.js';

const PLAIN: Styles = { ok: (t) => t, fail: (t) => t, warn: (t) => t, dim: (t) => t, bold: (t) => t, accent: (t) => t };
const BAR_WIDTH = 30;

/** What people read: the summary per check, the histograms, then the findings by tenant. */
export function renderAuditText(report: AuditReport, style: Styles = PLAIN): string {
  const orgs = report.settings.orgs ? ` (orgs ${report.settings.orgs.join(', ')})` : '';
  const head = `fleet audit ${report.environment} (${report.cpUrl}, ${report.region})${orgs}: ${formatCount(report.scope.tenants, 'tenant')}, ${formatCount(report.scope.instances, 'instance')}, ${formatCount(report.scope.orgs, 'org')}; fail on ${report.failOn}`;
  const table = renderTable<CheckSummary>(
    [
      { header: 'check', value: (c) => ownCell(c.id) },
      { header: 'severity', value: (c) => ownCell(c.severity) },
      { header: 'pass', value: (c) => c.pass, align: 'right' },
      {
        header: 'fail',
        value: (c) => c.fail,
        align: 'right',
        style: (cell, c) => (c.fail > 0 ? style.fail(cell) : cell),
      },
      {
        header: 'unknown',
        value: (c) => c.unknown,
        align: 'right',
        style: (cell, c) => (c.unknown > 0 ? style.warn(cell) : cell),
      },
    ],
    report.checks,
    style,
  );
  const lines = [fitLine(head, style, 2), '', table];
  if (report.skipped.length)
    lines.push(
      '',
      fitLine(style.dim(`not run: ${report.skipped.map((s) => `${s.id} (${s.reason})`).join(', ')}`), style, 2),
    );
  const columns = style.terminal?.columns ?? 0;
  lines.push(
    '',
    ...renderHistogram('images in use (tenants)', report.histograms.images, columns),
    '',
    ...renderHistogram('SSM agent versions (tenants)', report.histograms.agentVersions, columns),
  );
  if (report.tenants.length > 0) {
    lines.push('', style.bold('findings by tenant'));
    for (const group of report.tenants) {
      lines.push('', style.bold(group.tenant));
      for (const f of group.findings) {
        const label = f.status === 'fail' ? `FAIL ${f.severity}` : 'UNKNOWN';
        const styled = f.status === 'fail' ? style.fail(label) : style.warn(label);
        const where = `${f.check}  ${f.instanceId ?? 'org'} (${f.role})`;
        const width = style.terminal?.columns ?? 0;
        if (width >= MIN_WIDTH_TO_WRAP && `  ${label}  ${where}  ${f.detail}`.length > width) {
          // On a terminal, prose wraps under its own indent rather than being folded by the
          // terminal into column 0. The fix stays one line: it is often a command, copied whole.
          lines.push(`  ${styled}  ${where}`, hangingIndent(f.detail, FINDING_INDENT, width));
          if (f.evidence) lines.push(hangingIndent(`evidence: ${f.evidence}`, FINDING_INDENT, width, EVIDENCE_INDENT));
        } else {
          lines.push(`  ${styled}  ${where}  ${f.detail}`);
          if (f.evidence) lines.push(`${FINDING_INDENT}evidence: ${f.evidence}`);
        }
        if (f.fix) lines.push(`${FINDING_INDENT}fix: ${f.fix}`);
      }
    }
  }
  const summary = summarizeAudit(report);
  lines.push(
    '',
    report.exitCode === 0
      ? style.ok(`OK: ${summary}`)
      : report.exitCode === 5
        ? style.warn(`INCOMPLETE: ${summary}`)
        : style.fail(`FAILED: ${summary}`),
  );
  return lines.join('\n');
}

const FINDING_INDENT = '      ';
/** Where an evidence line's continuation starts: under the text after `evidence: `. */
const EVIDENCE_INDENT = `${FINDING_INDENT}${' '.repeat('evidence: '.length)}`;

/** Text wrapped at spaces to `width`, its first line after `first`, the others after `rest`. */
function hangingIndent(text: string, first: string, width: number, rest = first): string {
  return wrapText(text, width - rest.length)
    .split('\n')
    .map((line, i) => `${i === 0 ? first : rest}${line}`)
    .join('\n');
}

/**
 * One line per value: the value, its count and a bar. On a terminal (`columns` > 0) the bars are
 * shortened to what the longest line leaves of its width (not below MIN_BAR_WIDTH): at 80 columns
 * an image name and a 30-character bar were folded into the next line.
 */
function renderHistogram(title: string, bars: HistogramBar[], columns = 0): string[] {
  if (bars.length === 0) return [`${title}: none`];
  const max = Math.max(...bars.map((b) => b.count));
  const width = Math.max(...bars.map((b) => b.value.length));
  const digits = String(max).length;
  const room = columns - (2 + width + 2 + digits + 2);
  const barWidth = columns > 0 ? Math.max(MIN_BAR_WIDTH, Math.min(BAR_WIDTH, room)) : BAR_WIDTH;
  return [
    title,
    ...bars.map(
      (b) =>
        `  ${b.value.padEnd(width)}  ${String(b.count).padStart(digits)}  ${'#'.repeat(Math.max(1, Math.round((b.count / max) * barWidth)))}`,
    ),
  ];
}
/** A bar shorter than this shows too few steps to compare counts by. */
const MIN_BAR_WIDTH = 8;
