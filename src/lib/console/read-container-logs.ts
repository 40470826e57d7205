import type { Clock } from '../clock.js';
import { MolectlError } from '../errors.js';
import { collectFullOutput } from '../ssm/collect-full-output.js';
import type { ShellScriptApi } from '../ssm/run-shell-script.js';
import { SSM_NOT_DELIVERED_STATUSES } from '../aws/ssm-limits.js';
import { cutRemoteLine, remoteText } from '../output/remote-text.js';
import {
  buildDockerLogsScript,
  CONTAINERS_MARK,
  parseHostContainers,
  type DockerLogsRequest,
} from './build-docker-logs-script.js';

/**
 * A tenant's container logs through SSM (`docker logs` on the host), whole however long: the
 * output goes through the capture-and-pieces collector, so SSM's 24,000-character cap never cuts
 * it silently. Anything that could not be fetched is stated in `cut`.
 */

/** How long `docker logs` may run on the host (SSM executionTimeout). */
const LOGS_TIMEOUT_SECONDS = 300;

export interface ContainerLogs {
  instanceId: string;
  text: string;
  totalBytes: number;
  complete: boolean;
  cut: string | null;
  cutBytes: number;
  /** 'limit': --max-bytes left the oldest part out; 'failed': a piece could not be fetched. */
  cutReason: 'limit' | 'failed' | null;
  commandIds: string[];
}

export interface ReadLogsDeps {
  aws: ShellScriptApi;
  clock: Clock;
  signal: AbortSignal;
}

export async function readContainerLogs(
  deps: ReadLogsDeps,
  instanceId: string,
  request: DockerLogsRequest & {
    maxBytes: number;
    pollIntervalMs?: number;
    /** The environment's container name: says, when a container is missing, whether --container chose it. */
    defaultContainer?: string;
  },
): Promise<ContainerLogs> {
  const [result] = await collectFullOutput(deps, {
    instanceIds: [instanceId],
    commands: buildDockerLogsScript(request),
    comment: `molectl logs ${request.container}`,
    timeoutSeconds: LOGS_TIMEOUT_SECONDS,
    // Someone is waiting at a terminal: an unreachable agent should say so within a minute.
    deliveryTimeoutSeconds: 60,
    maxBytes: request.maxBytes,
    pollIntervalMs: request.pollIntervalMs,
  });
  if (!result) throw new MolectlError(`no result from ${instanceId}`);
  if (SSM_NOT_DELIVERED_STATUSES.has(result.status) || result.status === 'NoResult') {
    throw new MolectlError(
      `SSM could not run docker logs on ${instanceId} (${result.status}${result.statusDetails && result.statusDetails !== result.status ? `: ${result.statusDetails}` : ''})`,
      {
        hint: "the host's SSM agent is not reachable: check it with `molectl doctor` and `aws ssm describe-instance-information`; `molectl console` needs no agent",
      },
    );
  }
  // The script never ended on its own: SSM's -1 is no exit code of docker's, and "docker logs
  // failed (exit -1)" sent responders looking for a docker error that was never printed.
  if (result.status === 'TimedOut' || result.status === 'Cancelled' || result.status === 'Cancelling') {
    const ssm = `SSM ${result.status}${result.statusDetails && result.statusDetails !== result.status ? `: ${result.statusDetails}` : ''}`;
    throw new MolectlError(
      result.status === 'TimedOut'
        ? `docker logs did not finish on ${instanceId} within its ${LOGS_TIMEOUT_SECONDS} s (${ssm})`
        : `the SSM command running docker logs on ${instanceId} was cancelled (${ssm})`,
      {
        hint:
          result.status === 'TimedOut'
            ? `the docker daemon may be hung: \`molectl console ${instanceId}\` reads the host's console without docker or SSM (on the host: \`systemctl status docker\`); or ask for less with --since or --tail`
            : 'someone cancelled it (`aws ssm cancel-command`) or the host went away: run it again',
      },
    );
  }
  if (result.exitCode !== 0) {
    // docker prints its error last (`2>&1`), after whatever log lines it got to: the first line
    // is a log line, which can hold a secret and says nothing about the failure.
    const { logLines, dockerError } = splitDockerFailure(result.output || result.stderr);
    const said = dockerError === '' ? '' : `: ${remoteText(cutRemoteLine(dockerError, 300))}`;
    const noContainer = /No such container/i.test(dockerError);
    if (logLines.length > 0 && !noContainer) {
      // A damaged log file (a disk that filled up): the lines before the damage are what the
      // responder came for. They are shown, the failure stated, and the exit code says so.
      return {
        instanceId,
        text: `${logLines.join('\n')}\n`,
        totalBytes: result.totalBytes,
        complete: false,
        cut: `docker logs stopped with an error after ${logLines.length} lines (exit ${result.exitCode ?? '?'})${said}; newer lines were not read`,
        cutBytes: 0,
        cutReason: 'failed',
        commandIds: result.commandIds,
      };
    }
    throw new MolectlError(`docker logs failed on ${instanceId} (exit ${result.exitCode ?? '?'})${said}`, {
      code: noContainer ? 4 : 1,
      hint: noContainer
        ? describeMissingContainer(request.container, request.defaultContainer, parseHostContainers(result.output))
        : 'run it again with --debug; if the host is unhealthy, read its console with `molectl console`',
    });
  }
  return {
    instanceId,
    text: result.output,
    totalBytes: result.totalBytes,
    complete: result.complete,
    cut: result.cut,
    cutBytes: result.cutBytes,
    cutReason: result.cutReason,
    commandIds: result.commandIds,
  };
}

/**
 * The output of a failed `docker logs ... 2>&1`: the log lines it printed before failing, and its
 * error (the last line; the script's own line listing the host's containers left out).
 */
function splitDockerFailure(output: string): { logLines: string[]; dockerError: string } {
  const lines = output
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '' && !l.startsWith(CONTAINERS_MARK));
  const dockerError = lines.pop() ?? '';
  return { logLines: lines, dockerError };
}

/**
 * The hint for a container the host does not have: what the host has, and whether the name came
 * from --container or from the environment's configuration, because the fix differs.
 */
function describeMissingContainer(
  asked: string,
  environmentDefault: string | undefined,
  onHost: string[] | null,
): string {
  const present =
    onHost === null
      ? ''
      : onHost.length === 0
        ? 'the host has no containers at all (the platform is not running: its console may say why, `molectl console`)'
        : `the host's containers: ${onHost.slice(0, 10).join(', ')}${onHost.length > 10 ? ', ...' : ''}`;
  const fix =
    environmentDefault === undefined || asked === environmentDefault
      ? `"${asked}" is the environment's containerName: name the container with --container, or set containerName for the environment in the config file`
      : `"${asked}" came from --container; the environment's platform container is ${environmentDefault} (leave --container out to use it)`;
  return present ? `${present}; ${fix}` : fix;
}
