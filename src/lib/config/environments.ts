/**
 * The built-in named environments. Facts from ../shared/platform.md; where the platform does
 * not document a value (tenant tags, secret names) these are the defaults molectl assumes, and
 * the user config file can override each of them per environment.
 */

export interface TagFilter {
  /** Tags an instance must carry, e.g. { ManagedBy: 'molecule-cp', Role: 'tenant' }. */
  tags: Record<string, string>;
}

export interface SecretConsumerConfig {
  /** `tenants-env:<VAR>`, `railway:<service>/<environment>/<VAR>`, `gitea-actions-secret:<owner>/<repo>/<NAME>` */
  consumer: string;
}

export interface SecretConfig {
  /** Secrets Manager id (name or ARN). */
  secretId: string;
  description?: string;
  /** How a new value is generated on rotation. */
  generate?: { kind: 'hex'; bytes: number };
  consumers: string[];
}

/**
 * A docker container name as an environment's config and a plan may give it: it reaches the
 * tenant script's command line, so it is held to docker's own rule.
 */
export const CONTAINER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export interface EnvironmentConfig {
  /** Human name shown before acting and typed to confirm fleet-wide work. */
  name: string;
  cpUrl: string;
  /** MOLECULE_CP_URL for tenants (default: cpUrl as configured, never an operator's override). */
  tenantCpUrl?: string;
  awsRegion?: string;
  awsProfile?: string;
  /** Public URL of a tenant; `{slug}` and `{cpUrl}` are substituted. */
  tenantUrlTemplate: string;
  tenantFilter: TagFilter;
  workspaceFilter: TagFilter;
  orgSlugTagKey: string;
  orgIdTagKey: string;
  workspaceIdTagKey: string;
  /** Name of the platform container on a tenant host. */
  containerName: string;
  /** SSM Parameter Store prefix for molectl's locks and run-scoped parameters. */
  parameterPrefix: string;
  secrets: Record<string, SecretConfig>;
  railway?: { projectId?: string; environment: string; service: string };
  /** Credential sources for the CP admin token, per environment (production and staging differ). */
  cpTokenFile?: string;
  cpTokenCommand?: string[];
  /** Where `molectl verify` looks for deploys and images; every URL may use `{cpUrl}`. */
  verify?: VerifyConfig;
  /** What `molectl fleet audit` expects of the fleet (docs/commands/fleet-audit.md). */
  audit?: AuditConfig;
}

/** Settings of `molectl fleet audit`. All optional: src/lib/audit/audit-settings.ts fills the defaults. */
export interface AuditConfig {
  /** The platform image tenants must run: a tag, a full reference or a digest. Unset: image-drift is unknown. */
  expectedImage?: string;
  /** Ports that may listen beyond loopback and be open to the world (default 8080, 3000). */
  expectedPorts?: number[];
  /** Oldest SSM agent molectl accepts (default 3.0.0.0). */
  minAgentVersion?: string;
}

/**
 * Settings of the post-deploy checks (issue 9). All optional: src/lib/verify/resolve-verify-settings.ts
 * fills the public defaults, and a check whose ids are unknown skips and names the key to set.
 */
export interface VerifyConfig {
  /** Railway GraphQL endpoint (default https://backboard.railway.com/graphql/v2). */
  railwayApiUrl?: string;
  /** Railway project id; falls back to railway.projectId. Service and environment are found by name. */
  railwayProjectId?: string;
  /** Ids that skip the name lookup (railway.service / railway.environment). */
  railwayServiceId?: string;
  railwayEnvironmentId?: string;
  /** Vercel REST API base (default https://api.vercel.com). */
  vercelApiUrl?: string;
  vercelProjectId?: string;
  vercelTeamId?: string;
  /** OCI registry base URL (default https://ghcr.io), image name and tag pattern (`{sha}`, `{sha7}`). */
  registryUrl?: string;
  imageName?: string;
  imageTagPattern?: string;
  /** Canary org slugs checked when --canary is not given. */
  canaries?: string[];
}

