/**
 * The tenant's EC2 user-data as the CP renders it: a bash bootstrap whose `docker run -e ...`
 * fixes the container's env for the life of the instance. The auto-updater (and this module's
 * parser) re-read those `-e KEY=VALUE` pairs, so the user-data is the single source of a
 * tenant's original env. Values never contain spaces or backslashes (ids, tokens, URLs).
 */

export const TENANT_CONTAINER_NAME = 'molecule-tenant';
export const TENANT_IMAGE_REPO = 'ghcr.io/molecule-ai/platform-tenant';

export interface TenantUserDataSpec {
  orgId: string;
  slug: string;
  adminToken: string;
  imageTag: string;
  /** Present for tenants provisioned after the 2026-04-19 cutover. */
  cp: { url: string; sharedSecret: string } | null;
}

/**
 * Bootstraps rendered before the cutover ran under `set -x`, which printed every secret into the
 * console; the sandbox models the current template without it (docs/sandbox.md).
 */

/** The env of the tenant container, in the order the CP writes it. */
export function buildTenantEnv(spec: TenantUserDataSpec): [string, string][] {
  const env: [string, string][] = [
    ['ORG_ID', spec.orgId],
    ['ORG_SLUG', spec.slug],
    ['ADMIN_TOKEN', spec.adminToken],
    ['PLATFORM_ENV', 'production'],
    ['PORT', '8080'],
    ['CANVAS_PORT', '3000'],
    ['DATA_DIR', '/data'],
    ['PUBLIC_URL', `https://${spec.slug}.moleculesai.app`],
  ];
  if (spec.cp) {
    env.push(['MOLECULE_CP_URL', spec.cp.url], ['MOLECULE_CP_SHARED_SECRET', spec.cp.sharedSecret]);
  }
  return env;
}

export function renderTenantUserData(spec: TenantUserDataSpec): string {
  const envLines = buildTenantEnv(spec).map(([k, v]) => `  -e ${k}=${v} \\`);
  return [
    '#!/bin/bash',
    '# Molecule tenant bootstrap, rendered by the control plane at provision time.',
    spec.cp ? 'set -euo pipefail' : 'set -euxo pipefail',
    `echo "bootstrapping tenant ${spec.slug}"`,
    'dnf install -y docker jq',
    'systemctl enable --now docker',
    'mkdir -p /var/lib/molecule /etc/molecule',
    'echo latest > /etc/molecule/image-tag',
    `docker pull ${TENANT_IMAGE_REPO}:${spec.imageTag}`,
    `docker run -d --name ${TENANT_CONTAINER_NAME} --restart unless-stopped \\`,
    '  -p 8080:8080 -p 3000:3000 \\',
    '  -v /var/lib/molecule:/data \\',
    '  --label com.moleculesai.role=tenant \\',
    '  --network bridge \\',
    ...envLines,
    `  ${TENANT_IMAGE_REPO}:${spec.imageTag}`,
    "echo '*/5 * * * * root /usr/local/bin/molecule-auto-update.sh >> /var/log/molecule-auto-update.log 2>&1' > /etc/cron.d/molecule-auto-update",
    `echo "tenant ${spec.slug} ready"`,
    '',
  ].join('\n');
}

/** The `-e KEY=VALUE` pairs of the user-data's docker run, in order (what the updater re-applies). */
export function parseUserDataEnv(userData: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of userData.matchAll(/(?:^|\s)-e ([A-Za-z_][A-Za-z0-9_]*)=([^\s\\]*)/g)) {
    out.push([m[1] ?? '', m[2] ?? '']);
  }
  return out;
}

/** The image reference of the user-data's docker run (its last line before the cron setup). */
export function parseUserDataImage(userData: string): string {
  const m = new RegExp(`^\\s+(${TENANT_IMAGE_REPO.replace(/[.]/g, '\\.')}:\\S+)\\s*$`, 'm').exec(userData);
  return m?.[1] ?? `${TENANT_IMAGE_REPO}:latest`;
}
