import type { Styles } from '../../output/output.js';
import { formatDuration, ownCell, renderTable } from '../../output/table.js';
import type { CheckResult } from '../check-types.js';
import { summarizeReport, type VerifyReport } from './build-report.js';

const PLAIN: Styles = { ok: (t) => t, fail: (t) => t, warn: (t) => t, dim: (t) => t, bold: (t) => t, accent: (t) => t };

/** The table people read: one row per check, then what to do about each failure and skip. */
export function renderTextReport(report: VerifyReport, style: Styles = PLAIN): string {
  const head = `verify ${report.environment} (${report.cpUrl})${report.expectCommit ? ` expecting commit ${report.expectCommit.slice(0, 12)}` : ''}${report.strict ? ', strict' : ''}`;
  const table = renderTable<CheckResult>(
    [
      { header: 'check', value: (r) => ownCell(r.id) },
      {
        header: 'result',
        value: (r) => ownCell(r.status),
        style: (cell, r) =>
          r.status === 'pass' ? style.ok(cell) : r.status === 'fail' ? style.fail(cell) : style.warn(cell),
      },
      {
        header: 'time',
        value: (r) => ownCell(formatDuration(r.durationMs) + (r.attempts > 1 ? ` (${r.attempts} tries)` : '')),
        align: 'right',
      },
      // molectl's sentence; remote values in it (an answer's body) are marked by the check.
      { header: 'detail', value: (r) => ownCell(r.detail) },
    ],
    report.checks,
  );
  const notes = report.checks
    .filter((r) => r.status !== 'pass' && r.hint)
    .map((r) => `  ${r.status === 'fail' ? style.fail('✖') : style.warn('-')} ${r.id}: ${r.hint}`);
  const verdict = report.ok
    ? style.ok(`OK: ${summarizeReport(report)}`)
    : style.fail(`FAILED: ${summarizeReport(report)}`);
  return [head, '', table, ...(notes.length ? ['', 'What to do:', ...notes] : []), '', verdict].join('\n');
}
