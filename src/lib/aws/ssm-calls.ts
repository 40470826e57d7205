import type { CommandInvocation, InstanceInformation } from '@aws-sdk/client-ssm';
import { MolectlError } from '../errors.js';
import type {
  SentCommand,
  InvocationOutput,
  InvocationSummary,
  ManagedInstance,
  SendShellCommandInput,
} from './aws-types.js';
import type { AwsInvoker } from './aws-invoker.js';
import { chunkIds, collectPages, mapChunks } from './collect-pages.js';
import {
  SSM_MAX_INSTANCE_IDS_PER_COMMAND,
  SSM_MAX_INSTANCE_IDS_PER_FILTER,
  SSM_MAX_PAGE_SIZE,
  SSM_MIN_PAGE_SIZE_DESCRIBE_INSTANCES,
} from './ssm-limits.js';

/** DescribeInstanceInformation calls in flight at once for a list of ids. */
const CHUNKS_AT_ONCE = 16;

/** DescribeInstanceInformation, every page; with ids, only those (in chunks of SSM's filter limit). */
export async function describeManagedInstances(aws: AwsInvoker, instanceIds?: string[]): Promise<ManagedInstance[]> {
  return aws.invoke('ssm', 'DescribeInstanceInformation', async ({ client, sdk, sendOptions }) => {
    const fetchAll = (ids: string[] | undefined): Promise<InstanceInformation[]> =>
      collectPages(
        (token) =>
          client.send(
            new sdk.DescribeInstanceInformationCommand({
              MaxResults: SSM_MAX_PAGE_SIZE,
              ...(ids ? { Filters: [{ Key: 'InstanceIds', Values: ids }] } : {}),
              ...(token ? { NextToken: token } : {}),
            }),
            sendOptions,
          ),
        (page) => ({ items: page.InstanceInformationList, nextToken: page.NextToken }),
      );
    if (instanceIds === undefined) return (await fetchAll(undefined)).map(toManagedInstance);
    if (instanceIds.length === 0) return [];
    const groups = await mapChunks(chunkIds(instanceIds, SSM_MAX_INSTANCE_IDS_PER_FILTER), CHUNKS_AT_ONCE, fetchAll);
    return groups.flat().map(toManagedInstance);
  });
}

export async function sampleManagedInstances(
  aws: AwsInvoker,
  limit = 5,
): Promise<{ instances: ManagedInstance[]; more: boolean }> {
  const size = Math.min(SSM_MAX_PAGE_SIZE, Math.max(SSM_MIN_PAGE_SIZE_DESCRIBE_INSTANCES, limit));
  return aws.invoke('ssm', 'DescribeInstanceInformation', async ({ client, sdk, sendOptions }) => {
    const page = await client.send(new sdk.DescribeInstanceInformationCommand({ MaxResults: size }), sendOptions);
    return { instances: (page.InstanceInformationList ?? []).map(toManagedInstance), more: Boolean(page.NextToken) };
  });
}

/** `SSM agent ConnectionLost`, or what was not said: for reasons a host was not sent a script. */
export function describePingStatus(managed: ManagedInstance): string {
  return managed.pingStatus === null ? 'SSM gave no PingStatus for the agent' : `SSM agent ${managed.pingStatus}`;
}

function toManagedInstance(info: InstanceInformation): ManagedInstance {
  return {
    instanceId: info.InstanceId ?? '',
    pingStatus: info.PingStatus ?? null,
    agentVersion: info.AgentVersion ?? null,
    platformType: info.PlatformType ?? null,
    lastPingAt: info.LastPingDateTime ?? null,
  };
}

/**
 * Runs AWS-RunShellScript on at most SSM_MAX_INSTANCE_IDS_PER_COMMAND (50) instances. Refuses, before anything is sent, a command
 * that holds a value registered with the redactor: SSM keeps commands and parameters readable
 * to anyone with ssm:ListCommands or CloudTrail access, so secrets are fetched on the host.
 */
export async function sendShellCommand(aws: AwsInvoker, input: SendShellCommandInput): Promise<{ commandId: string }> {
  checkShellCommand(aws, input);
  const target =
    input.instanceIds.length <= 3
      ? input.instanceIds.join(', ')
      : `${input.instanceIds.length} instances (${input.instanceIds[0]}, ...)`;
  return aws.invoke(
    'ssm',
    'SendCommand',
    async ({ client, sdk, sendOptions }) => {
      const parameters: Record<string, string[]> = { commands: input.commands };
      if (input.timeoutSeconds !== undefined) parameters['executionTimeout'] = [String(input.timeoutSeconds)];
      const answer = await client.send(
        new sdk.SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: input.instanceIds,
          Parameters: parameters,
          ...(input.comment !== undefined ? { Comment: input.comment.slice(0, 100) } : {}),
          ...(input.deliveryTimeoutSeconds !== undefined ? { TimeoutSeconds: input.deliveryTimeoutSeconds } : {}),
          ...(input.maxConcurrency !== undefined ? { MaxConcurrency: input.maxConcurrency } : {}),
          ...(input.maxErrors !== undefined ? { MaxErrors: input.maxErrors } : {}),
        }),
        sendOptions,
      );
      const commandId = answer.Command?.CommandId;
      if (!commandId)
        throw new MolectlError('SSM accepted SendCommand but returned no command id', {
          hint: 'list recent commands with `aws ssm list-commands` before retrying, to avoid running it twice',
        });
      return { commandId };
    },
    {
      target,
      ...(input.readOnly ? {} : { retry: 'throttling-only' as const }),
      ...(input.onThrottled ? { onThrottled: input.onThrottled } : {}),
    },
  );
}

