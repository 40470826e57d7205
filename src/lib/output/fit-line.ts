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
