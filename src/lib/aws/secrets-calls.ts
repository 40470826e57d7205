import type { SecretListEntry } from '@aws-sdk/client-secrets-manager';
import { MolectlError } from '../errors.js';
import type { SecretDescription, SecretValue, SecretVersionInfo } from './aws-types.js';
import type { AwsInvoker } from './aws-invoker.js';
import { collectPages } from './collect-pages.js';

/**
 * Secrets Manager. Invariant: every secret value read or written here is registered with the
 * redactor before the call returns (for writes: before the request is sent), so no output
 * path, error message or ledger can print it.
 */

/**
 * Null when the secret does not exist. DescribeSecret has no version dates, so they come from
 * ListSecretVersionIds (labelled versions: the ones that matter for stages).
 */
export async function describeSecret(aws: AwsInvoker, secretId: string): Promise<SecretDescription | null> {
  const description = await aws.invoke<'secretsmanager', SecretDescription | null>(
    'secretsmanager',
    'DescribeSecret',
    async ({ client, sdk, sendOptions }) => {
      const answer = await client.send(new sdk.DescribeSecretCommand({ SecretId: secretId }), sendOptions);
      return toSecretDescription({ ...answer, SecretVersionsToStages: answer.VersionIdsToStages });
    },
    { target: `secret ${secretId}`, expected: { ResourceNotFoundException: () => null } },
  );
  if (!description) return null;
  const created = await aws.invoke(
    'secretsmanager',
    'ListSecretVersionIds',
    async ({ client, sdk, sendOptions }) =>
      collectPages(
        (token) =>
          client.send(
            new sdk.ListSecretVersionIdsCommand({
              SecretId: secretId,
              MaxResults: 100,
              ...(token ? { NextToken: token } : {}),
            }),
            sendOptions,
          ),
        (page) => ({ items: page.Versions ?? [], nextToken: page.NextToken }),
      ),
    { target: `secret ${secretId}` },
  );
  const byId = new Map(created.map((v) => [v.VersionId, v.CreatedDate ?? null]));
  return {
    ...description,
    versions: description.versions.map((v) => ({ ...v, createdAt: byId.get(v.versionId) ?? null })),
  };
}

export async function getSecretValue(
  aws: AwsInvoker,
  secretId: string,
  options: { versionId?: string; stage?: string } = {},
): Promise<SecretValue> {
  return aws.invoke(
    'secretsmanager',
    'GetSecretValue',
    async ({ client, sdk, sendOptions }) => {
      const answer = await client.send(
        new sdk.GetSecretValueCommand({
          SecretId: secretId,
          ...(options.versionId ? { VersionId: options.versionId } : {}),
          ...(options.stage ? { VersionStage: options.stage } : {}),
        }),
        sendOptions,
      );
      const value =
        answer.SecretString ?? (answer.SecretBinary ? Buffer.from(answer.SecretBinary).toString('utf8') : undefined);
      if (value === undefined)
        throw new MolectlError(`secret ${secretId} has no value in that version`, {
          hint: 'put a value with `molectl secrets set`, or name another version',
        });
      // Registered first: from here on nothing molectl prints can carry it.
      aws.redactor.register(value, 'secret');
      return {
        arn: answer.ARN ?? '',
        name: answer.Name ?? secretId,
        versionId: answer.VersionId ?? '',
        stages: answer.VersionStages ?? [],
        value,
      };
    },
    {
      target: `secret ${secretId}${options.versionId ? ` version ${options.versionId}` : ''}${options.stage ? ` stage ${options.stage}` : ''}`,
    },
  );
}

/**
 * The version a write created, as its answer names it. Null when the answer has no VersionId (or
 * an empty one): the caller must not pin, record or read back "version ''" (an empty id reads
 * AWSCURRENT), so each caller decides what stopping safely means.
 */
export interface WrittenVersion {
  versionId: string | null;
}

