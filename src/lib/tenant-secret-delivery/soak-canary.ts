import type { Context } from '../context.js';
import { formatDuration } from '../output/table.js';
import type { RunGuard } from '../runs/run-lifecycle.js';
import type { RunLedger } from '../runs/run-ledger.js';
import type { PlanTarget } from './migration-plan.js';
import { checkCpAuthentication, checkPublicHealth } from './tenant-health.js';

/**
 * The canary's soak, the gate before any wave of `migrate cp-secret apply`: the CP must accept the
 * migrated canary's credentials, then its public /health must stay ok for the soak period. The
 * outcome says where it failed, so the abort can say "before its soak" rather than "failed its
 * soak" for a canary the CP refused at once.
 */

/** Gap between CP authentication checks while the CP is unavailable during the soak. */
const CP_AUTH_RETRY_MS = 5_000;

/**
 * Watches the canary for the soak period: the CP must positively accept its credentials (a CP
 * that is unavailable is asked again until the soak ends, then it is a failure), and its public
 * /health must answer ok throughout. The ledger records which proof was used and what was seen.
 */
export async function soakCanary(
  ctx: Context,
  canary: PlanTarget,
  soakMs: number,
  ledger: RunLedger,
  guard: RunGuard,
): Promise<SoakOutcome> {
  if (ledger.target(canary.slug)?.state !== 'succeeded')
    return { ok: false, migrated: false, detail: 'the canary did not migrate', stage: 'before', elapsedMs: 0 };
  await ledger.updateTarget(canary.slug, { detail: { soak: 'running' } });
  const startedAt = ctx.clock.now().getTime();
  const elapsed = (): number => ctx.clock.now().getTime() - startedAt;
  const deadline = startedAt + soakMs;
  const step = ctx.out.step(
    `soaking canary ${canary.slug} for ${Math.round(soakMs / 1000)}s: checking that the CP accepts its credentials`,
  );
  let auth = await checkCpAuthentication(ctx, canary);
  let asked = 1;
  while (!auth.ok && auth.retriable && ctx.clock.now().getTime() + CP_AUTH_RETRY_MS <= deadline) {
    guard.checkpoint();
    step.update(`canary ${canary.slug}: ${auth.detail}; asking again`);
    await ctx.clock.sleep(CP_AUTH_RETRY_MS, ctx.signal);
    auth = await checkCpAuthentication(ctx, canary);
    asked++;
  }
  await ledger.updateTarget(canary.slug, { detail: auth.record });
  await ledger.recordEvent(`canary ${canary.slug}: ${auth.detail}`, {
    target: canary.slug,
    level: auth.ok ? 'info' : 'error',
  });
  if (!auth.ok) {
    step.fail(`canary ${canary.slug}: ${auth.detail}`);
    // Refused at the first answer: the soak never began. Asked again until the soak ran out: it failed during it.
    return {
      ok: false,
      migrated: true,
      detail: auth.detail,
      stage: asked > 1 ? 'soak' : 'before',
      elapsedMs: elapsed(),
    };
  }
  let healthChecks = 0;
  do {
    const health = await checkPublicHealth(ctx, canary.slug);
    healthChecks++;
    if (!health.ok) {
      step.fail(`canary ${canary.slug}: ${health.detail}`);
      await ledger.recordEvent(`canary ${canary.slug}: ${health.detail}`, { target: canary.slug, level: 'error' });
      return {
        ok: false,
        migrated: true,
        detail: health.detail,
        stage: healthChecks > 1 ? 'soak' : 'first-health',
        elapsedMs: elapsed(),
      };
    }
    const left = deadline - ctx.clock.now().getTime();
    if (left <= 0) break;
    guard.checkpoint();
    step.update(`soaking canary ${canary.slug}: healthy, ${Math.ceil(left / 1000)}s left`);
    await ctx.clock.sleep(Math.min(5000, left), ctx.signal);
  } while (ctx.clock.now().getTime() < deadline);
  step.succeed(`canary ${canary.slug} healthy; ${auth.detail}`);
  await ledger.updateTarget(canary.slug, { detail: { soak: 'passed' } });
  return { ok: true, migrated: true, detail: 'healthy', stage: 'soak', elapsedMs: elapsed() };
}

export interface SoakOutcome {
  ok: boolean;
  migrated: boolean;
  detail: string;
  /**
   * Where it failed: `before` the soak began (the check that the CP accepts the canary's
   * credentials failed at its first answer), at the `first-health` check that opens the soak,
   * or during the `soak` (a later check, or a CP that stayed unavailable until the soak ran out).
   */
  stage: 'before' | 'first-health' | 'soak';
  elapsedMs: number;
}

/** The abort's words for a canary that migrated but did not pass: when it failed, not only that it did. */
export function describeSoakFailure(soak: SoakOutcome, soakMs: number): string {
  if (soak.stage === 'before')
    return `failed before its soak (checking that the CP accepts its credentials): ${soak.detail}`;
  if (soak.stage === 'first-health')
    return soakMs === 0
      ? `failed its health check after migrating (no soak: --soak 0): ${soak.detail}`
      : `failed its soak at the first health check: ${soak.detail}`;
  return `failed its soak after ${formatDuration(soak.elapsedMs)} of ${formatDuration(soakMs)}: ${soak.detail}`;
}
