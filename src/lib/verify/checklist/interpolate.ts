import { CHECKLIST_VARIABLE_PREFIX, envVarDocs } from '../../config/env.js';

/**
 * `${NAME}` in checklist URLs, headers and bodies. Allowed names: molectl's declared variables
 * (src/lib/config/env.ts), any `VERIFY_*` variable, and the run's built-ins below. Pure.
 */

export const BUILT_IN_VARIABLES: Record<string, string> = {
  CP_URL: 'the environment\'s CP base URL',
  ENVIRONMENT: 'the environment name',
  COMMIT: 'the --expect-commit value',
};

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface VariableReference {
  name: string;
  /** Offset of `${` in the text. */
  index: number;
}

export function findVariables(text: string): VariableReference[] {
  return [...text.matchAll(REFERENCE)].map((m) => ({ name: m[1] ?? '', index: m.index ?? 0 }));
}

export function isAllowedVariable(name: string): boolean {
  return name in BUILT_IN_VARIABLES || name in envVarDocs || (name.startsWith(CHECKLIST_VARIABLE_PREFIX) && name.length > CHECKLIST_VARIABLE_PREFIX.length);
}

/** Names that hold credentials: their values are registered with the redactor wherever used. */
export function isSecretVariableName(name: string): boolean {
  return /TOKEN|SECRET|PASSW|KEY|CREDENTIAL|AUTH/i.test(name);
}

export type InterpolationResult = { ok: true; text: string } | { ok: false; missing: string[] };

/** Substitutes every reference; unset or empty variables are reported, never left as text. */
export function interpolate(text: string, lookup: (name: string) => string | undefined): InterpolationResult {
  const missing: string[] = [];
  const out = text.replace(REFERENCE, (_m, name: string) => {
    const value = lookup(name);
    if (value === undefined || value === '') {
      missing.push(name);
      return '';
    }
    return value;
  });
  return missing.length ? { ok: false, missing: [...new Set(missing)] } : { ok: true, text: out };
}
