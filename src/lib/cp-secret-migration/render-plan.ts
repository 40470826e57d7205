import { fitFields } from '../output/fit-line.js';
import type { Styles } from '../output/output.js';
import { ownCell, remoteCell, renderTable } from '../output/table.js';
import type { TenantClass } from '../tenant-secret-delivery/migration-plan.js';
import type { MigrationPlan, PlanTarget } from '../tenant-secret-delivery/migration-plan.js';
import { formatCount } from '../output/format-count.js';

/** The plan as people read it: pinned value, fleet table, mismatches, summary. Pure. */
export function renderPlan(plan: MigrationPlan, style: Styles): string {
  const classStyle = (cls: TenantClass, text: string): string =>
    cls === 'current'
      ? style.ok(text)
      : cls === 'needs-migration' || cls === 'stale'
        ? style.accent(text)
        : style.warn(text);
  // On a terminal each heading's fields wrap under its first one (after the 12-column label).
  const lines = [
    `environment ${fitFields([plan.environment.name, `CP ${plan.environment.cpUrl}`, `region ${plan.environment.awsRegion ?? '?'}`, `account ${plan.environment.awsAccount ?? '?'}`], style, 12)}`,
    `secret      ${fitFields([plan.secret.secretId, `version ${plan.secret.versionId}`, `(len=${plan.secret.length} ${plan.secret.fingerprint})`], style, 12, ' ')}`,
    '',
    renderTable<PlanTarget>(
      [
        { header: 'org', value: (t) => remoteCell(t.slug) },
        // On a narrow terminal the org names the row (console, logs and apply take it) and the
        // class and why carry the verdict: these go first.
        { header: 'instance', value: (t) => remoteCell(t.instanceId), leaveOut: 2 },
        { header: 'class', value: (t) => ownCell(t.class), style: (cell, t) => classStyle(t.class, cell) },
        { header: 'holds', value: (t) => remoteCell(t.fingerprint) },
        { header: 'durable', value: (t) => (t.fingerprint ? ownCell(t.durable ? 'yes' : 'no') : null), leaveOut: 1 },
        {
          header: 'ssm',
          value: (t) => (t.pingStatus ? remoteCell(t.pingStatus) : ownCell('not managed')),
          leaveOut: 3,
        },
        { header: 'why', value: (t) => ownCell(t.reason), shrink: true },
      ],
      plan.targets,
      style,
    ),
  ];
  const m = plan.mismatches;
  const orgUnknown = m.orgUnknown ?? [];
  if (m.instanceWithoutOrg.length || m.orgWithoutInstance.length || m.duplicateInstances.length || orgUnknown.length) {
    lines.push('', style.warn('mismatches between the CP and EC2 (not migrated):'));
    for (const i of m.instanceWithoutOrg)
      lines.push(`  instance ${i.instanceId} (OrgSlug tag ${i.slugTag ?? 'missing'}) has no org in the CP`);
    for (const o of m.orgWithoutInstance)
      lines.push(`  org ${o.slug} (${o.instanceStatus}) has no running tenant instance with the tenant tags`);
    for (const d of m.duplicateInstances)
      lines.push(`  org ${d.slug} has ${d.instanceIds.length} tenant instances: ${d.instanceIds.join(', ')}`);
    for (const u of orgUnknown)
      lines.push(
        `  instance ${u.instanceId} (OrgSlug tag ${u.slugTag}): the CP could not confirm its org either way (${u.reason})`,
      );
  }
  const s = plan.summary;
  const parts = (Object.entries(s) as [string, number][])
    .filter(([k, v]) => v > 0 && k !== 'total' && k !== 'actionable')
    .map(([k, v]) => `${v} ${k}`);
  lines.push(
    '',
    `${formatCount(s.total, 'tenant')}: ${parts.join(', ') || 'none'}. ${style.bold(`${s.actionable} to change.`)}`,
  );
  return lines.join('\n');
}
