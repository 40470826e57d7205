import type { SandboxState, SimCommand, SimInstance, SimInvocation } from '../state.js';
import { AwsApiError } from './aws-api-error.js';
import type { HostRunner } from './host-runner.js';
import {
  readNumber,
  readObject,
  readObjectList,
  readString,
  readStringList,
  requireString,
  type JsonInput,
} from './json-input.js';
import { paginateItems } from './pagination.js';
import { cancelCommand, getSsmTimings, startCommand } from './ssm-command-runner.js';
import { countInvocations, describeCommandStatus, describeInvocationStatus } from './ssm-status.js';

/** SSM Run Command operations: SendCommand, GetCommandInvocation, ListCommandInvocations, ListCommands, CancelCommand. */

const STDOUT_CAP = 24_000;
const STDERR_CAP = 8_000;
const PLUGIN_OUTPUT_CAP = 2_500;
const PLUGIN_NAME = 'aws:runShellScript';
const CONCURRENCY_PATTERN = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
const ERRORS_PATTERN = /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/;

export async function sendCommand(
  state: SandboxState,
  hosts: HostRunner,
  input: JsonInput,
): Promise<Record<string, unknown>> {
  const documentName = requireString(input, 'DocumentName');
  if (documentName !== 'AWS-RunShellScript')
    throw new AwsApiError('InvalidDocument', `Document with name ${documentName} does not exist.`);
  const parameters = readParameters(input);
  const commands = parameters['commands'] ?? [];
  if (commands.length === 0) throw new AwsApiError('InvalidParameters', 'Parameter "commands" is required.');
  const executionTimeoutSeconds = readExecutionTimeout(parameters);
  const instanceIds = readStringList(input, 'InstanceIds') ?? [];
  const targets = readObjectList(input, 'Targets').map((t) => ({
    Key: String(t['Key'] ?? ''),
    Values: readStringList(t, 'Values') ?? [],
  }));
  if (instanceIds.length > 50) {
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value '[${instanceIds.join(', ')}]' at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50`,
    );
  }
  if (targets.length > 5) {
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length less than or equal to 5`,
    );
  }
  if (instanceIds.length > 0 === targets.length > 0) {
    throw new AwsApiError('ValidationException', 'Exactly one of InstanceIds or Targets must be specified.');
  }
  const maxConcurrency = readString(input, 'MaxConcurrency') ?? '50';
  const maxErrors = readString(input, 'MaxErrors') ?? '0';
  if (!CONCURRENCY_PATTERN.test(maxConcurrency))
    throw patternError('maxConcurrency', maxConcurrency, CONCURRENCY_PATTERN);
  if (!ERRORS_PATTERN.test(maxErrors)) throw patternError('maxErrors', maxErrors, ERRORS_PATTERN);
  const timeoutSeconds = readNumber(input, 'TimeoutSeconds') ?? 3600;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 30 || timeoutSeconds > 2_592_000) {
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value '${timeoutSeconds}' at 'timeoutSeconds' failed to satisfy constraint: Member must have value between 30 and 2592000`,
    );
  }
  const instances =
    instanceIds.length > 0 ? requireManagedInstances(state, instanceIds) : resolveTargets(state, targets);
  const command = startCommand(state, hosts, {
    documentName,
    commands,
    parameters,
    comment: readString(input, 'Comment') ?? '',
    instances,
    targets,
    maxConcurrency,
    maxErrors,
    timeoutSeconds,
    executionTimeoutSeconds,
  });
  return { Command: renderCommand(command, executionTimeoutSeconds) };
}

export function getCommandInvocation(state: SandboxState, input: JsonInput): Record<string, unknown> {
  const commandId = requireString(input, 'CommandId');
  const instanceId = requireString(input, 'InstanceId');
  const pluginName = readString(input, 'PluginName');
  const command = state.commands.get(commandId);
  const inv =
    command && isVisible(state, command) ? command.invocations.find((i) => i.instanceId === instanceId) : undefined;
  if (!command || !inv || (pluginName !== undefined && pluginName !== PLUGIN_NAME && pluginName !== 'runShellScript')) {
    throw new AwsApiError('InvocationDoesNotExist', '');
  }
  // ssm-get-lag=<n>: GetCommandInvocation lags the list, answering a finished invocation as still
  // InProgress (no exit code, no output) the first n times it is asked.
  const lag = state.faults.getInvocationLag ?? 0;
  if (lag > 0 && inv.finishedAt && (inv.getReads = (inv.getReads ?? 0) + 1) <= lag) {
    return {
      CommandId: command.commandId,
      InstanceId: inv.instanceId,
      DocumentName: command.documentName,
      PluginName: PLUGIN_NAME,
      ResponseCode: -1,
      Status: 'InProgress',
      StatusDetails: 'InProgress',
      StandardOutputContent: '',
      StandardErrorContent: '',
    };
  }
  const { status, statusDetails } = describeInvocationStatus(inv.status);
  return {
    CommandId: command.commandId,
    InstanceId: inv.instanceId,
    Comment: command.comment,
    DocumentName: command.documentName,
    DocumentVersion: '$DEFAULT',
    PluginName: PLUGIN_NAME,
    ResponseCode: inv.responseCode,
    ExecutionStartDateTime: inv.startedAt ? inv.startedAt.toISOString() : '',
    ExecutionElapsedTime: inv.startedAt
      ? `PT${(((inv.finishedAt ?? new Date()).getTime() - inv.startedAt.getTime()) / 1000).toFixed(3)}S`
      : '',
    ExecutionEndDateTime: inv.finishedAt && inv.startedAt ? inv.finishedAt.toISOString() : '',
    Status: status,
    StatusDetails: statusDetails,
    StandardOutputContent: capOutput(state, inv.stdout, STDOUT_CAP),
    StandardOutputUrl: '',
    StandardErrorContent: capOutput(state, inv.stderr, STDERR_CAP),
    StandardErrorUrl: '',
    CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
  };
}

/** AWS keeps an output's first `cap` characters; the `ssm-output-cut` fault keeps both ends instead. */
function capOutput(state: SandboxState, text: string, cap: number): string {
  const cut = state.faults.ssmOutputCut;
  if (!cut) return text.slice(0, cap);
  if (text.length <= cut.head + cut.tail) return text;
  return `${text.slice(0, cut.head)}\n${cut.tail > 0 ? text.slice(-cut.tail) : ''}`;
}

export function listCommandInvocations(state: SandboxState, input: JsonInput): Record<string, unknown> {
  const commandId = readString(input, 'CommandId');
  const instanceId = readString(input, 'InstanceId');
  const details = input['Details'] === true;
  let commands: SimCommand[];
  if (commandId) {
    const command = state.commands.get(commandId);
    if (!command) throw new AwsApiError('InvalidCommandId', '');
    commands = [command];
  } else {
    commands = [...state.commands.values()].reverse();
  }
  const rows: { command: SimCommand; inv: SimInvocation }[] = [];
  for (const command of commands) {
    if (!isVisible(state, command)) continue; // SSM lists nothing for a command this fresh
    for (const inv of command.invocations)
      if (!instanceId || inv.instanceId === instanceId) rows.push({ command, inv });
  }
  const { page, nextToken } = paginateItems(rows, {
    faults: state.faults,
    maxResults: readNumber(input, 'MaxResults'),
    nextToken: readString(input, 'NextToken'),
    defaultSize: 50,
    maxSize: 50,
    scope: `ssm:ListCommandInvocations:${commandId ?? ''}:${instanceId ?? ''}`,
    tokenErrorCode: 'InvalidNextToken',
    sizeErrorCode: 'ValidationException',
  });
  return {
    CommandInvocations: page.map(({ command, inv }) => renderInvocation(state, command, inv, details)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

export function listCommands(state: SandboxState, input: JsonInput): Record<string, unknown> {
  const commandId = readString(input, 'CommandId');
  const instanceId = readString(input, 'InstanceId');
  let commands = [...state.commands.values()].reverse(); // newest first, as SSM lists them
  if (commandId) {
    const command = state.commands.get(commandId);
    if (!command) throw new AwsApiError('InvalidCommandId', '');
    commands = [command];
  }
  if (instanceId) commands = commands.filter((c) => c.invocations.some((i) => i.instanceId === instanceId));
  for (const filter of readObjectList(input, 'Filters')) {
    const key = String(filter['key'] ?? '');
    const value = String(filter['value'] ?? '');
    if (key === 'Status') commands = commands.filter((c) => describeCommandStatus(c).status === value);
    else if (key === 'DocumentName') commands = commands.filter((c) => c.documentName === value);
    else if (key === 'InvokedAfter') commands = commands.filter((c) => c.requestedAt >= new Date(value));
    else if (key === 'InvokedBefore') commands = commands.filter((c) => c.requestedAt <= new Date(value));
    else throw new AwsApiError('InvalidFilterKey', '');
  }
  const { page, nextToken } = paginateItems(commands, {
    faults: state.faults,
    maxResults: readNumber(input, 'MaxResults'),
    nextToken: readString(input, 'NextToken'),
    defaultSize: 50,
    maxSize: 50,
    scope: 'ssm:ListCommands',
    tokenErrorCode: 'InvalidNextToken',
    sizeErrorCode: 'ValidationException',
  });
  return {
    Commands: page.map((c) => renderCommand(c, readExecutionTimeout(c.parameters))),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

export function cancelCommandAction(state: SandboxState, input: JsonInput): Record<string, unknown> {
  cancelCommand(state, requireString(input, 'CommandId'), readStringList(input, 'InstanceIds') ?? []);
  return {};
}

function renderCommand(command: SimCommand, executionTimeoutSeconds: number): Record<string, unknown> {
  const { status, statusDetails } = describeCommandStatus(command);
  const counts = countInvocations(command);
  return {
    CommandId: command.commandId,
    DocumentName: command.documentName,
    DocumentVersion: '$DEFAULT',
    Comment: command.comment,
    ExpiresAfter: new Date(command.requestedAt.getTime() + (command.timeoutSeconds + executionTimeoutSeconds) * 1000),
    // SSM keeps and returns the parameters: the reason secrets must never be sent in them.
    Parameters: command.parameters,
    InstanceIds: command.instanceIds,
    Targets: command.targets,
    RequestedDateTime: command.requestedAt,
    Status: status,
    StatusDetails: statusDetails,
    OutputS3Region: '',
    OutputS3BucketName: '',
    OutputS3KeyPrefix: '',
    MaxConcurrency: command.maxConcurrency,
    MaxErrors: command.maxErrors,
    TargetCount: counts.targetCount,
    CompletedCount: counts.completedCount,
    ErrorCount: counts.errorCount,
    DeliveryTimedOutCount: counts.deliveryTimedOutCount,
    ServiceRole: '',
    NotificationConfig: { NotificationArn: '', NotificationEvents: [], NotificationType: '' },
    CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
    TimeoutSeconds: command.timeoutSeconds,
  };
}

function renderInvocation(
  state: SandboxState,
  command: SimCommand,
  inv: SimInvocation,
  details: boolean,
): Record<string, unknown> {
  const { status, statusDetails } = describeInvocationStatus(inv.status);
  const instance = state.instances.get(inv.instanceId);
  const output = inv.stderr ? `${inv.stdout}\n----------ERROR-------\n${inv.stderr}` : inv.stdout;
  return {
    CommandId: command.commandId,
    InstanceId: inv.instanceId,
    InstanceName: instance?.tags.find((t) => t.Key === 'Name')?.Value ?? '',
    Comment: command.comment,
    DocumentName: command.documentName,
    DocumentVersion: '$DEFAULT',
    RequestedDateTime: inv.requestedAt,
    Status: status,
    StatusDetails: statusDetails,
    TraceOutput: '',
    StandardOutputUrl: '',
    StandardErrorUrl: '',
    CommandPlugins: details
      ? [
          {
            Name: PLUGIN_NAME,
            Status: status,
            StatusDetails: statusDetails,
            ResponseCode: inv.responseCode,
            ...(inv.startedAt ? { ResponseStartDateTime: inv.startedAt } : {}),
            ...(inv.finishedAt && inv.startedAt ? { ResponseFinishDateTime: inv.finishedAt } : {}),
            Output: capOutput(state, output, PLUGIN_OUTPUT_CAP),
            StandardOutputUrl: '',
            StandardErrorUrl: '',
            OutputS3Region: '',
            OutputS3BucketName: '',
            OutputS3KeyPrefix: '',
          },
        ]
      : [],
    ServiceRole: '',
    NotificationConfig: { NotificationArn: '', NotificationEvents: [], NotificationType: '' },
    CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
  };
}

/** Real SSM answers InvocationDoesNotExist for a short while after SendCommand returns. */
function isVisible(state: SandboxState, command: SimCommand): boolean {
  return Date.now() - command.requestedAt.getTime() >= getSsmTimings(state).invisibleMs;
}

function readParameters(input: JsonInput): Record<string, string[]> {
  const raw = readObject(input, 'Parameters') ?? {};
  const out: Record<string, string[]> = {};
  for (const key of Object.keys(raw)) {
    const values = readStringList(raw, key);
    if (values) out[key] = values;
  }
  return out;
}

function readExecutionTimeout(parameters: Record<string, string[]>): number {
  const raw = parameters['executionTimeout']?.[0];
  if (raw === undefined) return 3600;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 172_800) {
    throw new AwsApiError('InvalidParameters', 'Parameter "executionTimeout" must be an integer between 1 and 172800.');
  }
  return value;
}

/** Explicit InstanceIds must exist, be SSM-managed and not terminated, else InvalidInstanceId. */
function requireManagedInstances(state: SandboxState, ids: string[]): SimInstance[] {
  const bad = ids.filter((id) => {
    const instance = state.instances.get(id);
    return !instance || !instance.ssm || instance.state === 'terminated' || instance.state === 'shutting-down';
  });
  if (bad.length > 0) {
    throw new AwsApiError(
      'InvalidInstanceId',
      `Instances [[${bad.join(', ')}]] not in a valid state for account ${state.accountId}`,
    );
  }
  return [...new Set(ids)].map((id) => state.instances.get(id) as SimInstance);
}

/** Tag and id Targets, ANDed together; only SSM-managed, non-terminated instances are targeted. */
function resolveTargets(state: SandboxState, targets: { Key: string; Values: string[] }[]): SimInstance[] {
  const predicates = targets.map(({ Key, Values }) => {
    if (Key === 'InstanceIds') return (i: SimInstance) => Values.includes(i.instanceId);
    if (Key === 'tag-key') return (i: SimInstance) => i.tags.some((t) => Values.includes(t.Key));
    if (Key.startsWith('tag:')) {
      const key = Key.slice(4);
      return (i: SimInstance) => i.tags.some((t) => t.Key === key && Values.includes(t.Value));
    }
    throw new AwsApiError(
      'ValidationException',
      `Target key ${Key} is not supported by the sandbox (use InstanceIds, tag:<key> or tag-key).`,
    );
  });
  return [...state.instances.values()].filter(
    (i) => i.ssm !== null && i.state !== 'terminated' && i.state !== 'shutting-down' && predicates.every((p) => p(i)),
  );
}

function patternError(member: string, value: string, pattern: RegExp): AwsApiError {
  return new AwsApiError(
    'ValidationException',
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source.slice(1, -1)}`,
  );
}
