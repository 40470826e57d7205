import type { Filter, Instance } from '@aws-sdk/client-ec2';
import type { ConsoleOutput, InstanceQuery, InstanceSummary } from './aws-types.js';
import type { AwsInvoker } from './aws-invoker.js';
import { chunkIds, collectPages, mapChunks } from './collect-pages.js';
import { MolectlError } from '../errors.js';
import { compileEc2Wildcard } from './ec2-wildcard.js';

/**
 * EC2 keeps "the most recent 64 KB" of a console, without saying whether that is 65,536 or 64,000
 * bytes, and an emulator may keep either: an answer of 64,000 bytes or more is taken for a full
 * window whose first line was cut (dropping a whole first line costs one boot banner line;
 * showing a cut one can show the tail of a secret whose name was cut off).
 */
const CONSOLE_WINDOW_FULL_BYTES = 64_000;

/** DescribeInstances' largest page (MaxResults), EC2's own maximum. */
export const DESCRIBE_INSTANCES_PAGE = 1000;

/** DescribeInstances, every page, as InstanceSummary rows. */
export async function listInstances(aws: AwsInvoker, query: InstanceQuery): Promise<InstanceSummary[]> {
  const filters = buildInstanceFilters(query);
  const ids = query.instanceIds ?? [];
  const target = ids.length > 0 ? `instance ${ids.join(', ')}` : undefined;
  return aws.invoke(
    'ec2',
    'DescribeInstances',
    async ({ client, sdk, sendOptions }) => {
      const fetchAll = (instanceIds: string[] | undefined): Promise<Instance[]> =>
        collectPages(
          // EC2 refuses MaxResults together with InstanceIds; without ids, pages of EC2's most
          // (1,000): each page is a round trip that waits on the one before (its NextToken), so
          // 10,000 tenants take 10 of them, not 20 (~0.5 s less on the sandbox's 10,000-tenant
          // apply, where each page costs 20 ms of latency and a parse on either side).
          (token) =>
            client.send(
              new sdk.DescribeInstancesCommand({
                ...(instanceIds ? { InstanceIds: instanceIds } : { MaxResults: DESCRIBE_INSTANCES_PAGE }),
                ...(filters.length > 0 ? { Filters: filters } : {}),
                ...(token ? { NextToken: token } : {}),
              }),
              sendOptions,
            ),
          (page) => ({ items: (page.Reservations ?? []).flatMap((r) => r.Instances ?? []), nextToken: page.NextToken }),
        );
      const instances =
        ids.length > 0 ? (await mapChunks(chunkIds(ids, 200), 8, fetchAll)).flat() : await fetchAll(undefined);
      const contradicts = contradictionOf(query);
      return instances.map(toInstanceSummary).filter((instance) => !contradicts(instance));
    },
    target ? { target } : {},
  );
}

/**
 * The test for rows EC2 returned that plainly do not match what was asked: an id not asked for, a
 * known state not asked for, a tag with another value, or a tag key missing from an instance that
 * has tags. The filters are EC2's job, but an endpoint that ignores them (an emulator without tag
 * filters) would hand over every instance of the account: workspaces counted as tenants, a
 * terminated instance reported as a costly orphan, another instance's console shown. What EC2
 * left unsaid (no State, no Tags at all) is not held against a row. Built once per query: a
 * listing can hold tens of thousands of rows.
 */
export function contradictionOf(query: InstanceQuery): (instance: InstanceSummary) => boolean {
  const ids = query.instanceIds && query.instanceIds.length > 0 ? new Set(query.instanceIds) : null;
  const states = query.states && query.states.length > 0 ? new Set<string>(query.states) : null;
  const tags = Object.entries(query.tags ?? {}).map(([key, value]) => [key, compileEc2Wildcard(value)] as const);
  const tagKeys = query.tagKeys ?? [];
  return (instance) => {
    if (ids && !ids.has(instance.instanceId)) return true;
    if (states && instance.state !== 'unknown' && !states.has(instance.state)) return true;
    const hasTags = Object.keys(instance.tags).length > 0;
    for (const [key, pattern] of tags) {
      const held = instance.tags[key];
      if (held === undefined ? hasTags : !pattern.test(held)) return true;
    }
    return hasTags && tagKeys.some((key) => instance.tags[key] === undefined);
  };
}

