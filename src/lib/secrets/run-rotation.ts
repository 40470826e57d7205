import { randomBytes } from 'node:crypto';
import type { Context } from '../context.js';
import { LOCKS } from '../runs/lock-names.js';
import { ExitCode, MolectlError } from '../errors.js';
import { fingerprintOf } from '../output/fingerprint.js';
import { runMutation, type RunLockSpec } from '../runs/run-lifecycle.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { applyRunsOf, setConsumer, type ConsumerSettings, type VersionToSet } from './consumer-actions.js';
import { settleStepRuns } from '../tenant-secret-delivery/settle-earlier-apply-run.js';
import { abortPending, finishFailure, putBack } from './put-back-consumers.js';
import type { ManagedSecret } from './managed-secret.js';
import { AWSCURRENT, AWSPENDING } from '../aws/secret-stages.js';
import { checkStagedAsPending, failFinish, stopOnVersionlessPut } from './confirm-rotation-stages.js';
import type { RotationMode } from './rotation-plan.js';

/**
 * The staged rotation, as Secrets Manager's own rotation protocol does it:
 *   create  a new value as AWSPENDING, ClientRequestToken = the run id (a retry makes no second version);
 *   set     each consumer, in the configured order, to the pending value;
 *   test    each consumer right after setting it (setConsumer sets and tests);
 *   finish  AWSCURRENT moves to the new version (the old one becomes AWSPREVIOUS), AWSPENDING goes.
 * Invariants: a failure before finish puts every touched consumer back on AWSCURRENT (configured
 * order) and removes AWSPENDING, which is kept only when a consumer could not be put back (so
 * `--abort-pending` can try again); Ctrl-C saves the ledger and changes nothing more (`--resume`).
 * The ledger holds version ids and fingerprints, never a value. `rollback` is the same walk to
 * AWSPREVIOUS without the create step.
 */

export const ROTATE_COMMAND = 'secrets rotate';
export const ROLLBACK_COMMAND = 'secrets rollback';
/**
 * Messages join a consumer (`...CP_ADMIN_API_TOKEN`) and its detail with ' — ', never ': ': the
 * redactor rightly reads `NAME_TOKEN: text` as an assignment and would hide the detail.
 */
/** Ledger target keys besides the consumers. */
const CREATE = 'create';
const FINISH = 'finish';

export interface RotationRun {
  mode: RotationMode;
  secret: ManagedSecret;
  /** AWSCURRENT when the run started (the value consumers are put back on). */
  current: VersionToSet;
  /** The version consumers move to: AWSPENDING (resume, abort), AWSPREVIOUS (rollback); null: create it. */
  to: VersionToSet | null;
  generateBytes: number;
  /** How consumers are set; the run's guard is added once the run holds its locks. */
  settings: Omit<ConsumerSettings, 'guard'>;
  breakLock: boolean;
}

export interface ConsumerReport {
  consumer: string;
  state: string;
  detail: string;
}

export interface RotationResult {
  run: string;
  mode: RotationMode;
  status: 'succeeded' | 'partial' | 'failed';
  secret: string;
  secretId: string;
  from: { versionId: string; fingerprint: string };
  to: { versionId: string; fingerprint: string } | null;
  consumers: ConsumerReport[];
  leftBehind: string[];
  /** Why it failed, and whether AWSPENDING was removed. */
  failure: string | null;
  exitCode: number;
}

/**
 * One run per secret and environment at a time (two rotations would fight over AWSPENDING); a
 * rotation with tenant consumers also holds the migrate engine's lock: two runs must not recreate
 * the same containers. Checked (checkLocksFree) before the plan is confirmed, taken by runMutation.
 */
export function rotationLocks(secret: ManagedSecret, breakLock: boolean, runId?: string): RunLockSpec {
  return {
    locks: [
      LOCKS.secret(secret.name),
      ...(secret.consumers.some((c) => c.kind === 'tenants-env') ? [LOCKS.tenantSecretDelivery] : []),
    ],
    fleet: true,
    breakLock,
    ...(runId ? { runId } : {}),
  };
}

export async function runRotation(ctx: Context, run: RotationRun, ledger: RunLedger): Promise<RotationResult> {
  return runMutation(
    ctx,
    {
      ledger: { existing: ledger },
      ...rotationLocks(run.secret, run.breakLock),
      resumeHint: () =>
        run.mode === 'rollback'
          ? `run \`${againCommand(run)}\` again`
          : `continue with \`${againCommand(run)}\`, or undo with --abort-pending`,
      interruptNote: 'consumers already changed stay changed',
    },
    (active) =>
      walk(
        ctx,
        run,
        { ...run.settings, guard: active, partOf: { run: ledger.id, continueWith: againCommand(run) } },
        ledger,
      ),
  );
}

