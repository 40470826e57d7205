import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleAwsRequest } from '../../../src/sandbox/aws/handle-aws-request.js';
import {
  createTestState,
  FakeHostRunner,
  startAwsTestServer,
  TEST_CREDENTIALS,
  type AwsTestServer,
} from './aws-test-server.js';

let server: AwsTestServer;

beforeAll(async () => {
  server = await startAwsTestServer();
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.state.faults.awsThrottleRate = 0;
  server.state.faults.awsLatencyMs = 0;
});

const clientConfig = (maxAttempts: number) => ({
  region: 'us-east-2',
  endpoint: server.url,
  credentials: TEST_CREDENTIALS,
  maxAttempts,
});

describe('throttling', () => {
  it('surfaces each protocol’s real throttling error when the SDK does not retry', async () => {
    server.state.faults.awsThrottleRate = 1;
    const ssm = new SSMClient(clientConfig(1));
    const ec2 = new EC2Client(clientConfig(1));
    const sts = new STSClient(clientConfig(1));
    await expect(ssm.send(new DescribeInstanceInformationCommand({}))).rejects.toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(ec2.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
      $metadata: { httpStatusCode: 503 },
    });
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
    for (const c of [ssm, ec2, sts]) c.destroy();
    const throttled = server.state.requests.slice(-3);
    expect(throttled.map((r) => [r.service, r.action, r.status])).toEqual([
      ['ssm', 'DescribeInstanceInformation', 400],
      ['ec2', 'DescribeInstances', 503],
      ['sts', 'GetCallerIdentity', 400],
    ]);
  });

  it('lets the SDK’s own retries get through at a 20% throttle rate', async () => {
    server.state.faults.awsThrottleRate = 0.2;
    const ssm = new SSMClient(clientConfig(5));
    const before = server.state.requests.length;
    for (let n = 0; n < 20; n++) await ssm.send(new DescribeInstanceInformationCommand({}));
    ssm.destroy();
    const made = server.state.requests.slice(before);
    const throttled = made.filter((r) => r.status === 400).length;
    expect(made.filter((r) => r.status === 200)).toHaveLength(20);
    expect(throttled).toBeGreaterThan(0);
    expect(throttled / made.length).toBeLessThan(0.45);
  });

  it('lets EC2 retries get through RequestLimitExceeded at a 20% rate', async () => {
    server.state.faults.awsThrottleRate = 0.2;
    const ec2 = new EC2Client(clientConfig(5));
    for (let n = 0; n < 10; n++) await expect(ec2.send(new DescribeInstancesCommand({}))).resolves.toBeDefined();
    ec2.destroy();
  });

  it('throttles the same requests for the same seed', async () => {
    const pattern = async (seed: number): Promise<number[]> => {
      const state = createTestState({ seed });
      state.faults.awsThrottleRate = 0.5;
      const statuses: number[] = [];
      for (let n = 0; n < 24; n++) {
        const answer = await handleAwsRequest(state, new FakeHostRunner(), {
          method: 'POST',
          path: '/',
          headers: {
            Authorization:
              'AWS4-HMAC-SHA256 Credential=AKIDSANDBOX/20260101/us-east-2/ssm/aws4_request, SignedHeaders=host, Signature=00',
            'X-Amz-Target': 'AmazonSSM.DescribeInstanceInformation',
          },
          body: '{}',
        });
        statuses.push(answer?.status ?? 0);
      }
      return statuses;
    };
    const a = await pattern(7);
    expect(await pattern(7)).toEqual(a);
    expect(a).toContain(400);
    expect(a).toContain(200);
    expect(await pattern(8)).not.toEqual(a);
  });
});

describe('routing and latency', () => {
  it('returns null for a request without SigV4 auth, so the server can route it to the CP', async () => {
    const state = createTestState();
    const answer = await handleAwsRequest(state, new FakeHostRunner(), {
      method: 'GET',
      path: '/health',
      headers: { authorization: 'Bearer abc' },
      body: '',
    });
    expect(answer).toBeNull();
    expect(state.requests).toHaveLength(0);
  });

  it('adds the configured latency to AWS requests', async () => {
    server.state.faults.awsLatencyMs = 150;
    const sts = new STSClient(clientConfig(1));
    const started = Date.now();
    await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
