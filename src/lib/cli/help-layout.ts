/**
 * How `--help` lays its text out on a terminal `width` columns wide: shared by commander's help
 * (src/cli/build-program.ts configures it with these) and by the top-level help printed without
 * commander (top-level-help.ts), so the two stay one rendering.
 *
 * Commander 14 puts an option's description beside its term and wraps it only when that column
 * is 40 wide or more: on a 40-, 60- or even 70-column terminal an option list with a long term
 * was printed unwrapped and the terminal folded each description back under the terms. Here a
 * description too narrow beside its term goes below it instead, wrapped to the terminal.
 */

/** Narrower than this, text is not wrapped at all: a column of single words reads worse than a fold. */
export const MIN_WIDTH_TO_WRAP = 20;
/** A description column beside the terms needs at least this much room; else it goes below its term. */
const MIN_DESCRIPTION_BESIDE = 30;
/** Where a description below its term starts. */
const BELOW_INDENT = 6;

/**
 * One option, argument or command: `  term  description`, or the term with its description below
 * it when the column beside it is too narrow (or narrower than one of its words, which would stick
 * out past the edge).
 */
export function formatHelpItem(term: string, termWidth: number, description: string, width: number): string {
  if (!description) return `  ${term}`;
  const beside = width - termWidth - 4;
  const longestWord = Math.max(...description.split(/\s+/).map((word) => word.length));
  if (beside >= MIN_DESCRIPTION_BESIDE && longestWord <= beside) {
    const wrapped = wrapText(description, beside).replace(/\n/g, `\n${' '.repeat(termWidth + 2)}`);
    return `  ${term.padEnd(termWidth)}  ${wrapped.replace(/\n/g, '\n  ')}`;
  }
  const indent = ' '.repeat(BELOW_INDENT);
  return `  ${term}\n${indent}${wrapText(description, width - BELOW_INDENT).replace(/\n/g, `\n${indent}`)}`;
}

/**
 * Wraps at whitespace, keeping existing line breaks; a word longer than the width stays whole.
 * `measure` is a piece's width on screen (colour codes take none: output/fit-line.ts).
 */
export function wrapText(text: string, width: number, measure = (piece: string): number => piece.length): string {
  if (width < MIN_WIDTH_TO_WRAP) return text;
  const out: string[] = [];
  for (const line of text.split(/\r\n|\n/)) {
    const chunks = line.match(/\s*\S+/g);
    if (!chunks) {
      out.push('');
      continue;
    }
    let current = [chunks.shift()!];
    let used = measure(current[0]!);
    for (const chunk of chunks) {
      if (used + measure(chunk) <= width) {
        current.push(chunk);
        used += measure(chunk);
        continue;
      }
      out.push(current.join(''));
      const next = chunk.trimStart();
      current = [next];
      used = measure(next);
    }
    out.push(current.join(''));
  }
  return out.join('\n');
}

/**
 * A command's examples: `  $ command  # what it does`, aligned, when every line fits the width;
 * else each command on its own line (whole, so it can be copied) with its explanation below it,
 * wrapped.
 */
export function formatExamples(examples: ReadonlyArray<readonly [string, string]>, width: number): string {
  const commandWidth = Math.max(...examples.map(([c]) => c.length));
  const aligned = examples.map(([c, e]) => `  $ ${c.padEnd(commandWidth)}  # ${e}`);
  if (aligned.every((line) => line.length <= width)) return `\nExamples:\n${aligned.join('\n')}\n`;
  const stacked = examples.map(([c, e]) => `  $ ${c}\n    # ${wrapText(e, width - 6).replace(/\n/g, '\n    # ')}`);
  return `\nExamples:\n${stacked.join('\n')}\n`;
}
