import { tenantUrl, type EnvironmentConfig } from '../config/environments.js';

/**
 * The verify settings of one run: the environment's `verify` keys with `{cpUrl}` expanded and the
 * public defaults filled in, plus what the command line added. Pure.
 */

export interface VerifySettings {
  environmentName: string;
  cpUrl: string;
  railway: {
    apiUrl: string;
    projectId?: string;
    serviceId?: string;
    environmentId?: string;
    serviceName: string;
    environmentName: string;
  };
  vercel: { apiUrl: string; projectId?: string; teamId?: string };
  registry: { url: string; imageName: string; tagPattern: string };
  canaries: string[];
  /** --expect-commit, lower-cased. */
  expectCommit?: string;
  tenantHealthUrl(slug: string): string;
}

export const DEFAULT_RAILWAY_API_URL = 'https://backboard.railway.com/graphql/v2';
export const DEFAULT_VERCEL_API_URL = 'https://api.vercel.com';
export const DEFAULT_REGISTRY_URL = 'https://ghcr.io';
export const DEFAULT_IMAGE_NAME = 'molecule-ai/platform-tenant';
export const DEFAULT_IMAGE_TAG_PATTERN = '{sha}';

export function resolveVerifySettings(
  environment: EnvironmentConfig,
  options: { canaries?: string[]; expectCommit?: string } = {},
): VerifySettings {
  const cpUrl = environment.cpUrl.replace(/\/+$/, '');
  const v = environment.verify ?? {};
  const expand = (url: string): string => url.replaceAll('{cpUrl}', cpUrl).replace(/\/+$/, '');
  const railwayProjectId = v.railwayProjectId ?? environment.railway?.projectId;
  return {
    environmentName: environment.name,
    cpUrl,
    railway: {
      apiUrl: expand(v.railwayApiUrl ?? DEFAULT_RAILWAY_API_URL),
      ...(railwayProjectId ? { projectId: railwayProjectId } : {}),
      ...(v.railwayServiceId ? { serviceId: v.railwayServiceId } : {}),
      ...(v.railwayEnvironmentId ? { environmentId: v.railwayEnvironmentId } : {}),
      serviceName: environment.railway?.service ?? 'controlplane',
      environmentName: environment.railway?.environment ?? environment.name,
    },
    vercel: {
      apiUrl: expand(v.vercelApiUrl ?? DEFAULT_VERCEL_API_URL),
      ...(v.vercelProjectId ? { projectId: v.vercelProjectId } : {}),
      ...(v.vercelTeamId ? { teamId: v.vercelTeamId } : {}),
    },
    registry: {
      url: expand(v.registryUrl ?? DEFAULT_REGISTRY_URL),
      imageName: v.imageName ?? DEFAULT_IMAGE_NAME,
      tagPattern: v.imageTagPattern ?? DEFAULT_IMAGE_TAG_PATTERN,
    },
    canaries: options.canaries?.length ? options.canaries : (v.canaries ?? []),
    ...(options.expectCommit ? { expectCommit: options.expectCommit.toLowerCase() } : {}),
    tenantHealthUrl: (slug) =>
      `${tenantUrl({ tenantUrlTemplate: environment.tenantUrlTemplate, cpUrl }, slug).replace(/\/+$/, '')}/health`,
  };
}

/** True when a deployed commit is the expected one; either side may be abbreviated (7+ hex). */
export function isSameCommit(deployed: string | undefined, expected: string): boolean {
  if (!deployed) return false;
  const a = deployed.toLowerCase();
  const b = expected.toLowerCase();
  if (Math.min(a.length, b.length) < 7) return a === b;
  return a.startsWith(b) || b.startsWith(a);
}

/** A commit as reports show it: the first 12 characters. */
export function shortCommit(sha: string | undefined): string {
  return sha ? sha.slice(0, 12) : '(no commit recorded)';
}

/** The image tag for a commit: `{sha}`, `{sha7}` and `{sha12}` are substituted. */
export function renderImageTag(pattern: string, commit: string | undefined): string | undefined {
  if (!/\{sha(7|12)?\}/.test(pattern)) return pattern;
  if (!commit) return undefined;
  return pattern
    .replaceAll('{sha7}', commit.slice(0, 7))
    .replaceAll('{sha12}', commit.slice(0, 12))
    .replaceAll('{sha}', commit);
}
