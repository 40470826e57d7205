import type { Styles } from '../output/output.js';
import { ownCell, renderTable } from '../output/table.js';
import { storedText } from '../output/remote-text.js';

/** A ledger field as a cell: shown as stored, null as `-`. */
const stored = (value: string | null | undefined) => (value ? storedText(value) : null);
import type { RunLedgerDocument } from '../runs/run-ledger-schema.js';

/** The final table of an apply (also `status <run>`): one row per tenant, from the ledger. Pure. */

export interface ReportRow {
  slug: string;
  class: string;
  state: string;
  action: string;
  ssmStatus: string | null;
  exitCode: number | null;
  health: string | null;
  fingerprintMatch: boolean | null;
  error: string | null;
}

export function buildReportRows(doc: Readonly<RunLedgerDocument>): ReportRow[] {
  return Object.values(doc.targets)
    .map((t) => ({
      slug: t.key,
      class: String(t.detail.class ?? ''),
      state: t.state,
      action: t.outcome ?? (t.state === 'pending' ? 'untouched' : t.state),
      ssmStatus: (t.detail.ssmStatus as string | undefined) ?? null,
      exitCode: typeof t.detail.exitCode === 'number' ? t.detail.exitCode : null,
      health: (t.detail.health as string | undefined) ?? null,
      fingerprintMatch: typeof t.detail.fingerprintMatch === 'boolean' ? t.detail.fingerprintMatch : null,
      error: t.error?.message ?? null,
    }))
    .sort((a, b) => a.slug.localeCompare(b.slug));
}

export function countRows(rows: ReportRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.action] = (counts[r.action] ?? 0) + 1;
  return counts;
}

export function renderApplyReport(doc: Readonly<RunLedgerDocument>, style: Styles): string {
  const rows = buildReportRows(doc);
  const table = renderTable<ReportRow>(
    [
      { header: 'org', value: (r) => storedText(r.slug) },
      { header: 'class', value: (r) => storedText(r.class) },
      {
        header: 'action',
        value: (r) => storedText(r.action),
        style: (cell, r) => (r.state === 'failed' ? style.fail(cell) : r.state === 'succeeded' ? style.ok(cell) : cell),
      },
      { header: 'ssm', value: (r) => stored(r.ssmStatus) },
      { header: 'exit', value: (r) => r.exitCode, align: 'right' },
      { header: 'health', value: (r) => stored(r.health) },
      {
        header: 'fp match',
        value: (r) => (r.fingerprintMatch === null ? null : ownCell(r.fingerprintMatch ? 'yes' : 'NO')),
      },
      { header: 'error', value: (r) => stored(r.error) },
    ],
    rows,
  );
  const counts = Object.entries(countRows(rows))
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  return `${table}\n\nrun ${doc.id}: ${doc.status}. ${counts || 'no tenants'}.`;
}

/** A CI step summary (GitHub/Gitea Actions render Markdown). */
export function renderApplyMarkdown(doc: Readonly<RunLedgerDocument>): string {
  const rows = buildReportRows(doc);
  const counts = Object.entries(countRows(rows))
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const lines = [
    // "cp-secret: partial" would read as an assignment to the redactor; name the subcommand.
    `### molectl ${doc.command}: ${doc.status}`,
    '',
    `Run \`${doc.id}\` against **${doc.environment.name}** (${doc.environment.cpUrl}): ${counts || 'no tenants'}.`,
    '',
    '| org | class | action | SSM | exit | health | fingerprint | error |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${[r.slug, r.class, r.action, r.ssmStatus ?? '', r.exitCode ?? '', r.health ?? '', r.fingerprintMatch === null ? '' : r.fingerprintMatch ? 'match' : 'MISMATCH', (r.error ?? '').replace(/\|/g, '\\|').replace(/\s*[\r\n]+\s*/g, ' ')].join(' | ')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
