/** Plain-text tables for people. Pure: colour is applied by the caller through `style`. */

export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | boolean | null | undefined;
  align?: 'left' | 'right';
  /** Colour or emphasis applied after padding, so escape codes never skew the widths. */
  style?: (cell: string, row: Row) => string;
}

export function renderTable<Row>(columns: Column<Row>[], rows: Row[]): string {
  const cells = rows.map((row) => columns.map((c) => formatCell(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const pad = (text: string, i: number): string =>
    columns[i]!.align === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
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

function formatCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value).replace(/[\r\n]+/g, ' ');
}

/** "3m 12s" style durations for progress lines and tables. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}
