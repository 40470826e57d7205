/**
 * `${NAME}` in checklist URLs, headers and bodies. Which names a file may use, and where, is
 * checklist-secrets.ts. Pure.
 */

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface VariableReference {
  name: string;
  /** Offset of `${` in the text. */
  index: number;
}

export function findVariables(text: string): VariableReference[] {
  return [...text.matchAll(REFERENCE)].map((m) => ({ name: m[1] ?? '', index: m.index ?? 0 }));
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
