import { createHash, randomBytes } from 'node:crypto';
import { SANDBOX_STAND_IN_TOKENS } from '../../lib/config/sandbox-stand-ins.js';
import type { SandboxState } from '../state.js';

/**
 * The simulated Railway, Vercel and OCI registry behind `molectl verify` (issue 9). Their state
 * hangs off the sandbox state (created on first use, seeded from state.seed) so the shared
 * SandboxState type needs no new fields. A healthy sandbox has every deploy on one commit:
 * sandboxDeployCommit(state).
 *
 * Faults (state.faults.flags, read on every request so clearing one mid-run takes effect):
 *  - railwayDeployFailed: the latest controlplane deployment is FAILED (or the flag's string
 *    value, e.g. DEPLOYING);
 *  - vercelDeployError: the latest canvas production deployment is ERROR (or the string value);
 *  - registryImageMissing: no tenant image for the commit (manifest unknown).
 */

/** Not secrets: the sandbox's fixed credentials, like SANDBOX_SECRET_ACCESS_KEY (defined where molectl knows them too). */
export const SANDBOX_RAILWAY_TOKEN = SANDBOX_STAND_IN_TOKENS.RAILWAY_TOKEN;
export const SANDBOX_VERCEL_TOKEN = SANDBOX_STAND_IN_TOKENS.VERCEL_TOKEN;
/** A pull credential the registry accepts without the token flow (what REGISTRY_TOKEN carries). */
export const SANDBOX_REGISTRY_TOKEN = 'sandbox-registry-pull-credential';
/** The Gitea token the simulated Gitea Actions secrets endpoint accepts (issue 6). */
export const SANDBOX_GITEA_TOKEN = SANDBOX_STAND_IN_TOKENS.GITEA_TOKEN;

export const SANDBOX_RAILWAY_PROJECT_ID = 'sandbox-project';
export const SANDBOX_VERCEL_PROJECT_ID = 'prj_sandbox_canvas';
export const SANDBOX_IMAGE_NAME = 'molecule-ai/platform-tenant';

export interface RailwayDeploymentRecord {
  id: string;
  serviceId: string;
  environmentId: string;
  status: string;
  createdAt: string;
  meta: Record<string, unknown>;
}

export interface VercelDeploymentRecord {
  uid: string;
  projectId: string;
  target: 'production' | null;
  state: string;
  url: string;
  created: number;
  meta: Record<string, string>;
}

export interface DeployServicesState {
  commit: string;
  railway: {
    projectId: string;
    services: Array<{ id: string; name: string }>;
    environments: Array<{ id: string; name: string }>;
    /** Newest first. */
    deployments: RailwayDeploymentRecord[];
  };
  vercel: { deployments: VercelDeploymentRecord[] };
  /** image name -> tag -> digest */
  registry: Map<string, Map<string, string>>;
  /** Pull tokens the registry's token service handed out. */
  registryTokens: Set<string>;
  /**
   * Issue 6 (secret rotation): Railway service variables by `<serviceId>/<environmentId>`, and
   * Gitea Actions secrets by `<owner>/<repo>/<NAME>` (values are secrets; Gitea never returns them).
   */
  railwayVariables: Map<string, Record<string, string>>;
  giteaActionsSecrets: Map<string, { value: string; createdAt: string }>;
}

const states = new WeakMap<SandboxState, DeployServicesState>();

/** The commit every healthy sandbox deploy is on: deterministic per seed. */
export function sandboxDeployCommit(state: SandboxState): string {
  return getDeployServices(state).commit;
}

/** Environment variables that let molectl use the simulated Railway, Vercel and Gitea (`sandbox up` exports them). */
export function deployServicesEnv(): Record<string, string> {
  return { ...SANDBOX_STAND_IN_TOKENS };
}

export function getDeployServices(state: SandboxState): DeployServicesState {
  let services = states.get(state);
  if (!services) {
    services = seedDeployServices(state.seed);
    // The CP's running variables, as Railway would hold them: the rotation consumers read and set these.
    services.railwayVariables.set('svc-controlplane/env-production', {
      PROVISION_SHARED_SECRET: state.provisionSharedSecret,
      CP_ADMIN_API_TOKEN: state.cpAdminToken,
    });
    states.set(state, services);
  }
  return services;
}

export function issueRegistryToken(services: DeployServicesState): string {
  const token = randomBytes(24).toString('base64url');
  services.registryTokens.add(token);
  return token;
}

function seedDeployServices(seed: number): DeployServicesState {
  const commit = sha1(`molectl-sandbox-commit-${seed}`);
  const previous = sha1(`molectl-sandbox-commit-${seed}-previous`);
  const day = Date.UTC(2026, 10, 20, 12);
  const services = [{ id: 'svc-controlplane', name: 'controlplane' }];
  const environments = [
    { id: 'env-production', name: 'production' },
    { id: 'env-staging', name: 'staging' },
  ];
  const deployments: RailwayDeploymentRecord[] = environments.flatMap((env, i) => [
    {
      id: `dep-${env.name}-2`,
      serviceId: 'svc-controlplane',
      environmentId: env.id,
      status: 'SUCCESS',
      createdAt: new Date(day + 3_600_000 + i).toISOString(),
      meta: { commitHash: commit, branch: 'main', repo: 'molecule-ai/molecule-controlplane' },
    },
    {
      id: `dep-${env.name}-1`,
      serviceId: 'svc-controlplane',
      environmentId: env.id,
      status: 'REMOVED',
      createdAt: new Date(day + i).toISOString(),
      meta: { commitHash: previous, branch: 'main' },
    },
  ]);
  const tags = new Map<string, string>([
    [commit, `sha256:${sha256(`image-${commit}`)}`],
    [commit.slice(0, 7), `sha256:${sha256(`image-${commit}`)}`],
    [previous, `sha256:${sha256(`image-${previous}`)}`],
    ['latest', `sha256:${sha256(`image-${commit}`)}`],
  ]);
  return {
    commit,
    railway: { projectId: SANDBOX_RAILWAY_PROJECT_ID, services, environments, deployments },
    vercel: {
      deployments: [
        {
          uid: 'dpl_sandbox2',
          projectId: SANDBOX_VERCEL_PROJECT_ID,
          target: 'production',
          state: 'READY',
          url: 'canvas-sandbox-2.vercel.app',
          created: day + 7_200_000,
          meta: { githubCommitSha: commit, githubCommitRef: 'main' },
        },
        {
          uid: 'dpl_sandboxp',
          projectId: SANDBOX_VERCEL_PROJECT_ID,
          target: null,
          state: 'READY',
          url: 'canvas-sandbox-p.vercel.app',
          created: day + 3_600_000,
          meta: { githubCommitSha: previous, githubCommitRef: 'feature' },
        },
        {
          uid: 'dpl_sandbox1',
          projectId: SANDBOX_VERCEL_PROJECT_ID,
          target: 'production',
          state: 'READY',
          url: 'canvas-sandbox-1.vercel.app',
          created: day,
          meta: { githubCommitSha: previous, githubCommitRef: 'main' },
        },
      ],
    },
    registry: new Map([[SANDBOX_IMAGE_NAME, tags]]),
    registryTokens: new Set(),
    railwayVariables: new Map(),
    giteaActionsSecrets: new Map(),
  };
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
