import { describe, expect, it } from 'vitest';
import { renderDeep } from '../../../src/lib/output/output.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { remoteText, renderOutputText, storedText } from '../../../src/lib/output/remote-text.js';
import { ownCell, remoteCell, renderTable, type Column } from '../../../src/lib/output/table.js';

// A table cell says whose words it holds: a bare string does not type-check, so a command that
// prints a CP row, a tag or a remote message in a table has to mark it (issue 14, item 2).

interface Row {
  slug: string;
  status: string;
}

describe('a table', () => {
  const redactor = new Redactor();
  const rows: Row[] = [
    { slug: 'acme', status: 'running' },
    { slug: `evil\u001b]0;pwned\u0007`, status: 'TOKEN=abcdefgh12345678' },
  ];
  const columns: Column<Row>[] = [
    { header: 'slug', value: (r) => remoteCell(r.slug) },
    { header: 'status', value: (r) => remoteCell(r.status) },
    { header: 'note', value: () => ownCell('pass --token-file=PATH') },
  ];

  it('refuses a bare string as a cell (a compile-time check)', () => {
    const unmarked: Column<Row> = {
      header: 'slug',
      // @ts-expect-error a cell is OwnText or RemoteText, said explicitly
      value: (r) => r.slug,
    };
    expect(unmarked.header).toBe('slug');
  });

  it('prints remote cells with controls escaped and shapes redacted, own cells intact, columns aligned', () => {
    const printed = renderOutputText(renderTable(columns, rows), redactor, 'text');
    const lines = printed.split('\n');
    expect(lines[2]).toBe('evil\\e]0;pwned\\a  TOKEN=[REDACTED:named-secret]  pass --token-file=PATH');
    // Widths are measured on what is printed (marks take no room, escapes are counted).
    expect(lines[0]!.indexOf('STATUS')).toBe(lines[2]!.indexOf('TOKEN'));
    expect(lines[1]).toMatch(/^acme {14}running {17}pass --token-file=PATH$/);
  });
});

describe('text read back from a file molectl wrote', () => {
  it('is shown as stored: controls escaped, no shape rule run again over its own words', () => {
    const redactor = new Redactor();
    expect(renderOutputText(storedText('hint: pass --token-file=PATH\u001b[2J'), redactor, 'text')).toBe(
      'hint: pass --token-file=PATH\\e[2J',
    );
  });
});

describe('a document rendered before a format serialises it', () => {
  it('lets the shape rules see a remote value that JSON escaping would hide', () => {
    const redactor = new Redactor();
    const doc = { detail: `actual ${remoteText('{"status":"down","key":"literal-value-1234"}')}`, hint: 'set KEY=x' };
    const json = JSON.stringify(renderDeep(doc, redactor, 'json'));
    expect(json).not.toContain('literal-value-1234');
    expect(JSON.parse(json).hint).toBe('set KEY=x');
  });
});
