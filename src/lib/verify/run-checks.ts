import { ExitCode, isMolectlError } from '../errors.js';
import type { CheckDeps, CheckOutcome, CheckResult, VerifyCheck } from './check-types.js';

/**
 * Runs checks in parallel. A check that waits (deploy, image, file checks with retry: true) is
 * attempted again every `intervalMs` while it fails and `waitMs` has not run out; the others run
 * once. Any error a check throws becomes its failure (message and hint), except Ctrl-C, which
 * ends the whole run. With `strict`, a skip is reported as a failure.
 */

export interface RunChecksOptions {
  waitMs: number;
  intervalMs: number;
  strict: boolean;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  signal?: AbortSignal;
  /** Called when a check ends (progress lines) and before each retry. */
  onResult?(result: CheckResult): void;
  onRetry?(check: VerifyCheck, outcome: CheckOutcome, attempt: number, delayMs: number): void;
}

export async function runChecks(
  checks: readonly VerifyCheck[],
  deps: CheckDeps,
  options: RunChecksOptions,
): Promise<CheckResult[]> {
  const startedAt = options.now();
  const deadline = startedAt + options.waitMs;
  return Promise.all(
    checks.map(async (check) => {
      const began = options.now();
      let attempts = 0;
      let outcome: CheckOutcome | undefined;
      try {
        for (;;) {
          attempts += 1;
          outcome = await runOnce(check, deps);
          const retry =
            check.waits &&
            outcome.status === 'fail' &&
            outcome.retryable !== false &&
            options.now() + options.intervalMs <= deadline;
          if (!retry) break;
          options.onRetry?.(check, outcome, attempts + 1, options.intervalMs);
          await options.sleep(options.intervalMs, options.signal);
        }
      } catch (error) {
        // Ctrl-C: this check is reported as it stood (still waiting, or not answered yet), and
        // the others finish theirs, so that the report shows what passed before the interrupt.
        if (!options.signal?.aborted) throw error;
        return toInterrupted(check, outcome, attempts, options.now() - began);
      }
      const result = toResult(check, applyStrict(outcome, options.strict), attempts, options.now() - began);
      options.onResult?.(result);
      return result;
    }),
  );
}

async function runOnce(check: VerifyCheck, deps: CheckDeps): Promise<CheckOutcome> {
  try {
    return await check.run(deps);
  } catch (error) {
    if (isMolectlError(error)) {
      if (error.code === ExitCode.interrupted) throw error;
      // Rejected credentials and bad configuration do not fix themselves while we wait.
      const retryable = error.code !== ExitCode.credentials && error.code !== ExitCode.usage;
      return {
        status: 'fail',
        detail: error.message,
        hint: error.hint ?? 'run again with --debug for details',
        retryable,
      };
    }
    if (error instanceof Error && error.name === 'AbortError') throw error;
    const message = error instanceof Error ? error.message : String(error);
    return {
      status: 'fail',
      detail: `unexpected error: ${message}`,
      hint: 'run again with --debug; if it persists, report it',
      retryable: false,
    };
  }
}

function applyStrict(outcome: CheckOutcome, strict: boolean): CheckOutcome {
  if (!strict || outcome.status !== 'skip') return outcome;
  return {
    status: 'fail',
    detail: `skipped, which --strict counts as a failure: ${outcome.detail}`,
    hint: outcome.hint ?? 'provide the missing input',
  };
}

function toInterrupted(
  check: VerifyCheck,
  last: CheckOutcome | undefined,
  attempts: number,
  durationMs: number,
): CheckResult {
  return {
    id: check.id,
    title: check.title,
    status: 'interrupted',
    durationMs: Math.max(0, Math.round(durationMs)),
    attempts,
    detail: last ? `interrupted while still waiting (last try: ${last.detail})` : 'interrupted before it answered',
    source: check.source,
  };
}

function toResult(check: VerifyCheck, outcome: CheckOutcome, attempts: number, durationMs: number): CheckResult {
  return {
    id: check.id,
    title: check.title,
    status: outcome.status,
    durationMs: Math.max(0, Math.round(durationMs)),
    attempts,
    detail: outcome.detail,
    ...(outcome.status !== 'pass' && outcome.hint ? { hint: outcome.hint } : {}),
    source: check.source,
  };
}

/**
 * The checks a run performs: the built-ins (as the checklist file keeps them) with file checks
 * replacing built-ins of the same id and the rest appended, then --only / --skip. Pure; unknown
 * ids in --only / --skip are returned so the command can name them.
 */
export function selectChecks(args: {
  builtIns: readonly VerifyCheck[];
  keepBuiltIns: 'all' | 'none' | string[];
  fileChecks: readonly VerifyCheck[];
  only?: string[];
  skip?: string[];
}): { checks: VerifyCheck[]; unknownIds: string[] } {
  const fileById = new Map(args.fileChecks.map((c) => [c.id, c]));
  const kept = args.builtIns.filter(
    (c) =>
      args.keepBuiltIns === 'all' ||
      fileById.has(c.id) ||
      (Array.isArray(args.keepBuiltIns) && args.keepBuiltIns.includes(c.id)),
  );
  const merged = kept.map((c) => fileById.get(c.id) ?? c);
  for (const c of args.fileChecks) if (!merged.includes(c)) merged.push(c);
  const known = new Set(merged.map((c) => c.id));
  const unknownIds = [...(args.only ?? []), ...(args.skip ?? [])].filter((id) => !known.has(id));
  const only = args.only?.length ? new Set(args.only) : null;
  const skip = new Set(args.skip ?? []);
  return {
    checks: merged.filter((c) => (!only || only.has(c.id)) && !skip.has(c.id)),
    unknownIds: [...new Set(unknownIds)],
  };
}
