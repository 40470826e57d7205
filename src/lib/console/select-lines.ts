import { UsageError } from '../errors.js';
import { stripAnsi } from '../output/redactor.js';

/**
 * `--grep` and `--tail`, composed the way a shell pipeline composes them: `grep RE | tail -n N`
 * (the last N matching lines). Lines are matched without their colour codes, and after redaction,
 * so a pattern can never be used to probe for a secret that is not shown (pure).
 */

export interface LineSelection {
  grep?: RegExp | undefined;
  tail?: number | undefined;
}

export function selectLines(lines: string[], selection: LineSelection): string[] {
  const grep = selection.grep;
  const matched = grep ? lines.filter((line) => matchesLine(grep, line)) : lines;
  if (selection.tail === undefined) return matched;
  return selection.tail === 0 ? [] : matched.slice(-selection.tail);
}

export function matchesLine(grep: RegExp, line: string): boolean {
  grep.lastIndex = 0;
  return grep.test(line.includes('\u001b') ? stripAnsi(line) : line);
}

/** A JavaScript regular expression from --grep; a usage error (exit 2) when it does not compile. */
export function compileGrep(pattern: string | undefined, options: { ignoreCase?: boolean } = {}): RegExp | undefined {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(pattern, options.ignoreCase ? 'i' : '');
  } catch (error) {
    throw new UsageError(
      `--grep: ${(error as Error).message}`,
      'pass a JavaScript regular expression, e.g. --grep "error|denied"',
    );
  }
}
