import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  EC2Client,
  GetConsoleOutputCommand,
  paginateDescribeInstances,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addInstance, sleep, startAwsTestServer, TEST_CREDENTIALS, type AwsTestServer } from './aws-test-server.js';

let server: AwsTestServer;
let ec2: EC2Client;

beforeAll(async () => {
  server = await startAwsTestServer();
  ec2 = new EC2Client({ region: 'us-east-2', endpoint: server.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  for (let n = 0; n < 23; n++) {
    addInstance(server.state, {
      tags: [
        { Key: 'ManagedBy', Value: 'molecule-cp' },
        { Key: 'Role', Value: n < 17 ? 'tenant' : 'workspace' },
        { Key: 'OrgSlug', Value: `org-${n}` },
      ],
    });
  }
});

afterAll(async () => {
  ec2.destroy();
  await server.close();
});

describe('EC2 DescribeInstances', () => {
  it('pages through filtered instances with MaxResults/NextToken and the SDK paginator', async () => {
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeInstances(
      { client: ec2, pageSize: 5 },
      {
        Filters: [
          { Name: 'tag:Role', Values: ['tenant'] },
          { Name: 'instance-state-name', Values: ['running'] },
        ],
      },
    )) {
      pages++;
      for (const r of page.Reservations ?? [])
        for (const i of r.Instances ?? []) {
          seen.push(i.InstanceId ?? '');
          expect(i.State?.Name).toBe('running');
          expect(i.Tags?.find((t) => t.Key === 'Role')?.Value).toBe('tenant');
        }
    }
    expect(pages).toBe(4);
    expect(seen).toHaveLength(17);
    expect(new Set(seen).size).toBe(17);
  });

  it('supports tag-key and wildcard tag values', async () => {
    const out = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:OrgSlug', Values: ['org-1*'] },
          { Name: 'tag-key', Values: ['ManagedBy'] },
        ],
      }),
    );
    const ids = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    expect(ids.map((i) => i.Tags?.find((t) => t.Key === 'OrgSlug')?.Value).sort()).toEqual(
      [
        'org-1',
        'org-10',
        'org-11',
        'org-12',
        'org-13',
        'org-14',
        'org-15',
        'org-16',
        'org-17',
        'org-18',
        'org-19',
      ].sort(),
    );
  });

  it('returns the instances asked for by id and names a missing id with InvalidInstanceID.NotFound', async () => {
    const [first] = [...server.state.instances.keys()];
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [first as string] }));
    expect(out.Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe(first);
    expect(out.Reservations?.[0]?.Instances?.[0]?.PrivateIpAddress).toMatch(/^10\.0\./);
    await expect(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0deadbeefdeadbeef'] })),
    ).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('rejects an unknown filter name', async () => {
    await expect(
      ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('EC2 GetConsoleOutput and DescribeInstanceAttribute', () => {
  it('returns the last 64 KB of the console, base64, which the SDK hands back as a string', async () => {
    const head = 'HEAD-MARKER\n';
    const body = 'x'.repeat(70_000);
    const tail = '\ncloud-init finished ✓\n';
    const instance = addInstance(server.state, { console: head + body + tail });
    const out = await ec2.send(new GetConsoleOutputCommand({ InstanceId: instance.instanceId }));
    const decoded = Buffer.from(out.Output ?? '', 'base64');
    expect(decoded.length).toBe(65_536);
    expect(decoded.toString('utf8').endsWith(tail)).toBe(true);
    expect(decoded.toString('utf8')).not.toContain('HEAD-MARKER');
    expect(out.InstanceId).toBe(instance.instanceId);
  });

  it('answers Latest=true on a non-Nitro instance with UnsupportedOperation', async () => {
    const instance = addInstance(server.state, { nitro: false, console: 'boot\n' });
    await expect(
      ec2.send(new GetConsoleOutputCommand({ InstanceId: instance.instanceId, Latest: true })),
    ).rejects.toMatchObject({ name: 'UnsupportedOperation' });
    const nitro = addInstance(server.state, { nitro: true, console: 'boot\n' });
    const out = await ec2.send(new GetConsoleOutputCommand({ InstanceId: nitro.instanceId, Latest: true }));
    expect(Buffer.from(out.Output ?? '', 'base64').toString()).toBe('boot\n');
  });

  it('returns userData base64-encoded', async () => {
    const userData = '#!/bin/bash\ndocker run -e FOO=bar molecule-tenant\n';
    const instance = addInstance(server.state, { userData });
    const out = await ec2.send(
      new DescribeInstanceAttributeCommand({ InstanceId: instance.instanceId, Attribute: 'userData' }),
    );
    expect(Buffer.from(out.UserData?.Value ?? '', 'base64').toString('utf8')).toBe(userData);
  });
});

describe('EC2 DryRun', () => {
  it('answers DryRunOperation, as EC2 does for a caller with permission', async () => {
    const instance = addInstance(server.state);
    await expect(
      ec2.send(new TerminateInstancesCommand({ InstanceIds: [instance.instanceId], DryRun: true })),
    ).rejects.toMatchObject({ name: 'DryRunOperation' });
    expect(instance.state).toBe('running');
  });
});

describe('EC2 TerminateInstances', () => {
  it('moves running → shutting-down → terminated after a short delay in fast mode', async () => {
    const instance = addInstance(server.state);
    const out = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instance.instanceId] }));
    expect(out.TerminatingInstances?.[0]).toMatchObject({
      InstanceId: instance.instanceId,
      PreviousState: { Name: 'running', Code: 16 },
      CurrentState: { Name: 'shutting-down', Code: 32 },
    });
    await sleep(400);
    const after = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instance.instanceId] }));
    expect(after.Reservations?.[0]?.Instances?.[0]?.State).toEqual({ Code: 48, Name: 'terminated' });
  });
});

describe('STS GetCallerIdentity', () => {
  it('reports the sandbox account', async () => {
    const sts = new STSClient({
      region: 'us-east-2',
      endpoint: server.url,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    const out = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    expect(out.Account).toBe('123456789012');
    expect(out.Arn).toBe('arn:aws:iam::123456789012:user/molectl-sandbox');
    expect(out.UserId).toMatch(/^AIDA/);
  });
});

describe('request recording', () => {
  it('records each AWS request with service, action and status', () => {
    const terminates = server.state.requests.filter((r) => r.action === 'TerminateInstances');
    expect(terminates.map((r) => r.status)).toEqual([412, 200]);
    const terminate = terminates[1];
    expect(terminate?.service).toBe('ec2');
    expect(terminate?.body).toContain('InstanceId.1=');
    expect(server.state.requests.some((r) => r.service === 'ec2' && r.status === 400)).toBe(true);
  });
});
