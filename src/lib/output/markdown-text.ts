/** Escaping for Markdown reports (CI step summaries, PR comments). Shared by verify and fleet audit. */

/** Table cells: no line breaks, pipes escaped, markup characters neutralised. */
export function markdownCell(value: string): string {
  return markdownInline(value).replace(/\|/g, '\\|');
}

/** Running text: one line, markup characters neutralised. */
export function markdownInline(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').replace(/([\\`*_<>[\]])/g, '\\$1');
}