/** The command that goes on with this run after it stopped. */
function againCommand(run: RotationRun): string {
  if (run.mode === 'rollback') return `molectl secrets rollback ${run.secret.name}`;
  return `molectl secrets rotate ${run.secret.name} ${run.mode === 'abort-pending' ? '--abort-pending' : '--resume'}`;
}

async function walk(
  ctx: Context,
  run: RotationRun,
  settings: ConsumerSettings,
  ledger: RunLedger,
): Promise<RotationResult> {
  const { secret } = run;
  const result: RotationResult = {
    run: ledger.id,
    mode: run.mode,
    status: 'succeeded',
    secret: secret.name,
    secretId: secret.secretId,
    from: { versionId: run.current.versionId, fingerprint: run.current.fingerprint },
    to: null,
    consumers: [],
    leftBehind: [],
    failure: null,
    exitCode: ExitCode.ok,
  };

  if (run.mode === 'abort-pending') return abortPending(ctx, run, settings, ledger, result);

  const to = run.to ?? (await createPending(ctx, run, ledger));
  result.to = { versionId: to.versionId, fingerprint: to.fingerprint };
  await ledger.setPinned({ toVersionId: to.versionId, toFingerprint: to.fingerprint });

  const touched: string[] = [];
  for (const consumer of secret.consumers) {
    // A safe point: the consumers before this one are set and tested.
    settings.guard.checkpoint();
    if (
      ledger.target(consumer.ref)?.state === 'succeeded' &&
      ledger.target(consumer.ref)?.detail.versionId === to.versionId
    ) {
      touched.push(consumer.ref);
      result.consumers.push({
        consumer: consumer.ref,
        state: 'done-before',
        detail: 'set and tested by the earlier attempt of this run',
      });
      continue;
    }
    // A tenant apply run an earlier attempt left behind (killed, or interrupted with commands
    // out): its results are collected and it is closed before the tenants are changed again.
    if (consumer.kind === 'tenants-env')
      await settleStepRuns(ctx, applyRunsOf(ledger.target(consumer.ref)), {
        rotationRun: ledger.id,
        againCommand: againCommand(run),
      });
    touched.push(consumer.ref);
    await ledger.updateTarget(consumer.ref, {
      state: 'in-progress',
      detail: { versionId: to.versionId, fingerprint: to.fingerprint },
    });
    const step = ctx.out.step(`${consumer.ref} — setting ${to.fingerprint}`);
    let outcome;
    try {
      outcome = await setConsumer(ctx, consumer, to, {
        ...settings,
        // The earlier attempt's run is kept beside the new one: putting back must undo what either changed.
        onApplyRunCreated: (id) => {
          const earlier = applyRunsOf(ledger.target(consumer.ref));
          return ledger.updateTarget(consumer.ref, {
            remoteIds: { applyRun: id },
            ...(earlier.length > 0 ? { detail: { earlierApplyRuns: earlier } } : {}),
          });
        },
      });
    } catch (error) {
      if (ctx.signal.aborted) {
        step.fail(`${consumer.ref} — interrupted`);
        throw error;
      }
      outcome = { ok: false, detail: (error as Error).message, remoteIds: {}, leftBehind: [] };
    }
    for (const who of outcome.leftBehind) if (!result.leftBehind.includes(who)) result.leftBehind.push(who);
    // A consumer that failed before changing any member has nothing to be put back.
    if (!outcome.ok && outcome.changedNothing) touched.pop();
    await ledger.updateTarget(consumer.ref, {
      state: outcome.ok ? 'succeeded' : 'failed',
      outcome: outcome.ok ? 'set' : 'set-failed',
      remoteIds: outcome.remoteIds,
      detail: { result: outcome.detail, leftBehind: outcome.leftBehind },
      error: outcome.ok ? null : new MolectlError(outcome.detail),
    });
    result.consumers.push({ consumer: consumer.ref, state: outcome.ok ? 'set' : 'failed', detail: outcome.detail });
    if (outcome.ok) {
      step.succeed(`${consumer.ref} — ${outcome.detail}`);
      continue;
    }
    step.fail(`${consumer.ref} — ${outcome.detail}`);
    result.failure = `${consumer.ref} — ${outcome.detail}`;
    const back = await putBack(ctx, run, settings, ledger, touched, result, (ref) => ({
      applyRuns: applyRunsOf(ledger.target(ref)),
    }));
    await finishFailure(ctx, run, ledger, result, back, result.failure);
    return result;
  }

  await finish(ctx, run, ledger, to);
  result.status = result.leftBehind.length > 0 ? 'partial' : 'succeeded';
  result.exitCode = result.leftBehind.length > 0 ? ExitCode.partial : ExitCode.ok;
  await ledger.setStatus(result.status);
  return result;
}

