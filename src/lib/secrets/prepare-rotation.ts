import { confirmChange, showBeforeConfirming } from '../prompt/confirm-change.js';
import type { Context } from '../context.js';
import { ExitCode, MolectlError, NotFoundError, UsageError } from '../errors.js';
import { describeEnvironment, formatEnvironment } from '../config/run-environment.js';
import { fingerprintOf } from '../output/fingerprint.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { checkConsumerPrerequisites, type ConsumerSettings, type VersionToSet } from './consumer-actions.js';
import { checkTenantsReachable } from './check-tenants-reachable.js';
import type { ManagedSecret } from './managed-secret.js';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../aws/secret-stages.js';
import { planRotation, renderRotationPlan, type RotationMode, type RotationPlan } from './rotation-plan.js';
import { ROLLBACK_COMMAND, ROTATE_COMMAND, rotationLocks, type RotationRun } from './run-rotation.js';
import { checkLocksFree } from '../runs/run-lifecycle.js';
import { loadEarlierRotation } from './load-earlier-rotation.js';

/**
 * Everything before the first change: the stages as they are, which mode that allows (an
 * AWSPENDING left by an earlier run must be resumed or aborted, never tripped over), the versions
 * involved (their values read and registered with the redactor), the plan shown, the typed
 * confirmation, and the ledger (a resume continues the earlier run's, whose id is the token).
 */

export interface PrepareInput {
  secret: ManagedSecret;
  requested: 'rotate' | 'rollback';
  resume: boolean;
  abortPending: boolean;
  overlapMs: number;
  settings: Omit<ConsumerSettings, 'environment' | 'guard'>;
  breakLock: boolean;
}

export interface PreparedRotation {
  run: RotationRun;
  ledger: RunLedger;
  plan: RotationPlan;
}

export async function prepareRotation(ctx: Context, input: PrepareInput): Promise<PreparedRotation> {
  const { secret } = input;
  if (input.resume && input.abortPending)
    throw new UsageError('--resume and --abort-pending exclude each other', 'pick one');
  await checkConsumerPrerequisites(ctx, secret.consumers, input.settings.apply.canary);
  const described = await ctx.aws.describeSecret(secret.secretId);
  if (!described)
    throw new NotFoundError(
      `secret ${secret.secretId} (${secret.name}) does not exist in Secrets Manager`,
      `store its current value first: molectl secrets put ${secret.name} --value-file <file>`,
    );
  const stageHolder = (stage: string): string | undefined =>
    described.versions.find((v) => v.stages.includes(stage))?.versionId;
  const currentId = stageHolder(AWSCURRENT);
  if (!currentId)
    throw new NotFoundError(
      `secret ${secret.secretId} has no AWSCURRENT version`,
      `store one: molectl secrets put ${secret.name} --value-file <file>`,
    );
  const pendingId = stageHolder(AWSPENDING);
  const mode = chooseMode(input, secret, pendingId, stageHolder(AWSPREVIOUS));
  // A run holding this secret is found before the plan is confirmed (a resume's own lock is its own).
  await checkLocksFree(ctx, rotationLocks(secret, input.breakLock, mode === 'resume' ? pendingId : undefined));

  const current = await readVersion(ctx, secret.secretId, currentId);
  const toId = mode === 'rollback' ? stageHolder(AWSPREVIOUS)! : mode === 'rotate' ? null : pendingId!;
  const to = toId ? await readVersion(ctx, secret.secretId, toId) : null;

  const earlier = mode === 'resume' ? await loadEarlierRotation(ctx, pendingId!) : null;
  const done =
    earlier && earlier.document.command === ROTATE_COMMAND
      ? secret.consumers
          .filter(
            (c) =>
              earlier.target(c.ref)?.state === 'succeeded' && earlier.target(c.ref)?.detail.versionId === pendingId,
          )
          .map((c) => c.ref)
      : [];

  // Putting back needs only the tenants the forward run changed (put-back-consumers.ts).
  if (mode !== 'abort-pending')
    await checkTenantsReachable(
      ctx,
      secret.consumers.filter((c) => !done.includes(c.ref)),
      input.settings.acceptUnreachable,
    );

  const environment = await describeEnvironment(ctx.config, ctx.aws);
  showBeforeConfirming(ctx, { kind: 'environment' }, formatEnvironment(environment, ctx.out.style));
  const plan = planRotation({
    mode,
    secret,
    from: { versionId: current.versionId, fingerprint: current.fingerprint },
    to: to ? { versionId: to.versionId, fingerprint: to.fingerprint } : null,
    done,
    overlapMs: input.overlapMs,
    soakMs: input.settings.apply.soakMs,
    deployTimeoutMs: input.settings.deployTimeoutMs,
    bytes: secret.generate.bytes,
  });
  showBeforeConfirming(ctx, { kind: 'environment' }, renderRotationPlan(plan));
  await confirmChange(
    ctx,
    { kind: 'environment' },
    `${mode === 'abort-pending' ? 'abort the pending rotation of' : mode} ${secret.name}`,
  );

  let ledger: RunLedger;
  if (earlier && earlier.document.command === ROTATE_COMMAND) {
    await earlier.claim();
    await earlier.setStatus('running', { error: null });
    await earlier.recordEvent(`resumed against ${formatEnvironment(environment)}`);
    ledger = earlier;
  } else {
    ledger = await ctx.runs.create({
      command: mode === 'rollback' ? ROLLBACK_COMMAND : ROTATE_COMMAND,
      environment,
      inputs: {
        name: secret.name,
        secretId: secret.secretId,
        mode,
        consumers: secret.consumers.map((c) => c.ref),
        overlapMs: input.overlapMs,
        deployTimeoutMs: input.settings.deployTimeoutMs,
      },
      pinned: {
        currentVersionId: current.versionId,
        currentFingerprint: current.fingerprint,
        ...(to ? { toVersionId: to.versionId, toFingerprint: to.fingerprint } : {}),
      },
      targets: [
        ...(mode === 'rotate' ? ['create'] : []),
        ...secret.consumers.map((c) => c.ref),
        ...(mode === 'abort-pending' ? [] : ['finish']),
      ],
    });
    await ledger.recordEvent(`started (${mode}) against ${formatEnvironment(environment)}`);
  }
  ctx.out.info(`run ${ledger.id}: ledger ${ledger.path}`);
  return {
    run: {
      mode,
      secret,
      current,
      to,
      generateBytes: secret.generate.bytes,
      settings: { ...input.settings, environment },
      breakLock: input.breakLock,
    },
    ledger,
    plan,
  };
}

