import type { Context } from '../context.js';
import { ExitCode, MolectlError } from '../errors.js';
import { describeSecret as showSecret, fingerprintOf } from '../output/fingerprint.js';
import type { RunLedger } from '../runs/run-ledger.js';
import type { ManagedSecret } from './managed-secret.js';
import { AWSCURRENT } from '../aws/secret-stages.js';

/**
 * `secrets put`: stores a value as the secret's AWSCURRENT version (creating the secret when it
 * does not exist), with the run id as ClientRequestToken so a retried call cannot make a second
 * version, then reads the version back and compares fingerprints. Consumers are not touched.
 * The value is registered with the redactor by the caller before this runs.
 */

export interface PutResult {
  name: string;
  secretId: string;
  versionId: string;
  created: boolean;
  /** `len=N sha256:...` of what was sent. */
  sent: string;
  /** `len=N sha256:...` of what Secrets Manager returned. */
  readBack: string;
  matches: boolean;
  current: boolean;
}

export async function putSecret(
  ctx: Context,
  secret: ManagedSecret,
  value: string,
  existed: boolean,
  ledger: RunLedger,
): Promise<PutResult> {
  const token = ledger.id;
  let versionId: string | null;
  if (existed) {
    versionId = (
      await ctx.aws.putSecretValue({
        secretId: secret.secretId,
        value,
        clientRequestToken: token,
        stages: [AWSCURRENT],
      })
    ).versionId;
  } else {
    versionId = (
      await ctx.aws.createSecret({
        name: secret.secretId,
        value,
        clientRequestToken: token,
        ...(secret.description ? { description: secret.description } : {}),
      })
    ).versionId;
  }
  if (!versionId) return failVersionless(secret, existed ? 'PutSecretValue' : 'CreateSecret', ledger);
  await ledger.updateTarget(secret.name, { state: 'in-progress', remoteIds: { versionId } });
  await ledger.recordEvent(`${existed ? 'put a new version' : 'created the secret with version'} ${versionId}`, {
    target: secret.name,
  });

  const back = await ctx.aws.getSecretValue(secret.secretId, { versionId });
  const matches = fingerprintOf(back.value) === fingerprintOf(value) && back.value === value;
  const result: PutResult = {
    name: secret.name,
    secretId: secret.secretId,
    versionId,
    created: !existed,
    sent: showSecret(value),
    readBack: showSecret(back.value),
    matches,
    current: back.stages.includes(AWSCURRENT),
  };
  const ok = matches && result.current;
  await ledger.updateTarget(secret.name, {
    state: ok ? 'succeeded' : 'failed',
    outcome: ok ? 'stored' : matches ? 'not-current' : 'mismatch',
    detail: { sent: result.sent, readBack: result.readBack, stages: back.stages },
    error: ok
      ? null
      : new MolectlError(
          matches ? `version ${versionId} is not AWSCURRENT` : `read back ${result.readBack}, sent ${result.sent}`,
        ),
  });
  await ledger.setStatus(ok ? 'succeeded' : 'failed');
  return result;
}

/**
 * A write whose answer names no version: something was stored, but reading "version ''" back would
 * read whatever is AWSCURRENT, so the read-back could not tell this value from another. A hard
 * error, recorded, naming the answer.
 */
async function failVersionless(
  secret: ManagedSecret,
  operation: 'PutSecretValue' | 'CreateSecret',
  ledger: RunLedger,
): Promise<never> {
  const error = new MolectlError(
    `Secrets Manager answered ${operation} for ${secret.secretId} without a VersionId: the value was sent, but which version holds it cannot be read back`,
    {
      code: ExitCode.failed,
      hint: `look with \`molectl secrets status ${secret.name}\` (its fingerprints show whether AWSCURRENT holds the value); this endpoint does not answer as Secrets Manager does`,
    },
  );
  await ledger.updateTarget(secret.name, { state: 'failed', outcome: 'no-version-id', error });
  await ledger.setStatus('failed');
  throw error;
}