/** The new value: generated here, registered before anything can print it, stored as AWSPENDING. */
async function createPending(ctx: Context, run: RotationRun, ledger: RunLedger): Promise<VersionToSet> {
  await ledger.updateTarget(CREATE, { state: 'in-progress' });
  const value = randomBytes(run.generateBytes).toString('hex');
  ctx.redactor.register(value, 'secret');
  const put = await ctx.aws
    .putSecretValue({ secretId: run.secret.secretId, value, clientRequestToken: ledger.id, stages: [AWSPENDING] })
    .catch((error: unknown) => {
      throw lostCreateAnswer(error, run.secret.name, ledger.id);
    });
  if (!put.versionId) return stopOnVersionlessPut(ctx, run, ledger, CREATE);
  const pinned = { versionId: put.versionId, stages: put.stages };
  const version = { secretId: run.secret.secretId, versionId: put.versionId, value, fingerprint: fingerprintOf(value) };
  const record = {
    remoteIds: { versionId: put.versionId },
    detail: { fingerprint: version.fingerprint, clientRequestToken: ledger.id },
  };
  // The version exists from here on: recorded at once, but created (succeeded) only once it is
  // seen staged as AWSPENDING and not AWSCURRENT.
  await ledger.updateTarget(CREATE, { state: 'in-progress', ...record });
  await checkStagedAsPending(ctx, run, ledger, pinned, CREATE);
  await ledger.updateTarget(CREATE, { state: 'succeeded', outcome: 'created', ...record });
  ctx.out.info(`created AWSPENDING version ${put.versionId} (len=${Buffer.byteLength(value)} ${version.fingerprint})`);
  return version;
}

/**
 * A PutSecretValue that failed without a verdict (a timeout, a broken connection, a 5xx) may have
 * created the version before its answer was lost. The run id is its ClientRequestToken, so no
 * second version can come of it: the hint says how to go on with it or remove it. A refusal
 * (credentials, a missing secret) is left as it is.
 */
function lostCreateAnswer(error: unknown, name: string, runId: string): unknown {
  if (!(error instanceof MolectlError) || error.code !== ExitCode.failed) return error;
  return new MolectlError(error.message, {
    code: ExitCode.failed,
    hint: `Secrets Manager may have created the new version (ClientRequestToken ${runId}) before its answer was lost: \`molectl secrets rotate ${name} --resume\` goes on with it, \`molectl secrets rotate ${name} --abort-pending\` removes it`,
    cause: error,
  });
}

async function finish(ctx: Context, run: RotationRun, ledger: RunLedger, to: VersionToSet): Promise<void> {
  await ledger.updateTarget(FINISH, { state: 'in-progress' });
  const secretId = run.secret.secretId;
  const described = await ctx.aws.describeSecret(secretId);
  const holder = described?.versions.find((v) => v.stages.includes(AWSCURRENT));
  // Nothing to move from is not "already there": it is a secret molectl cannot see.
  if (!holder)
    await failFinish(run, ledger, to, FINISH, described ? 'no version carries AWSCURRENT' : 'the secret is not found');
  if (holder && holder.versionId !== to.versionId) {
    await ctx.aws.updateSecretVersionStage({
      secretId,
      stage: AWSCURRENT,
      moveToVersionId: to.versionId,
      removeFromVersionId: holder.versionId,
    });
  }
  if (described?.versions.some((v) => v.versionId === to.versionId && v.stages.includes(AWSPENDING))) {
    await ctx.aws.updateSecretVersionStage({ secretId, stage: AWSPENDING, removeFromVersionId: to.versionId });
  }
  // "Finished" is what Secrets Manager says afterwards, not that it accepted the calls.
  const after = await ctx.aws.describeSecret(secretId);
  const nowCurrent = after?.versions.find((v) => v.stages.includes(AWSCURRENT))?.versionId;
  if (nowCurrent !== to.versionId)
    await failFinish(
      run,
      ledger,
      to,
      FINISH,
      nowCurrent ? `it still says AWSCURRENT is ${nowCurrent}` : 'it now shows no version with AWSCURRENT',
    );
  await ledger.updateTarget(FINISH, {
    state: 'succeeded',
    outcome: 'finished',
    detail: { current: to.versionId, previous: holder?.versionId ?? '' },
  });
  ctx.out.info(
    `finished: AWSCURRENT is ${to.versionId} (${to.fingerprint})${holder && holder.versionId !== to.versionId ? `, AWSPREVIOUS ${holder.versionId}` : ''}`,
  );
}
