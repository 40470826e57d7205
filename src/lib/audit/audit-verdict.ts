import type { CheckId } from './audit-checks.js';

/**
 * One check's verdict on one subject. `pass` rests on a positive observation, `fail` is a
 * finding, and `unknown` means the evidence could not be read: it is counted and shown, never
 * folded into pass, and makes the audit exit 5 when nothing fails at or above --fail-on.
 */

export type VerdictStatus = 'pass' | 'fail' | 'unknown';

export interface AuditSubject {
  /** The org the subject belongs to (its slug tag for an orphan), or null when nothing names one. */
  slug: string | null;
  instanceId: string | null;
  /** tenant | workspace | org, or the instance's Role tag. */
  role: string;
}

/** What a judge says, before it is tied to a check and a subject. */
export interface Judgement {
  status: VerdictStatus;
  /** One line: what was observed. Never a secret value (the reports redact it again anyway). */
  detail: string;
  /** Where it was seen, for a failure: `line 412 of the console`, `sg-0ab... tcp 9999 from 0.0.0.0/0`. */
  evidence?: string;
  /** The exact command (or step) that fixes a failure. */
  fix?: string;
}

export interface Verdict extends Judgement {
  check: CheckId;
  subject: AuditSubject;
}

export function pass(detail: string): Judgement {
  return { status: 'pass', detail };
}

export function fail(detail: string, evidence: string, fix: string): Judgement {
  return { status: 'fail', detail, evidence, fix };
}

export function unknown(detail: string): Judgement {
  return { status: 'unknown', detail };
}
