import type { Ec2OmittableField, SandboxState, SimInstance } from '../state.js';
import { AwsApiError } from './aws-api-error.js';
import { EC2_XMLNS, renderXml, xmlItemSet, xmlNode, xmlText, type AwsResponse } from './aws-wire.js';
import { answersImdsV1 } from '../posture-faults.js';
import {
  findInstances,
  INSTANCE_STATE_CODES,
  readConsoleTail,
  requireInstances,
  terminateInstances,
} from './ec2-instances.js';
import {
  filterSecurityGroups,
  listSecurityGroups,
  renderSecurityGroup,
  requireSecurityGroups,
  securityGroupIdOf,
  securityGroupNameOf,
} from './ec2-security-groups.js';
import { paginateItems } from './pagination.js';
import { readEc2Filters, readQueryBool, readQueryInt, readQueryList, type QueryParams } from './query-params.js';

/** EC2 (ec2Query protocol): the actions molectl uses, in EC2's XML shapes. */
export function handleEc2Action(
  state: SandboxState,
  requestId: string,
  action: string,
  params: QueryParams,
): AwsResponse {
  // DryRun is how callers probe permissions; in the sandbox every caller is allowed.
  if (readQueryBool(params, 'DryRun')) {
    throw new AwsApiError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
  }
  switch (action) {
    case 'DescribeInstances':
      return describeInstances(state, requestId, params);
    case 'GetConsoleOutput':
      return getConsoleOutput(state, requestId, params);
    case 'DescribeInstanceAttribute':
      return describeInstanceAttribute(state, requestId, params);
    case 'TerminateInstances':
      return terminate(state, requestId, params);
    case 'DescribeSecurityGroups':
      return describeSecurityGroups(state, requestId, params);
    default:
      throw new AwsApiError('InvalidAction', `The action ${action} is not valid for this web service.`);
  }
}

function describeInstances(state: SandboxState, requestId: string, params: QueryParams): AwsResponse {
  const instanceIds = readQueryList(params, 'InstanceId');
  const maxResults = readQueryInt(params, 'MaxResults');
  if (maxResults !== undefined && instanceIds.length > 0) {
    throw new AwsApiError(
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults',
    );
  }
  // ec2-filters=ignored: an endpoint without Filters support answers every instance.
  const filters = state.faults.ignoreEc2Filters ? [] : readEc2Filters(params);
  const instances = findInstances(state, instanceIds, filters);
  const { page, nextToken } = paginateItems(instances, {
    faults: state.faults,
    maxResults,
    nextToken: params.get('NextToken'),
    // Without MaxResults EC2 returns everything in one page.
    defaultSize: Math.max(instances.length, 1),
    minSize: maxResults === undefined ? 1 : 5,
    maxSize: maxResults === undefined ? Math.max(instances.length, 1) : 1000,
    // A token is only good for the filters it was issued for, as in EC2.
    scope: `ec2:DescribeInstances:${JSON.stringify(filters)}`,
    tokenErrorCode: 'InvalidParameterValue',
    sizeErrorCode: 'InvalidParameterValue',
  });
  const reservations = page.map((instance) =>
    [
      xmlText('reservationId', `r-${instance.instanceId.slice(2)}`),
      xmlText('ownerId', state.accountId),
      xmlNode('groupSet', ''),
      xmlItemSet('instancesSet', [renderInstance(state, instance)]),
    ].join(''),
  );
  const body = [
    xmlText('requestId', requestId),
    xmlItemSet('reservationSet', reservations),
    nextToken ? xmlText('nextToken', nextToken) : '',
  ];
  return renderXml(
    requestId,
    `<DescribeInstancesResponse xmlns="${EC2_XMLNS}">${body.join('')}</DescribeInstancesResponse>`,
  );
}

