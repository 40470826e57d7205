import type { ConsoleReport } from './build-console-report.js';
import { formatAge } from './format-age.js';

/**
 * The stderr line that says what is being shown and how fresh it is (pure):
 * "console of i-0abc… (org acme, running) · output 3 min old (2026-11-22T12:00:00.000Z) · …".
 */
export function describeConsoleSource(report: Pick<ConsoleReport, 'target' | 'output'>): string {
  const t = report.target;
  const what = t.instanceId ?? `workspace ${t.workspaceId}`;
  const about = [
    t.orgSlug ? `org ${t.orgSlug}` : null,
    t.workspaceId && t.instanceId ? `workspace ${t.workspaceId}` : null,
    t.instanceState,
  ]
    .filter(Boolean)
    .join(', ');
  const parts = [`console of ${what}${about ? ` (${about})` : ''}${t.source === 'cp' ? ' from the CP' : ''}`];
  const o = report.output;
  if (o.timestamp) parts.push(`output ${formatAge((o.ageSeconds ?? 0) * 1000)} old (${o.timestamp})`);
  // EC2 always dates its answer; a missing date is said, not left out: the reader would take
  // the output for current.
  else if (t.source === 'ec2') parts.push('output of unknown age (EC2 sent no timestamp)');
  if (o.latest) parts.push('latest (live buffer)');
  if (o.truncated) parts.push('64 KB window full: older output was dropped by EC2');
  return parts.join(' · ');
}

/** What to say when there is no output yet, with the likely reason. */
export function describeEmptyConsole(report: Pick<ConsoleReport, 'target'>): string {
  const t = report.target;
  const what = t.instanceId ?? `workspace ${t.workspaceId}`;
  if (t.instanceState === 'pending')
    return `no console output yet for ${what}: the instance is still starting; try again in a minute, or use --follow`;
  return `no console output yet for ${what}: EC2 publishes the console a few minutes after boot (use --latest on Nitro instances, or --follow to wait for it)`;
}