export function checkShellCommand(aws: Pick<AwsInvoker, 'redactor'>, input: SendShellCommandInput): void {
  if (input.instanceIds.length === 0)
    throw new MolectlError('an SSM command needs at least one instance id', {
      hint: 'this is a molectl bug: report it',
    });
  if (input.instanceIds.length > SSM_MAX_INSTANCE_IDS_PER_COMMAND) {
    throw new MolectlError(
      `an SSM command was given ${input.instanceIds.length} instance ids; SSM takes at most ${SSM_MAX_INSTANCE_IDS_PER_COMMAND} per call`,
      {
        hint: `this is a molectl bug: the caller must send batches of at most ${SSM_MAX_INSTANCE_IDS_PER_COMMAND}`,
      },
    );
  }
  const texts = [...input.commands, input.comment ?? ''];
  if (texts.some((text) => aws.redactor.containsRegistered(text))) {
    throw new MolectlError('refusing to send an SSM command that contains a secret value', {
      hint: 'SSM keeps command text readable to anyone with ssm:ListCommands: the host must fetch the secret itself (Secrets Manager or a SecureString parameter)',
    });
  }
}

/** Every invocation of a command, with the 2,500-character output preview SSM keeps. */
export async function listInvocations(aws: AwsInvoker, commandId: string): Promise<InvocationSummary[]> {
  return aws.invoke(
    'ssm',
    'ListCommandInvocations',
    async ({ client, sdk, sendOptions }) => {
      const rows = await collectPages(
        (token) =>
          client.send(
            new sdk.ListCommandInvocationsCommand({
              CommandId: commandId,
              Details: true,
              MaxResults: SSM_MAX_PAGE_SIZE,
              ...(token ? { NextToken: token } : {}),
            }),
            sendOptions,
          ),
        (page) => ({ items: page.CommandInvocations, nextToken: page.NextToken }),
      );
      return rows.map((row) => toInvocationSummary(commandId, row));
    },
    { target: `SSM command ${commandId}` },
  );
}

function toInvocationSummary(commandId: string, row: CommandInvocation): InvocationSummary {
  const plugin = row.CommandPlugins?.[0];
  const finishedAfterMs =
    plugin?.ResponseFinishDateTime && row.RequestedDateTime
      ? plugin.ResponseFinishDateTime.getTime() - row.RequestedDateTime.getTime()
      : null;
  return {
    commandId: row.CommandId ?? commandId,
    instanceId: row.InstanceId ?? '',
    status: row.Status ?? 'Unknown',
    statusDetails: row.StatusDetails ?? null,
    responseCode: plugin?.ResponseCode ?? null,
    outputPreview: plugin?.Output ?? null,
    finishedAfterMs:
      finishedAfterMs !== null && Number.isFinite(finishedAfterMs) && finishedAfterMs >= 0 ? finishedAfterMs : null,
  };
}

/** Null while SSM has not created the invocation yet (right after SendCommand). */
export async function getInvocationOutput(
  aws: AwsInvoker,
  commandId: string,
  instanceId: string,
): Promise<InvocationOutput | null> {
  return aws.invoke<'ssm', InvocationOutput | null>(
    'ssm',
    'GetCommandInvocation',
    async ({ client, sdk, sendOptions }) => {
      const answer = await client.send(
        new sdk.GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
        sendOptions,
      );
      return {
        status: answer.Status ?? 'Unknown',
        statusDetails: answer.StatusDetails ?? null,
        // -1 is SSM's "not finished yet".
        responseCode: answer.ResponseCode === undefined || answer.ResponseCode === -1 ? null : answer.ResponseCode,
        stdout: answer.StandardOutputContent ?? '',
        stderr: answer.StandardErrorContent ?? '',
      };
    },
    { target: `SSM command ${commandId} on ${instanceId}`, expected: { InvocationDoesNotExist: () => null } },
  );
}

export async function cancelCommand(aws: AwsInvoker, commandId: string, instanceIds?: string[]): Promise<void> {
  await aws.invoke(
    'ssm',
    'CancelCommand',
    async ({ client, sdk, sendOptions }) => {
      await client.send(
        new sdk.CancelCommandCommand({
          CommandId: commandId,
          ...(instanceIds && instanceIds.length > 0 ? { InstanceIds: instanceIds } : {}),
        }),
        sendOptions,
      );
    },
    { target: `SSM command ${commandId}` },
  );
}

/**
 * Run Command commands requested since `since`, newest first (ListCommands, every page): how a
 * resume finds a command a killed run sent but never recorded, by the comment it sent it with.
 */
export async function listCommandsSince(aws: AwsInvoker, since: Date): Promise<SentCommand[]> {
  return aws.invoke('ssm', 'ListCommands', async ({ client, sdk, sendOptions }) =>
    (
      await collectPages(
        (token) =>
          client.send(
            new sdk.ListCommandsCommand({
              Filters: [{ key: 'InvokedAfter', value: since.toISOString() }],
              MaxResults: SSM_MAX_PAGE_SIZE,
              ...(token ? { NextToken: token } : {}),
            }),
            sendOptions,
          ),
        (page) => ({ items: page.Commands ?? [], nextToken: page.NextToken }),
      )
    ).map((c) => ({
      commandId: c.CommandId ?? '',
      comment: c.Comment ?? '',
      instanceIds: c.InstanceIds ?? [],
      requestedAt: c.RequestedDateTime ? new Date(c.RequestedDateTime) : null,
    })),
  );
}
