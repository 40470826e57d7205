import type { CheckResult } from '../check-types.js';

/** Everything a reporter needs, as data. Reporters are pure functions of this. */
export interface VerifyReport {
  environment: string;
  cpUrl: string;
  startedAt: string;
  durationMs: number;
  strict: boolean;
  expectCommit?: string;
  ok: boolean;
  /**
   * `passed-with-skips` is not a clean pass: nothing failed (exit 0 unless --strict) but some
   * checks did not run for want of credentials or inputs, and every report says so.
   */
  outcome: 'passed' | 'passed-with-skips' | 'failed' | 'interrupted';
  summary: { total: number; passed: number; failed: number; skipped: number; interrupted: number };
  checks: CheckResult[];
}

export function buildReport(args: {
  environment: string;
  cpUrl: string;
  startedAt: Date;
  durationMs: number;
  strict: boolean;
  expectCommit?: string;
  results: CheckResult[];
}): VerifyReport {
  const count = (status: CheckResult['status']): number => args.results.filter((r) => r.status === status).length;
  const failed = count('fail');
  const interrupted = count('interrupted');
  return {
    environment: args.environment,
    cpUrl: args.cpUrl,
    startedAt: args.startedAt.toISOString(),
    durationMs: Math.round(args.durationMs),
    strict: args.strict,
    ...(args.expectCommit ? { expectCommit: args.expectCommit } : {}),
    // Without --strict a skip is not a failure (the runner already turned skips into failures under it).
    // An interrupted run proved nothing about the checks it did not finish: never ok.
    ok: failed === 0 && interrupted === 0,
    outcome:
      interrupted > 0 ? 'interrupted' : failed > 0 ? 'failed' : count('skip') > 0 ? 'passed-with-skips' : 'passed',
    summary: { total: args.results.length, passed: count('pass'), failed, skipped: count('skip'), interrupted },
    checks: args.results,
  };
}

/** "7 passed, 1 failed, 2 skipped in 0.41s" */
export function summarizeReport(report: VerifyReport): string {
  const s = report.summary;
  const interrupted = s.interrupted > 0 ? `, ${s.interrupted} interrupted` : '';
  return `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped${interrupted} in ${(report.durationMs / 1000).toFixed(2)}s`;
}

/**
 * The verdict in words, the same in every report: "passed", "failed", or "passed, 5 skipped
 * (credentials or inputs absent: cp-deploy, canvas-deploy, ...)". A check skips only when a
 * credential or an input it needs is absent (the detail of each names which).
 */
export function describeOutcome(report: VerifyReport): string {
  if (report.outcome === 'interrupted') {
    const waiting = report.checks.filter((c) => c.status === 'interrupted').map((c) => c.id);
    return `interrupted, ${waiting.length} not finished (${waiting.join(', ')})`;
  }
  if (report.outcome === 'failed') return 'failed';
  if (report.outcome === 'passed') return 'passed';
  const skipped = report.checks.filter((c) => c.status === 'skip').map((c) => c.id);
  return `passed, ${skipped.length} skipped (credentials or inputs absent: ${skipped.join(', ')})`;
}

/** Said after a pass with skips (stderr in text): how to make a skip count. */
export const STRICT_HINT =
  '--strict counts a skipped check as a failure (exit 1), for CI that must see every check run';
