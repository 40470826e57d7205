import type { InstanceSummary, ManagedInstance } from '../aws/aws-types.js';
import { describePingStatus } from '../aws/ssm-calls.js';
import { probeNotRead, type TenantScriptResult } from '../tenant-secret-delivery/parse-script-result.js';
import { roleOf, type OrphanKeys } from '../fleet/classify-orphans.js';
import type { Redactor } from '../output/redactor.js';
import type { CheckId } from './audit-checks.js';
import { parseAuditProbe } from './audit-probe.js';
import type { AuditSettings } from './audit-settings.js';
import { unknown, type AuditSubject, type Judgement, type Verdict } from './audit-verdict.js';
import type { AuditEvidence, Unavailable } from './collect-audit-evidence.js';
import { judgeConsole } from './judge-console.js';
import { judgeCpSecret } from './judge-cp-secret.js';
import { judgeImage } from './judge-image.js';
import { judgeAgentOnline, judgeAgentVersion, judgeImds } from './judge-instance-basics.js';
import { judgeInstanceAnswer } from './judge-instance-answer.js';
import {
  findDuplicateTenants,
  indexOrphans,
  judgeOrgInstance,
  judgeOrphan,
  judgeTags,
  orphanIdsOf,
} from './judge-inventory.js';
import type { Listener } from './judge-listeners.js';
import { judgeListeners } from './judge-listeners.js';
import { judgeSecurityGroups } from './judge-security-groups.js';
import {
  judgeEmptyFleet,
  judgeOrgListGap,
  judgeUnlistedOrgInstance,
  UNLISTED_ORGS,
  WHOLE_FLEET,
} from './org-coverage.js';

/**
 * Every selected check's verdict on every subject in scope: the evidence in, verdicts out, no I/O.
 * The judges themselves are pure functions tested as tables; this only ties each to its subjects.
 */

export interface AssembleInput {
  evidence: AuditEvidence;
  settings: AuditSettings;
  keys: OrphanKeys;
  /** The MOLECULE_CP_URL tenants must hold. */
  cpUrl: string;
  redactor: Redactor;
}

export interface AssembledAudit {
  verdicts: Verdict[];
  /** Per probed tenant, the image its container runs (null: not observed), for the histogram. */
  images: Array<string | null>;
  /** Per tenant, the SSM agent version (null: not reported). */
  agentVersions: Array<string | null>;
}

