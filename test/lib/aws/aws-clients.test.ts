import { afterEach, describe, expect, it } from 'vitest';
import { AwsClients, type AwsServiceName } from '../../../src/lib/aws/aws-clients.js';
import { configuredEndpoints } from '../../../src/lib/aws/aws-endpoints.js';

// The SDK's logger middleware builds a redacted copy of every answer for the logger, even for the
// no-op logger molectl leaves in place: a whole walk of each 1,000-instance DescribeInstances page.
// molectl reads nothing from it, so its clients are built without it.

const clients = new AwsClients({
  region: 'us-east-2',
  profile: null,
  endpoints: configuredEndpoints({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9' }),
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-key' },
  maxAttempts: 2,
  attemptTimeoutMs: 30_000,
});

afterEach(() => clients.destroy());

describe('AwsClients', () => {
  it.each<AwsServiceName>(['ec2', 'ssm', 'secretsmanager', 'sts'])(
    '%s clients copy no answer for logging, with and without retries',
    async (service) => {
      for (const retries of [true, false]) {
        const { client } = await clients.get(service, { retries });
        const stack = (client as unknown as { middlewareStack: { identify(): string[] } }).middlewareStack;
        const names = stack.identify();
        // The stack is there (the SDK's own middleware still runs); only the logger is gone.
        expect(names.some((name) => name.startsWith('retryMiddleware'))).toBe(true);
        expect(names.filter((name) => name.startsWith('loggerMiddleware'))).toEqual([]);
      }
    },
  );
});
