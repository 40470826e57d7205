import type { SandboxState, SimSecret, SimSecretVersion, Tag } from '../state.js';
import { AwsApiError } from './aws-api-error.js';
import { generateChars, generateUuid } from './seeded-random.js';

/**
 * The simulated Secrets Manager's data operations, shared by the JSON API handler, the
 * simulated CP (which stores each org's admin token) and the hosts' `aws` shim.
 *
 * Invariants kept here: a staging label is on at most one version of a secret; once a secret
 * has a value, AWSCURRENT is on exactly one version; moving AWSCURRENT puts AWSPREVIOUS on the
 * version that held it. A version's id is the ClientRequestToken that created it, as in AWS.
 */

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';

export interface SecretValueView {
  arn: string;
  name: string;
  versionId: string;
  value: string;
  stages: string[];
  createdAt: Date;
}

export interface CreateSecretOptions {
  description?: string;
  clientRequestToken?: string;
}

/** Creates a secret; with a value, its first version gets AWSCURRENT. ResourceExistsException if the name is taken. */
export function createSecret(
  state: SandboxState,
  name: string,
  value: string | null,
  tags: Tag[] = [],
  options: CreateSecretOptions = {},
): SimSecret {
  const existing = state.secrets.get(name);
  if (existing) {
    if (existing.deletedAt) {
      throw new AwsApiError(
        'InvalidRequestException',
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    }
    // A retried CreateSecret with the same token and value is idempotent in AWS.
    const token = options.clientRequestToken;
    const sameVersion = token ? existing.versions.find((v) => v.versionId === token) : undefined;
    if (sameVersion && sameVersion.value === (value ?? sameVersion.value)) return existing;
    throw new AwsApiError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
  }
  const now = new Date();
  const secret: SimSecret = {
    name,
    arn: `arn:aws:secretsmanager:${state.region}:${state.accountId}:secret:${name}-${generateChars(state, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 6)}`,
    description: options.description ?? '',
    createdAt: now,
    lastChangedAt: now,
    tags: tags.map((t) => ({ Key: t.Key, Value: t.Value })),
    versions: [],
    deletedAt: null,
  };
  if (value !== null) {
    secret.versions.push(newVersion(state, value, [AWSCURRENT], options.clientRequestToken ?? null));
  }
  state.secrets.set(name, secret);
  return secret;
}

/**
 * Finds a secret by name, full ARN or partial ARN (an ARN without the 6-character suffix).
 * Secrets scheduled for deletion are found too: DescribeSecret shows them, reads refuse them.
 */
export function findSecret(state: SandboxState, idOrArn: string): SimSecret {
  const byName = state.secrets.get(idOrArn);
  if (byName) return byName;
  if (idOrArn.startsWith('arn:')) {
    for (const secret of state.secrets.values()) {
      if (secret.arn === idOrArn || secret.arn.slice(0, -7) === idOrArn) return secret;
    }
  }
  throw new AwsApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
}

function findLiveSecret(state: SandboxState, idOrArn: string, operation: string): SimSecret {
  const secret = findSecret(state, idOrArn);
  if (secret.deletedAt) {
    throw new AwsApiError(
      'InvalidRequestException',
      `You can't perform this operation on the secret because it was marked for deletion. (${operation})`,
    );
  }
  return secret;
}

/** The value of one version: by VersionId, else by stage (default AWSCURRENT). */
export function getSecretValue(
  state: SandboxState,
  idOrArn: string,
  selector: { versionId?: string; stage?: string } = {},
): SecretValueView {
  const secret = findLiveSecret(state, idOrArn, 'GetSecretValue');
  let version: SimSecretVersion | undefined;
  if (selector.versionId) {
    version = secret.versions.find((v) => v.versionId === selector.versionId);
    if (version && selector.stage && !version.stages.includes(selector.stage)) {
      throw new AwsApiError(
        'InvalidRequestException',
        'You provided a VersionStage that is not associated to the provided VersionId.',
      );
    }
    if (!version) {
      throw new AwsApiError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for VersionId: ${selector.versionId}`,
      );
    }
  } else {
    const stage = selector.stage ?? AWSCURRENT;
    version = secret.versions.find((v) => v.stages.includes(stage));
    if (!version) {
      throw new AwsApiError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
      );
    }
  }
  return {
    arn: secret.arn,
    name: secret.name,
    versionId: version.versionId,
    value: version.value,
    stages: [...version.stages],
    createdAt: version.createdAt,
  };
}

/**
 * Adds a version (PutSecretValue). Same token and same value: no-op returning that version.
 * Same token, other value: ResourceExistsException, because a version is immutable.
 * The labels in `stages` (default AWSCURRENT) move to the new version; the first version of a
 * secret always gets AWSCURRENT.
 */
export function putSecretValue(
  state: SandboxState,
  idOrArn: string,
  value: string,
  options: { clientRequestToken?: string; stages?: string[] } = {},
): { arn: string; name: string; versionId: string; stages: string[] } {
  const secret = findLiveSecret(state, idOrArn, 'PutSecretValue');
  const token = options.clientRequestToken;
  if (token) {
    const existing = secret.versions.find((v) => v.versionId === token);
    if (existing) {
      if (existing.value !== value) {
        throw new AwsApiError(
          'ResourceExistsException',
          `You can't modify an existing version, you can only create a new version. Version ${token} already exists with a different value.`,
        );
      }
      return { arn: secret.arn, name: secret.name, versionId: existing.versionId, stages: [...existing.stages] };
    }
  }
  const stages = options.stages && options.stages.length > 0 ? [...new Set(options.stages)] : [AWSCURRENT];
  const isFirst = !secret.versions.some((v) => v.stages.includes(AWSCURRENT));
  if (isFirst && !stages.includes(AWSCURRENT)) stages.push(AWSCURRENT);
  const version = newVersion(state, value, [], token ?? null);
  secret.versions.push(version);
  for (const stage of stages) moveStage(secret, stage, version);
  secret.lastChangedAt = new Date();
  return { arn: secret.arn, name: secret.name, versionId: version.versionId, stages: [...version.stages] };
}

