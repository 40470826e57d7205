import type { HttpMethod } from '../../http/http-request.js';
import type { AuthKind } from './checklist-secrets.js';
import type { Condition } from './condition.js';

/** A checklist file after validation (docs/commands/verify.md, "Checklist files"). */
export interface Checklist {
  /** Which built-in checks stay: all (default), none, or the listed ids. */
  builtins: 'all' | 'none' | string[];
  /** The variables the file declared (`vars:`); interpolation reads these and the built-ins only. */
  vars: string[];
  checks: ChecklistCheckSpec[];
}

export interface ChecklistCheckSpec {
  id: string;
  name?: string;
  hint?: string;
  /** Retried under --wait like the deploy checks. */
  retry: boolean;
  request: {
    method: HttpMethod;
    /** May hold ${VARIABLES}; interpolated at run time. */
    url: string;
    headers: Record<string, string>;
    body?: string;
    /** The check's own `timeout:`; without one, the checks' door decides (MOLECTL_CALL_TIMEOUT, else 10 s). */
    timeoutMs?: number;
    /** A credential molectl adds itself, to the origin it belongs to (checklist-secrets.ts). */
    auth?: AuthKind;
  };
  conditions: Condition[];
}

export interface ChecklistProblem {
  line: number;
  column: number;
  message: string;
}
