import { describe, expect, it } from 'vitest';
import { renderDeep } from '../../../src/lib/output/output.js';
import { displayWidth } from '../../../src/lib/output/display-width.js';
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

describe('a table holding names from outside with wide or control characters', () => {
  // A tag or a slug may be CJK, an emoji, or carry a tab or a bidirectional override: padded by
  // `.length`, each wide character pushed the columns after it one place right; a tab jumped to
  // the terminal's next tab stop; U+202E showed the rest of the line reversed.
  const redactor = new Redactor();
  const rows: Row[] = [
    { slug: 'acme', status: 'running' },
    { slug: '東京-テナント', status: 'running' },
    { slug: 'rocket🚀', status: 'stopped' },
    { slug: 'tab\there', status: 'running' },
    { slug: 'acme\u202etlive', status: 'running' },
  ];
  const columns: Column<Row>[] = [
    { header: 'slug', value: (r) => remoteCell(r.slug) },
    { header: 'status', value: (r) => remoteCell(r.status) },
  ];
  const printed = renderOutputText(renderTable(columns, rows), redactor, 'text').split('\n');

  it('pads by the columns a name takes on screen, so the next column starts at one place', () => {
    const statusAt = printed.map((line) => displayWidth(line.slice(0, line.search(/(STATUS|running|stopped)$/))));
    expect(new Set(statusAt).size).toBe(1);
  });

  it('shows a tab and a bidirectional override as escapes, not as a jump or a reversed line', () => {
    expect(printed[4]).toMatch(/^tab\\there +running$/);
    expect(printed[5]).toMatch(/^acme\\u202etlive +running$/);
  });

  it('wraps wide text within the column on a narrow terminal', () => {
    const terminal = { columns: 30, render: (text: string) => renderOutputText(text, redactor, 'text') };
    const detail: Column<Row>[] = [columns[1]!, { header: 'slug', value: (r) => remoteCell(r.slug), shrink: true }];
    const wide: Row[] = [{ slug: '東京の テナントは 移行が 必要です。 秘密が 設定されて いません', status: 'running' }];
    const lines = renderOutputText(renderTable(detail, wide, { terminal }), redactor, 'text').split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(30);
    expect(
      lines
        .slice(1)
        .map((l) => l.trim().replace(/^running +/, ''))
        .join(' '),
    ).toBe(wide[0]!.slug);
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

describe('a table on a terminal narrower than it', () => {
  interface Check {
    id: string;
    detail: string;
  }
  const redactor = new Redactor();
  const terminal = (columns: number) => ({
    columns,
    render: (text: string) => renderOutputText(text, redactor, 'text'),
  });
  /** The table's lines on a terminal `width` columns wide, each checked to fit it. */
  function linesAt<Row>(width: number, columns: Column<Row>[], rows: Row[]): string[] {
    const lines = renderTable(columns, rows, { terminal: terminal(width) }).split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
    return lines;
  }
  const checks: Check[] = [
    { id: 'cp-health', detail: 'the CP answered 200 with {"status":"ok"} in 120 ms from https://api.moleculesai.app' },
    { id: 'tenant-health', detail: 'short' },
  ];
  const columns: Column<Check>[] = [
    { header: 'check', value: (c) => ownCell(c.id) },
    { header: 'detail', value: (c) => remoteCell(c.detail), shrink: true },
  ];

  it('wraps the free-text column within a narrower width so every line fits, the identifying column whole', () => {
    expect(linesAt(50, columns, checks)).toEqual([
      'CHECK          DETAIL',
      'cp-health      the CP answered 200 with',
      '               {"status":"ok"} in 120 ms from',
      '               https://api.moleculesai.app',
      'tenant-health  short',
    ]);
  });

  it('shows each row as header: value lines when cutting free text is not enough', () => {
    const text = renderTable(columns, checks, { terminal: terminal(30) });
    expect(text.split('\n\n')[1]).toBe('check:  tenant-health\ndetail: short');
    // Nothing is cut in this layout: a long value wraps under itself, at spaces.
    expect(text.split('\n\n')[0]).toBe(
      [
        'check:  cp-health',
        'detail: the CP answered 200',
        '        with {"status":"ok"}',
        '        in 120 ms from',
        '        https://api.moleculesai.app',
      ].join('\n'),
    );
  });

  it('nested under a heading (indent), fits what the indent leaves of the terminal', () => {
    const nested = renderTable(columns, checks, { terminal: terminal(50), indent: 4 }).split('\n');
    for (const line of nested) expect(line.length).toBeLessThanOrEqual(50);
    expect(nested[0]).toBe('    CHECK          DETAIL');
    // Without a terminal it is the whole table, indented.
    expect(renderOutputText(renderTable(columns, checks, { indent: 4 }), redactor, 'text').split('\n')[2]).toBe(
      '    tenant-health  short',
    );
  });

  it('is unchanged for a pipe, a file or a report (no terminal), however wide', () => {
    const text = renderTable(columns, checks);
    expect(renderOutputText(text, redactor, 'text').split('\n')[1]).toBe(`cp-health      ${checks[0]!.detail}`);
    expect(renderTable(columns, checks, { terminal: terminal(0) })).toBe(text);
    expect(renderTable(columns, checks, { terminal: terminal(200) })).toBe(text);
  });

  it('wraps after redaction: no line break splits a token into parts that redaction no longer recognises', () => {
    const leaky: Check[] = [
      { id: 'cp-token', detail: 'sent Authorization: Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789AB' },
    ];
    const whole = renderOutputText(renderTable(columns, leaky), redactor, 'text');
    expect(whole).not.toContain('ghp_');
    for (const width of [40, 45, 50, 55, 60]) {
      const cut = renderOutputText(renderTable(columns, leaky, { terminal: terminal(width) }), redactor, 'text');
      expect(cut, `width ${width}`).not.toMatch(/ghp_|abcdef/);
    }
  });

  it('splits a word too long for its column after a path or list separator, not mid-name', () => {
    const consumers: Check[] = [
      { id: 'cp-shared-secret', detail: 'railway:controlplane/production/PROVISION_SHARED_SECRET, tenants-env:X' },
    ];
    expect(linesAt(60, columns, consumers)).toEqual([
      'CHECK             DETAIL',
      'cp-shared-secret  railway:controlplane/production/',
      '                  PROVISION_SHARED_SECRET, tenants-env:X',
    ]);
  });

  it('never narrows a wholeWords column below its longest word: an id is not split, another column gives way', () => {
    interface Secret {
      name: string;
      versions: string;
      consumers: string;
    }
    const secrets: Secret[] = [
      {
        name: 'cp-shared-secret',
        versions: 'c8ca82b3-fd75-4f74-a3d2-b8c80bd27aa8:AWSCURRENT 0d2a55e1-7b1c-4e8e-9a51-3f0c2b9e7d11:AWSPREVIOUS',
        consumers: 'railway:controlplane/production/PROVISION_SHARED_SECRET, tenants-env:MOLECULE_CP_SHARED_SECRET',
      },
    ];
    const secretColumns: Column<Secret>[] = [
      { header: 'name', value: (r) => ownCell(r.name) },
      { header: 'versions', value: (r) => remoteCell(r.versions), shrink: true, wholeWords: true },
      { header: 'consumers', value: (r) => ownCell(r.consumers), shrink: true },
    ];
    const lines = linesAt(110, secretColumns, secrets);
    expect(lines[1]).toMatch(/^cp-shared-secret {2}c8ca82b3-fd75-4f74-a3d2-b8c80bd27aa8:AWSCURRENT {2,}\S/);
    expect(lines[2]).toMatch(/^ {18}0d2a55e1-7b1c-4e8e-9a51-3f0c2b9e7d11:AWSPREVIOUS {2,}\S/);
  });

  it('leaves no padding after a styled last cell (it would sit inside the colour codes, past trimEnd)', () => {
    const styled: Column<Check>[] = [columns[0]!, { ...columns[1]!, style: (cell) => `<${cell}>` }];
    const printed = renderOutputText(renderTable(styled, checks), redactor, 'text');
    expect(printed.split('\n')[2]).toBe('tenant-health  <short>');
  });

  describe('with columns it may leave out', () => {
    interface Target {
      org: string;
      instance: string;
      state: string;
      ssm: string;
      why: string;
    }
    const targets: Target[] = [
      { org: 'acme', instance: 'i-08553aedc3be3f165', state: 'needs-migration', ssm: 'Online', why: 'not set' },
      { org: 'theta', instance: 'i-09d63870fd906a48d', state: 'unmanaged', ssm: 'ConnectionLost', why: 'agent lost' },
    ];
    const wide: Column<Target>[] = [
      { header: 'org', value: (t) => remoteCell(t.org) },
      { header: 'instance', value: (t) => remoteCell(t.instance), leaveOut: 1 },
      { header: 'state', value: (t) => ownCell(t.state) },
      { header: 'ssm', value: (t) => remoteCell(t.ssm), leaveOut: 2 },
      { header: 'why', value: (t) => ownCell(t.why), shrink: true },
    ];

    it('leaves out the first ones until the rest fits, and names them under the table', () => {
      expect(linesAt(60, wide, targets)).toEqual([
        'ORG    STATE            SSM             WHY',
        'acme   needs-migration  Online          not set',
        'theta  unmanaged        ConnectionLost  agent lost',
        'hidden at 60 columns: instance (-o json shows it)',
      ]);
      // Narrower, the next one goes too; the note wraps like any line.
      expect(linesAt(45, wide, targets)).toEqual([
        'ORG    STATE            WHY',
        'acme   needs-migration  not set',
        'theta  unmanaged        agent lost',
        'hidden at 45 columns: instance, ssm (-o json',
        'shows them)',
      ]);
    });

    it('takes back one left out earlier when leaving out a wider one made room for it', () => {
      const ssmFirst = wide.map((c) => (c.header === 'ssm' ? { ...c, leaveOut: 0 } : c));
      // Without ssm the table is still 55 wide; without instance too it is 31, and ssm fits again.
      expect(linesAt(50, ssmFirst, targets)).toEqual([
        'ORG    STATE            SSM             WHY',
        'acme   needs-migration  Online          not set',
        'theta  unmanaged        ConnectionLost  agent lost',
        'hidden at 50 columns: instance (-o json shows it)',
      ]);
    });

    it('shows every column when the terminal is wide enough, or on a pipe', () => {
      expect(renderTable(wide, targets, { terminal: terminal(200) })).not.toContain('hidden');
      expect(renderTable(wide, targets).split('\n')[0]).toBe(
        'ORG    INSTANCE             STATE            SSM             WHY',
      );
    });

    it('falls back to header: value blocks, with every column, when leaving them out is not enough', () => {
      const blocks = renderTable(wide, targets, { terminal: terminal(30) });
      expect(blocks).not.toContain('hidden');
      expect(blocks.split('\n\n')[1]).toContain('instance: i-09d63870fd906a48d');
    });
  });
});
