/** Plain-text tables for people. Pure: colour is applied by the caller through `style`. */
import { displayWidth, prefixFitting } from './display-width.js';
import { escapeControls, ownText, remoteText, stripRemoteMarks, type OwnText, type RemoteText } from './remote-text.js';

/**
 * What a cell may hold: molectl's own words or text from outside, each said explicitly
 * (`ownText(...)`, `remoteText(...)`), or a plain value. A bare string does not type-check, so
 * a column showing a CP row, a tag or a remote message cannot forget to mark it.
 */
export type Cell = OwnText | RemoteText | number | boolean | null | undefined;

export interface Column<Row> {
  header: string;
  value: (row: Row) => Cell;
  align?: 'left' | 'right';
  /** Colour or emphasis applied after padding, so escape codes never skew the widths. */
  style?: (cell: string, row: Row) => string;
  /**
   * Free text (a detail, a reason, a value) that may be wrapped onto more lines within a narrower
   * column to fit the terminal. Never set on a column that identifies a row (slug, instance id,
   * status, run id): those stay on one line, whole, to be read across and copied.
   */
  shrink?: boolean;
  /**
   * With `shrink`: the column's words are ids (a version id, an ARN) that are copied whole, so it
   * is never narrowed below its longest word, however long (other columns may be, or left out).
   */
  wholeWords?: boolean;
  /**
   * A column a terminal too narrow for the table may leave out, once wrapping free text is not
   * enough: the lowest number goes first. A line under the table names what was left out, so
   * nothing is lost without a word (a wider terminal, a pipe or `-o json` shows it). Never set
   * on a column that identifies a row.
   */
  leaveOut?: number;
}

/**
 * The terminal a table is printed on (Styles.terminal): its width now, and how a cell will be
 * rendered there. Absent for pipes, files and reports, whose readers are scripts: those get the
 * table as it is, however wide.
 */
export interface TableTerminal {
  readonly columns: number;
  /** The output layer's rendering (redaction, controls escaped): a cell is wrapped only after it, so no line break can split a secret into parts that redaction no longer recognises. */
  render(text: string): string;
}

/** A wrapped column keeps at least this many characters (or its header's length): narrower reads as noise. */
const MIN_SHRUNK_WIDTH = 16;
/** A word longer than this (a list of consumers joined without spaces) may be split to fit: it would fold anyway. */
const MAX_WORD_KEPT = 40;
const GAP = '  ';

/**
 * A table for people: one line per row, columns padded. On a terminal narrower than the table
 * (`fit.terminal`), the widest `shrink` columns are narrowed and their text wrapped within them
 * until it fits (a row then takes more lines); when that is not enough, `leaveOut` columns are
 * left out one by one (and named under the table); when even that is not enough, each row is
 * shown as `header: value` lines instead. No cell is cut, no column is lost unsaid, and no line
 * is folded by the terminal into the next one's columns.
 */
export function renderTable<Row>(
  columns: Column<Row>[],
  rows: Row[],
  fit: { terminal?: TableTerminal; indent?: number } = {},
): string {
  const indent = fit.indent ?? 0;
  if (indent > 0) {
    // A table nested under a heading: it fits in what the indent leaves of the terminal.
    const terminal = fit.terminal;
    const narrowed = terminal && {
      columns: Math.max(1, terminal.columns - indent),
      render: (text: string) => terminal.render(text),
    };
    const table = renderTable(columns, rows, narrowed ? { terminal: narrowed } : {});
    return table
      .split('\n')
      .map((line) => (line === '' ? line : `${' '.repeat(indent)}${line}`))
      .join('\n');
  }
  const cells = rows.map((row) => columns.map((c) => formatCell(c.value(row))));
  const terminal = fit.terminal;
  const available = terminal?.columns ?? 0;
  if (!terminal || available <= 0 || tableWidth(columns, cells) <= available) return renderLines(columns, rows, cells);
  const rendered = cells.map((r) => r.map((cell) => terminal.render(cell)));
  const leavable = columns
    .map((c, i) => ({ order: c.leaveOut, i }))
    .filter((c): c is { order: number; i: number } => c.order !== undefined)
    .sort((a, b) => a.order - b.order);
  // Leave out columns in their order until the rest fits, then take back any of them (the last
  // left out first) that fits beside it: a wide one left out may make room for a narrow one.
  const fits = (shown: number[]): number[] | null =>
    shrinkToFit(
      shown.map((i) => columns[i]!),
      rendered.map((r) => shown.map((i) => r[i]!)),
      available,
    );
  let shown = columns.map((_, i) => i);
  let widths = fits(shown);
  let left = 0;
  while (widths === null && left < leavable.length) {
    const next = leavable[left++]!.i;
    shown = shown.filter((i) => i !== next);
    widths = fits(shown);
  }
  if (widths === null) return renderRecords(columns, rows, rendered, available);
  const omitted = leavable.slice(0, left).map((c) => c.i);
  for (const i of [...omitted].reverse()) {
    const more = [...shown, i].sort((a, b) => a - b);
    const moreWidths = fits(more);
    if (moreWidths === null) continue;
    shown = more;
    widths = moreWidths;
  }
  const fitted = widths;
  const table = renderLines(
    shown.map((i) => columns[i]!),
    rows,
    rendered.map((r) => shown.map((i, k) => wrapCell(r[i]!, fitted[k]!))),
  );
  const hidden = omitted.filter((i) => !shown.includes(i)).map((i) => columns[i]!.header);
  if (hidden.length === 0) return table;
  const note = `hidden at ${available} columns: ${hidden.join(', ')} (-o json shows ${hidden.length === 1 ? 'it' : 'them'})`;
  return `${table}\n${wrapCell(note, available, false)}`;
}

