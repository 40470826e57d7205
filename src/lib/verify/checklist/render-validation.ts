import type { ChecklistProblem } from './checklist-types.js';
import type { Checklist } from './checklist-types.js';
import { formatProblem } from './load-checklist-file.js';
import { formatCount } from '../../output/format-count.js';

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
    return `${result.file}: valid, ${formatCount(result.checks, 'check')} (built-in checks kept: ${builtins})`;
  }
  const lines = result.problems.map((p) => formatProblem(result.file, p));
  return [...lines, `${formatCount(result.problems.length, 'problem')} in ${result.file}`].join('\n');
}
