import type { WireMode } from './wire-faults.js';
import type { PostureFaults } from './posture-faults.js';

/**
 * The in-memory state of the simulated platform. One object, shared by the simulated CP
 * (src/sandbox/cp/), the simulated AWS APIs (src/sandbox/aws/) and the simulated tenant hosts
 * (src/sandbox/hosts/). Handlers mutate it; tests read it to assert what a user would observe.
 *
 * Invariants:
 *  - every org with instance_status != 'provisioning' that has a tenant has exactly one
 *    tenant instance whose tags carry its slug and id;
 *  - a secret's AWSCURRENT label is on exactly one version once the secret has a value;
 *  - `requests` records every request in arrival order, bodies included (tests assert that
 *    secret values never appear in what molectl sent, except where the job is to store them).
 */

export type InstanceState = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export interface Tag {
  Key: string;
  Value: string;
}

export interface SimInstance {
  instanceId: string;
  state: InstanceState;
  launchTime: Date;
  tags: Tag[];
  /** user-data as provisioned (plain text; EC2 returns it base64). */
  userData: string;
  /** Console output, plain text; EC2 returns the last 64 KB base64-encoded. */
  console: string;
  consoleUpdatedAt: Date;
  nitro: boolean;
  privateIp: string;
  /** SSM agent: null when the instance is not managed by SSM at all. */
  ssm: { pingStatus: 'Online' | 'ConnectionLost' | 'Inactive'; agentVersion: string; platform: 'Linux' } | null;
  /** Directory of the simulated host (null for workspaces, which have no host simulation). */
  hostRoot: string | null;
  /** IAM role name of the instance profile; the host's `aws` shim acts as this role. */
  role: string;
}

export type InstanceStatus = 'provisioning' | 'running' | 'failed';

export interface SimOrg {
  id: string;
  slug: string;
  name: string;
  ownerUserId: string;
  instanceStatus: InstanceStatus;
  createdAt: Date;
  /** Tenant admin token (a secret; also stored in Secrets Manager under adminTokenSecretId). */
  adminToken: string;
  adminTokenSecretId: string;
  tenantInstanceId: string | null;
  workspaceIds: string[];
  /** Provisioned before the 2026-04-19 cutover: no MOLECULE_CP_SHARED_SECRET/MOLECULE_CP_URL. */
  preCutover: boolean;
  /** In-progress cascade delete, for resumable DELETE /cp/admin/tenants/:slug. */
  purge: { purgeId: string; stepsDone: string[] } | null;
}

export interface SimSecretVersion {
  versionId: string;
  value: string;
  stages: string[];
  createdAt: Date;
  clientRequestToken: string | null;
}

export interface SimSecret {
  name: string;
  arn: string;
  description: string;
  createdAt: Date;
  lastChangedAt: Date;
  tags: Tag[];
  versions: SimSecretVersion[];
  deletedAt: Date | null;
}

export interface SimParameter {
  name: string;
  type: 'String' | 'SecureString' | 'StringList';
  value: string;
  version: number;
  lastModified: Date;
}

export type InvocationStatus =
  | 'Pending'
  | 'InProgress'
  | 'Delayed'
  | 'Success'
  | 'Failed'
  | 'TimedOut'
  | 'Cancelled'
  | 'Cancelling'
  | 'Undeliverable'
  | 'DeliveryTimedOut'
  | 'Terminated'
  | 'InvalidPlatform'
  | 'AccessDenied';

export interface SimInvocation {
  commandId: string;
  instanceId: string;
  status: InvocationStatus;
  /** Exit code of the script; -1 until it finished. */
  responseCode: number;
  stdout: string;
  stderr: string;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** GetCommandInvocation reads of this invocation since it finished (faults.getInvocationLag). */
  getReads?: number;
}

export interface SimCommand {
  commandId: string;
  documentName: string;
  /** The commands parameter of AWS-RunShellScript, as sent. */
  commands: string[];
  parameters: Record<string, string[]>;
  comment: string;
  instanceIds: string[];
  targets: { Key: string; Values: string[] }[];
  maxConcurrency: string;
  maxErrors: string;
  timeoutSeconds: number;
  requestedAt: Date;
  status: 'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled' | 'Cancelling';
  invocations: SimInvocation[];
}