export async function putSecretValue(
  aws: AwsInvoker,
  input: { secretId: string; value: string; clientRequestToken?: string; stages?: string[] },
): Promise<WrittenVersion & { stages: string[] }> {
  aws.redactor.register(input.value, 'secret');
  return aws.invoke(
    'secretsmanager',
    'PutSecretValue',
    async ({ client, sdk, sendOptions }) => {
      const answer = await client.send(
        new sdk.PutSecretValueCommand({
          SecretId: input.secretId,
          SecretString: input.value,
          ...(input.clientRequestToken ? { ClientRequestToken: input.clientRequestToken } : {}),
          ...(input.stages ? { VersionStages: input.stages } : {}),
        }),
        sendOptions,
      );
      return { versionId: answer.VersionId || null, stages: answer.VersionStages ?? [] };
    },
    { target: `secret ${input.secretId}` },
  );
}

export async function updateSecretVersionStage(
  aws: AwsInvoker,
  input: { secretId: string; stage: string; moveToVersionId?: string; removeFromVersionId?: string },
): Promise<void> {
  await aws.invoke(
    'secretsmanager',
    'UpdateSecretVersionStage',
    async ({ client, sdk, sendOptions }) => {
      await client.send(
        new sdk.UpdateSecretVersionStageCommand({
          SecretId: input.secretId,
          VersionStage: input.stage,
          ...(input.moveToVersionId ? { MoveToVersionId: input.moveToVersionId } : {}),
          ...(input.removeFromVersionId ? { RemoveFromVersionId: input.removeFromVersionId } : {}),
        }),
        sendOptions,
      );
    },
    { target: `secret ${input.secretId}` },
  );
}

/** Every secret (every page); `namePrefix` is Secrets Manager's prefix match on the name. */
export async function listSecrets(aws: AwsInvoker, filter: { namePrefix?: string } = {}): Promise<SecretDescription[]> {
  return aws.invoke('secretsmanager', 'ListSecrets', async ({ client, sdk, sendOptions }) => {
    const entries = await collectPages(
      (token) =>
        client.send(
          new sdk.ListSecretsCommand({
            MaxResults: 100,
            ...(filter.namePrefix ? { Filters: [{ Key: 'name', Values: [filter.namePrefix] }] } : {}),
            ...(token ? { NextToken: token } : {}),
          }),
          sendOptions,
        ),
      (page) => ({ items: page.SecretList, nextToken: page.NextToken }),
    );
    return entries.map(toSecretDescription);
  });
}

export async function createSecret(
  aws: AwsInvoker,
  input: { name: string; value: string; description?: string; clientRequestToken?: string },
): Promise<WrittenVersion & { arn: string }> {
  aws.redactor.register(input.value, 'secret');
  return aws.invoke(
    'secretsmanager',
    'CreateSecret',
    async ({ client, sdk, sendOptions }) => {
      const answer = await client.send(
        new sdk.CreateSecretCommand({
          Name: input.name,
          SecretString: input.value,
          ...(input.description !== undefined ? { Description: input.description } : {}),
          ...(input.clientRequestToken ? { ClientRequestToken: input.clientRequestToken } : {}),
        }),
        sendOptions,
      );
      return { arn: answer.ARN ?? '', versionId: answer.VersionId || null };
    },
    { target: `secret ${input.name}` },
  );
}

function toSecretDescription(entry: SecretListEntry): SecretDescription {
  const versions: SecretVersionInfo[] = Object.entries(entry.SecretVersionsToStages ?? {}).map(
    ([versionId, stages]) => ({ versionId, stages: stages ?? [], createdAt: null }),
  );
  return {
    arn: entry.ARN ?? '',
    name: entry.Name ?? '',
    description: entry.Description ?? null,
    lastChangedAt: entry.LastChangedDate ?? null,
    versions,
    deletedAt: entry.DeletedDate ?? null,
  };
}
