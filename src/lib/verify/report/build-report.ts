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
  summary: { total: number; passed: number; failed: number; skipped: number };
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
  return {
    environment: args.environment,
    cpUrl: args.cpUrl,
    startedAt: args.startedAt.toISOString(),
    durationMs: Math.round(args.durationMs),
    strict: args.strict,
    ...(args.expectCommit ? { expectCommit: args.expectCommit } : {}),
    // Without --strict a skip is not a failure (the runner already turned skips into failures under it).
    ok: failed === 0,
    summary: { total: args.results.length, passed: count('pass'), failed, skipped: count('skip') },
    checks: args.results,
  };
}

/** "7 passed, 1 failed, 2 skipped in 0.41s" */
export function summarizeReport(report: VerifyReport): string {
  const s = report.summary;
  return `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped in ${(report.durationMs / 1000).toFixed(2)}s`;
}
