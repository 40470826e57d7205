import type { Context } from '../context.js';
import { MolectlError } from '../errors.js';
import { formatCount } from '../output/format-count.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { SSM_RESULT_GRACE_SECONDS } from '../ssm/run-shell-script.js';
import { collectSentCommands, findUnrecordedCommands } from './adopt-in-flight.js';
import { readApplyPayload } from './apply-ledger-payload.js';
import { recordRollbackResult, ROLLBACK_COMMAND } from './rollback-migration.js';
import { hostScriptTimeoutSeconds } from './tenant-script.js';

const POLL_MS = 2000;

/**
 * An earlier rollback of the same apply run that stopped without recording what its hosts did
 * (SIGKILL, a crash, a lost laptop) left targets `in-progress`. Before a new rollback picks its
 * tenants, their results are collected and recorded on that earlier run, and a proven rollback is
 * linked on the apply run, so that the new one does not send the script to a host that was
 * rolled back already (where it finds no kept container and fails) and `status` tells the truth.
 *
 * The command is the one the earlier run recorded, or the one SSM lists under the batch comment
 * it recorded before sending; a target whose batch SSM never saw goes back to pending. Commands
 * still running when the wait ends stop the new rollback (exit 1): it must not race them.
 */
export async function adoptKilledRollbacks(ctx: Context, apply: RunLedger): Promise<void> {
  const { runs } = await ctx.runs.list({ command: ROLLBACK_COMMAND });
  const earlier = runs.filter(
    (doc) => doc.inputs.run === apply.id && Object.values(doc.targets).some((t) => t.state === 'in-progress'),
  );
  if (earlier.length === 0) return;
  const { inputs } = readApplyPayload(apply.document);
  const waitMs = (hostScriptTimeoutSeconds(inputs.healthTimeoutSeconds) + SSM_RESULT_GRACE_SECONDS) * 1000;
  for (const doc of earlier) {
    const ledger = await ctx.runs.load(doc.id);
    // Refused (exit 1) while that rollback's process is still alive: it is still recording.
    await ledger.claim();
    await collectRollbackResults(ctx, apply, ledger, waitMs);
  }
}

async function collectRollbackResults(ctx: Context, apply: RunLedger, ledger: RunLedger, waitMs: number) {
  const inFlight = Object.values(ledger.document.targets).filter((t) => t.state === 'in-progress');
  const step = ctx.out.step(
    `collecting ${formatCount(inFlight.length, 'result')} of rollback run ${ledger.id}, which stopped before recording them`,
  );
  await findUnrecordedCommands(ctx, ledger, inFlight);
  const open = await collectSentCommands(ctx, ledger, {
    waitMs,
    pollMs: POLL_MS,
    onWait: (count) => step.update(`waiting for ${formatCount(count, 'command')} of rollback run ${ledger.id}`),
    record: async (target, result) => {
      const previous = target.detail.previousFingerprint;
      const previousFingerprint = typeof previous === 'string' ? previous : null;
      await recordRollbackResult(
        apply,
        ledger,
        { slug: target.key, instanceId: result.instanceId, previousFingerprint },
        result,
      );
    },
  });
  if (open.length > 0) {
    step.fail(`rollback run ${ledger.id}: ${formatCount(open.length, 'command')} still running`);
    const reason = `rollback run ${ledger.id} still has its script running on ${open.map((t) => t.key).join(', ')}`;
    await ledger.setStatus('interrupted', { error: new MolectlError(reason) });
    throw new MolectlError(reason, { hint: 'run the rollback again once those commands have finished' });
  }
  step.succeed(`collected the results of rollback run ${ledger.id}`);
  const counts = ledger.countTargets();
  const rolledBack = Object.values(ledger.document.targets).filter((t) => t.outcome === 'rolled-back').length;
  if (rolledBack > 0) await apply.recordEvent(`${formatCount(rolledBack, 'tenant')} rolled back by run ${ledger.id}`);
  // What it never sent is left to the rollback that collected this: it stays unfinished here.
  if (counts.pending > 0)
    await ledger.setStatus('interrupted', {
      error: new MolectlError(
        `stopped before it finished; a later rollback collected the results of what it had sent (${formatCount(counts.pending, 'tenant')} never sent)`,
      ),
    });
  else await ledger.setStatus(counts.failed === 0 ? 'succeeded' : rolledBack === 0 ? 'failed' : 'partial');
}