export interface RecordedRequest {
  at: Date;
  /** 'cp', 'ec2', 'ssm', 'secretsmanager', 'sts', 'tenant', 'railway', 'vercel', 'registry', 'gitea' */
  service: string;
  /** AWS action (`SendCommand`) or `METHOD /path` for HTTP services. */
  action: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

/** Fault injection, parsed from `--faults` or given through the API. All deterministic per seed. */
/** Instance fields the `ec2-omit` fault can leave out of DescribeInstances. */
export const EC2_OMITTABLE_FIELDS = [
  'groupSet',
  'metadataOptions',
  'launchTime',
  'privateIpAddress',
  'imageId',
  'ipPermissions',
] as const;
export type Ec2OmittableField = (typeof EC2_OMITTABLE_FIELDS)[number];

/** Fields the `ssm-omit` fault can leave out of DescribeInstanceInformation's rows. */
export const SSM_OMITTABLE_FIELDS = ['PingStatus', 'AgentVersion', 'LastPingDateTime'] as const;
export type SsmOmittableField = (typeof SSM_OMITTABLE_FIELDS)[number];

export interface FaultConfig {
  /** Fraction 0..1 of AWS requests answered with ThrottlingException. */
  awsThrottleRate: number;
  /**
   * How a throttle (awsThrottleRate or apiRates) is answered. Absent: each service's own error
   * (ThrottlingException 400, EC2's RequestLimitExceeded 503). Another emulator, or a proxy in
   * front of AWS, may answer another name or status, or a bare HTTP 429 "Rate exceeded" with no
   * error code at all (`code: null`).
   */
  throttleAnswer?: { code: string | null; status: number };
  /**
   * 'plain': GetConsoleOutput answers the console text as it is, not base64 (an emulator that
   * forgot the encoding). Absent: base64, as EC2 does.
   */
  consoleEncoding?: 'plain';
  /**
   * Bytes of console GetConsoleOutput keeps (default 65,536). EC2 documents "the most recent
   * 64 KB" without saying whether that is 65,536 or 64,000 bytes; another implementation may
   * keep either.
   */
  consoleWindowBytes?: number;
  /**
   * The error code GetConsoleOutput answers for Latest on an instance that is not Nitro, with
   * another wording, instead of UnsupportedOperation (EC2 does not document which it is).
   */
  latestRefusedAs?: string;
  /** 'omitted': GetConsoleOutput answers without its Timestamp (an emulator that leaves it out). */
  consoleTimestamp?: 'omitted';
  /**
   * 'expired': every AWS request is refused as the real services refuse expired session
   * credentials (STS ExpiredToken, SSM and Secrets Manager ExpiredTokenException, EC2
   * RequestExpired), before it acts. The simulated hosts' own role is not affected.
   */
  awsCredentials?: 'expired';
  /**
   * GetCommandInvocation answers a finished invocation as still InProgress (no exit code, no
   * output) this many times before the truth, while ListCommandInvocations already lists it
   * finished: the two APIs are not read from one consistent snapshot.
   */
  getInvocationLag?: number;
  /**
   * Every SSM output (GetCommandInvocation's stdout and stderr, ListCommandInvocations' preview)
   * longer than head + tail keeps its first `head` and last `tail` characters, joined by a line
   * break, instead of AWS's first 24,000 / 8,000 / 2,500: an endpoint that cuts the middle out,
   * or (head 0) keeps the last characters.
   */
  ssmOutputCut?: { head: number; tail: number };
  /** PutSecretValue and CreateSecret answer without their VersionId (omitted) or with an empty one. */
  writeVersionId?: 'omitted' | 'empty';
  /** PutSecretValue ignores VersionStages: every new version becomes AWSCURRENT (an emulator without staging). */
  ignoreVersionStages?: boolean;
  /** DescribeInstances ignores its Filters (tags, states) and answers every instance (InstanceIds still apply). */
  ignoreEc2Filters?: boolean;
  /**
   * Fields DescribeInstances leaves out of every instance (`groupSet`, `metadataOptions`,
   * `launchTime`, `privateIpAddress`, `imageId`), and DescribeSecurityGroups out of every group
   * (`ipPermissions`): an emulator that does not model them. What a
   * check rests on must then be unknown, never judged from the absence.
   */
  ec2OmittedFields?: Ec2OmittableField[];
  /**
   * Fields DescribeInstanceInformation leaves out of every row (`PingStatus`, `AgentVersion`,
   * `LastPingDateTime`): an emulator that does not model them. A missing PingStatus is not an
   * agent seen offline: the verdict that rests on it is unknown.
   */
  ssmOmittedFields?: SsmOmittableField[];
  /** UpdateSecretVersionStage answers 200 and moves nothing (an emulator that does not implement stages). */
  ignoreStageMoves?: boolean;
  /** Every paginated AWS listing answers an empty page with a NextToken before each page and after the last. */
  sparsePages?: boolean;
  /** Every paginated AWS listing, after its last page, answers empty pages with a new NextToken for ever (a broken paginator). */
  endlessPages?: boolean;
  /** Added latency per AWS request, milliseconds. */
  awsLatencyMs: number;
  /** Fraction 0..1 of CP requests answered with 503. */
  cpErrorRate: number;
  /** Fraction 0..1 of AWS, CP and tenant requests whose connection is reset before an answer. */
  connectionResetRate: number;
  /** Instance ids or org slugs whose SSM agent is offline (Undeliverable / ConnectionLost). */
  offlineHosts: string[];
  /** Instance ids or org slugs whose docker fails to start a container. */
  dockerFailHosts: string[];
  /** Instance ids or org slugs whose docker daemon does not answer (`Cannot connect to the Docker daemon`). */
  dockerDownHosts: string[];
  /** Instance ids or org slugs whose bash is 4.2 (Amazon Linux 2): `mapfile -d` and the like refused. */
  oldBashHosts: string[];
  /**
   * Instance ids or org slugs whose boot console also prints the secret shapes other bootstraps
   * and Go services leak (render-boot-console.ts, consoleShapeLines).
   */
  consoleShapesHosts: string[];
  /**
   * Instance ids or org slugs whose scripts run past their executionTimeout (a hung docker
   * daemon): the invocation ends TimedOut, response code -1, no output, without the wait.
   */
  ssmTimeoutHosts: string[];
  /** Instance ids or org slugs whose platform container's log file is damaged part way. */
  dockerLogsBrokenHosts: string[];
  /** Instance ids or org slugs whose platform container printed a private key to its log. */
  logsKeyHosts: string[];
  /** Instance ids or org slugs whose platform container printed its env file, base64-wrapped, to its log. */
  logsBase64Hosts: string[];
  /** Instance ids or org slugs whose tenant container was started with `--restart always`. */
  restartAlwaysHosts: string[];
  /** Instance ids or org slugs whose tenant container has an env value with line breaks. */
  envMultilineHosts: string[];
  /** Instance ids or org slugs whose container env has MOLECULE_CP_SHARED_SECRET twice (an older value first). */
  envDuplicateSecretHosts: string[];
  /** Instance ids or org slugs whose tenant container has settings a recreate must carry (caps, limits, log options, ...). */
  containerConfigHosts: string[];
  /** Instance ids or org slugs whose tenant container has a device (`--device /dev/fuse`) that a recreate must carry. */
  containerDeviceHosts: string[];
  /** Instance ids or org slugs whose tenant container has `--security-opt no-new-privileges:true` and a `--sysctl`. */
  containerHardenedHosts: string[];
  /** Instance ids or org slugs whose tenant container has compose v2's `--mount` entries (a read-only bind, a named volume). */
  composeMountsHosts: string[];
  /** Instance ids or org slugs whose tenant container shares the host's PID namespace (`--pid host`): not carried. */
  containerPidHostHosts: string[];
  /** Instance ids or org slugs whose tenant container has a healthcheck in exec form (compose's `test: [CMD, ...]`). */
  healthcheckExecHosts: string[];
  /** Instance ids or org slugs with a local image named like the tenant container (`molecule-tenant:latest`). */
  sameNameImageHosts: string[];
  /** Instance ids or org slugs whose scripts take this much longer, milliseconds. */
  slowHosts: Record<string, number>;
  /** Simulated per-host work added to every script, milliseconds. */
  hostWorkMs: number;
  /**
   * Account-level rate limits per AWS action (token buckets, src/sandbox/aws/api-rate-limits.ts):
   * a request over the rate is answered with the service's throttling error.
   */
  apiRates: Record<string, { perSecond: number; burst: number }>;
  /** Org slugs whose provisioning ends in instance_status=failed. */
  provisionFail: string[];
  /** Org slugs whose cascade delete fails once after this step, with 500 + purge_id. */
  cascadeFailAfterStep: Record<string, string>;
  /** Org slugs whose cascade delete leaves one workspace instance running. */
  leakOnDelete: string[];
  /** Extra faults added by later features (verify checks, railway, vercel, registry). */
  flags: Record<string, boolean | string | number>;
  /** `wire=`: answers that hang, stall, drip, stop short or never end, by service or AWS action (wire-faults.ts). */
  wire?: Record<string, WireMode>;
  /** Security and drift faults for `molectl fleet audit` (src/sandbox/posture-faults.ts); absent until one is given. */
  posture?: PostureFaults;
}

export interface SandboxState {
  seed: number;
  /** Base URL of the sandbox server, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Directory holding simulated hosts; removed on stop. */
  root: string;
  region: string;
  accountId: string;
  /** The CP's PROVISION_SHARED_SECRET (a secret). */
  provisionSharedSecret: string;
  /** The CP_ADMIN_API_TOKEN the CP accepts (a secret). */
  cpAdminToken: string;
  /** Secrets Manager id under which the CP shared secret is kept. */
  cpSharedSecretId: string;
  speed: 'fast' | 'realistic';
  /**
   * 'real': SSM scripts run under bash on simulated host directories. 'modelled': the cp-secret
   * script's result is computed instead (src/sandbox/hosts/model-cp-secret-script.ts), for
   * benchmarks at a scale where bash on every host would measure the simulator.
   */
  hostMode: 'real' | 'modelled';
  orgs: Map<string, SimOrg>; // by slug
  instances: Map<string, SimInstance>; // by instance id
  secrets: Map<string, SimSecret>; // by name
  parameters: Map<string, SimParameter>; // by name
  commands: Map<string, SimCommand>; // by command id
  requests: RecordedRequest[];
  /** Connections dropped by faults.connectionResetRate (they never reach `requests`). */
  connectionsReset: number;
  /**
   * For tests that need an exact moment: called after an AWS action has taken effect and before
   * its answer is sent (`target` is the X-Amz-Target or the query Action). A test can kill the
   * client there, which is the window between "SSM accepted the command" and "the caller knows".
   */
  beforeAwsReply?: (target: string, body: string) => void;
  faults: FaultConfig;
}

export function defaultFaults(): FaultConfig {
  return {
    awsThrottleRate: 0,
    awsLatencyMs: 0,
    cpErrorRate: 0,
    connectionResetRate: 0,
    offlineHosts: [],
    dockerFailHosts: [],
    dockerDownHosts: [],
    oldBashHosts: [],
    consoleShapesHosts: [],
    logsKeyHosts: [],
    logsBase64Hosts: [],
    dockerLogsBrokenHosts: [],
    ssmTimeoutHosts: [],
    restartAlwaysHosts: [],
    envMultilineHosts: [],
    envDuplicateSecretHosts: [],
    containerConfigHosts: [],
    containerDeviceHosts: [],
    containerHardenedHosts: [],
    composeMountsHosts: [],
    containerPidHostHosts: [],
    healthcheckExecHosts: [],
    sameNameImageHosts: [],
    slowHosts: {},
    hostWorkMs: 0,
    // SSM Run Command's rates are not published; these are the sandbox's assumption (docs/sandbox.md).
    apiRates: { SendCommand: { perSecond: 10, burst: 20 }, ListCommandInvocations: { perSecond: 20, burst: 40 } },
    provisionFail: [],
    cascadeFailAfterStep: {},
    leakOnDelete: [],
    flags: {},
  };
}

/** Tag keys the simulated CP puts on the instances it launches (also molectl's built-in defaults). */
export const SANDBOX_TAGS = {
  managedBy: { Key: 'ManagedBy', Value: 'molecule-cp' },
  roleKey: 'Role',
  orgSlugKey: 'OrgSlug',
  orgIdKey: 'OrgId',
  workspaceIdKey: 'WorkspaceID',
} as const;

/** True when `key` (instance id or org slug) names this instance. */
export function hostMatches(instance: SimInstance, keys: string[]): boolean {
  if (keys.includes(instance.instanceId)) return true;
  const slug = instance.tags.find((t) => t.Key === SANDBOX_TAGS.orgSlugKey)?.Value;
  return slug !== undefined && keys.includes(slug);
}
