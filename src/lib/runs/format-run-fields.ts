import type { Styles } from '../output/output.js';
import type { RunSummary } from './summarize-run.js';

/** Cell formats shared by `runs list` and `runs show`. */

/** `7/10` settled of total, with failures called out: `7/10 (2 failed)`. */
export function formatTargets(run: RunSummary): string {
  if (run.targets.total === 0) return '-';
  const failed = run.targets.failed ? ` (${run.targets.failed} failed)` : '';
  return `${run.targets.settled}/${run.targets.total}${failed}`;
}

/** `2026-11-22 20:30:00Z`: second precision is what people compare. */
export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

export function styleStatus(cell: string, run: RunSummary, style: Styles): string {
  if (run.status === 'succeeded') return style.ok(cell);
  if (run.status === 'failed' || run.status === 'aborted') return style.fail(cell);
  if (run.status === 'running' && run.ownerLiveness === 'alive') return style.accent(cell);
  return style.warn(cell);
}
