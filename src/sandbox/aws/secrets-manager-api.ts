import type { SandboxState, SimSecret, Tag } from '../state.js';
import { AwsApiError } from './aws-api-error.js';
import { renderJson, type AwsResponse } from './aws-wire.js';
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
import { generateRandomPassword } from './random-password.js';
import {
  createSecret,
  deleteSecret,
  findSecret,
  getSecretValue,
  getVersionIdsToStages,
  putSecretValue,
  updateSecretVersionStage,
} from './secrets-store.js';

/** The VersionId a write answers with; write-version-id=omitted|empty: an endpoint that leaves it out. */
function writtenVersionId(state: SandboxState, versionId: string | undefined): { VersionId?: string } {
  if (versionId === undefined || state.faults.writeVersionId === 'omitted') return {};
  return { VersionId: state.faults.writeVersionId === 'empty' ? '' : versionId };
}

/** Secrets Manager (JSON 1.1, `X-Amz-Target: secretsmanager.<Op>`). */
export function handleSecretsManagerAction(
  state: SandboxState,
  requestId: string,
  action: string,
  input: JsonInput,
): AwsResponse {
  const reply = (payload: unknown): AwsResponse => renderJson(requestId, payload);
  switch (action) {
    case 'CreateSecret': {
      if (input['SecretBinary'] !== undefined) throw unsupportedBinary();
      const value = readString(input, 'SecretString') ?? null;
      const secret = createSecret(state, requireString(input, 'Name'), value, readTags(input), {
        description: readString(input, 'Description') ?? '',
        clientRequestToken: readString(input, 'ClientRequestToken'),
      });
      const version =
        value === null ? undefined : secret.versions.find((v) => v.stages.includes('AWSCURRENT'))?.versionId;
      return reply({ ARN: secret.arn, Name: secret.name, ...writtenVersionId(state, version) });
    }
    case 'DescribeSecret':
      return reply(describe(findSecret(state, requireString(input, 'SecretId')), state));
    case 'GetSecretValue': {
      refuseDeniedRead(state, requireString(input, 'SecretId'));
      const view = getSecretValue(state, requireString(input, 'SecretId'), {
        versionId: readString(input, 'VersionId'),
        stage: readString(input, 'VersionStage'),
      });
      return reply({
        ARN: view.arn,
        Name: view.name,
        VersionId: view.versionId,
        SecretString: view.value,
        VersionStages: view.stages,
        CreatedDate: view.createdAt,
      });
    }
    case 'PutSecretValue': {
      if (input['SecretBinary'] !== undefined) throw unsupportedBinary();
      const value = readString(input, 'SecretString');
      if (value === undefined)
        throw new AwsApiError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
      const result = putSecretValue(state, requireString(input, 'SecretId'), value, {
        clientRequestToken: readString(input, 'ClientRequestToken'),
        // pending-stages=ignored: an emulator that stores every new version as AWSCURRENT.
        stages: state.faults.ignoreVersionStages ? undefined : readStringList(input, 'VersionStages'),
      });
      return reply({
        ARN: result.arn,
        Name: result.name,
        ...writtenVersionId(state, result.versionId),
        VersionStages: result.stages,
      });
    }
    case 'UpdateSecretVersionStage': {
      // stage-moves=ignored: an emulator that accepts the call and moves nothing.
      if (state.faults.ignoreStageMoves) {
        const secret = findSecret(state, requireString(input, 'SecretId'));
        return reply({ ARN: secret.arn, Name: secret.name });
      }
      const result = updateSecretVersionStage(
        state,
        requireString(input, 'SecretId'),
        requireString(input, 'VersionStage'),
        {
          moveToVersionId: readString(input, 'MoveToVersionId'),
          removeFromVersionId: readString(input, 'RemoveFromVersionId'),
        },
      );
      return reply({ ARN: result.arn, Name: result.name });
    }
    case 'ListSecrets':
      return reply(listSecrets(state, input));
    case 'ListSecretVersionIds': {
      // Versions that carry a label, with creation dates (IncludeDeprecated adds unlabelled ones).
      // One page: the sandbox never keeps more versions than a page holds.
      const secret = findSecret(state, requireString(input, 'SecretId'));
      const all = readBoolean(input, 'IncludeDeprecated') === true;
      const stages = stagesAsAnswered(secret, state);
      const versions = secret.versions
        .filter((v) => all || v.stages.length > 0 || stages[v.versionId])
        .map((v) => ({
          VersionId: v.versionId,
          VersionStages: stages[v.versionId] ?? [...v.stages],
          CreatedDate: v.createdAt,
        }));
      return reply({ ARN: secret.arn, Name: secret.name, Versions: versions });
    }
    case 'DeleteSecret': {
      const result = deleteSecret(state, requireString(input, 'SecretId'), {
        forceDeleteWithoutRecovery: readBoolean(input, 'ForceDeleteWithoutRecovery'),
        recoveryWindowInDays: readNumber(input, 'RecoveryWindowInDays'),
      });
      return reply({ ARN: result.arn, Name: result.name, DeletionDate: result.deletionDate });
    }
    case 'GetRandomPassword':
      return reply({
        RandomPassword: generateRandomPassword({
          passwordLength: readNumber(input, 'PasswordLength'),
          excludeCharacters: readString(input, 'ExcludeCharacters'),
          excludeNumbers: readBoolean(input, 'ExcludeNumbers'),
          excludePunctuation: readBoolean(input, 'ExcludePunctuation'),
          excludeUppercase: readBoolean(input, 'ExcludeUppercase'),
          excludeLowercase: readBoolean(input, 'ExcludeLowercase'),
          includeSpace: readBoolean(input, 'IncludeSpace'),
          requireEachIncludedType: readBoolean(input, 'RequireEachIncludedType'),
        }),
      });
    default:
      throw new AwsApiError('UnknownOperationException', `The sandbox does not simulate secretsmanager.${action}.`);
  }
}

