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
}

export function renderTable<Row>(columns: Column<Row>[], rows: Row[]): string {
  const cells = rows.map((row) => columns.map((c) => formatCell(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => visibleLength(r[i]!))));
  const pad = (text: string, i: number): string => {
    const fill = ' '.repeat(Math.max(0, widths[i]! - visibleLength(text)));
    return columns[i]!.align === 'right' ? `${fill}${text}` : `${text}${fill}`;
  };
  const lines = [
    columns
      .map((c, i) => pad(c.header.toUpperCase(), i))
      .join('  ')
      .trimEnd(),
  ];
  rows.forEach((row, r) => {
    lines.push(
      columns
        .map((c, i) => {
          const padded = pad(cells[r]![i]!, i);
          return c.style ? c.style(padded, row) : padded;
        })
        .join('  ')
        .trimEnd(),
    );
  });
  return lines.join('\n');
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