function renderInstance(state: SandboxState, instance: SimInstance): string {
  const ipDashed = instance.privateIp.replace(/\./g, '-');
  const groupId = securityGroupIdOf(state, instance);
  const groupName = securityGroupNameOf(instance);
  // ec2-omit: an emulator that does not model these fields leaves them out.
  const omitted = new Set(state.faults.ec2OmittedFields ?? []);
  const unless = (field: Ec2OmittableField, xml: string): string => (omitted.has(field) ? '' : xml);
  return [
    xmlText('instanceId', instance.instanceId),
    unless('imageId', xmlText('imageId', 'ami-0a1b2c3d4e5f60718')),
    renderState('instanceState', instance),
    xmlText('privateDnsName', `ip-${ipDashed}.${state.region}.compute.internal`),
    xmlText('dnsName', ''),
    xmlText('reason', instance.state === 'terminated' || instance.state === 'shutting-down' ? 'User initiated' : ''),
    xmlText('amiLaunchIndex', 0),
    xmlNode('productCodes', ''),
    xmlText('instanceType', instance.nitro ? 't3.medium' : 't2.medium'),
    unless('launchTime', xmlText('launchTime', instance.launchTime.toISOString())),
    xmlNode('placement', [
      xmlText('availabilityZone', `${state.region}a`),
      xmlText('groupName', ''),
      xmlText('tenancy', 'default'),
    ]),
    xmlNode('monitoring', xmlText('state', 'disabled')),
    unless('privateIpAddress', xmlText('privateIpAddress', instance.privateIp)),
    xmlText('architecture', 'x86_64'),
    xmlText('rootDeviceType', 'ebs'),
    xmlText('rootDeviceName', '/dev/xvda'),
    xmlNode('iamInstanceProfile', [
      xmlText('arn', `arn:aws:iam::${state.accountId}:instance-profile/${instance.role}`),
      xmlText('id', `AIPA${instance.instanceId.slice(2, 18).toUpperCase()}`),
    ]),
    xmlItemSet(
      'tagSet',
      instance.tags.map((t) => xmlText('key', t.Key) + xmlText('value', t.Value)),
    ),
    xmlText('virtualizationType', 'hvm'),
    xmlText('hypervisor', 'xen'),
    unless(
      'groupSet',
      xmlItemSet(
        'groupSet',
        instance.state === 'terminated' ? [] : [xmlText('groupId', groupId) + xmlText('groupName', groupName)],
      ),
    ),
    unless(
      'metadataOptions',
      xmlNode('metadataOptions', [
        xmlText('state', 'applied'),
        // The CP launches with IMDSv2 required; the imds-v1 fault is an instance someone relaxed.
        xmlText('httpTokens', answersImdsV1(state.faults, instance) ? 'optional' : 'required'),
        xmlText('httpPutResponseHopLimit', 2),
        xmlText('httpEndpoint', 'enabled'),
        xmlText('httpProtocolIpv6', 'disabled'),
        xmlText('instanceMetadataTags', 'disabled'),
      ]),
    ),
  ].join('');
}

function describeSecurityGroups(state: SandboxState, requestId: string, params: QueryParams): AwsResponse {
  const groupIds = readQueryList(params, 'GroupId');
  const all = listSecurityGroups(state);
  requireSecurityGroups(all, groupIds);
  const byId = groupIds.length > 0 ? all.filter((g) => groupIds.includes(g.groupId)) : all;
  const filters = readEc2Filters(params);
  const groups = filterSecurityGroups(byId, filters);
  const maxResults = readQueryInt(params, 'MaxResults');
  const { page, nextToken } = paginateItems(groups, {
    faults: state.faults,
    maxResults,
    nextToken: params.get('NextToken'),
    defaultSize: Math.max(groups.length, 1),
    minSize: maxResults === undefined ? 1 : 5,
    maxSize: maxResults === undefined ? Math.max(groups.length, 1) : 1000,
    scope: `ec2:DescribeSecurityGroups:${JSON.stringify([groupIds, filters])}`,
    tokenErrorCode: 'InvalidParameterValue',
    sizeErrorCode: 'InvalidParameterValue',
  });
  const body = [
    xmlText('requestId', requestId),
    xmlItemSet(
      'securityGroupInfo',
      page.map((g) => renderSecurityGroup(state, g)),
    ),
    nextToken ? xmlText('nextToken', nextToken) : '',
  ];
  return renderXml(
    requestId,
    `<DescribeSecurityGroupsResponse xmlns="${EC2_XMLNS}">${body.join('')}</DescribeSecurityGroupsResponse>`,
  );
}

