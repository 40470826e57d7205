import { randomBytes } from 'node:crypto';
import { createSecret, deleteSecret } from '../aws/secrets-store.js';
import { generateHex, generateUuid } from '../aws/seeded-random.js';
import { hostRootFor } from '../hosts/materialise-host.js';
import { renderTenantUserData } from '../hosts/tenant-user-data.js';
import type { SandboxState, SimInstance, SimOrg, Tag } from '../state.js';
import { hostMatches, SANDBOX_TAGS } from '../state.js';
import { CURRENT_IMAGE_TAG, PRE_CUTOVER_IMAGE_TAG } from '../platform-releases.js';
import { tracesConsole } from '../posture-faults.js';
import { bootTraces, defineLazyConsole, renderBootConsole } from './render-boot-console.js';

/**
 * Org provisioning as the CP does it: an org row first (instance_status provisioning), then a
 * tenant EC2 instance whose user-data runs the platform container, one instance per workspace,
 * and the admin token in Secrets Manager. Seeding calls both halves at once; POST
 * /cp/admin/orgs runs the second half later, as the real CP does minutes later.
 */

export interface NewOrgInput {
  slug: string;
  name: string;
  ownerUserId: string;
  preCutover: boolean;
  createdAt?: Date;
}

export function adminTokenSecretName(slug: string): string {
  return `molecule/tenants/${slug}/admin-token`;
}

export function createOrgRow(state: SandboxState, input: NewOrgInput): SimOrg {
  const org: SimOrg = {
    id: generateUuid(state),
    slug: input.slug,
    name: input.name,
    ownerUserId: input.ownerUserId,
    instanceStatus: 'provisioning',
    createdAt: input.createdAt ?? new Date(),
    adminToken: randomBytes(24).toString('base64url'),
    adminTokenSecretId: adminTokenSecretName(input.slug),
    tenantInstanceId: null,
    workspaceIds: [],
    preCutover: input.preCutover,
    purge: null,
  };
  state.orgs.set(org.slug, org);
  return org;
}

/**
 * Launches the org's instances and stores its admin token; ends in `running`, or `failed`
 * (instance up, image pull denied, no container) when faults.provisionFail names the slug.
 */
export function completeOrgProvisioning(state: SandboxState, org: SimOrg, workspaces: number): void {
  const failed = state.faults.provisionFail.includes(org.slug);
  const imageTag =
    state.faults.posture?.oldImage[org.slug] ?? (org.preCutover ? PRE_CUTOVER_IMAGE_TAG : CURRENT_IMAGE_TAG);
  const userData = renderTenantUserData({
    orgId: org.id,
    slug: org.slug,
    adminToken: org.adminToken,
    imageTag,
    cp: org.preCutover ? null : { url: state.url, sharedSecret: state.provisionSharedSecret },
  });
  const orgTags: Tag[] = [
    { Key: SANDBOX_TAGS.orgSlugKey, Value: org.slug },
    { Key: SANDBOX_TAGS.orgIdKey, Value: org.id },
  ];
  const tenant = launchInstance(state, {
    tags: [
      { ...SANDBOX_TAGS.managedBy },
      { Key: SANDBOX_TAGS.roleKey, Value: 'tenant' },
      ...orgTags,
      { Key: 'Name', Value: `tenant-${org.slug}` },
    ],
    userData,
    role: 'molecule-tenant-instance',
    withHost: true,
    launchTime: org.createdAt,
  });
  defineLazyConsole(tenant, () =>
    renderBootConsole({
      kind: 'tenant',
      slug: org.slug,
      hostname: hostnameOf(tenant),
      userData,
      bearerToken: org.adminToken,
      cpUrl: state.url,
      failed,
      trace:
        bootTraces(userData) ||
        tracesConsole(state.faults, tenant) ||
        hostMatches(tenant, state.faults.consoleShapesHosts),
      shapes: hostMatches(tenant, state.faults.consoleShapesHosts),
    }),
  );
  org.tenantInstanceId = tenant.instanceId;

  for (let i = 0; i < workspaces; i++) {
    const workspaceId = generateUuid(state);
    const token = `mol_pk_${randomBytes(18).toString('base64url')}`;
    const ws = launchInstance(state, {
      tags: [
        { ...SANDBOX_TAGS.managedBy },
        { Key: SANDBOX_TAGS.roleKey, Value: 'workspace' },
        { Key: SANDBOX_TAGS.workspaceIdKey, Value: workspaceId },
        ...orgTags,
        { Key: 'Name', Value: `ws-${workspaceId.slice(0, 8)}-${org.slug}` },
      ],
      userData: `#!/bin/bash\n${org.preCutover ? 'set -x\n' : ''}export WORKSPACE_ID=${workspaceId}\nexport WORKSPACE_TOKEN=${token}\n/opt/molecule/agent --register\n`,
      role: 'molecule-workspace-instance',
      withHost: false,
      launchTime: org.createdAt,
    });
    defineLazyConsole(ws, () =>
      renderBootConsole({
        kind: 'workspace',
        slug: org.slug,
        hostname: hostnameOf(ws),
        userData: ws.userData,
        bearerToken: token,
        cpUrl: state.url,
        failed: false,
        trace:
          bootTraces(ws.userData) ||
          tracesConsole(state.faults, ws) ||
          hostMatches(ws, state.faults.consoleShapesHosts),
        shapes: hostMatches(ws, state.faults.consoleShapesHosts),
      }),
    );
    org.workspaceIds.push(workspaceId);
  }

  if (state.secrets.has(org.adminTokenSecretId))
    deleteSecret(state, org.adminTokenSecretId, { forceDeleteWithoutRecovery: true });
  createSecret(state, org.adminTokenSecretId, org.adminToken, [{ ...SANDBOX_TAGS.managedBy }, ...orgTags], {
    description: `Tenant admin token of ${org.slug}`,
  });
  org.instanceStatus = failed ? 'failed' : 'running';
}

interface LaunchSpec {
  tags: Tag[];
  userData: string;
  role: string;
  withHost: boolean;
  launchTime: Date;
}

function launchInstance(state: SandboxState, spec: LaunchSpec): SimInstance {
  const instanceId = `i-0${generateHex(state, 16)}`;
  const n = state.instances.size + 10;
  const instance: SimInstance = {
    instanceId,
    state: 'running',
    launchTime: spec.launchTime,
    tags: spec.tags,
    userData: spec.userData,
    console: '',
    consoleUpdatedAt: spec.launchTime,
    nitro: true,
    privateIp: `10.0.${(n >> 8) & 255}.${n & 255}`,
    // Workspaces have no simulated host, so they are not SSM-managed here: nothing could run.
    ssm: spec.withHost ? { pingStatus: 'Online', agentVersion: '3.3.1142.0', platform: 'Linux' } : null,
    hostRoot: spec.withHost ? hostRootFor(state, instanceId) : null,
    role: spec.role,
  };
  state.instances.set(instanceId, instance);
  return instance;
}

function hostnameOf(instance: SimInstance): string {
  return `ip-${instance.privateIp.replace(/\./g, '-')}.us-east-2.compute.internal`;
}
