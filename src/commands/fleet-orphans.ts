import { defineCommand } from '../lib/cli/command-definition.js';
import { switchFlag } from '../lib/cli/flags.js';
import { ExitCode } from '../lib/errors.js';
import { findOrphans } from '../lib/fleet/find-orphans.js';
import { warnUnreadableRows } from '../lib/fleet/org-directory.js';
import type { OrphanReport, OrphanRow } from '../lib/fleet/classify-orphans.js';
import type { Styles } from '../lib/output/output.js';
import { formatDuration, ownCell, remoteCell, renderTable } from '../lib/output/table.js';
import { remoteText } from '../lib/output/remote-text.js';
import { formatCount } from '../lib/output/format-count.js';

export const fleetOrphansCommand = defineCommand({
  description:
    'Find EC2 instances managed by the CP whose org no longer exists on the CP (what a raw-SQL delete leaves running), or exists with another id. Report only: nothing is changed.',
  flags: {
    check: switchFlag(
      '--check',
      'exit 8 when any orphan is found (for CI and cron); exit 5 when some instances could not be judged (org unconfirmed, or no org tag)',
    ),
  },
  examples: [
    ['molectl fleet orphans', 'orphaned instances, oldest first'],
    ['molectl --env staging fleet orphans --check', 'fail a scheduled job when something leaks'],
    ["molectl fleet orphans -o json | jq -r '.orphans[].instanceId'", 'instance ids, for scripts'],
  ],

  async run(ctx, input) {
    const options = input.options;
    const step = ctx.out.step("reading the CP's orgs and the CP-managed instances");
    const report = await findOrphans({
      cp: ctx.cp,
      aws: ctx.aws,
      keys: ctx.config.environment,
      now: ctx.clock.now(),
      onProgress: (done, total) => step.update(`confirming the instances' orgs with the CP: ${done}/${total}`),
    }).catch((error: unknown) => {
      step.fail('could not read the fleet');
      throw error;
    });
    step.succeed(`${formatCount(report.scanned, 'managed instance')} checked`);
    warnUnreadableRows(ctx.out, { unreadable: report.unreadableRows });
    await ctx.out.result({ environment: ctx.config.envName.value, cpUrl: ctx.cp.baseUrl, ...report }, renderReport);
    if (report.orphans.length > 0)
      ctx.out.info(
        "hint: orphans run outside the CP's knowledge: check their tags and owner, then terminate them with `aws ec2 terminate-instances --instance-ids ...` (the CP cascade cannot, it has no row for them)",
      );
    if (options.check && report.orphans.length > 0) return ExitCode.changesFound;
    // What could not be judged is neither an orphan nor cleared: the scan is incomplete.
    return countUnjudged(report) > 0 ? ExitCode.partial : ExitCode.ok;
  },
});

/**
 * Instances the scan could not judge: those whose org the CP could neither confirm nor deny, and
 * those that name no org at all (nothing to ask the CP about, so nothing clears them either).
 */
function countUnjudged(report: OrphanReport): number {
  return report.unconfirmed.length + report.unattributed.length;
}

function renderReport(report: OrphanReport, style: Styles): string {
  const lines: string[] = [];
  if (report.orphans.length === 0)
    lines.push(
      countUnjudged(report) === 0
        ? style.ok(`no orphans among ${formatCount(report.scanned, 'managed instance')}`)
        : `no confirmed orphans among ${formatCount(report.scanned, 'managed instance')}`,
    );
  else {
    lines.push(
      renderTable<OrphanRow>(
        [
          // Every field but the verdict comes from EC2 tags and the CP: text from outside.
          { header: 'instance', value: (o) => remoteCell(o.instanceId) },
          { header: 'role', value: (o) => remoteCell(o.role) },
          { header: 'org slug', value: (o) => remoteCell(o.orgSlug) },
          { header: 'org id', value: (o) => remoteCell(o.orgId) },
          { header: 'state', value: (o) => remoteCell(o.state) },
          { header: 'age', value: (o) => (o.ageMs === null ? null : formatDuration(o.ageMs)), align: 'right' },
          { header: 'why', value: (o) => ownCell(o.detail), shrink: true },
        ],
        report.orphans,
        style,
      ),
      '',
      `${formatCount(report.orphans.length, 'orphan')}: the CP confirmed, slug by slug, that their orgs are gone (or belong to another org id).`,
    );
  }
  if (report.unconfirmed.length > 0) {
    lines.push(
      style.warn(
        `${formatCount(report.unconfirmed.length, 'instance')} could not be judged (not orphans, not cleared; do not terminate them):`,
      ),
    );
    for (const u of report.unconfirmed)
      lines.push(`  ${remoteText(u.instanceId)} (${remoteText(u.role)}): ${u.detail}`);
  }
  if (report.idUnconfirmed.length > 0) {
    lines.push(
      `${formatCount(report.idUnconfirmed.length, 'instance')} ${report.idUnconfirmed.length === 1 ? 'belongs' : 'belong'} to orgs the CP confirmed by slug but did not list: their OrgId tag is unconfirmed: ${report.idUnconfirmed.map((u) => `${remoteText(u.instanceId)} (${remoteText(u.orgSlug ?? '-')} ${remoteText(u.orgId ?? '-')})`).join(', ')}`,
    );
  }
  if (report.unattributed.length > 0) {
    lines.push(
      style.warn(
        `${formatCount(report.unattributed.length, 'managed instance')} ${report.unattributed.length === 1 ? 'carries' : 'carry'} no org tag and could not be checked: ${report.unattributed.map((u) => remoteText(u.instanceId)).join(', ')}`,
      ),
    );
  }
  return lines.join('\n');
}
