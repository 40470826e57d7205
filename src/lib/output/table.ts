/** Plain-text tables for people. Pure: colour is applied by the caller through `style`. */
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
   * Free text (a detail, a reason, a value) that may be cut with `…` to fit a narrower terminal.
   * Never set on a column that identifies a row (slug, instance id, status, run id): cut, two rows
   * could read the same.
   */
  shrink?: boolean;
}

/**
 * The terminal a table is printed on (Styles.terminal): its width now, and how a cell will be
 * rendered there. Absent for pipes, files and reports, whose readers are scripts: those get the
 * table as it is, however wide.
 */
export interface TableTerminal {
  readonly columns: number;
  /** The output layer's rendering (redaction, controls escaped): a cell is cut only after it, so no cut can leave part of a secret that redaction no longer recognises. */
  render(text: string): string;
}

/** A shrunk column keeps at least this many characters (or its header's length): less reads as noise. */
const MIN_SHRUNK_WIDTH = 12;
const GAP = '  ';

/**
 * A table for people: one line per row, columns padded. On a terminal narrower than the table
 * (`fit.terminal`), the widest `shrink` columns are cut with `…` until it fits; when that is not
 * enough, each row is shown as `header: value` lines instead, so no column is lost and no line
 * wraps into the next one's columns.
 */
export function renderTable<Row>(columns: Column<Row>[], rows: Row[], fit: { terminal?: TableTerminal } = {}): string {
  let cells = rows.map((row) => columns.map((c) => formatCell(c.value(row))));
  const terminal = fit.terminal;
  const available = terminal?.columns ?? 0;
  if (terminal && available > 0 && tableWidth(columns, cells) > available) {
    cells = cells.map((r) => r.map((cell) => terminal.render(cell)));
    const shrunk = shrinkToFit(columns, cells, available);
    if (shrunk === null) return renderRecords(columns, rows, cells);
    cells = cells.map((r) => r.map((cell, i) => cutTo(cell, shrunk[i]!)));
  }
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
    lines.push(
      columns
        .map((c, i) => {
          const padded = pad(cells[r]![i]!, i);
          return c.style ? c.style(padded, row) : padded;
        })
        .join(GAP)
        .trimEnd(),
    );
  });
  return lines.join('\n');
}

function columnWidths<Row>(columns: Column<Row>[], cells: string[][]): number[] {
  return columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => visibleLength(r[i]!))));
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
    c.shrink ? Math.min(widths[i]!, Math.max(c.header.length, MIN_SHRUNK_WIDTH)) : widths[i]!,
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

/** The cell in at most `width` characters, the cut shown by `…`. Cells here are rendered: no marks. */
function cutTo(cell: string, width: number): string {
  return cell.length <= width ? cell : `${cell.slice(0, Math.max(0, width - 1))}…`;
}

/** One block per row, one `header: value` line per column: the layout when no cut fits the terminal. */
function renderRecords<Row>(columns: Column<Row>[], rows: Row[], cells: string[][]): string {
  const labelWidth = Math.max(...columns.map((c) => c.header.length)) + 1;
  return rows
    .map((row, r) =>
      columns
        .map((c, i) => {
          const value = cells[r]![i]!;
          return `${`${c.header}:`.padEnd(labelWidth)} ${c.style ? c.style(value, row) : value}`;
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
  return remoteText(escapeControls(plain.replace(/[\r\n]+/g, ' ')));
}

/** Length on screen: remote marks take no room. */
function visibleLength(text: string): number {
  return stripRemoteMarks(text).length;
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
