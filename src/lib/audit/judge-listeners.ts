import { fail, pass, unknown, type Judgement } from './audit-verdict.js';
import { formatCount } from '../output/format-count.js';

/**
 * unexpected-listener, from `ss -Hltnp` lines the audit probe prints. Pure. Loopback sockets are
 * left out: nothing off the host can reach them. Everything else on a port outside the expected
 * set (8080 and 3000, the platform's API and canvas, unless configured otherwise) is a finding.
 */

export interface Listener {
  address: string;
  port: number;
  process: string | null;
  pid: number | null;
}

/** `LISTEN 0 4096 0.0.0.0:9999 0.0.0.0:* users:(("python3",pid=2211,fd=3))` -> a Listener. */
export function parseSsLine(line: string): Listener | null {
  const fields = line.trim().split(/\s+/);
  // State Recv-Q Send-Q Local Peer [Process]; some ss builds omit State under -l.
  const local = fields[0] === 'LISTEN' || fields[0] === 'UNCONN' ? fields[3] : fields[2];
  const m = local ? /^(.*):(\d+)$/.exec(local) : null;
  if (!m) return null;
  const users = /users:\(\("([^"]*)",pid=(\d+)/.exec(line);
  return { address: m[1]!, port: Number(m[2]), process: users?.[1] ?? null, pid: users ? Number(users[2]) : null };
}

export function isLoopback(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  return /^127\./.test(bare) || bare === '::1' || bare === 'localhost' || /^::ffff:127\./.test(bare);
}

export function judgeListeners(input: {
  listeners: Listener[] | { unavailable: string };
  /** Lines ss printed that parseSsLine could not read: each may be a socket on any port. */
  unreadable?: readonly string[];
  expectedPorts: readonly number[];
  instanceId: string;
  region: string;
}): Judgement {
  if (!Array.isArray(input.listeners)) return unknown(input.listeners.unavailable);
  const exposed = input.listeners.filter((l) => !isLoopback(l.address));
  const stray = exposed.filter((l) => !input.expectedPorts.includes(l.port));
  const unreadable = input.unreadable ?? [];
  // A stray socket seen is a finding whatever else the listing holds; a pass needs every line read.
  if (stray.length === 0 && unreadable.length > 0) {
    // ss pads its columns: one space between fields reads better and keeps more of the line.
    const first = unreadable[0]!.trim().replace(/\s+/g, ' ');
    return unknown(
      `ss printed ${formatCount(unreadable.length, 'socket line')} in a layout molectl cannot read (first: "${first.length > 100 ? `${first.slice(0, 100)}...` : first}"), so what listens there is unknown`,
    );
  }
  if (stray.length === 0) {
    const ports = [...new Set(exposed.map((l) => l.port))].sort((a, b) => a - b);
    return pass(
      ports.length ? `listening only on expected ports ${ports.join(', ')}` : 'nothing listens beyond loopback',
    );
  }
  const describe = (l: Listener): string =>
    `${l.address}:${l.port}${l.process ? ` (${l.process}${l.pid !== null ? `, pid ${l.pid}` : ''})` : ''}`;
  const pids = [...new Set(stray.map((l) => l.pid).filter((p): p is number => p !== null))];
  const kill = pids.length
    ? `aws ssm send-command --region ${input.region} --instance-ids ${input.instanceId} --document-name AWS-RunShellScript --parameters 'commands=["kill ${pids.join(' ')}"]'`
    : `aws ssm start-session --region ${input.region} --target ${input.instanceId}  # then find it with: ss -ltnp`;
  return fail(
    `listening on ${stray
      .map((l) => l.port)
      .filter((p, i, a) => a.indexOf(p) === i)
      .join(', ')}, outside the expected ${input.expectedPorts.join(', ')}`,
    `ss on the host: ${stray.map(describe).join('; ')}${unreadable.length ? ` (and ${formatCount(unreadable.length, 'line')} in a layout molectl cannot read)` : ''}`,
    `${kill}; then remove what starts it (user-data, a systemd unit), or it comes back at the next boot`,
  );
}
