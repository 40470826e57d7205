import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  paginateListSecrets,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecret, getSecretValue, putSecretValue } from '../../../src/sandbox/aws/secrets-store.js';
import { createTestState, startAwsTestServer, TEST_CREDENTIALS, type AwsTestServer } from './aws-test-server.js';

const SENTINEL_OLD = 'sentinel-old-4b1d9f0c2e';
const SENTINEL_NEW = 'sentinel-new-77aa01be93';

let server: AwsTestServer;
let sm: SecretsManagerClient;

beforeAll(async () => {
  server = await startAwsTestServer();
  sm = new SecretsManagerClient({
    region: 'us-east-2',
    endpoint: server.url,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  sm.destroy();
  await server.close();
});

describe('secret versions and staging labels', () => {
  it('creates, reads by name and ARN, and moves AWSCURRENT → AWSPREVIOUS on PutSecretValue', async () => {
    const created = await sm.send(
      new CreateSecretCommand({
        Name: 'molecule/tenant/acme/admin-token',
        SecretString: SENTINEL_OLD,
        Tags: [{ Key: 'OrgSlug', Value: 'acme' }],
      }),
    );
    expect(created.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-2:123456789012:secret:molecule\/tenant\/acme\/admin-token-[A-Za-z0-9]{6}$/,
    );
    const byArn = await sm.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    expect(byArn).toMatchObject({
      SecretString: SENTINEL_OLD,
      VersionStages: ['AWSCURRENT'],
      VersionId: created.VersionId,
    });

    const put = await sm.send(
      new PutSecretValueCommand({ SecretId: 'molecule/tenant/acme/admin-token', SecretString: SENTINEL_NEW }),
    );
    expect(put.VersionStages).toEqual(['AWSCURRENT']);
    const current = await sm.send(new GetSecretValueCommand({ SecretId: 'molecule/tenant/acme/admin-token' }));
    const previous = await sm.send(
      new GetSecretValueCommand({ SecretId: 'molecule/tenant/acme/admin-token', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(current.SecretString).toBe(SENTINEL_NEW);
    expect(previous.SecretString).toBe(SENTINEL_OLD);

    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'molecule/tenant/acme/admin-token' }));
    expect(described.VersionIdsToStages).toEqual({
      [created.VersionId as string]: ['AWSPREVIOUS'],
      [put.VersionId as string]: ['AWSCURRENT'],
    });
    expect(described.Tags).toEqual([{ Key: 'OrgSlug', Value: 'acme' }]);
  });

  it('stages AWSPENDING without touching AWSCURRENT, then promotes it with UpdateSecretVersionStage', async () => {
    const name = 'molecule/cp-shared-secret';
    const first = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1' }));
    const pending = await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', VersionStages: ['AWSPENDING'] }),
    );
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v1');
    expect(
      (await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' }))).SecretString,
    ).toBe('v2');

    await expect(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: pending.VersionId,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: pending.VersionId,
        RemoveFromVersionId: first.VersionId,
      }),
    );
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.VersionIdsToStages?.[pending.VersionId as string]?.sort()).toEqual(['AWSCURRENT', 'AWSPENDING']);
    expect(described.VersionIdsToStages?.[first.VersionId as string]).toEqual(['AWSPREVIOUS']);
    expect(
      (await sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: first.VersionId }))).SecretString,
    ).toBe('v1');
  });

  it('treats a repeated ClientRequestToken with the same value as a no-op and with another value as an error', async () => {
    const name = 'token-idempotency';
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'a' }));
    const token = 'c0ffee00-0000-4000-8000-000000000001';
    const once = await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: SENTINEL_NEW, ClientRequestToken: token }),
    );
    const again = await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: SENTINEL_NEW, ClientRequestToken: token }),
    );
    expect(once.VersionId).toBe(token);
    expect(again.VersionId).toBe(token);
    expect(
      Object.keys((await sm.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages ?? {}),
    ).toHaveLength(2);

    const conflict = sm.send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: 'sentinel-conflict-9e8d7c',
        ClientRequestToken: token,
      }),
    );
    await expect(conflict).rejects.toMatchObject({ name: 'ResourceExistsException' });
    const error = await conflict.catch((e: Error) => e);
    expect(String((error as Error).message)).not.toContain(SENTINEL_NEW);
    expect(String((error as Error).message)).not.toContain('sentinel-conflict-9e8d7c');
  });

  it('answers a missing secret or stage with ResourceNotFoundException', async () => {
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'no/such/secret' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    await sm.send(new CreateSecretCommand({ Name: 'no-value-yet' }));
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'no-value-yet' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(sm.send(new CreateSecretCommand({ Name: 'no-value-yet', SecretString: 'x' }))).rejects.toMatchObject({
      name: 'ResourceExistsException',
    });
  });
});

describe('ListSecrets and GetRandomPassword', () => {
  it('filters by name prefix and tag, and paginates', async () => {
    for (let n = 0; n < 12; n++) {
      await sm.send(
        new CreateSecretCommand({
          Name: `fleet/org-${n}/admin-token`,
          SecretString: `t${n}`,
          Tags: [{ Key: 'Fleet', Value: n % 2 === 0 ? 'even' : 'odd' }],
        }),
      );
    }
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateListSecrets(
      { client: sm, pageSize: 5 },
      { Filters: [{ Key: 'name', Values: ['fleet/'] }] },
    )) {
      pages++;
      names.push(...(page.SecretList ?? []).map((s) => s.Name ?? ''));
    }
    expect(pages).toBe(3);
    expect(names).toHaveLength(12);
    const even = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'tag-value', Values: ['even'] }] }));
    expect(even.SecretList).toHaveLength(6);
    expect(even.SecretList?.[0]?.SecretVersionsToStages).toBeDefined();
  });

  it('generates passwords honouring length and exclusions', async () => {
    const out = await sm.send(new GetRandomPasswordCommand({ PasswordLength: 48, ExcludePunctuation: true }));
    expect(out.RandomPassword).toMatch(/^[A-Za-z0-9]{48}$/);
  });
});

describe('secrets-store helpers (used by the simulated CP and host shims)', () => {
  it('keep AWSCURRENT on exactly one version and never leak values into errors', () => {
    const state = createTestState();
    createSecret(state, 'org/admin', SENTINEL_OLD, [{ Key: 'OrgSlug', Value: 'x' }]);
    const v2 = putSecretValue(state, 'org/admin', SENTINEL_NEW, { clientRequestToken: 'tok-1' });
    expect(getSecretValue(state, 'org/admin').value).toBe(SENTINEL_NEW);
    expect(getSecretValue(state, 'org/admin', { stage: 'AWSPREVIOUS' }).value).toBe(SENTINEL_OLD);
    expect(getSecretValue(state, 'org/admin', { versionId: v2.versionId }).stages).toEqual(['AWSCURRENT']);
    const secret = state.secrets.get('org/admin');
    expect(secret?.versions.filter((v) => v.stages.includes('AWSCURRENT'))).toHaveLength(1);
    let message = '';
    try {
      putSecretValue(state, 'org/admin', 'other-value', { clientRequestToken: 'tok-1' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toBe('');
    expect(message).not.toContain(SENTINEL_NEW);
    expect(message).not.toContain('other-value');
  });
});