/**
 * flag=secretValueDenied:<secret name>: the caller may describe the secret but not read its value
 * (a read-only role without secretsmanager:GetSecretValue, or without kms:Decrypt on its key), as
 * AWS refuses it. The hosts read through their own door and are not affected.
 */
function refuseDeniedRead(state: SandboxState, secretId: string): void {
  const denied = state.faults.flags['secretValueDenied'];
  if (typeof denied !== 'string') return;
  const secret = findSecret(state, secretId);
  if (!denied.split('|').includes(secret.name)) return;
  throw new AwsApiError(
    'AccessDeniedException',
    `User: arn:aws:sts::${state.accountId}:assumed-role/molectl-operator/session is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secret.name} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
  );
}

/**
 * Version stages as the sandbox answers them. flag=duplicateAwsCurrent:<secret name> rehearses an
 * inconsistency a reader must not paper over: a second version also labelled AWSCURRENT (real
 * Secrets Manager keeps the label on one version; a bug or a hand edit elsewhere may not).
 */
function stagesAsAnswered(secret: SimSecret, state: SandboxState): Record<string, string[]> {
  const stages = getVersionIdsToStages(secret);
  if (state.faults.flags['duplicateAwsCurrent'] !== secret.name) return stages;
  const other = secret.versions.find((v) => !v.stages.includes('AWSCURRENT'));
  if (other) stages[other.versionId] = [...(stages[other.versionId] ?? []), 'AWSCURRENT'];
  return stages;
}

function describe(secret: SimSecret, state: SandboxState): Record<string, unknown> {
  return {
    ARN: secret.arn,
    Name: secret.name,
    Description: secret.description || undefined,
    LastChangedDate: secret.lastChangedAt,
    Tags: secret.tags,
    VersionIdsToStages: stagesAsAnswered(secret, state),
    CreatedDate: secret.createdAt,
    RotationEnabled: false,
    ...(secret.deletedAt ? { DeletedDate: secret.deletedAt } : {}),
  };
}

function listSecrets(state: SandboxState, input: JsonInput): Record<string, unknown> {
  const predicates = readObjectList(input, 'Filters').map((f) =>
    compileSecretFilter(String(f['Key'] ?? ''), readStringList(f, 'Values') ?? []),
  );
  const includeDeleted = readBoolean(input, 'IncludePlannedDeletion') === true;
  let secrets = [...state.secrets.values()].filter(
    (s) => (includeDeleted || !s.deletedAt) && predicates.every((p) => p(s)),
  );
  if (readString(input, 'SortOrder') === 'desc') secrets = secrets.reverse();
  const { page, nextToken } = paginateItems(secrets, {
    faults: state.faults,
    maxResults: readNumber(input, 'MaxResults'),
    nextToken: readString(input, 'NextToken'),
    defaultSize: 100,
    maxSize: 100,
    scope: 'secretsmanager:ListSecrets',
    tokenErrorCode: 'InvalidNextTokenException',
    sizeErrorCode: 'InvalidParameterException',
  });
  return {
    SecretList: page.map((s) => {
      const { VersionIdsToStages, ...rest } = describe(s, state);
      return { ...rest, SecretVersionsToStages: VersionIdsToStages };
    }),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

/** ListSecrets filters: prefix match, case-sensitive; a value starting with `!` negates. */
function compileSecretFilter(key: string, values: string[]): (secret: SimSecret) => boolean {
  const fields: Record<string, (s: SimSecret) => string[]> = {
    name: (s) => [s.name],
    description: (s) => [s.description],
    'tag-key': (s) => s.tags.map((t) => t.Key),
    'tag-value': (s) => s.tags.map((t) => t.Value),
    all: (s) => [s.name, s.description, ...s.tags.flatMap((t) => [t.Key, t.Value])],
  };
  const read = fields[key];
  if (!read) throw new AwsApiError('InvalidParameterException', `Invalid filter key: ${key}`);
  return (secret) =>
    values.some((raw) => {
      const negate = raw.startsWith('!');
      const prefix = negate ? raw.slice(1) : raw;
      const hit = read(secret).some((field) => field.startsWith(prefix));
      return negate ? !hit : hit;
    });
}

function readTags(input: JsonInput): Tag[] {
  return readObjectList(input, 'Tags').map((t) => ({ Key: String(t['Key'] ?? ''), Value: String(t['Value'] ?? '') }));
}

function unsupportedBinary(): AwsApiError {
  return new AwsApiError(
    'InvalidRequestException',
    'The sandbox stores SecretString only; SecretBinary is not simulated.',
  );
}