/** The table's lines: a header, then each row on as many lines as its tallest (wrapped) cell. */
function renderLines<Row>(columns: Column<Row>[], rows: Row[], cells: string[][]): string {
  const widths = columnWidths(columns, cells);
  const pad = (text: string, i: number): string => {
    const fill = ' '.repeat(Math.max(0, widths[i]! - visibleLength(text)));
    return columns[i]!.align === 'right' ? `${fill}${text}` : `${text}${fill}`;
  };
  const lines = [
    columns
      .map((c, i) => pad(c.header.toUpperCase(), i))
      .join(GAP)
      .trimEnd(),
  ];
  rows.forEach((row, r) => {
    // A wrapped cell holds line breaks: the row takes as many lines as its tallest cell.
    const cellLines = cells[r]!.map((cell) => cell.split('\n'));
    const height = Math.max(...cellLines.map((l) => l.length));
    for (let k = 0; k < height; k++)
      lines.push(
        columns
          .map((c, i) => {
            const text = cellLines[i]![k];
            if (text === undefined) return pad('', i);
            // The last column is not padded on the left-aligned side: a styled cell's trailing
            // spaces sit inside its escape codes, where trimEnd cannot take them off.
            const padded = i === columns.length - 1 && c.align !== 'right' ? text : pad(text, i);
            return c.style ? c.style(padded, row) : padded;
          })
          .join(GAP)
          .trimEnd(),
      );
  });
  return lines.join('\n');
}

function columnWidths<Row>(columns: Column<Row>[], cells: string[][]): number[] {
  return columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => Math.max(...r[i]!.split('\n').map(visibleLength)))),
  );
}

function tableWidth<Row>(columns: Column<Row>[], cells: string[][]): number {
  return columnWidths(columns, cells).reduce((sum, w) => sum + w, 0) + GAP.length * (columns.length - 1);
}

/**
 * Column widths that fit `available`, taking from the widest shrinkable column first (one
 * character at a time, so two long free-text columns end up sharing the room); null when even
 * every shrinkable column at its minimum does not fit.
 */
function shrinkToFit<Row>(columns: Column<Row>[], cells: string[][], available: number): number[] | null {
  const widths = columnWidths(columns, cells);
  const floor = columns.map((c, i) =>
    c.shrink
      ? Math.min(widths[i]!, Math.max(c.header.length, MIN_SHRUNK_WIDTH, longestWord(cells, i, c.wholeWords)))
      : widths[i]!,
  );
  let excess = widths.reduce((sum, w) => sum + w, 0) + GAP.length * (columns.length - 1) - available;
  while (excess > 0) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > floor[i]! && (widest === -1 || w > widths[widest]!)) widest = i;
    });
    if (widest === -1) return null;
    widths[widest]! -= 1;
    excess -= 1;
  }
  return widths;
}

/**
 * The longest word in a column, up to MAX_WORD_KEPT (whole in a `wholeWords` column): a column is not narrowed below it, so a URL,
 * a path, an ARN or a config value is not split across lines (they are copied whole from a
 * terminal). A table whose words do not fit that way is shown as header: value blocks instead.
 */
