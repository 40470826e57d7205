import type { AwsApi } from '../aws/aws-types.js';
import type { CpClient } from '../cp/cp-client.js';
import { ExitCode, isMolectlError, NotFoundError } from '../errors.js';
import { findOrgInstances, type FleetFilters, type OrgInstanceRow } from './find-org-instances.js';
import { lookupOrg, type OrgDirectoryCp } from '../fleet/org-directory.js';
import { summarizeOrg, type OrgSummary } from './summarize-orgs.js';

/**
 * Where the CP keeps an org's admin token in Secrets Manager. The production name pattern is
 * NOT documented (../shared/platform.md); this is the sandbox's, and the most likely shape.
 * Only the secret's metadata is ever read: its value is never fetched here.
 */
export const ADMIN_TOKEN_SECRET_TEMPLATE = 'molecule/tenants/{slug}/admin-token';

export interface OrgDescription {
  slug: string;
  cpUrl: string;
  /** Whether the CP has the org (its row may be missing from the list: then org is null); null: unknown. */
  onCp: boolean | null;
  /** What onCp rests on. */
  cpEvidence: string;
  org: OrgSummary | null;
  instances: OrgInstanceRow[];
  /** What GET /cp/orgs/:slug/instance answers (the edge's view); null on 404; `error` when it could not be read. */
  edge:
    { status: string; ip: string | null; region: string | null; exposesAdminToken: boolean } | { error: string } | null;
  adminTokenSecret:
    { name: string; exists: boolean; lastChangedAt: string | null; versions: number } | { name: string; error: string };
}

/** Everything `org show` prints, read from the CP, EC2 and Secrets Manager side by side. */
export async function describeOrg(
  deps: {
    cp: OrgDirectoryCp & Pick<CpClient, 'baseUrl'>;
    aws: Pick<AwsApi, 'listInstances' | 'describeSecret'>;
    environment: FleetFilters;
    now: Date;
  },
  slug: string,
): Promise<OrgDescription> {
  const secretName = ADMIN_TOKEN_SECRET_TEMPLATE.replaceAll('{slug}', slug);
  const cp = askingEdgeRouteOnce(deps.cp);
  const [lookup, edge, adminTokenSecret] = await Promise.all([
    lookupOrg(cp, slug),
    readEdge(cp, slug),
    readSecretMetadata(deps.aws, secretName),
  ]);
  const row = lookup.state === 'listed' ? lookup.row : null;
  const instances = await findOrgInstances(deps.aws, deps.environment, slug, deps.now, row?.id);
  return {
    slug,
    cpUrl: deps.cp.baseUrl,
    onCp: lookup.state === 'unknown' ? null : lookup.state !== 'absent',
    cpEvidence:
      lookup.state === 'listed' ? "on the CP's org list" : lookup.state === 'unknown' ? lookup.reason : lookup.evidence,
    org: row ? summarizeOrg(row, deps.now) : null,
    instances,
    edge,
    adminTokenSecret,
  };
}

/**
 * The CP client with the edge route's answer shared per slug: lookupOrg confirms an org off the
 * list page on the very route readEdge reports, and both run at once, so one request serves both.
 */
function askingEdgeRouteOnce(cp: OrgDirectoryCp): OrgDirectoryCp {
  const answers = new Map<string, ReturnType<CpClient['getOrgInstance']>>();
  return {
    listOrgs: (options) => cp.listOrgs(options),
    getOrgAdminToken: (slug) => cp.getOrgAdminToken(slug),
    getOrgInstance: (slug) => {
      let answer = answers.get(slug);
      if (!answer) answers.set(slug, (answer = cp.getOrgInstance(slug)));
      return answer;
    },
    get edgeRouteAnswered() {
      return cp.edgeRouteAnswered;
    },
    get adminTokenRouteAnswered() {
      return cp.adminTokenRouteAnswered;
    },
  };
}

async function readEdge(cp: Pick<CpClient, 'getOrgInstance'>, slug: string): Promise<OrgDescription['edge']> {
  try {
    const { instance, keys } = await cp.getOrgInstance(slug);
    // A past CP bug put admin_token here; the client registered any value with the redactor.
    return {
      status: instance.status,
      ip: instance.ip ?? null,
      region: instance.region ?? null,
      exposesAdminToken: keys.includes('admin_token'),
    };
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    // One read that failed (a 503, an odd answer) must not hide the rest of the picture; rejected
    // credentials, bad input and Ctrl-C still end the command.
    if (isMolectlError(error) && error.code === ExitCode.failed) return { error: error.message };
    throw error;
  }
}

async function readSecretMetadata(
  aws: Pick<AwsApi, 'describeSecret'>,
  name: string,
): Promise<OrgDescription['adminTokenSecret']> {
  try {
    const secret = await aws.describeSecret(name);
    if (!secret) return { name, exists: false, lastChangedAt: null, versions: 0 };
    return {
      name,
      exists: true,
      lastChangedAt: secret.lastChangedAt ? new Date(secret.lastChangedAt).toISOString() : null,
      versions: secret.versions.length,
    };
  } catch (error) {
    // Not being allowed to read one secret's metadata must not hide the rest of the picture.
    return { name, error: isMolectlError(error) ? error.message : 'could not describe the secret' };
  }
}
