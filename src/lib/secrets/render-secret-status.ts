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
  return renderTable(
    [
      { header: 'name', value: (r: SecretListRow) => ownCell(r.name) },
      { header: 'secrets manager id', value: (r) => ownCell(r.secretId) },
      {
        header: 'versions',
        value: (r) =>
          !r.exists
            ? ownCell('MISSING')
            : r.scheduledForDeletion !== null
              ? ownCell(`SCHEDULED FOR DELETION (${r.scheduledForDeletion})`)
              : remoteCell(r.versions.map((v) => `${v.versionId}:${v.stages.join('+')}`).join(' ')),
        style: (c, r) => (r.exists && r.scheduledForDeletion === null ? c : style.fail(c)),
      },
      { header: 'last change', value: (r) => remoteCell(r.lastChangedAt) },
      { header: 'consumers', value: (r) => ownCell(r.consumers.join(', ')), shrink: true },
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
  const lines: string[] = [
    `${style.bold(secret.name)}  ${secret.secretId}${versions.arn ? `  (${versions.arn})` : ''}`,
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
          { header: 'created', value: (v) => ownCell(v.createdAt?.toISOString().replace(/\.\d{3}Z$/, 'Z')) },
          { header: 'value', value: (v) => ownCell(v.shown ?? 'unreadable') },
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
        { header: 'fingerprint', value: (d) => ownCell(d.fingerprint) },
        { header: 'detail', value: (d) => ownCell(d.detail), shrink: true },
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
      `  current ${h.current}  pending ${h.pending}  previous ${h.previous}  other ${h.other}  missing ${h.missing}  unknown ${h.unknown}`,
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
