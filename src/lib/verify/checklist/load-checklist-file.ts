import { readFile } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import type { Checklist, ChecklistProblem } from './checklist-types.js';
import { parseChecklist } from './parse-checklist.js';

/** Reads and validates a checklist file; the file is the only I/O here (parsing is pure). */
export async function readChecklistFile(
  path: string,
  builtInIds: readonly string[],
): Promise<{ checklist: Checklist | null; problems: ChecklistProblem[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read checklist ${path}${code === 'ENOENT' ? ': no such file' : ` (${code ?? 'error'})`}`,
      'check the path given to --checklist / --validate',
    );
  }
  return parseChecklist(text, builtInIds);
}

/** For a run: the checklist, or a usage error naming the first problem and its line. */
export async function loadChecklistFile(path: string, builtInIds: readonly string[]): Promise<Checklist> {
  const { checklist, problems } = await readChecklistFile(path, builtInIds);
  if (checklist) return checklist;
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  throw new UsageError(
    `${formatProblem(path, first)}${more}`,
    `run \`molectl verify --validate ${path}\` to list every problem`,
  );
}

/** `file:line:column: message`, the form editors and CI annotations link to. */
export function formatProblem(path: string, problem: ChecklistProblem): string {
  return `${path}:${problem.line}:${problem.column}: ${problem.message}`;
}
