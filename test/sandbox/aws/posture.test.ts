import {
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  paginateDescribeSecurityGroups,
} from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityGroupIdOf } from '../../../src/sandbox/aws/ec2-security-groups.js';
import { emptyPostureFaults } from '../../../src/sandbox/posture-faults.js';
import type { SimInstance } from '../../../src/sandbox/state.js';
import { addInstance, startAwsTestServer, TEST_CREDENTIALS, type AwsTestServer } from './aws-test-server.js';

/** The EC2 and SSM shapes fleet audit reads, through the real SDK: security groups, IMDS options, agent versions. */

let server: AwsTestServer;
let ec2: EC2Client;
let ssm: SSMClient;
const instances: SimInstance[] = [];

beforeAll(async () => {
  server = await startAwsTestServer();
  ec2 = new EC2Client({ region: 'us-east-2', endpoint: server.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  ssm = new SSMClient({ region: 'us-east-2', endpoint: server.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  for (let n = 0; n < 12; n++) {
    for (const role of ['tenant', 'workspace']) {
      instances.push(
        addInstance(server.state, {
          tags: [
            { Key: 'ManagedBy', Value: 'molecule-cp' },
            { Key: 'Role', Value: role },
            { Key: 'OrgSlug', Value: `org-${n}` },
          ],
        }),
      );
    }
  }
});

afterAll(async () => {
  ec2.destroy();
  ssm.destroy();
  await server.close();
});

describe('EC2 instances as fleet audit reads them', () => {
  it('carry their security group and metadata options; imds-v1 relaxes the tokens', async () => {
    const target = instances[0]!;
    server.state.faults.posture = { ...emptyPostureFaults(), imdsV1: ['org-1'] };
    const out = await ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [target.instanceId, instances[2]!.instanceId] }),
    );
    const [clean, relaxed] = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    expect(clean!.SecurityGroups).toEqual([
      { GroupId: securityGroupIdOf(server.state, target), GroupName: 'molecule-tenant-org-0' },
    ]);
    expect(clean!.MetadataOptions).toEqual({
      State: 'applied',
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
      HttpEndpoint: 'enabled',
      HttpProtocolIpv6: 'disabled',
      InstanceMetadataTags: 'disabled',
    });
    expect(relaxed!.MetadataOptions?.HttpTokens).toBe('optional');
    delete server.state.faults.posture;
  });
});

describe('EC2 DescribeSecurityGroups', () => {
  it('describes one group per org and role, paged by MaxResults through the SDK paginator', async () => {
    const ids: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeSecurityGroups({ client: ec2, pageSize: 5 }, {})) {
      pages++;
      ids.push(...(page.SecurityGroups ?? []).map((g) => g.GroupId ?? ''));
    }
    expect(pages).toBe(5);
    expect(new Set(ids).size).toBe(24);
  });

  it('filters by group-id, answers the SDK shapes, and keeps the world out unless sg-open says so', async () => {
    const tenant = securityGroupIdOf(server.state, instances[0]!);
    const workspace = securityGroupIdOf(server.state, instances[1]!);
    server.state.faults.posture = { ...emptyPostureFaults(), openIngress: [{ host: 'org-0', port: 9999 }] };
    const out = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: 'group-id', Values: [tenant, workspace] }],
        MaxResults: 1000,
      }),
    );
    delete server.state.faults.posture;
    const byId = Object.fromEntries((out.SecurityGroups ?? []).map((g) => [g.GroupId, g]));
    expect(byId[tenant]).toMatchObject({
      GroupName: 'molecule-tenant-org-0',
      OwnerId: '123456789012',
      VpcId: expect.stringMatching(/^vpc-/),
    });
    expect(byId[tenant]!.IpPermissions).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        UserIdGroupPairs: [],
        IpRanges: [{ CidrIp: '10.0.0.0/16', Description: 'workspaces to the tenant API' }],
        Ipv6Ranges: [],
        PrefixListIds: [],
      },
      {
        IpProtocol: 'tcp',
        FromPort: 9999,
        ToPort: 9999,
        UserIdGroupPairs: [],
        IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'debug' }],
        Ipv6Ranges: [],
        PrefixListIds: [],
      },
    ]);
    expect(byId[workspace]!.IpPermissions?.map((p: { FromPort?: number }) => p.FromPort)).toEqual([9999]);
    expect(byId[tenant]!.IpPermissionsEgress?.[0]).toMatchObject({
      IpProtocol: '-1',
      IpRanges: [{ CidrIp: '0.0.0.0/0' }],
    });
    expect(out.NextToken).toBeUndefined();
  });

  it('answers InvalidGroup.NotFound for an unknown id, and InvalidParameterValue for an unknown filter', async () => {
    await expect(
      ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0000000000000000'] })),
    ).rejects.toMatchObject({ name: 'InvalidGroup.NotFound' });
    await expect(
      ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'owner-nickname', Values: ['x'] }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('SSM DescribeInstanceInformation', () => {
  it('reports the agent version, or the one the agent-version fault imposes', async () => {
    server.state.faults.posture = {
      ...emptyPostureFaults(),
      agentVersion: { [instances[0]!.instanceId]: '2.3.1644.0' },
    };
    const out = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: 'InstanceIds', Values: [instances[0]!.instanceId, instances[2]!.instanceId] }],
      }),
    );
    delete server.state.faults.posture;
    expect(out.InstanceInformationList?.map((i) => i.AgentVersion)).toEqual(['2.3.1644.0', '3.3.987.0']);
  });
});
