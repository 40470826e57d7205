import { agentVersionFault } from '../posture-faults.js';
import { hostMatches, type SandboxState, type SimInstance, type SsmOmittableField } from '../state.js';
import { AwsApiError } from './aws-api-error.js';
import { renderJson, type AwsResponse } from './aws-wire.js';
import type { HostRunner } from './host-runner.js';
import {
  readBoolean,
  readNumber,
  readObjectList,
  readString,
  readStringList,
  requireString,
  type JsonInput,
} from './json-input.js';
import { paginateItems } from './pagination.js';
import {
  deleteParameter,
  getParameter,
  listParametersByPath,
  putParameter,
  type ParameterType,
  type ParameterView,
} from './parameter-store.js';
import {
  cancelCommandAction,
  getCommandInvocation,
  listCommandInvocations,
  listCommands,
  sendCommand,
} from './ssm-command-api.js';

/** SSM (JSON 1.1, `X-Amz-Target: AmazonSSM.<Op>`): managed-instance inventory, Run Command, Parameter Store. */
export async function handleSsmAction(
  state: SandboxState,
  hosts: HostRunner,
  requestId: string,
  action: string,
  input: JsonInput,
): Promise<AwsResponse> {
  const reply = (payload: unknown): AwsResponse => renderJson(requestId, payload);
  switch (action) {
    case 'DescribeInstanceInformation':
      return reply(describeInstanceInformation(state, input));
    case 'SendCommand':
      return reply(await sendCommand(state, hosts, input));
    case 'GetCommandInvocation':
      return reply(getCommandInvocation(state, input));
    case 'ListCommandInvocations':
      return reply(listCommandInvocations(state, input));
    case 'ListCommands':
      return reply(listCommands(state, input));
    case 'CancelCommand':
      return reply(cancelCommandAction(state, input));
    case 'PutParameter': {
      const type = readString(input, 'Type');
      if (type !== undefined && type !== 'String' && type !== 'SecureString' && type !== 'StringList') {
        throw new AwsApiError(
          'ValidationException',
          `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`,
        );
      }
      const result = putParameter(state, {
        name: requireString(input, 'Name'),
        value: requireString(input, 'Value'),
        type: type as ParameterType | undefined,
        // A store that ignores Overwrite=false (flag=parameterOverwriteIgnored) writes over an
        // existing value, as an emulator may; AWS refuses with ParameterAlreadyExists.
        overwrite: state.faults.flags['parameterOverwriteIgnored'] ? true : readBoolean(input, 'Overwrite'),
      });
      return reply({ Version: result.version, Tier: result.tier });
    }
    case 'GetParameter':
      return reply({
        Parameter: renderParameter(
          getParameter(state, requireString(input, 'Name'), { withDecryption: readBoolean(input, 'WithDecryption') }),
        ),
      });
    case 'GetParameters': {
      const names = readStringList(input, 'Names') ?? [];
      const found: ParameterView[] = [];
      const invalid: string[] = [];
      for (const name of names) {
        if (state.parameters.has(name))
          found.push(getParameter(state, name, { withDecryption: readBoolean(input, 'WithDecryption') }));
        else invalid.push(name);
      }
      return reply({ Parameters: found.map(renderParameter), InvalidParameters: invalid });
    }
    case 'DeleteParameter':
      deleteParameter(state, requireString(input, 'Name'));
      return reply({});
    case 'GetParametersByPath': {
      const all = listParametersByPath(state, requireString(input, 'Path'), {
        recursive: readBoolean(input, 'Recursive'),
        withDecryption: readBoolean(input, 'WithDecryption'),
      });
      const { page, nextToken } = paginateItems(all, {
        faults: state.faults,
        maxResults: readNumber(input, 'MaxResults'),
        nextToken: readString(input, 'NextToken'),
        defaultSize: 10,
        maxSize: 10,
        scope: `ssm:GetParametersByPath:${String(input['Path'])}`,
        tokenErrorCode: 'InvalidNextToken',
        sizeErrorCode: 'ValidationException',
      });
      return reply({ Parameters: page.map(renderParameter), ...(nextToken ? { NextToken: nextToken } : {}) });
    }
    default:
      throw new AwsApiError('UnknownOperationException', `The sandbox does not simulate AmazonSSM.${action}.`);
  }
}