function chooseMode(
  input: PrepareInput,
  secret: ManagedSecret,
  pendingId: string | undefined,
  previousId: string | undefined,
): RotationMode {
  const name = secret.name;
  if (input.requested === 'rollback') {
    if (pendingId)
      throw new MolectlError(
        `${secret.secretId} has an AWSPENDING version ${pendingId}: a rotation is in progress; nothing was changed`,
        {
          code: ExitCode.failed,
          hint: `finish it (molectl secrets rotate ${name} --resume) or abort it (--abort-pending) first`,
        },
      );
    if (!previousId)
      throw new NotFoundError(
        `${secret.secretId} has no AWSPREVIOUS version to roll back to`,
        `see \`molectl secrets status ${name}\``,
      );
    return 'rollback';
  }
  if (pendingId) {
    if (input.resume) return 'resume';
    if (input.abortPending) return 'abort-pending';
    throw new MolectlError(
      `${secret.secretId} already has an AWSPENDING version ${pendingId}, left by rotation run ${pendingId}; nothing was changed`,
      {
        code: ExitCode.failed,
        hint: `continue it with \`molectl secrets rotate ${name} --resume\`, or undo it with \`molectl secrets rotate ${name} --abort-pending\` (see \`molectl runs show ${pendingId}\`)`,
      },
    );
  }
  if (input.resume || input.abortPending)
    throw new UsageError(
      `${secret.secretId} has no AWSPENDING version: there is no rotation to ${input.resume ? 'resume' : 'abort'}`,
      `start one with \`molectl secrets rotate ${name}\``,
    );
  return 'rotate';
}

async function readVersion(ctx: Context, secretId: string, versionId: string): Promise<VersionToSet> {
  // getSecretValue registers the value with the redactor before it returns.
  const read = await ctx.aws.getSecretValue(secretId, { versionId });
  return { secretId, versionId, value: read.value, fingerprint: fingerprintOf(read.value) };
}