export function buildInstanceFilters(query: InstanceQuery): Filter[] {
  const filters: Filter[] = [];
  for (const [key, value] of Object.entries(query.tags ?? {})) filters.push({ Name: `tag:${key}`, Values: [value] });
  if (query.tagKeys && query.tagKeys.length > 0) {
    // One filter per key: EC2 ORs the values of a single filter, and every key must be present.
    for (const key of query.tagKeys) filters.push({ Name: 'tag-key', Values: [key] });
  }
  if (query.states && query.states.length > 0) filters.push({ Name: 'instance-state-name', Values: query.states });
  return filters;
}

function toInstanceSummary(instance: Instance): InstanceSummary {
  const tags: Record<string, string> = {};
  for (const tag of instance.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  return {
    instanceId: instance.InstanceId ?? '',
    state: instance.State?.Name ?? 'unknown',
    launchTime: instance.LaunchTime ?? null,
    tags,
    name: tags['Name'] ?? null,
    privateIp: instance.PrivateIpAddress ?? null,
    imageId: instance.ImageId ?? null,
    metadataOptions: instance.MetadataOptions
      ? {
          httpTokens: instance.MetadataOptions.HttpTokens ?? null,
          httpEndpoint: instance.MetadataOptions.HttpEndpoint ?? null,
        }
      : null,
    // Absent when EC2 named none: every live instance has at least one group, so an answer without
    // them says nothing about what admits traffic (an emulator that does not model groups).
    securityGroupIds: readGroupIds(instance),
  };
}

function readGroupIds(instance: Instance): string[] | undefined {
  const ids = (instance.SecurityGroups ?? []).map((g) => g.GroupId ?? '').filter((id) => id !== '');
  return ids.length > 0 ? ids : undefined;
}

/**
 * The serial console, decoded. Asking for the latest output on an instance that cannot give it
 * (only Nitro can) falls back to the regular snapshot and says so with `latest: false`.
 * The text can hold secrets (user-data traces): callers scrub it before showing it.
 */
export async function getConsoleOutput(
  aws: AwsInvoker,
  instanceId: string,
  options: { latest?: boolean } = {},
): Promise<ConsoleOutput> {
  const fetchOnce = (latest: boolean): Promise<ConsoleOutput | 'unsupported'> =>
    aws.invoke<'ec2', ConsoleOutput | 'unsupported'>(
      'ec2',
      'GetConsoleOutput',
      async ({ client, sdk, sendOptions }) => {
        const answer = await client.send(
          new sdk.GetConsoleOutputCommand({ InstanceId: instanceId, ...(latest ? { Latest: true } : {}) }),
          sendOptions,
        );
        const bytes = decodeConsoleOutput(answer.Output ?? '', instanceId);
        return {
          instanceId,
          text: bytes.toString('utf8'),
          timestamp: answer.Timestamp ?? null,
          truncated: bytes.length >= CONSOLE_WINDOW_FULL_BYTES || startsInsideCharacter(bytes),
          latest,
        };
      },
      { target: `instance ${instanceId}`, expected: latest ? { UnsupportedOperation: () => 'unsupported' } : {} },
    );
  const first = await fetchOnce(Boolean(options.latest));
  if (first !== 'unsupported') return first;
  const fallback = await fetchOnce(false);
  return fallback as ConsoleOutput;
}

/** A UTF-8 continuation byte first: the window was cut inside a character, so inside a line. */
function startsInsideCharacter(bytes: Buffer): boolean {
  return bytes.length > 0 && (bytes[0]! & 0xc0) === 0x80;
}

/**
 * EC2 sends the console base64-encoded. Node's decoder skips what is not base64 and decodes the
 * rest, so text sent as it is (an emulator, a proxy) would come back as bytes of noise in which
 * no secret and no failure signature can be found: a console audited clean that nobody read.
 * Anything but well-formed base64 is an error instead.
 */
function decodeConsoleOutput(encoded: string, instanceId: string): Buffer {
  const compact = encoded.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact))
    throw new MolectlError(`EC2 returned console output of ${instanceId} that is not base64: molectl cannot read it`, {
      hint: 'EC2 always base64-encodes GetConsoleOutput: if AWS_ENDPOINT_URL is set, what answers there does not',
    });
  return Buffer.from(compact, 'base64');
}

/** The instance's user-data, decoded; null when it has none. It can hold secrets: do not print it raw. */
export async function getUserData(aws: AwsInvoker, instanceId: string): Promise<string | null> {
  return aws.invoke(
    'ec2',
    'DescribeInstanceAttribute',
    async ({ client, sdk, sendOptions }) => {
      const answer = await client.send(
        new sdk.DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'userData' }),
        sendOptions,
      );
      const encoded = answer.UserData?.Value;
      return encoded ? Buffer.from(encoded, 'base64').toString('utf8') : null;
    },
    { target: `instance ${instanceId}` },
  );
}