const commonFleetShape = {
  tenantFilter: { tags: { ManagedBy: 'molecule-cp', Role: 'tenant' } },
  workspaceFilter: { tags: { ManagedBy: 'molecule-cp', Role: 'workspace' } },
  orgSlugTagKey: 'OrgSlug',
  orgIdTagKey: 'OrgId',
  workspaceIdTagKey: 'WorkspaceID',
  containerName: 'molecule-tenant',
} as const;

function defaultSecrets(railwayEnvironment: string): Record<string, SecretConfig> {
  return {
    'cp-shared-secret': {
      secretId: 'molecule/cp/provision-shared-secret',
      description: 'PROVISION_SHARED_SECRET on the CP = MOLECULE_CP_SHARED_SECRET in every tenant',
      generate: { kind: 'hex', bytes: 32 },
      consumers: [
        `railway:controlplane/${railwayEnvironment}/PROVISION_SHARED_SECRET`,
        'tenants-env:MOLECULE_CP_SHARED_SECRET',
      ],
    },
    'cp-admin-api-token': {
      secretId: 'molecule/cp/admin-api-token',
      description: 'CP_ADMIN_API_TOKEN for /cp/admin/* callers (ops, CI)',
      generate: { kind: 'hex', bytes: 32 },
      consumers: [
        `railway:controlplane/${railwayEnvironment}/CP_ADMIN_API_TOKEN`,
        'gitea-actions-secret:molecule-ai/molecule-core/CP_ADMIN_API_TOKEN',
      ],
    },
  };
}

export const BUILT_IN_ENVIRONMENTS: Record<string, EnvironmentConfig> = {
  production: {
    name: 'production',
    cpUrl: 'https://api.moleculesai.app',
    awsRegion: 'us-east-2',
    tenantUrlTemplate: 'https://{slug}.moleculesai.app',
    ...commonFleetShape,
    parameterPrefix: '/molectl/production',
    secrets: defaultSecrets('production'),
    railway: { environment: 'production', service: 'controlplane' },
  },
  staging: {
    name: 'staging',
    cpUrl: 'https://staging-api.moleculesai.app',
    awsRegion: 'us-east-2',
    tenantUrlTemplate: 'https://{slug}.staging.moleculesai.app',
    ...commonFleetShape,
    parameterPrefix: '/molectl/staging',
    secrets: defaultSecrets('staging'),
    railway: { environment: 'staging', service: 'controlplane' },
  },
  /** The built-in simulated platform (`molectl sandbox up`); its URL comes from MOLECTL_CP_URL. */
  sandbox: {
    name: 'sandbox',
    cpUrl: 'http://127.0.0.1:4510',
    awsRegion: 'us-east-2',
    tenantUrlTemplate: '{cpUrl}/_tenants/{slug}',
    ...commonFleetShape,
    parameterPrefix: '/molectl/sandbox',
    secrets: defaultSecrets('production'),
    railway: { environment: 'production', service: 'controlplane' },
    // The simulated Railway, Vercel and registry of src/sandbox/deploy-services/.
    verify: {
      railwayApiUrl: '{cpUrl}/_railway/graphql/v2',
      railwayProjectId: 'sandbox-project',
      vercelApiUrl: '{cpUrl}/_vercel',
      vercelProjectId: 'prj_sandbox_canvas',
      registryUrl: '{cpUrl}',
      imageName: 'molecule-ai/platform-tenant',
      imageTagPattern: '{sha}',
    },
    // The image the simulated CP provisions today (CURRENT_IMAGE_TAG in src/sandbox/cp/launch-org.ts).
    audit: { expectedImage: 'ghcr.io/molecule-ai/platform-tenant:2026.05.28-8be41d0' },
  },
};

export const DEFAULT_ENVIRONMENT = 'production';

export function tenantUrl(env: Pick<EnvironmentConfig, 'tenantUrlTemplate' | 'cpUrl'>, slug: string): string {
  return env.tenantUrlTemplate.replaceAll('{cpUrl}', env.cpUrl.replace(/\/+$/, '')).replaceAll('{slug}', slug);
}
