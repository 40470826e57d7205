import type { Context } from '../context.js';
import { redactDeep } from '../output/output.js';
import type { AuditSettings } from './audit-settings.js';
import { assembleVerdicts } from './assemble-verdicts.js';
import { buildAuditReport, type AuditReport } from './build-audit-report.js';
import { collectAuditEvidence } from './collect-audit-evidence.js';

/**
 * `fleet audit`: read the evidence, judge it, build the report. Read-only end to end. The report
 * is redacted field by field before anything renders it (every renderer's output passes the
 * redactor once more on its way out).
 */
export async function runAudit(ctx: Context, settings: AuditSettings): Promise<AuditReport> {
  const startedAt = ctx.clock.now();
  const evidence = await collectAuditEvidence(ctx, settings);
  const { verdicts, images, agentVersions } = assembleVerdicts({
    evidence,
    settings,
    keys: ctx.config.environment,
    cpUrl: ctx.config.cpUrl.value,
    redactor: ctx.redactor,
  });
  const report = buildAuditReport({
    environment: ctx.config.envName.value,
    cpUrl: ctx.cp.baseUrl,
    region: evidence.region,
    startedAt,
    durationMs: ctx.clock.now().getTime() - startedAt.getTime(),
    settings,
    scope: { orgs: evidence.orgSlugs.length, tenants: evidence.tenants.length, instances: evidence.instances.length },
    verdicts,
    images,
    agentVersions,
  });
  return redactDeep(report, ctx.redactor);
}
