import type { Context } from '../context.js';
import { ExitCode, MolectlError } from '../errors.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { AWSCURRENT, AWSPENDING } from '../aws/secret-stages.js';
import type { VersionToSet } from './consumer-actions.js';
import type { RotationRun } from './run-rotation.js';

/**
 * What a rotation checks in Secrets Manager's own answers around its two stage changes, so that
 * neither "created" nor "finished" rests on a call merely not failing.
 */

/**
 * The new version must be AWSPENDING, and only that, before any consumer is touched: a Secrets
 * Manager that ignores VersionStages (an emulator) makes it AWSCURRENT at once, a value no
 * consumer holds yet, and a failure later would put every consumer back on the old value while
 * AWSCURRENT stayed on the new one. Checked from the put's own answer, or read when it names none;
 * a wrongly current version is moved back, and the run stops with nothing else changed.
 */
export async function checkStagedAsPending(
  ctx: Context,
  run: RotationRun,
  ledger: RunLedger,
  put: { versionId: string; stages: string[] },
  createTarget: string,
): Promise<void> {
  const secretId = run.secret.secretId;
  const stagesOf = async (): Promise<string[]> =>
    (await ctx.aws.describeSecret(secretId))?.versions.find((v) => v.versionId === put.versionId)?.stages ?? [];
  const stages = put.stages.length > 0 ? put.stages : await stagesOf();
  if (stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT)) return;
  const { restored, notRestored } = stages.includes(AWSCURRENT)
    ? await putCurrentBack(ctx, run, put.versionId, async () => !(await stagesOf()).includes(AWSCURRENT))
    : { restored: true, notRestored: '' };
  const error = new MolectlError(
    `Secrets Manager stored the new version ${put.versionId} of ${secretId} as ${stages.join('+') || 'no stage'}, not AWSPENDING: no consumer was changed${notRestored}`,
    {
      code: ExitCode.failed,
      hint: restored
        ? `check with \`molectl secrets status ${run.secret.name}\`; this Secrets Manager does not keep VersionStages, so it cannot stage a rotation`
        : `put it back: aws secretsmanager update-secret-version-stage --secret-id ${secretId} --version-stage AWSCURRENT --move-to-version-id ${run.current.versionId} --remove-from-version-id ${put.versionId}`,
    },
  );
  await ledger.updateTarget(createTarget, { state: 'failed', outcome: 'not-pending', error });
  throw error;
}

/**
 * The PutSecretValue answer named no version (or an empty one): the value was stored, but no
 * consumer may be moved to a version that cannot be pinned (an empty id reads AWSCURRENT, the old
 * value, and "finish" would have nothing to move AWSCURRENT to). As for a version that landed
 * outside AWSPENDING: AWSCURRENT is put back where it was if the write moved it, and the run stops
 * with no consumer changed.
 */
export async function stopOnVersionlessPut(
  ctx: Context,
  run: RotationRun,
  ledger: RunLedger,
  createTarget: string,
): Promise<never> {
  const secretId = run.secret.secretId;
  const currentHolder = async (): Promise<string | undefined> =>
    (await ctx.aws.describeSecret(secretId))?.versions.find((v) => v.stages.includes(AWSCURRENT))?.versionId;
  const holder = await currentHolder();
  const { restored, notRestored } =
    holder === run.current.versionId
      ? { restored: true, notRestored: '' }
      : holder
        ? await putCurrentBack(ctx, run, holder, async () => (await currentHolder()) === run.current.versionId)
        : { restored: false, notRestored: `, and AWSCURRENT could not be put back on ${run.current.versionId}` };
  const error = new MolectlError(
    `Secrets Manager answered PutSecretValue for ${secretId} without a VersionId: the new version cannot be pinned, so no consumer was changed${notRestored}`,
    {
      code: ExitCode.failed,
      hint: restored
        ? `look with \`molectl secrets status ${run.secret.name}\` (the value was written with ClientRequestToken ${ledger.id}); remove an AWSPENDING it left with \`molectl secrets rotate ${run.secret.name} --abort-pending\``
        : `put it back: aws secretsmanager update-secret-version-stage --secret-id ${secretId} --version-stage AWSCURRENT --move-to-version-id ${run.current.versionId}${holder ? ` --remove-from-version-id ${holder}` : ''}`,
    },
  );
  await ledger.updateTarget(createTarget, { state: 'failed', outcome: 'no-version-id', error });
  throw error;
}

/**
 * Moves AWSCURRENT back from `from` to the version the run started from, then asks `isBack` (a
 * fresh read): restored only when seen so. `notRestored` is the message's tail when it is not,
 * with the move call's own failure when there was one.
 */
async function putCurrentBack(
  ctx: Context,
  run: RotationRun,
  from: string,
  isBack: () => Promise<boolean>,
): Promise<{ restored: boolean; notRestored: string }> {
  let failure = '';
  await ctx.aws
    .updateSecretVersionStage({
      secretId: run.secret.secretId,
      stage: AWSCURRENT,
      moveToVersionId: run.current.versionId,
      removeFromVersionId: from,
    })
    .catch((error: unknown) => {
      failure = ` (${error instanceof Error ? error.message.split('\n')[0] : 'the move failed'})`;
    });
  const restored = await isBack();
  return {
    restored,
    notRestored: restored ? '' : `, and AWSCURRENT could not be put back on ${run.current.versionId}${failure}`,
  };
}

/** The consumers hold `to`, but Secrets Manager does not show it as AWSCURRENT: unverified, not finished. */
export async function failFinish(
  run: RotationRun,
  ledger: RunLedger,
  to: VersionToSet,
  finishTarget: string,
  seen: string,
): Promise<never> {
  const error = new MolectlError(
    `every consumer holds ${to.fingerprint}, but moving AWSCURRENT of ${run.secret.secretId} to ${to.versionId} is unverified: ${seen}`,
    {
      code: ExitCode.failed,
      hint: `look with \`molectl secrets status ${run.secret.name}\`, then ${
        run.mode === 'rollback'
          ? `run \`molectl secrets rollback ${run.secret.name}\` again`
          : `finish with \`molectl secrets rotate ${run.secret.name} --resume\``
      }`,
    },
  );
  await ledger.updateTarget(finishTarget, { state: 'failed', outcome: 'unverified', error });
  throw error;
}