function renderState(name: string, instance: { state: SimInstance['state'] }): string {
  return xmlNode(name, [xmlText('code', INSTANCE_STATE_CODES[instance.state]), xmlText('name', instance.state)]);
}

function requireOneInstance(state: SandboxState, params: QueryParams): SimInstance {
  const id = params.get('InstanceId');
  if (!id) throw new AwsApiError('MissingParameter', 'The request must contain the parameter InstanceId');
  return requireInstances(state, [id])[0] as SimInstance;
}

function getConsoleOutput(state: SandboxState, requestId: string, params: QueryParams): AwsResponse {
  const instance = requireOneInstance(state, params);
  if (readQueryBool(params, 'Latest') && !instance.nitro && state.faults.latestRefusedAs) {
    throw new AwsApiError(
      state.faults.latestRefusedAs,
      'The Latest parameter is only supported on instance types built on the Nitro System.',
    );
  }
  if (readQueryBool(params, 'Latest') && !instance.nitro) {
    throw new AwsApiError(
      'UnsupportedOperation',
      'This instance type does not support retrieving the latest console logs.',
    );
  }
  const tail = readConsoleTail(instance, state.faults.consoleWindowBytes);
  const body = [
    xmlText('requestId', requestId),
    xmlText('instanceId', instance.instanceId),
    state.faults.consoleTimestamp === 'omitted' ? '' : xmlText('timestamp', instance.consoleUpdatedAt.toISOString()),
    tail.length > 0
      ? xmlText('output', state.faults.consoleEncoding === 'plain' ? tail.toString('utf8') : tail.toString('base64'))
      : '',
  ];
  return renderXml(
    requestId,
    `<GetConsoleOutputResponse xmlns="${EC2_XMLNS}">${body.join('')}</GetConsoleOutputResponse>`,
  );
}

function describeInstanceAttribute(state: SandboxState, requestId: string, params: QueryParams): AwsResponse {
  const instance = requireOneInstance(state, params);
  const attribute = params.get('Attribute');
  let value: string;
  switch (attribute) {
    case 'userData':
      value =
        instance.userData === ''
          ? xmlNode('userData', '')
          : xmlNode('userData', xmlText('value', Buffer.from(instance.userData, 'utf8').toString('base64')));
      break;
    case 'instanceType':
      value = xmlNode('instanceType', xmlText('value', instance.nitro ? 't3.medium' : 't2.medium'));
      break;
    case 'disableApiTermination':
      value = xmlNode('disableApiTermination', xmlText('value', 'false'));
      break;
    default:
      throw new AwsApiError(
        'InvalidParameterValue',
        `Value (${attribute ?? ''}) for parameter attribute is invalid. Unknown attribute.`,
      );
  }
  const body = [xmlText('requestId', requestId), xmlText('instanceId', instance.instanceId), value];
  return renderXml(
    requestId,
    `<DescribeInstanceAttributeResponse xmlns="${EC2_XMLNS}">${body.join('')}</DescribeInstanceAttributeResponse>`,
  );
}

function terminate(state: SandboxState, requestId: string, params: QueryParams): AwsResponse {
  const ids = readQueryList(params, 'InstanceId');
  if (ids.length === 0) throw new AwsApiError('MissingParameter', 'The request must contain the parameter InstanceId');
  const changes = terminateInstances(state, ids);
  const items = changes.map((c) =>
    [
      xmlText('instanceId', c.instanceId),
      renderState('currentState', { state: c.currentState }),
      renderState('previousState', { state: c.previousState }),
    ].join(''),
  );
  const body = [xmlText('requestId', requestId), xmlItemSet('instancesSet', items)];
  return renderXml(
    requestId,
    `<TerminateInstancesResponse xmlns="${EC2_XMLNS}">${body.join('')}</TerminateInstancesResponse>`,
  );
}
