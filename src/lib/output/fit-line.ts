import { MIN_WIDTH_TO_WRAP, wrapText } from '../cli/help-layout.js';
import { displayWidth } from './display-width.js';
import type { Styles } from './output.js';

/**
 * One line of prose or of `label  value` for the terminal it is shown on: wrapped at spaces to the
 * terminal's width, each continuation line starting `indent` spaces in (under the value, beside
 * its label), instead of being folded by the terminal mid-word into column 0. A word longer than
 * the line (a URL, an ARN, a command to copy) stays whole. Piped output is returned unchanged:
 * scripts read it as one line.
 *
 * The text is rendered first (redacted, controls escaped), as table cells are: a line break put
 * into it afterwards cannot split a secret into parts that redaction would no longer recognise.
 */
export function fitLine(text: string, style: Pick<Styles, 'terminal'>, indent = 0): string {
  const terminal = style.terminal;
  const width = (terminal?.columns ?? 0) - indent;
  if (!terminal || width < MIN_WIDTH_TO_WRAP) return text;
  const rendered = terminal.render(text);
  if (displayWidth(rendered) <= terminal.columns) return rendered;
  // The first line has the whole width; the others what the indent leaves.
  const first = wrapText(rendered, terminal.columns, displayWidth).split('\n')[0]!;
  const rest = wrapText(rendered.slice(first.length).trimStart(), width, displayWidth);
  if (rest === '') return first;
  return `${first}\n${rest}`.replace(/\n/g, `\n${' '.repeat(indent)}`);
}

/**
 * Fields of one line (`key=value` pairs; `CP <url>`, `region <name>`) on a terminal: as many to a
 * line as fit in what `indent` leaves of its width, the rest on lines below starting `indent`
 * spaces in (under the first field, beside the label the caller put before it). A field is never
 * split, and one longer than the line has a line of its own. Piped: one line. Each field is
 * rendered first, as in fitLine.
 */
export function fitFields(fields: string[], style: Pick<Styles, 'terminal'>, indent: number, separator = '  '): string {
  const terminal = style.terminal;
  const room = (terminal?.columns ?? 0) - indent;
  if (!terminal || room < MIN_WIDTH_TO_WRAP) return fields.join(separator);
  const lines: string[] = [];
  for (const field of fields.map((f) => terminal.render(f))) {
    const last = lines.length - 1;
    if (last >= 0 && displayWidth(lines[last]!) + separator.length + displayWidth(field) <= room)
      lines[last] += `${separator}${field}`;
    else lines.push(field);
  }
  return lines.join(`\n${' '.repeat(indent)}`);
}
