/**
 * A unified diff (`diff -u` / `git diff` format, applicable with `git apply` or `patch -p1`) for
 * edits that replace lines one for one, which is all a URL rewrite does: no line is added or
 * removed, so old and new line numbers are equal and hunks are runs of changed lines with context.
 * Lines are printed byte for byte as in the file, the CR of a CRLF ending and a BOM included, as
 * `git diff` does: `git apply` matches context exactly, so a diff without them does not apply.
 */
export function renderUnifiedDiff(path: string, before: string, after: string, context = 3): string {
  if (before === after) return '';
  const oldLines = splitLines(before);
  const newLines = splitLines(after);
  const changed: number[] = [];
  for (let i = 0; i < oldLines.length; i += 1) if (oldLines[i]?.text !== newLines[i]?.text) changed.push(i);

  const out: string[] = [`--- ${quotePath(`a/${path}`)}`, `+++ ${quotePath(`b/${path}`)}`];
  let index = 0;
  while (index < changed.length) {
    const first = changed[index] ?? 0;
    let last = first;
    // Merge changes whose context would touch or overlap into one hunk.
    while (index + 1 < changed.length && (changed[index + 1] ?? 0) - last <= 2 * context + 1) {
      index += 1;
      last = changed[index] ?? last;
    }
    index += 1;
    const start = Math.max(0, first - context);
    const end = Math.min(oldLines.length - 1, last + context);
    const count = end - start + 1;
    out.push(`@@ -${start + 1},${count} +${start + 1},${count} @@`);
    // Within a run of changed lines, all removals come first, then all additions, as diff -u prints them.
    for (let i = start; i <= end;) {
      if (oldLines[i]?.text === newLines[i]?.text) {
        pushLine(out, ' ', oldLines[i] ?? EMPTY);
        i += 1;
        continue;
      }
      let runEnd = i;
      while (runEnd + 1 <= end && oldLines[runEnd + 1]?.text !== newLines[runEnd + 1]?.text) runEnd += 1;
      for (let j = i; j <= runEnd; j += 1) pushLine(out, '-', oldLines[j] ?? EMPTY);
      for (let j = i; j <= runEnd; j += 1) pushLine(out, '+', newLines[j] ?? EMPTY);
      i = runEnd + 1;
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * A name with a control character (a newline, a tab), a double quote or a backslash is written as
 * git writes it, in double quotes with C escapes, which `git apply` reads back: unquoted, a newline
 * in a file name split the header and the whole diff failed to apply ("patch fragment without
 * header"), and a tab ended the name early. Other names, spaces and non-ASCII included, stay bare.
 */
function quotePath(name: string): string {
  if (!/[\x00-\x1f\x7f"\\]/.test(name)) return name;
  const escaped = name.replace(/[\x00-\x1f\x7f"\\]/g, (c) => {
    const named = C_ESCAPES[c];
    if (named) return named;
    return `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`;
  });
  return `"${escaped}"`;
}

const C_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '"': '\\"',
  '\\': '\\\\',
};

interface Line {
  /** Without its LF; the CR of a CRLF ending stays (see above). */
  text: string;
  /** False only for a last line without a final newline. */
  eol: boolean;
}

const EMPTY: Line = { text: '', eol: true };

function splitLines(text: string): Line[] {
  const parts = text.split('\n');
  const endsWithNewline = parts.at(-1) === '';
  if (endsWithNewline) parts.pop();
  return parts.map((part, i) => ({ text: part, eol: endsWithNewline || i < parts.length - 1 }));
}

function pushLine(out: string[], sign: string, line: Line): void {
  out.push(`${sign}${line.text}`);
  if (!line.eol) out.push('\\ No newline at end of file');
}
