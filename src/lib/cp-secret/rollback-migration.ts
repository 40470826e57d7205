import type { Context } from '../context.js';
import { MolectlError, UsageError } from '../errors.js';
import type { RunLedger } from '../runs/run-ledger.js';
import { runShellScript } from '../ssm/run-shell-script.js';
import { APPLY_COMMAND } from './apply-ledger.js';
import { parseScriptResult } from './parse-script-result.js';
import { renderTenantCommands } from './tenant-script.js';

/**
 * `rollback <run>`: puts back, on each tenant that run migrated, the container it kept (renamed
 * `<name>-molectl-<run>`), restores the original auto-updater and removes the durable values.
 * Tenants the run found current or did not touch are left alone.
 */

export const ROLLBACK_COMMAND = 'migrate cp-secret rollback';

export interface RollbackTarget {
  slug: string;
  instanceId: string;
}

/** The tenants an apply run changed, optionally narrowed to some orgs. Pure over the ledger. */
export function selectRollbackTargets(apply: RunLedger, orgs: string[] | undefined): RollbackTarget[] {
  const doc = apply.document;
  if (doc.command !== APPLY_COMMAND) throw new UsageError(`run ${doc.id} is a "${doc.command}" run; rollback takes an apply run`, 'find it with `molectl runs list --command "migrate cp-secret apply"`');
  const migrated = Object.values(doc.targets).filter((t) => t.outcome === 'migrated');
  if (orgs) {
    // Undone by a rollback run (which records itself), not rolled back by the script during apply.
    const undone = orgs.filter((slug) => doc.targets[slug]?.detail.rolledBackBy);
    if (undone.length) throw new UsageError(`${undone.join(', ')} ${undone.length === 1 ? 'was' : 'were'} already rolled back`, `resume ${doc.id} to migrate ${undone.length === 1 ? 'it' : 'them'} again`);
    const unknown = orgs.filter((slug) => !migrated.some((t) => t.key === slug));
    if (unknown.length) throw new UsageError(`run ${doc.id} did not migrate ${unknown.join(', ')}`, `see \`molectl migrate cp-secret status ${doc.id}\``);
  }
  return migrated.filter((t) => !orgs || orgs.includes(t.key)).map((t) => ({ slug: t.key, instanceId: String(t.detail.instanceId) }));
}

export async function rollbackMigration(ctx: Context, apply: RunLedger, targets: RollbackTarget[], ledger: RunLedger): Promise<number> {
  const inputs = apply.document.inputs as Record<string, string>;
  const byInstance = new Map(targets.map((t) => [t.instanceId, t]));
  const step = ctx.out.step(`rolling back ${targets.length} tenant${targets.length === 1 ? '' : 's'}`);
  const results = await runShellScript(
    { aws: ctx.aws, clock: ctx.clock, signal: ctx.signal },
    {
      instanceIds: targets.map((t) => t.instanceId),
      commands: renderTenantCommands({ mode: 'rollback', containerName: String(inputs.containerName), runId: apply.id, healthTimeoutSeconds: Number(inputs.healthTimeoutSeconds) }),
      comment: `molectl migrate cp-secret rollback ${apply.id}`.slice(0, 100),
      timeoutSeconds: Number(inputs.healthTimeoutSeconds) + 240,
      cancelOnAbort: false,
      previewIsComplete: (p) => parseScriptResult(p) !== null,
      onDispatched: async ({ commandId, instanceIds }) => {
        await Promise.all(instanceIds.map((id) => ledger.updateTarget(byInstance.get(id)!.slug, { state: 'in-progress', remoteIds: { commandId }, detail: { instanceId: id } })));
      },
      onProgress: (p) => step.update(`rolling back: ${p.done}/${p.total} done, ${p.failed} failed`),
    },
  );
  let failed = 0;
  for (const result of results) {
    const target = byInstance.get(result.instanceId)!;
    const parsed = parseScriptResult(result.stdout);
    const ok = result.status === 'Success' && parsed?.status === 'rolled-back';
    if (!ok) failed += 1;
    // The apply run no longer holds this tenant migrated: a second rollback has nothing to undo
    // there, and resuming the apply run would migrate it again.
    if (ok) await apply.updateTarget(target.slug, { state: 'pending', outcome: 'rolled-back', detail: { rolledBackBy: ledger.id, soak: null } });
    await ledger.updateTarget(target.slug, {
      state: ok ? 'succeeded' : 'failed',
      outcome: ok ? 'rolled-back' : (parsed?.status ?? 'unverified'),
      detail: { ssmStatus: result.statusDetails ?? result.status, exitCode: result.responseCode, fingerprint: parsed?.fingerprint ?? null, health: parsed?.health ?? null, class: 'migrated' },
      error: ok ? null : new MolectlError(parsed?.reason ?? `SSM ${result.statusDetails ?? result.status}`),
    });
  }
  if (failed) step.fail(`rolled back ${targets.length - failed}, ${failed} failed`);
  else step.succeed(`rolled back ${targets.length} tenant${targets.length === 1 ? '' : 's'}`);
  await apply.recordEvent(`${targets.length - failed} tenant(s) rolled back by run ${ledger.id}`);
  // Resumable again: `resume` re-migrates what was rolled back.
  if (failed < targets.length && apply.status === 'succeeded') await apply.setStatus('partial');
  await ledger.setStatus(failed === 0 ? 'succeeded' : failed === targets.length ? 'failed' : 'partial');
  return failed;
}
