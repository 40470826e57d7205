import { describe, expect, it } from 'vitest';
import type { ManagedInstance } from '../../../src/lib/aws/aws-types.js';
import {
  compareVersions,
  judgeAgentOnline,
  judgeAgentVersion,
  judgeImds,
} from '../../../src/lib/audit/judge-instance-basics.js';

const agent = (pingStatus: string | null, agentVersion: string | null = '3.3.1142.0'): ManagedInstance => ({
  instanceId: 'i-0abc',
  pingStatus,
  agentVersion,
  platformType: 'Linux',
  lastPingAt: null,
});

describe('judgeImds', () => {
  it.each([
    [{ httpTokens: 'required', httpEndpoint: 'enabled' }, 'pass'],
    [{ httpTokens: 'optional', httpEndpoint: 'disabled' }, 'pass'],
    [{ httpTokens: 'optional', httpEndpoint: 'enabled' }, 'fail'],
    [null, 'unknown'],
    [undefined, 'unknown'],
    [{ httpTokens: null, httpEndpoint: null }, 'unknown'],
  ])('%j -> %s', (options, status) => {
    expect(judgeImds(options, 'i-0abc', 'us-east-2').status).toBe(status);
  });

  it('gives the modify-instance-metadata-options command', () => {
    expect(judgeImds({ httpTokens: 'optional', httpEndpoint: 'enabled' }, 'i-0abc', 'us-east-2').fix).toBe(
      'aws ec2 modify-instance-metadata-options --region us-east-2 --instance-id i-0abc --http-tokens required --http-endpoint enabled',
    );
  });
});

describe('agent checks', () => {
  it.each([
    [agent('Online'), 'pass'],
    [agent('ConnectionLost'), 'fail'],
    [agent('Inactive'), 'fail'],
    [agent(null), 'unknown'],
    [undefined, 'fail'],
  ])('online: %j -> %s', (managed, status) => {
    expect(judgeAgentOnline(managed, 'i-0abc', 'us-east-2').status).toBe(status);
  });

  it.each([
    [agent('Online', '3.3.1142.0'), '3.0.0.0', 'pass'],
    [agent('Online', '3.0.0.0'), '3.0.0.0', 'pass'],
    [agent('Online', '2.3.1644.0'), '3.0.0.0', 'fail'],
    [agent('ConnectionLost', '2.3.1644.0'), '3.0.0.0', 'fail'],
    [agent('Online', null), '3.0.0.0', 'unknown'],
    [undefined, '3.0.0.0', 'unknown'],
  ])('version: %j against %s -> %s', (managed, minimum, status) => {
    expect(judgeAgentVersion(managed, minimum, 'i-0abc', 'us-east-2').status).toBe(status);
  });

  it('updates the agent with AWS-UpdateSSMAgent', () => {
    expect(judgeAgentVersion(agent('Online', '2.0'), '3.0.0.0', 'i-0abc', 'us-east-2').fix).toBe(
      'aws ssm send-command --region us-east-2 --document-name AWS-UpdateSSMAgent --instance-ids i-0abc',
    );
  });

  it.each([
    ['3.3.1142.0', '3.0.0.0', 1],
    ['3.0', '3.0.0.0', 0],
    ['2.9.9', '3', -1],
    ['10.0.0.0', '9.9.9.9', 1],
  ])('compareVersions(%s, %s) = %d', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });
});