export function assembleVerdicts(input: AssembleInput): AssembledAudit {
  const { evidence, settings, keys } = input;
  const selected = new Set(settings.checks);
  const verdicts: Verdict[] = [];
  const images: Array<string | null> = [];
  const agentVersions: Array<string | null> = [];
  const add = (check: CheckId, subject: AuditSubject, judgement: () => Judgement): void => {
    if (selected.has(check)) verdicts.push({ check, subject, ...judgement() });
  };

  for (const tenant of evidence.tenants) {
    const slug = tenant.tags[keys.orgSlugTagKey]!;
    const subject: AuditSubject = { slug, instanceId: tenant.instanceId, role: 'tenant' };
    const managed = evidence.managed instanceof Map ? evidence.managed.get(tenant.instanceId) : undefined;
    const probe = readProbe(evidence, tenant, managed);
    const image = imageOf(probe);
    images.push(typeof image === 'string' ? image : null);
    agentVersions.push(managed?.agentVersion ?? null);
    const secret = judgeCpSecret({
      slug,
      probe: 'reason' in probe ? { unavailable: probe.reason } : { result: probe.result },
      expected: evidence.expected,
      cpUrl: input.cpUrl,
    });
    add('cp-secret-missing', subject, () => secret['cp-secret-missing']);
    add('cp-secret-stale', subject, () => secret['cp-secret-stale']);
    add('cp-secret-not-durable', subject, () => secret['cp-secret-not-durable']);
    add('unexpected-listener', subject, () =>
      judgeListeners({
        listeners: 'reason' in probe ? { unavailable: probe.reason } : probe.listeners,
        unreadable: 'reason' in probe ? [] : probe.unreadableListeners,
        expectedPorts: settings.expectedPorts,
        instanceId: tenant.instanceId,
        region: evidence.region,
      }),
    );
    add('image-drift', subject, () => judgeImage({ image, expected: settings.expectedImage, slug }));
    add('agent-offline', subject, () =>
      evidence.managed instanceof Map
        ? judgeAgentOnline(managed, tenant.instanceId, evidence.region)
        : unknown(evidence.managed.unavailable),
    );
    add('agent-too-old', subject, () =>
      evidence.managed instanceof Map
        ? judgeAgentVersion(managed, settings.minAgentVersion, tenant.instanceId, evidence.region)
        : unknown(evidence.managed.unavailable),
    );
  }

  const orphans = indexOrphans(evidence.orphans);
  const orphanIds = orphanIdsOf(evidence.orphans);
  const inventory = {
    instances: evidence.instances,
    orphans: evidence.orphans,
    orgs: evidence.orgs,
    keys,
    region: evidence.region,
  };
  const duplicates = findDuplicateTenants(inventory, orphanIds);
  for (const instance of evidence.instances) {
    const subject: AuditSubject = {
      slug: instance.tags[keys.orgSlugTagKey] ?? null,
      instanceId: instance.instanceId,
      role: roleOf(instance.tags, keys),
    };
    add('console-leaks-secret', subject, () =>
      judgeConsole({
        console: evidence.consoles.get(instance.instanceId) ?? { unavailable: 'the console was not read' },
        redactor: input.redactor,
      }),
    );
    add('debug-port-open', subject, () =>
      judgeSecurityGroups({
        groupIds: instance.securityGroupIds,
        groups: evidence.groups,
        expectedPorts: settings.expectedPorts,
        region: evidence.region,
      }),
    );
    add('imds-v1', subject, () => judgeImds(instance.metadataOptions, instance.instanceId, evidence.region));
    add('orphan-instance', subject, () => judgeOrphan(instance, inventory, orphans.get(instance.instanceId)));
    add('tag-mismatch', subject, () => judgeTags(instance, inventory, duplicates));
  }

  for (const slug of evidence.orgSlugs) {
    add('admin-token-exposed', { slug, instanceId: null, role: 'org' }, () =>
      judgeInstanceAnswer({
        answer: evidence.answers.get(slug) ?? { unavailable: 'not read' },
        slug,
        redactor: input.redactor,
      }),
    );
  }
  // Only listed orgs have an instance_status; one confirmed beyond the page is known to exist, no more.
  for (const org of evidence.orgs) {
    if (org.instance_status === 'running')
      add('org-without-instance', { slug: org.slug, instanceId: null, role: 'org' }, () =>
        judgeOrgInstance(org, inventory, orphanIds),
      );
  }
  for (const [slug, why] of evidence.unlisted)
    add('org-without-instance', { slug, instanceId: null, role: 'org' }, () =>
      judgeUnlistedOrgInstance(slug, why, evidence.instances, keys, orphanIds),
    );
  if (evidence.instances.length === 0 && evidence.orgSlugs.length === 0 && evidence.orgListGap === null) {
    const nothing = judgeEmptyFleet(evidence.region);
    for (const check of settings.checks)
      add(check, { slug: WHOLE_FLEET, instanceId: null, role: 'org' }, () => nothing);
  }
  // Orgs the page did not show and nothing named: the org checks cannot have judged them.
  if (evidence.orgListGap !== null) {
    const gap = judgeOrgListGap(evidence.orgListGap);
    for (const check of ['admin-token-exposed', 'org-without-instance'] as const)
      add(check, { slug: UNLISTED_ORGS, instanceId: null, role: 'org' }, () => gap);
  }
  return { verdicts, images, agentVersions };
}

type ProbeRead =
  | { result: TenantScriptResult; listeners: Listener[] | Unavailable; unreadableListeners: string[] }
  | { reason: string };

/** The tenant's probe output, or the one reason every probe-based check is unknown. */
function readProbe(evidence: AuditEvidence, tenant: InstanceSummary, managed: ManagedInstance | undefined): ProbeRead {
  if (!(evidence.managed instanceof Map))
    return { reason: `SSM could not be asked who is online: ${evidence.managed.unavailable}` };
  if (!managed) return { reason: 'not registered with SSM: the probe could not run' };
  if (managed.pingStatus !== 'Online') return { reason: `${describePingStatus(managed)}: the probe could not run` };
  if (evidence.probeFailure) return { reason: `the probe could not be sent: ${evidence.probeFailure}` };
  const invocation = evidence.probes.get(tenant.instanceId);
  if (!invocation) return { reason: 'no probe result came back' };
  if (invocation.status !== 'Success')
    return {
      reason: `probe ${invocation.status}${invocation.statusDetails && invocation.statusDetails !== invocation.status ? ` (${invocation.statusDetails})` : ''}`,
    };
  const parsed = parseAuditProbe(invocation.stdout);
  if (!parsed.result) return { reason: 'the probe printed no result line' };
  return { result: parsed.result, listeners: parsed.listeners, unreadableListeners: parsed.unreadableListeners };
}

function imageOf(probe: ProbeRead): string | Unavailable {
  if ('reason' in probe) return { unavailable: probe.reason };
  const notRead = probeNotRead(probe.result);
  if (notRead !== null) return { unavailable: notRead };
  if (!probe.result.container) return { unavailable: 'the host has no platform container' };
  return probe.result.image ? probe.result.image : { unavailable: 'the probe did not report the image' };
}
