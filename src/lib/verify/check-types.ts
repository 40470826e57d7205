import type { EnvVars } from '../config/env.js';
import type { CpClient } from '../cp/cp-client.js';
import type { HttpRequest, HttpResponse } from '../http/http-request.js';
import type { Redactor } from '../output/redactor.js';
import type { VerifySettings } from './resolve-verify-settings.js';

/**
 * The vocabulary of `molectl verify`: a check is an id, a title and a run function; running it
 * yields an outcome (pass, fail or skip, a one-line detail and, on failure, what to do).
 */

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckOutcome {
  status: CheckStatus;
  /** One line a person can act on; it passes the redactor before any report shows it. */
  detail: string;
  /** What to do about a failure (or a skip: which input to provide). */
  hint?: string;
  /** False when another attempt cannot change the answer (rejected credentials): --wait stops early. */
  retryable?: boolean;
}

/**
 * A check's status in a report: its outcome, or `interrupted` when Ctrl-C (or SIGTERM) ended the
 * run before it answered, or while it was still waiting under --wait.
 */
export type ResultStatus = CheckStatus | 'interrupted';

export interface CheckResult {
  id: string;
  title: string;
  status: ResultStatus;
  durationMs: number;
  attempts: number;
  detail: string;
  hint?: string;
  /** Where the check came from: the built-in list or a checklist file. */
  source: 'built-in' | 'checklist';
}

export interface VerifyCheck {
  id: string;
  title: string;
  source: 'built-in' | 'checklist';
  /** Retried until --wait runs out (the deploy and image checks, and file checks with retry: true). */
  waits: boolean;
  run(deps: CheckDeps): Promise<CheckOutcome>;
}

/** What a check may touch: all I/O goes through these, so tests and the sandbox see every call. */
export interface CheckDeps {
  cp: CpClient;
  /** The HTTP door with the run's signal, redactor and fetch already bound. */
  request(request: HttpRequest): Promise<HttpResponse>;
  settings: VerifySettings;
  env: EnvVars;
  redactor: Redactor;
  /** The CP admin token, read on first use, for `auth: cp-admin` checklist requests only. */
  adminToken(): Promise<string>;
}

export function pass(detail: string): CheckOutcome {
  return { status: 'pass', detail };
}

export function fail(detail: string, hint: string, retryable = true): CheckOutcome {
  return { status: 'fail', detail, hint, retryable };
}

export function skip(detail: string, hint: string): CheckOutcome {
  return { status: 'skip', detail, hint };
}