function longestWord(cells: string[][], i: number, wholeWords = false): number {
  let longest = 0;
  for (const r of cells) for (const word of r[i]!.split(' ')) longest = Math.max(longest, displayWidth(word));
  return wholeWords ? longest : Math.min(longest, MAX_WORD_KEPT);
}

/** The cell in lines of at most `width` characters, broken at spaces (a longer word is split, or kept whole on a line of its own). Cells here are rendered: no marks. */
function wrapCell(cell: string, width: number, splitLongWords = true): string {
  if (displayWidth(cell) <= width) return cell;
  const lines: string[] = [];
  let line = '';
  for (const word of cell.split(' ')) {
    let rest = word;
    while (rest.length > 0) {
      const room = line === '' ? width : width - displayWidth(line) - 1;
      if (displayWidth(rest) <= room) {
        line = line === '' ? rest : `${line} ${rest}`;
        rest = '';
      } else if (line !== '') {
        lines.push(line);
        line = '';
      } else if (splitLongWords) {
        const cut = splitPoint(rest, width);
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      } else {
        lines.push(rest);
        rest = '';
      }
    }
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

/**
 * Where a word too long for `width` is split: after its last path or list separator that leaves
 * the line at least half full (`/` first, then `:` and `,`, then `_ . - =`), else at the width.
 * `railway:controlplane/production/` then `PROVISION_SHARED_SECRET` reads; `..._SE` `CRET` does not.
 */
function splitPoint(word: string, width: number): number {
  const head = word.slice(0, prefixFitting(word, width));
  for (const separators of SPLIT_AFTER) {
    const after = Math.max(...[...separators].map((c) => head.lastIndexOf(c))) + 1;
    if (after > 0 && displayWidth(head.slice(0, after)) >= width / 2) return after;
  }
  return head.length;
}
const SPLIT_AFTER = ['/', ':,', '_.-='];

/**
 * One block per row, one `header: value` line per column: the layout when wrapping free text is
 * not enough. A long value wraps under itself, so nothing is folded into the labels' column.
 */
function renderRecords<Row>(columns: Column<Row>[], rows: Row[], cells: string[][], available: number): string {
  const labelWidth = Math.max(...columns.map((c) => c.header.length)) + 1;
  const valueWidth = Math.max(MIN_SHRUNK_WIDTH, available - labelWidth - 1);
  const indent = ' '.repeat(labelWidth + 1);
  return rows
    .map((row, r) =>
      columns
        .map((c, i) => {
          // At spaces only: an id or a slug longer than the terminal stays one word, folded by it.
          const value = wrapCell(cells[r]![i]!, valueWidth, false).split('\n');
          const styled = value.map((line) => (c.style ? c.style(line, row) : line));
          return `${`${c.header}:`.padEnd(labelWidth)} ${styled.join(`\n${indent}`)}`;
        })
        .join('\n'),
    )
    .join('\n\n');
}

/**
 * One line per cell. A remote cell keeps its marks (the output layer redacts shapes in it) and
 * has its controls shown escaped here already, so the width measured is the width printed.
 */
function formatCell(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value !== 'string') return String(value);
  const plain = stripRemoteMarks(value);
  if (plain === value) return value.replace(/[\r\n]+/g, ' ');
  if (plain === '') return '-';
  // A tab is shown as `\t`: the terminal would move it to its next tab stop, past the padding.
  return remoteText(escapeControls(plain.replace(/[\r\n]+/g, ' ')).replace(/\t/g, '\\t'));
}

/** Width on screen: remote marks take no room, a wide character two columns. */
function visibleLength(text: string): number {
  return displayWidth(stripRemoteMarks(text));
}

/** "3m 12s" style durations for progress lines and tables. */
export function formatDuration(ms: number): OwnText {
  if (ms < 1000) return ownText(`${Math.round(ms)}ms`);
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return ownText(`${seconds}s`);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return ownText(`${minutes}m ${seconds % 60}s`);
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return ownText(`${hours}h ${minutes % 60}m`);
  return ownText(`${Math.floor(hours / 24)}d ${hours % 24}h`);
}

/** A cell of molectl's own words (enum values, its verdicts, formatted numbers); null shows as `-`. */
export function ownCell(value: string | null | undefined): Cell {
  return value === null || value === undefined ? value : ownText(value);
}

/** A cell of text from outside (CP rows, tags, remote answers, values from disk); null shows as `-`. */
export function remoteCell(value: string | null | undefined): Cell {
  return value === null || value === undefined ? value : remoteText(value);
}