/**
 * UpdateSecretVersionStage. Moving a label that is attached elsewhere requires naming the
 * version it is removed from, as AWS does (InvalidParameterException otherwise).
 */
export function updateSecretVersionStage(
  state: SandboxState,
  idOrArn: string,
  stage: string,
  options: { moveToVersionId?: string; removeFromVersionId?: string },
): { arn: string; name: string } {
  const secret = findLiveSecret(state, idOrArn, 'UpdateSecretVersionStage');
  const holder = secret.versions.find((v) => v.stages.includes(stage));
  if (options.removeFromVersionId) {
    if (!holder || holder.versionId !== options.removeFromVersionId) {
      throw new AwsApiError(
        'InvalidParameterException',
        `The staging label ${stage} is not attached to version ${options.removeFromVersionId}.`,
      );
    }
  }
  if (options.moveToVersionId) {
    const target = secret.versions.find((v) => v.versionId === options.moveToVersionId);
    if (!target) {
      throw new AwsApiError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for VersionId: ${options.moveToVersionId}`,
      );
    }
    if (holder && holder !== target && holder.versionId !== options.removeFromVersionId) {
      throw new AwsApiError(
        'InvalidParameterException',
        `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
      );
    }
    moveStage(secret, stage, target);
  } else if (holder) {
    if (stage === AWSCURRENT) {
      throw new AwsApiError(
        'InvalidParameterException',
        'You can only remove the AWSCURRENT label by moving it to another version.',
      );
    }
    holder.stages = holder.stages.filter((s) => s !== stage);
  }
  secret.lastChangedAt = new Date();
  return { arn: secret.arn, name: secret.name };
}

/** DescribeSecret's VersionIdsToStages, limited to versions that carry a label, as AWS lists them. */
export function getVersionIdsToStages(secret: SimSecret): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of secret.versions) if (v.stages.length > 0) out[v.versionId] = [...v.stages];
  return out;
}

/**
 * DeleteSecret. Without `forceDeleteWithoutRecovery` the secret is only scheduled for deletion
 * (its name stays taken, reads fail); with it the secret is gone at once.
 */
export function deleteSecret(
  state: SandboxState,
  idOrArn: string,
  options: { forceDeleteWithoutRecovery?: boolean; recoveryWindowInDays?: number } = {},
): { arn: string; name: string; deletionDate: Date } {
  const secret = findSecret(state, idOrArn);
  const now = new Date();
  if (options.forceDeleteWithoutRecovery) {
    state.secrets.delete(secret.name);
    return { arn: secret.arn, name: secret.name, deletionDate: now };
  }
  if (!secret.deletedAt) secret.deletedAt = now;
  const days = options.recoveryWindowInDays ?? 30;
  return { arn: secret.arn, name: secret.name, deletionDate: new Date(secret.deletedAt.getTime() + days * 86_400_000) };
}

function newVersion(state: SandboxState, value: string, stages: string[], token: string | null): SimSecretVersion {
  return {
    versionId: token ?? generateUuid(state),
    value,
    stages: [...stages],
    createdAt: new Date(),
    clientRequestToken: token,
  };
}

/** Attaches `stage` to `target`, taking it off whichever version held it. */
function moveStage(secret: SimSecret, stage: string, target: SimSecretVersion): void {
  const holder = secret.versions.find((v) => v.stages.includes(stage));
  if (holder === target) return;
  if (holder) holder.stages = holder.stages.filter((s) => s !== stage);
  if (!target.stages.includes(stage)) target.stages.push(stage);
  if (stage === AWSCURRENT && holder) {
    moveStage(secret, AWSPREVIOUS, holder);
  }
}
