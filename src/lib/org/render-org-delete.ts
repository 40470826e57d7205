import { formatDuration, ownCell, remoteCell, renderTable } from '../output/table.js';
import { remoteText } from '../output/remote-text.js';
import { fitLine } from '../output/fit-line.js';
import type { Styles } from '../output/output.js';
import type { DeleteOutcome } from './delete-org.js';
import { formatEnvironment } from '../config/run-environment.js';
import type { OrgDeletePlan } from './plan-org-delete.js';
import type { Leftover } from './verify-org-gone.js';
import { formatCount } from '../output/format-count.js';

/** The preview shown before the typed confirmation (and as the whole output of --dry-run). */
export function renderDeletePreview(plan: OrgDeletePlan, style: Styles): string {
  const org = plan.org;
  const lines = [
    style.bold(`Deleting org ${plan.slug} will remove, through the CP cascade:`),
    // On a terminal, long lines wrap under their value rather than into the labels' column.
    `  target: ${formatEnvironment(plan.environment, style, '  target: '.length)}`,
    org
      ? fitLine(
          `  CP row: id ${remoteText(org.id)}, instance_status ${remoteText(org.instanceStatus)}, created ${org.createdAt === null ? 'unknown' : remoteText(org.createdAt)}${org.ageMs === null ? '' : ` (${formatDuration(org.ageMs)} ago)`}`,
          style,
          '  CP row: '.length,
        )
      : '  CP row: present, but the CP gave no readable row (id unconfirmed)',
  ];
  if (plan.instances.length === 0) lines.push('  EC2 instances: none found by tag');
  else {
    lines.push(`  EC2 instances (${plan.instances.length}):`);
    const table = renderTable(
      [
        { header: 'instance', value: (i) => remoteCell(i.instanceId) },
        { header: 'role', value: (i) => remoteCell(i.role) },
        { header: 'state', value: (i) => remoteCell(i.state) },
        { header: 'age', value: (i) => (i.ageMs === null ? null : formatDuration(i.ageMs)), align: 'right' },
        { header: 'name', value: (i) => remoteCell(i.name), shrink: true },
      ],
      plan.instances,
      { terminal: style.terminal, indent: 4 },
    );
    lines.push(table);
  }
  if (plan.alreadyTerminated > 0)
    lines.push(`  (${formatCount(plan.alreadyTerminated, 'already terminated instance')} not counted)`);
  lines.push(
    fitLine(
      `  also: ${plan.unverifiable.join(', ')}: molectl cannot see these, so cannot verify them afterwards`,
      style,
      '  also: '.length,
    ),
  );
  return lines.join('\n');
}

/** One line per org plus the leftovers with what to do: the end of `org delete` and `org gc`. */
export function renderDeleteOutcomes(outcomes: DeleteOutcome[], style: Styles): string {
  const table = renderTable(
    [
      { header: 'org', value: (o) => remoteCell(o.slug) },
      {
        header: 'result',
        value: (o) => ownCell(o.status),
        style: (cell, o) =>
          o.status === 'deleted' ? style.ok(cell) : o.status === 'leftovers' ? style.warn(cell) : style.fail(cell),
      },
      { header: 'attempts', value: (o) => o.attempts, align: 'right' },
      { header: 'took', value: (o) => formatDuration(o.elapsedMs), align: 'right' },
      { header: 'detail', value: (o) => ownCell(describeOutcome(o)), shrink: true },
    ],
    outcomes,
    style,
  );
  const leftovers = outcomes.flatMap((o) => o.leftovers.map((l) => ({ slug: o.slug, ...l })));
  if (leftovers.length === 0) return table;
  return [
    table,
    '',
    style.warn('Left behind:'),
    ...leftovers.map((l) => `  ${remoteText(l.slug)}: ${describeLeftover(l)}\n    fix: ${l.fix}`),
  ].join('\n');
}

function describeOutcome(o: DeleteOutcome): string {
  if (o.status === 'deleted')
    return `verified gone${o.purgeIds.length ? ` (cascade resumed ${o.purgeIds.length}x)` : ''}`;
  if (o.status === 'leftovers') return formatCount(o.leftovers.length, 'leftover');
  return o.error?.message ?? 'failed';
}

function describeLeftover(l: Leftover): string {
  return l.kind === 'cp-row'
    ? 'the CP row is still listed'
    : `instance ${remoteText(l.id)} (${l.role === null || l.role === undefined ? 'instance' : remoteText(l.role)}) is ${l.state === null || l.state === undefined ? 'still there' : remoteText(l.state)}`;
}
