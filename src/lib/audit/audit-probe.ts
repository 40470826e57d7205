import { parseScriptResult, type TenantScriptResult } from '../tenant-secret-delivery/parse-script-result.js';
import { renderTenantCommands } from '../tenant-secret-delivery/tenant-script.js';
import { parseSsLine, type Listener } from './judge-listeners.js';
import { formatCount } from '../output/format-count.js';

/**
 * The one SSM script the audit sends per batch of 50 tenants: the migration's own read-only probe
 * (scripts/tenant-cp-secret.sh, mode probe) in a subshell, so its `exit` ends only that part, then
 * the listening sockets. Nothing on the host is changed and nothing secret is in the text.
 *
 * Output: the probe's `MOLECTL_RESULT {json}` line, one `MOLECTL_LISTENER <ss line>` per socket,
 * and `MOLECTL_LISTENERS_END <ok <count>|no-ss|failed>`. The end mark alone proves the listing
 * whole only when output is cut at its end (AWS keeps the first 24,000 / 2,500 characters); an
 * endpoint that keeps the last characters, or cuts the middle out, would drop socket lines and
 * keep the mark. So the mark carries how many lines the host printed, and a listing whose count
 * differs is unavailable (the check is unknown), never a pass.
 */

const LISTENER_PREFIX = 'MOLECTL_LISTENER ';
const LISTENERS_END = 'MOLECTL_LISTENERS_END ';

const LISTENER_SECTION = `# molectl fleet audit: listening TCP sockets (read-only)
if command -v ss >/dev/null 2>&1; then
  if molectl_sockets=$(ss -Hltnp 2>/dev/null); then
    molectl_count=0
    while IFS= read -r molectl_line; do
      [ -n "$molectl_line" ] || continue
      printf '${LISTENER_PREFIX}%s\\n' "$molectl_line"
      molectl_count=$((molectl_count + 1))
    done <<<"$molectl_sockets"
    echo "${LISTENERS_END}ok $molectl_count"
  else
    echo '${LISTENERS_END}failed'
  fi
else
  echo '${LISTENERS_END}no-ss'
fi`;

export function renderAuditProbeCommands(containerName: string): string[] {
  return ['(', ...renderTenantCommands({ mode: 'probe', containerName }), ')', LISTENER_SECTION];
}

export interface AuditProbeOutput {
  result: TenantScriptResult | null;
  /** Null with a reason when the listing is missing or incomplete. */
  listeners: Listener[] | { unavailable: string };
  /** Socket lines the host printed in a layout parseSsLine does not know: sockets not seen. */
  unreadableListeners: string[];
}

export function parseAuditProbe(stdout: string): AuditProbeOutput {
  const listing = readListing(stdout);
  return {
    result: parseScriptResult(stdout),
    listeners: 'unavailable' in listing ? { unavailable: listing.unavailable } : listing.listeners,
    unreadableListeners: 'unavailable' in listing ? [] : listing.unreadable,
  };
}

/**
 * ListCommandInvocations' 2,500-character preview is enough when the result is in it and the
 * listing is settled: whole (its count matches), or ended with no-ss or failed, which the full
 * output would not change.
 */
export function isAuditPreviewComplete(preview: string): boolean {
  if (parseScriptResult(preview) === null) return false;
  const listing = readListing(preview);
  return !('unavailable' in listing) || listing.settled;
}

type Listing = { listeners: Listener[]; unreadable: string[] } | { unavailable: string; settled: boolean };

function readListing(stdout: string): Listing {
  const listeners: Listener[] = [];
  const unreadable: string[] = [];
  let lines = 0;
  let end: string | null = null;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(LISTENER_PREFIX)) {
      // Counted whether or not it parses: the count is of what the host printed.
      lines += 1;
      const text = line.slice(LISTENER_PREFIX.length);
      const parsed = parseSsLine(text);
      if (parsed) listeners.push(parsed);
      else unreadable.push(text);
    } else if (line.startsWith(LISTENERS_END)) end = line.slice(LISTENERS_END.length).trim();
  }
  if (end === null) return { unavailable: 'the probe printed no socket listing', settled: false };
  if (end === 'no-ss') return { unavailable: 'ss is not installed on the host', settled: true };
  if (end === 'failed') return { unavailable: 'ss failed on the host', settled: true };
  const ok = /^ok (\d+)$/.exec(end);
  if (!ok) return { unavailable: "the socket listing's end mark is unreadable", settled: false };
  const printed = Number(ok[1]);
  if (printed !== lines)
    return {
      unavailable: `the socket listing came back cut: ${lines} of ${formatCount(printed, 'socket line')} arrived (SSM's output was shortened), so the listing cannot be judged`,
      settled: false,
    };
  return { listeners, unreadable };
}
