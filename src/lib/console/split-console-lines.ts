/**
 * Console text into lines (pure). Serial consoles end lines with CR LF; container logs with LF.
 * A window that EC2 cut at 64 KB starts in the middle of a line: that fragment is dropped, both
 * because it is meaningless and because a secret cut in half no longer matches any redaction
 * pattern, so its tail would be printed in clear.
 */

export interface ConsoleLines {
  lines: string[];
  /** The first line was a fragment of a longer line and was left out. */
  droppedPartialFirstLine: boolean;
}

export function splitConsoleLines(text: string, options: { startsMidLine?: boolean } = {}): ConsoleLines {
  if (text === '') return { lines: [], droppedPartialFirstLine: false };
  const lines = text.split(/\r*\n/);
  if (lines.at(-1) === '') lines.pop();
  const lastIndex = lines.length - 1;
  if (lastIndex >= 0) lines[lastIndex] = lines[lastIndex]!.replace(/\r+$/, '');
  if (options.startsMidLine && lines.length > 0 && text.search(/\r?\n/) !== -1) {
    lines.shift();
    return { lines, droppedPartialFirstLine: true };
  }
  return { lines, droppedPartialFirstLine: false };
}
