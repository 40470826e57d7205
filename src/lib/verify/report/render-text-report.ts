import type { Styles } from '../../output/output.js';
import { formatDuration, renderTable } from '../../output/table.js';
import type { CheckResult } from '../check-types.js';
import { summarizeReport, type VerifyReport } from './build-report.js';

const PLAIN: Styles = { ok: (t) => t, fail: (t) => t, warn: (t) => t, dim: (t) => t, bold: (t) => t, accent: (t) => t };

/** The table people read: one row per check, then what to do about each failure and skip. */
export function renderTextReport(report: VerifyReport, style: Styles = PLAIN): string {
  const head = `verify ${report.environment} (${report.cpUrl})${report.expectCommit ? ` expecting commit ${report.expectCommit.slice(0, 12)}` : ''}${report.strict ? ', strict' : ''}`;
  const table = renderTable<CheckResult>(
    [
      { header: 'check', value: (r) => r.id },
      {
        header: 'result',
        value: (r) => r.status,
        style: (cell, r) =>
          r.status === 'pass' ? style.ok(cell) : r.status === 'fail' ? style.fail(cell) : style.warn(cell),
      },
      {
        header: 'time',
        value: (r) => formatDuration(r.durationMs) + (r.attempts > 1 ? ` (${r.attempts} tries)` : ''),
        align: 'right',
      },
      { header: 'detail', value: (r) => r.detail },
    ],
    report.checks,
  );
  const notes = report.checks
    .filter((r) => r.status !== 'pass' && r.hint)
    // A hint of several lines keeps its later lines under the first, not at the left margin.
    .map(
      (r) =>
        `  ${r.status === 'fail' ? style.fail('✖') : style.warn('-')} ${r.id}: ${r.hint!.replace(/\n/g, '\n    ')}`,
    );
  const verdict = report.ok
    ? style.ok(`OK: ${summarizeReport(report)}`)
    : style.fail(`FAILED: ${summarizeReport(report)}`);
  return [head, '', table, ...(notes.length ? ['', 'What to do:', ...notes] : []), '', verdict].join('\n');
}
