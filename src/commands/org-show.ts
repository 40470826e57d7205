import { defineCommand } from '../lib/cli/command-definition.js';
import { orgSlugArgument } from '../lib/cli/list-flags.js';
import { ExitCode, NotFoundError } from '../lib/errors.js';
import { fitLine } from '../lib/output/fit-line.js';
import type { Styles } from '../lib/output/output.js';
import { formatDuration, remoteCell, renderTable } from '../lib/output/table.js';
import { remoteText } from '../lib/output/remote-text.js';
import { describeOrg, type OrgDescription } from '../lib/org/describe-org.js';
import { formatCount } from '../lib/output/format-count.js';

export const orgShowCommand = defineCommand({
  description:
    'Show one org: its CP row, its EC2 instances found by tag (tenant and workspaces, with state and age), what the edge route /cp/orgs/<slug>/instance answers, and whether its admin token secret exists (never the value).',
  args: [orgSlugArgument('the org')],
  flags: {},
  examples: [
    ['molectl org show acme-prod', 'the whole picture of one org'],
    ['molectl org show acme-prod -o json | jq .instances', 'its instances, for scripts'],
  ],

  async run(ctx, input) {
    const slug = input.args[0]!;
    const description = await describeOrg(
      { cp: ctx.cp, aws: ctx.aws, environment: ctx.config.environment, now: ctx.clock.now() },
      slug,
    );
    // Terminated instances stay visible in EC2 for a while after a delete: they do not make an org exist.
    const live = description.instances.filter((i) => i.state !== 'terminated');
    if (description.onCp === false && live.length === 0 && description.edge === null) {
      const terminated =
        description.instances.length > 0
          ? ` (EC2 still lists ${formatCount(description.instances.length, 'terminated instance')} tagged with it)`
          : '';
      throw new NotFoundError(
        `org "${slug}" not found: not on the CP at ${description.cpUrl} and no live instance is tagged with it${terminated}`,
        'run `molectl org list` to see the org slugs, and check --env',
      );
    }
    const edge = description.edge;
    if (edge !== null && 'exposesAdminToken' in edge && edge.exposesAdminToken)
      ctx.out.warn(
        `GET /cp/orgs/${slug}/instance includes admin_token: a known past leak is back; report it to the CP owners (the value is not shown)`,
      );
    await ctx.out.result(description, renderOrg);
    if (description.onCp === false && live.length > 0) {
      ctx.out.warn(
        `the CP has no org ${slug} but ${formatCount(live.length, 'live instance')} ${live.length === 1 ? 'carries' : 'carry'} its tag`,
      );
      ctx.out.info('hint: `molectl fleet orphans` lists such instances with what to do');
    }
    if (edge !== null && 'error' in edge)
      ctx.out.warn(`what the edge route answers for ${slug} is unknown: ${edge.error}`);
    if (description.onCp === null) {
      ctx.out.warn(`whether the CP has org ${slug} is unknown: ${description.cpEvidence}`);
      return ExitCode.partial;
    }
    return edge !== null && 'error' in edge ? ExitCode.partial : ExitCode.ok;
  },
});

function renderOrg(d: OrgDescription, style: Styles): string {
  const lines: string[] = [style.bold(`org ${d.slug}`)];
  // On a terminal a long value (the CP row, the admin token's secret) wraps under itself, at
  // spaces, rather than being folded by the terminal into the labels' column.
  const labelled = (label: string, value: string): string =>
    fitLine(`  ${label.padEnd(LABEL_WIDTH)}  ${value}`, style, LABEL_WIDTH + 4);
  if (d.org)
    lines.push(
      labelled(
        'CP row',
        `id ${remoteText(d.org.id)}, instance_status ${remoteText(d.org.instanceStatus)}, created ${d.org.createdAt === null ? 'unknown' : remoteText(d.org.createdAt)}${d.org.ageMs === null ? '' : ` (${formatDuration(d.org.ageMs)} ago)`}`,
      ),
    );
  else
    lines.push(
      labelled(
        'CP row',
        d.onCp === null
          ? style.warn(`unknown: ${d.cpEvidence}`)
          : d.onCp
            ? `present, no readable row (${d.cpEvidence}); id unconfirmed`
            : style.warn(`none: the CP does not have this org (${d.cpEvidence})`),
      ),
    );
  const edge = d.edge;
  lines.push(
    labelled(
      'edge',
      edge === null
        ? 'no answer (404)'
        : 'error' in edge
          ? style.warn(`unknown: ${edge.error}`)
          : `status ${remoteText(edge.status)}, ip ${remoteText(edge.ip ?? '-')}, region ${remoteText(edge.region ?? '-')}`,
    ),
  );
  const secret = d.adminTokenSecret;
  lines.push(
    labelled(
      'admin token',
      'error' in secret
        ? style.warn(`unknown: ${secret.error}`)
        : secret.exists
          ? `secret ${secret.name} exists (${formatCount(secret.versions, 'version')}, changed ${remoteText(secret.lastChangedAt ?? '-')})`
          : style.warn(`no secret ${secret.name}`),
    ),
  );
  if (d.instances.length === 0) lines.push(labelled('instances', 'none found by tag'));
  else {
    lines.push(labelled('instances', String(d.instances.length)));
    const table = renderTable(
      [
        { header: 'instance', value: (i) => remoteCell(i.instanceId) },
        { header: 'role', value: (i) => remoteCell(i.role) },
        {
          header: 'state',
          value: (i) => remoteCell(i.state),
          style: (cell, i) => (i.state === 'running' ? style.ok(cell) : style.warn(cell)),
        },
        { header: 'age', value: (i) => (i.ageMs === null ? null : formatDuration(i.ageMs)), align: 'right' },
        { header: 'name', value: (i) => remoteCell(i.name), shrink: true },
      ],
      d.instances,
      { terminal: style.terminal, indent: 4 },
    );
    lines.push(table);
  }
  return lines.join('\n');
}

/** `admin token`, the longest label: values start after it and two spaces. */
const LABEL_WIDTH = 12;
