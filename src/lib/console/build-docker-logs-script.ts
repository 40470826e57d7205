import { UsageError } from '../errors.js';

/**
 * The read-only script `molectl logs` runs on a tenant host through SSM (pure). Everything that
 * goes into it is validated here and nothing else can: the container name against docker's own
 * rules, --since and --tail as numbers. No secret ever appears in it (SSM keeps scripts readable).
 */

export interface DockerLogsRequest {
  container: string;
  /** Only lines newer than this many seconds, or newer than an RFC 3339 timestamp. */
  since?: number | string | undefined;
  /** Only the last N lines; undefined for all. */
  tail?: number | undefined;
  /** Prefix each line with docker's RFC 3339 timestamp. */
  timestamps: boolean;
}

const CONTAINER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

export function buildDockerLogsScript(request: DockerLogsRequest): string[] {
  if (!CONTAINER.test(request.container)) {
    throw new UsageError(
      `"${request.container}" is not a docker container name`,
      'a container name is letters, digits, "_", "." and "-", e.g. molecule-tenant',
    );
  }
  const args = ['docker', 'logs'];
  if (request.timestamps) args.push('--timestamps');
  if (request.since !== undefined) {
    if (typeof request.since === 'number') args.push('--since', `${Math.max(1, Math.ceil(request.since))}s`);
    else if (RFC3339.test(request.since)) args.push('--since', request.since);
    else
      throw new UsageError(`--since "${request.since}" is not a duration or an RFC 3339 time`, 'use e.g. --since 30m');
  }
  if (request.tail !== undefined) args.push('--tail', String(Math.max(0, Math.floor(request.tail))));
  args.push(request.container);
  // The container's stdout and stderr are both its log; docker prints them on its own two streams.
  // When docker logs fails, the host's container names follow on a marked line, so that the hint
  // can name what is there rather than guess (read back by parseHostContainers).
  return [
    `${args.join(' ')} 2>&1 || { status=$?; echo "${CONTAINERS_MARK}$(docker ps -a --format '{{.Names}}' 2>/dev/null | tr '\\n' ' ')"; exit $status; }`,
  ];
}

/** Starts the line the failure branch prints listing the host's containers. */
export const CONTAINERS_MARK = 'molectl-host-containers: ';

/** The container names the failure branch of the script listed, or null when it did not get that far. */
export function parseHostContainers(output: string): string[] | null {
  const line = output.split('\n').find((l) => l.startsWith(CONTAINERS_MARK));
  if (line === undefined) return null;
  return line.slice(CONTAINERS_MARK.length).split(' ').filter(Boolean);
}
