import type { Styles } from '../output/output.js';
import { ownCell, renderTable, type Column } from '../output/table.js';
import { storedText } from '../output/remote-text.js';
import { ROLLBACK_COMMAND } from './rollback-migration.js';

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
  /**
   * Apply: the tenant holds the pinned secret. Rollback: it is back on the fingerprint it held
   * before the apply.
   */
  fingerprintMatch: boolean | null;
  /** The fingerprint the tenant holds after this run's action ('' for no secret). */
  fingerprint: string | null;
  /** Apply runs: the rollback run that has since undone this tenant, and what it is back on. */
  rolledBackBy: string | null;
  fingerprintAfterRollback: string | null;
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
      fingerprint: typeof t.detail.fingerprint === 'string' ? t.detail.fingerprint : null,
      rolledBackBy: typeof t.detail.rolledBackBy === 'string' ? t.detail.rolledBackBy : null,
      fingerprintAfterRollback:
        typeof t.detail.fingerprintAfterRollback === 'string' ? t.detail.fingerprintAfterRollback : null,
      error: t.error?.message ?? null,
    }))
    .sort((a, b) => a.slug.localeCompare(b.slug));
}

export function countRows(rows: ReportRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.action] = (counts[r.action] ?? 0) + 1;
  return counts;
}

/** A fingerprint as a person reads it: '' is a tenant without the secret. */
export function showFingerprint(fingerprint: string | null): string | null {
  return fingerprint === null ? null : fingerprint === '' ? 'none' : fingerprint;
}

const yesNo = (match: boolean | null) => (match === null ? null : ownCell(match ? 'yes' : 'NO'));

export function renderApplyReport(doc: Readonly<RunLedgerDocument>, style: Styles): string {
  const rows = buildReportRows(doc);
  const isRollback = doc.command === ROLLBACK_COMMAND;
  const undone = rows.filter((r) => r.rolledBackBy);
  // A rollback is judged by what the tenant is back on; an apply by the pinned secret, and any
  // later rollback of it is shown beside its own outcome, not instead of it.
  const proof: Array<Column<ReportRow>> = isRollback
    ? [
        { header: 'back on', value: (r) => stored(showFingerprint(r.fingerprint)) },
        { header: 'as before', value: (r) => yesNo(r.fingerprintMatch) },
      ]
    : [{ header: 'fp match', value: (r) => yesNo(r.fingerprintMatch) }];
  const later: Array<Column<ReportRow>> = undone.length
    ? [
        {
          header: 'rolled back',
          value: (r) =>
            r.rolledBackBy
              ? storedText(
                  `back on ${showFingerprint(r.fingerprintAfterRollback) ?? 'unknown'} (run ${r.rolledBackBy})`,
                )
              : null,
          shrink: true,
        },
      ]
    : [];
  const table = renderTable<ReportRow>(
    [
      { header: 'org', value: (r) => storedText(r.slug) },
      // On a narrow terminal class (the plan's word; action says what came of it), exit and ssm
      // (health and the proof judge the tenant) are left out first, and named under the table.
      { header: 'class', value: (r) => storedText(r.class), leaveOut: 1 },
      {
        header: 'action',
        value: (r) => storedText(r.action),
        style: (cell, r) => (r.state === 'failed' ? style.fail(cell) : r.state === 'succeeded' ? style.ok(cell) : cell),
      },
      { header: 'ssm', value: (r) => stored(r.ssmStatus), leaveOut: 3 },
      { header: 'exit', value: (r) => r.exitCode, align: 'right', leaveOut: 2 },
      { header: 'health', value: (r) => stored(r.health) },
      ...proof,
      ...later,
      { header: 'error', value: (r) => stored(r.error), shrink: true },
    ],
    rows,
    style,
  );
  return `${table}\n\n${describeRun(doc, rows)}`;
}

/** "run X: succeeded. 2 migrated, 2 current." plus the link between an apply and its rollbacks. */
function describeRun(doc: Readonly<RunLedgerDocument>, rows: ReportRow[]): string {
  const counts = Object.entries(countRows(rows))
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const of = doc.command === ROLLBACK_COMMAND && doc.inputs.run ? ` (rollback of run ${String(doc.inputs.run)})` : '';
  const lines = [`run ${doc.id}${of}: ${doc.status}. ${counts || 'no tenants'}.`];
  const byRun = new Map<string, string[]>();
  for (const r of rows) if (r.rolledBackBy) byRun.set(r.rolledBackBy, [...(byRun.get(r.rolledBackBy) ?? []), r.slug]);
  for (const [run, slugs] of byRun)
    lines.push(`since rolled back by run ${run}: ${slugs.length} (${slugs.join(', ')}).`);
  return lines.join('\n');
}

/** A CI step summary (GitHub/Gitea Actions render Markdown). */
export function renderApplyMarkdown(doc: Readonly<RunLedgerDocument>): string {
  const rows = buildReportRows(doc);
  const counts = Object.entries(countRows(rows))
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const undone = rows.filter((r) => r.rolledBackBy);
  const lines = [
    // "cp-secret: partial" would read as an assignment to the redactor; name the subcommand.
    `### molectl ${doc.command}: ${doc.status}`,
    '',
    `Run \`${doc.id}\` against **${doc.environment.name}** (${doc.environment.cpUrl ?? ''}): ${counts || 'no tenants'}.`,
    ...(undone.length
      ? [
          '',
          `Since rolled back: ${undone.map((r) => `${r.slug} (run \`${r.rolledBackBy}\`, back on ${showFingerprint(r.fingerprintAfterRollback) ?? 'unknown'})`).join(', ')}.`,
        ]
      : []),
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
