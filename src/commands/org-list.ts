import { defineCommand } from '../lib/cli/command-definition.js';
import { durationFlag, textFlag } from '../lib/cli/flags.js';
import { ExitCode } from '../lib/errors.js';
import type { Output } from '../lib/output/output.js';
import { remoteText } from '../lib/output/remote-text.js';
import { formatDuration, remoteCell, renderTable } from '../lib/output/table.js';
import { ORG_LIST_LIMIT, warnPageShortfalls } from '../lib/fleet/org-directory.js';
import { filterOrgs, type OrgSummary } from '../lib/org/summarize-orgs.js';
import { formatCount } from '../lib/output/format-count.js';

export const orgListCommand = defineCommand({
  description: "List the CP's orgs with their instance_status and age, oldest first.",
  flags: {
    status: textFlag('--status <status>', 'only orgs with this instance_status (provisioning, running, failed)', {
      pattern: /^[a-z_-]+$/,
      what: 'an instance_status such as provisioning, running or failed',
    }),
    olderThan: durationFlag('--older-than <duration>', 'only orgs created longer ago than this (90m, 2h, 7d)', {
      minMs: 1,
      maxMs: 3650 * 86_400_000,
    }),
    prefix: textFlag('--prefix <prefix>', 'only orgs whose slug starts with this'),
  },
  examples: [
    ['molectl org list', 'every org, oldest first'],
    ['molectl org list --status failed', 'orgs whose provisioning failed'],
    ['molectl --env staging org list --prefix e2e- --older-than 2h', 'stale CI orgs (what `org gc` would delete)'],
    ["molectl org list -o json | jq -r '.orgs[].slug'", 'slugs, for scripts'],
  ],

  async run(ctx, input) {
    const options = input.options;
    const page = await ctx.cp.listOrgs({ limit: ORG_LIST_LIMIT });
    const rows = page.rows;
    const orgs = filterOrgs(
      rows,
      { status: options.status, prefix: options.prefix, olderThanMs: options.olderThan },
      ctx.clock.now(),
    );
    // One page is all molectl reads; saying so beats silently showing a partial fleet.
    const truncated = rows.length + page.unreadable.length >= page.limit || page.more !== null;
    warnPageShortfalls(ctx.out, page, 'molectl reads one page, so orgs beyond it are not shown');
    if (options.status !== undefined) warnUnseenStatus(ctx.out, options.status, rows);
    if (options.olderThan !== undefined) {
      // "Older than" cannot be proved of an org without a readable created_at: say it is left out.
      const ageUnknown = filterOrgs(rows, { status: options.status, prefix: options.prefix }, ctx.clock.now()).filter(
        (o) => o.ageMs === null,
      );
      if (ageUnknown.length > 0)
        ctx.out.warn(
          `${formatCount(ageUnknown.length, 'org')} left out by --older-than: age unknown (the CP sent no readable created_at): ${ageUnknown.map((o) => o.slug).join(', ')}`,
        );
    }
    const unreadable = page.unreadable;
    const more = page.more;
    await ctx.out.result(
      { cpUrl: ctx.cp.baseUrl, total: rows.length, truncated, more, unreadable, orgs },
      (data, style) =>
        data.orgs.length === 0
          ? `no orgs match (of ${data.total} on ${data.cpUrl})`
          : `${renderTable<OrgSummary>(
              [
                { header: 'slug', value: (o) => remoteCell(o.slug) },
                {
                  header: 'status',
                  value: (o) => remoteCell(o.instanceStatus),
                  style: (cell, o) =>
                    o.instanceStatus === 'running'
                      ? style.ok(cell)
                      : o.instanceStatus === 'failed'
                        ? style.fail(cell)
                        : style.warn(cell),
                },
                { header: 'age', value: (o) => (o.ageMs === null ? null : formatDuration(o.ageMs)), align: 'right' },
                // age says it on a narrow terminal (and the note under the table says where it went).
                { header: 'created', value: (o) => remoteCell(o.createdAt), leaveOut: 1 },
                { header: 'id', value: (o) => remoteCell(o.id) },
              ],
              data.orgs,
              style,
            )}`,
    );
    // A count of what the table shows is a notice, not the result: stderr, and not under -q.
    if (orgs.length > 0)
      ctx.out.info(
        `${orgs.length} of ${formatCount(rows.length, 'org')}${more === null ? '' : ' listed (the CP has more)'}`,
      );
    // Unreadable rows, or a CP that says it holds more: the list is known to be incomplete.
    return unreadable.length > 0 || more !== null ? ExitCode.partial : ExitCode.ok;
  },
});

/** The instance_status values the platform documents (docs/platform: provisioning → running or failed). */
const DOCUMENTED_STATUSES = ['provisioning', 'running', 'failed'];

/**
 * `--status faild` matched nothing and printed "no orgs match", exit 0: read as "no failed orgs".
 * A status the platform does not document and no org on the page has is most likely a typo: say
 * so, with the statuses the page does have (a new status the CP starts to use still filters).
 */
function warnUnseenStatus(out: Output, status: string, rows: ReadonlyArray<{ instance_status: string }>): void {
  if (DOCUMENTED_STATUSES.includes(status) || rows.some((r) => r.instance_status === status)) return;
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.instance_status, (counts.get(row.instance_status) ?? 0) + 1);
  // The CP's words: marked, so a control sequence in one is shown escaped.
  const seen = [...counts].map(([s, n]) => `${remoteText(s)} ${n}`).join(', ') || 'none';
  out.warn(
    `no org has instance_status "${status}" (on this page: ${seen}); the documented ones are ${DOCUMENTED_STATUSES.join(', ')}`,
  );
}
