import { fitLine } from '../../output/fit-line.js';
import type { Styles } from '../../output/output.js';
import { formatDuration, ownCell, renderTable } from '../../output/table.js';
import type { CheckResult } from '../check-types.js';
import { describeOutcome, summarizeReport, type VerifyReport } from './build-report.js';

const PLAIN: Styles = { ok: (t) => t, fail: (t) => t, warn: (t) => t, dim: (t) => t, bold: (t) => t, accent: (t) => t };

/**
 * The table people read, then the verdict. A pass with skips is not shown as a clean pass: no
 * green mark, and the skipped checks named. What to do about each failure and skip is a hint,
 * printed on stderr (renderTextHints).
 */
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
      { header: 'detail', value: (r) => ownCell(r.detail), shrink: true },
    ],
    report.checks,
    style,
  );
  const verdict =
    report.outcome === 'interrupted'
      ? style.warn(`INTERRUPTED: ${summarizeReport(report)}; ${describeOutcome(report)}`)
      : report.outcome === 'failed'
        ? style.fail(`FAILED: ${summarizeReport(report)}`)
        : report.outcome === 'passed-with-skips'
          ? style.warn(`${describeOutcome(report)}: ${summarizeReport(report)}`)
          : style.ok(`OK: ${summarizeReport(report)}`);
  return [head, '', table, '', fitLine(verdict, style, 2)].join('\n');
}

/** What to do about each failure and skip, for stderr: the lines of failures, then those of skips. */
export function renderTextHints(report: VerifyReport, style: Styles = PLAIN): { failures: string[]; skips: string[] } {
  // A hint of several lines keeps its later lines under the first, not at the left margin.
  // On a terminal a long one wraps at spaces under its text too, instead of into column 0.
  const line = (r: CheckResult): string =>
    `  ${r.status === 'fail' ? style.fail('✖') : style.warn('-')} ${r.id}: ${r.hint!.replace(/\n/g, '\n    ')}`
      .split('\n')
      .map((l) => fitLine(l, style, 4))
      .join('\n');
  return {
    failures: report.checks.filter((r) => r.status === 'fail' && r.hint).map(line),
    skips: report.checks.filter((r) => r.status === 'skip' && r.hint).map(line),
  };
}
