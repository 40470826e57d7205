import { parseScriptResult, type TenantScriptResult } from '../tenant-secret-delivery/parse-script-result.js';
import { renderTenantCommands } from '../tenant-secret-delivery/tenant-script.js';
import { parseSsLine, type Listener } from './judge-listeners.js';

/**
 * The one SSM script the audit sends per batch of 50 tenants: the migration's own read-only probe
 * (scripts/tenant-cp-secret.sh, mode probe) in a subshell, so its `exit` ends only that part, then
 * the listening sockets. Nothing on the host is changed and nothing secret is in the text.
 *
 * Output: the probe's `MOLECTL_RESULT {json}` line, one `MOLECTL_LISTENER <ss line>` per socket,
 * and `MOLECTL_LISTENERS_END <ok|no-ss|failed>`, which proves the listing is whole.
 */

const LISTENER_PREFIX = 'MOLECTL_LISTENER ';
const LISTENERS_END = 'MOLECTL_LISTENERS_END ';

const LISTENER_SECTION = `# molectl fleet audit: listening TCP sockets (read-only)
if command -v ss >/dev/null 2>&1; then
  if molectl_sockets=$(ss -Hltnp 2>/dev/null); then
    while IFS= read -r molectl_line; do [ -n "$molectl_line" ] && printf '${LISTENER_PREFIX}%s\\n' "$molectl_line"; done <<<"$molectl_sockets"
    echo '${LISTENERS_END}ok'
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
}

export function parseAuditProbe(stdout: string): AuditProbeOutput {
  const listeners: Listener[] = [];
  let end: string | null = null;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(LISTENER_PREFIX)) {
      const parsed = parseSsLine(line.slice(LISTENER_PREFIX.length));
      if (parsed) listeners.push(parsed);
    } else if (line.startsWith(LISTENERS_END)) end = line.slice(LISTENERS_END.length).trim();
  }
  const unavailable =
    end === null
      ? 'the probe printed no socket listing'
      : end === 'no-ss'
        ? 'ss is not installed on the host'
        : end !== 'ok'
          ? 'ss failed on the host'
          : null;
  return { result: parseScriptResult(stdout), listeners: unavailable ? { unavailable } : listeners };
}

/** ListCommandInvocations' 2,500-character preview is enough when both the result and the end mark are in it. */
export function isAuditPreviewComplete(preview: string): boolean {
  return preview.includes(LISTENERS_END) && parseScriptResult(preview) !== null;
}