function renderParameter(view: ParameterView): Record<string, unknown> {
  return {
    Name: view.name,
    Type: view.type,
    Value: view.value,
    Version: view.version,
    LastModifiedDate: view.lastModified,
    ARN: view.arn,
    DataType: 'text',
  };
}

/** PingStatus as SSM reports it: offline faults and stopped or terminated instances read ConnectionLost. */
export function getPingStatus(state: SandboxState, instance: SimInstance): string {
  if (!instance.ssm) return 'Inactive';
  if (hostMatches(instance, state.faults.offlineHosts) || instance.state !== 'running') return 'ConnectionLost';
  return instance.ssm.pingStatus;
}

function describeInstanceInformation(state: SandboxState, input: JsonInput): Record<string, unknown> {
  const filters = [
    ...readObjectList(input, 'InstanceInformationFilterList').map((f) => ({
      key: String(f['key'] ?? ''),
      values: readStringList(f, 'valueSet') ?? [],
    })),
    ...readObjectList(input, 'Filters').map((f) => ({
      key: String(f['Key'] ?? ''),
      values: readStringList(f, 'Values') ?? [],
    })),
  ];
  const predicates = filters.map(({ key, values }) => compileInfoFilter(state, key, values));
  const managed = [...state.instances.values()].filter(
    (i) => i.ssm !== null && i.state !== 'terminated' && predicates.every((p) => p(i)),
  );
  const { page, nextToken } = paginateItems(managed, {
    faults: state.faults,
    maxResults: readNumber(input, 'MaxResults'),
    nextToken: readString(input, 'NextToken'),
    defaultSize: 50,
    minSize: 5,
    maxSize: 50,
    scope: 'ssm:DescribeInstanceInformation',
    tokenErrorCode: 'InvalidNextToken',
    sizeErrorCode: 'ValidationException',
  });
  const omitted = new Set(state.faults.ssmOmittedFields ?? []);
  const unlessOmitted = (field: SsmOmittableField, value: unknown): Record<string, unknown> =>
    omitted.has(field) ? {} : { [field]: value };
  return {
    InstanceInformationList: page.map((i) => ({
      InstanceId: i.instanceId,
      ...unlessOmitted('PingStatus', getPingStatus(state, i)),
      ...unlessOmitted('LastPingDateTime', new Date()),
      ...unlessOmitted('AgentVersion', agentVersionFault(state.faults, i) ?? i.ssm?.agentVersion),
      IsLatestVersion: true,
      PlatformType: i.ssm?.platform,
      PlatformName: 'Amazon Linux',
      PlatformVersion: '2023',
      ResourceType: 'EC2Instance',
      IPAddress: i.privateIp,
      ComputerName: `ip-${i.privateIp.replace(/\./g, '-')}.${state.region}.compute.internal`,
      AssociationStatus: 'Success',
      SourceId: i.instanceId,
      SourceType: 'AWS::EC2::Instance',
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

function compileInfoFilter(state: SandboxState, key: string, values: string[]): (i: SimInstance) => boolean {
  if (key.startsWith('tag:')) {
    const tagKey = key.slice(4);
    return (i) => i.tags.some((t) => t.Key === tagKey && values.includes(t.Value));
  }
  switch (key) {
    case 'InstanceIds': {
      const ids = new Set(values);
      return (i) => ids.has(i.instanceId);
    }
    case 'PingStatus':
      return (i) => values.includes(getPingStatus(state, i));
    case 'PlatformTypes':
      return (i) => values.includes(i.ssm?.platform ?? '');
    case 'ResourceType':
      return () => values.includes('EC2Instance');
    case 'tag-key':
      return (i) => i.tags.some((t) => values.includes(t.Key));
    case 'AgentVersion':
      return (i) => values.includes(agentVersionFault(state.faults, i) ?? i.ssm?.agentVersion ?? '');
    default:
      throw new AwsApiError('InvalidInstanceInformationFilterValue', `The filter key ${key} is not valid.`);
  }
}
