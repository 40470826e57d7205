import type { Context } from '../context.js';
import { remoteText } from '../output/remote-text.js';
import type { AuditSettings } from './audit-settings.js';
import { assembleVerdicts } from './assemble-verdicts.js';
import { buildAuditReport, type AuditReport } from './build-audit-report.js';
import { collectAuditEvidence } from './collect-audit-evidence.js';

/**
 * `fleet audit`: read the evidence, judge it, build the report. Read-only end to end. What in the
 * report came from the fleet is marked as remote text before anything renders it (see
 * markFleetText), so every renderer's output gets the output contract: known values scrubbed
 * everywhere, token shapes and escaped controls in what the fleet said, molectl's fixes intact.
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
  return markFleetText(report);
}

/**
 * Marks the report's text from the fleet: tenant slugs, instance ids and roles (EC2 tags), what a
 * judge observed (`detail` quotes images, agent versions, the CP's answers), the evidence (console
 * lines, ss lines, security group rules) and the histogram values. The fixes and the checks'
 * wording stay molectl's own. Pure.
 */
export function markFleetText(report: AuditReport): AuditReport {
  const remote = <T extends string | null | undefined>(text: T): T =>
    (typeof text === 'string' ? remoteText(text) : text) as T;
  return {
    ...report,
    histograms: {
      images: report.histograms.images.map((b) => ({ ...b, value: remote(b.value) })),
      agentVersions: report.histograms.agentVersions.map((b) => ({ ...b, value: remote(b.value) })),
    },
    tenants: report.tenants.map((group) => ({
      tenant: remote(group.tenant),
      findings: group.findings.map((f) => ({
        ...f,
        instanceId: remote(f.instanceId),
        role: remote(f.role),
        detail: remote(f.detail),
        ...(f.evidence === undefined ? {} : { evidence: remote(f.evidence) }),
      })),
    })),
    verdicts: report.verdicts.map((v) => ({
      ...v,
      subject: { slug: remote(v.subject.slug), instanceId: remote(v.subject.instanceId), role: remote(v.subject.role) },
      detail: remote(v.detail),
      ...(v.evidence === undefined ? {} : { evidence: remote(v.evidence) }),
    })),
  };
}
