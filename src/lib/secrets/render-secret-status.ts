import { fitLine } from '../output/fit-line.js';
import type { Styles } from '../output/output.js';
import { ownCell, remoteCell, renderTable } from '../output/table.js';
import type { ConsumerDrift } from './consumer-drift.js';
import type { ManagedSecret } from './managed-secret.js';
import type { SecretVersionsView } from './read-secret-versions.js';

/** Text renderings of `secrets list` and `secrets status`. Pure; never sees a value. */

export interface SecretListRow {
  name: string;
  secretId: string;
  exists: boolean;
  versions: Array<{ versionId: string; stages: string[] }>;
  lastChangedAt: string | null;
  /** When a deletion was scheduled (DeletedDate): the secret still shows, but its value cannot be read. */
  scheduledForDeletion: string | null;
  consumers: string[];
}

export function renderSecretList(rows: SecretListRow[], style: Styles): string {
  if (rows.length === 0) return 'no secrets configured for this environment';
  // On a narrow terminal the versions (each `id:STAGES`, one per line, never split) stay beside
  // the name, and what the config already says goes first: the id (`config show`), then the last
  // change, then the consumers. Each one left out is named under the table.
  return renderTable(
    [
      { header: 'name', value: (r: SecretListRow) => ownCell(r.name) },
      { header: 'secrets manager id', value: (r) => ownCell(r.secretId), leaveOut: 1 },
      {
        header: 'versions',
        value: (r) =>
          !r.exists
            ? ownCell('MISSING')
            : r.scheduledForDeletion !== null
              ? ownCell(`SCHEDULED FOR DELETION (${r.scheduledForDeletion})`)
              : remoteCell(r.versions.map((v) => `${v.versionId}:${v.stages.join('+')}`).join(' ')),
        style: (c, r) => (r.exists && r.scheduledForDeletion === null ? c : style.fail(c)),
        shrink: true,
        wholeWords: true,
      },
      { header: 'last change', value: (r) => remoteCell(r.lastChangedAt), leaveOut: 2 },
      { header: 'consumers', value: (r) => ownCell(r.consumers.join(', ')), shrink: true, leaveOut: 3 },
    ],
    rows,
    style,
  );
}

export function renderSecretStatus(
  secret: ManagedSecret,
  versions: SecretVersionsView,
  drift: ConsumerDrift[],
  style: Styles,
): string {
  // On a narrow terminal the ARN goes under the id, whole, rather than folded into column 0.
  const lines: string[] = [
    fitLine(`${style.bold(secret.name)}  ${secret.secretId}${versions.arn ? `  (${versions.arn})` : ''}`, style, 2),
  ];
  if (!versions.exists) {
    lines.push(style.fail('not in Secrets Manager'));
  } else {
    lines.push(`last change ${versions.lastChangedAt?.toISOString() ?? 'unknown'}`, '');
    lines.push(
      renderTable(
        [
          { header: 'version', value: (v: SecretVersionsView['versions'][number]) => remoteCell(v.versionId) },
          { header: 'stages', value: (v) => remoteCell(v.stages.join(', ')) },
          // A version's id, stages and value fit 80 columns; its creation time (after the last
          // change above, for the current one) is left out first.
          {
            header: 'created',
            value: (v) => ownCell(v.createdAt?.toISOString().replace(/\.\d{3}Z$/, 'Z')),
            leaveOut: 1,
          },
          { header: 'value', value: (v) => ownCell(v.shown ?? 'unreadable'), shrink: true },
        ],
        versions.versions,
        style,
      ),
    );
  }
  lines.push('', 'consumers:');
  lines.push(
    renderTable(
      [
        { header: 'consumer', value: (d: ConsumerDrift) => ownCell(d.consumer) },
        {
          header: 'holds',
          value: (d) => ownCell(d.holds),
          style: (c, d) => (d.holds === 'current' ? style.ok(c) : d.holds === 'unknown' ? style.dim(c) : style.warn(c)),
        },
        // A consumer's name alone can take 65 columns: on a narrow terminal what it holds stays
        // beside it, and the fingerprint (holds says which version it matches), then the detail
        // (the tenant histogram below says the tenants' part) are left out and named.
        { header: 'fingerprint', value: (d) => ownCell(d.fingerprint), leaveOut: 1 },
        { header: 'detail', value: (d) => ownCell(d.detail), shrink: true, leaveOut: 2 },
      ],
      drift,
      style,
    ),
  );
  for (const d of drift) {
    if (!d.histogram) continue;
    const h = d.histogram;
    // Not `NAME_SECRET: current 2`: the redactor would rightly read that as an assignment.
    lines.push(
      '',
      `tenant histogram (${d.consumer})`,
      fitLine(
        `  current ${h.current}  pending ${h.pending}  previous ${h.previous}  other ${h.other}  missing ${h.missing}  unknown ${h.unknown}`,
        style,
        2,
      ),
    );
    if (d.behind && d.behind.length > 0) {
      lines.push(
        renderTable(
          [
            { header: 'tenant', value: (b: NonNullable<ConsumerDrift['behind']>[number]) => remoteCell(b.slug) },
            { header: 'holds', value: (b) => ownCell(b.holds) },
            { header: 'fingerprint', value: (b) => ownCell(b.fingerprint) },
            { header: 'reason', value: (b) => ownCell(b.reason), shrink: true },
          ],
          d.behind,
          style,
        ),
      );
    }
  }
  return lines.join('\n');
}
