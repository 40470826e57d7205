import type { ChecklistProblem } from './checklist-types.js';
import type { Checklist } from './checklist-types.js';
import { formatProblem } from './load-checklist-file.js';

export interface ValidationResult {
  file: string;
  valid: boolean;
  checks: number;
  builtins: Checklist['builtins'] | null;
  problems: ChecklistProblem[];
}

/** `--validate` as text: one `file:line:column: message` per problem, or one OK line. Pure. */
export function renderValidation(result: ValidationResult): string {
  if (result.valid) {
    const builtins = Array.isArray(result.builtins) ? result.builtins.join(', ') || 'none' : result.builtins;
    return `${result.file}: valid, ${result.checks} check${result.checks === 1 ? '' : 's'} (built-in checks kept: ${builtins})`;
  }
  const lines = result.problems.map((p) => formatProblem(result.file, p));
  return [
    ...lines,
    `${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${result.file}`,
  ].join('\n');
}
