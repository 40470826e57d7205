/**
 * The molectl-shaped AWS calls, as the rest of molectl sees them. AwsDoor implements them over
 * the SDK v3 clients; paginators are flattened, SDK errors are translated to MolectlErrors,
 * and every secret value read is registered with the redactor before it is returned.
 */

export interface InstanceSummary {
  instanceId: string;
  /** pending | running | shutting-down | terminated | stopping | stopped */
  state: string;
  launchTime: Date | null;
  tags: Record<string, string>;
  name: string | null;
  privateIp: string | null;
  /** The AMI; absent where a caller built the row by hand. */
  imageId?: string | null;
  /** Instance metadata options (IMDS); null when EC2 did not say. */
  metadataOptions?: InstanceMetadataOptions | null;
  /** Ids of the security groups attached to the instance's interfaces. */
  securityGroupIds?: string[];
}

export interface InstanceMetadataOptions {
  /** `required` = IMDSv2 only; `optional` = IMDSv1 still answers (SSRF reaches role credentials). */
  httpTokens: string | null;
  /** `enabled` | `disabled`: with the endpoint off, no version of IMDS answers. */
  httpEndpoint: string | null;
}

/** One inbound rule of a security group, flattened to one source range per row. */
export interface IngressRule {
  /** `tcp`, `udp`, `icmp`, or `-1` for every protocol. */
  protocol: string;
  /** Null when the rule covers every port (protocol -1). */
  fromPort: number | null;
  toPort: number | null;
  /** `0.0.0.0/0`, `::/0`, a narrower CIDR, or `sg-...` / `pl-...` for a group or prefix-list source. */
  source: string;
}

export interface SecurityGroupSummary {
  groupId: string;
  groupName: string | null;
  /** Null when EC2's answer left the group's rules out (no IpPermissions at all): unknown, not none. */
  ingress: IngressRule[] | null;
}

export interface InstanceQuery {
  /** Every tag must match (tag:K = V). */
  tags?: Record<string, string>;
  /** Tag keys that must be present, any value. */
  tagKeys?: string[];
  states?: string[];
  instanceIds?: string[];
}

export interface ConsoleOutput {
  instanceId: string;
  /** Decoded text; empty string when the instance has produced none yet. */
  text: string;
  timestamp: Date | null;
  /** True when the 64 KB window is full, so older lines were dropped by EC2. */
  truncated: boolean;
  /** True when latest output was asked for and given (Nitro only). */
  latest: boolean;
}

export interface ManagedInstance {
  instanceId: string;
  /** Online | ConnectionLost | Inactive; null when SSM's answer did not say (nothing was observed). */
  pingStatus: string | null;
  agentVersion: string | null;
  platformType: string | null;
  lastPingAt: Date | null;
}

export interface SendShellCommandInput {
  /** At most 50: SSM's limit per call; callers batch above it. */
  instanceIds: string[];
  /** The script lines, passed as AWS-RunShellScript's `commands`. Must not contain secrets. */
  commands: string[];
  comment?: string;
  /** Script run time limit: AWS-RunShellScript's `executionTimeout` (SSM's default is 3600). */
  timeoutSeconds?: number;
  /** How long SSM keeps trying to deliver to an unreachable instance: SendCommand `TimeoutSeconds` (30..2592000). */
  deliveryTimeoutSeconds?: number;
  maxConcurrency?: string;
  maxErrors?: string;
  /** Told of each throttled attempt the door retries (molectl's SSM pacer slows down on it). */
  onThrottled?(): void;
  /**
   * The script changes nothing (a probe, a check): SendCommand may then be repeated on a
   * transient transport error, like any read. Otherwise it is sent once (throttling aside).
   */
  readOnly?: boolean;
}

/** A Run Command command as ListCommands shows it. */
export interface SentCommand {
  commandId: string;
  comment: string;
  instanceIds: string[];
  requestedAt: Date | null;
}

export interface InvocationSummary {
  commandId: string;
  instanceId: string;
  /** SSM status: Pending | InProgress | Delayed | Success | Cancelled | TimedOut | Failed | Cancelling | Undeliverable | DeliveryTimedOut | Terminated | InvalidPlatform | AccessDenied */
  status: string;
  statusDetails: string | null;
  responseCode: number | null;
  /** Standard output as ListCommandInvocations gives it (cut at 2,500 characters by SSM). */
  outputPreview: string | null;
  /**
   * How long after SSM took the command this invocation finished, by SSM's own clock
   * (ResponseFinishDateTime - RequestedDateTime); null while running or when SSM gives no times.
   * What the executor learns when to poll from: a poll's own time includes its lateness.
   */
  finishedAfterMs?: number | null;
}

export interface InvocationOutput {
  status: string;
  statusDetails: string | null;
  responseCode: number | null;
  /** At most 24,000 characters (SSM's cap). */
  stdout: string;
  /** At most 8,000 characters (SSM's cap). */
  stderr: string;
}

export interface SecretVersionInfo {
  versionId: string;
  stages: string[];
  createdAt: Date | null;
}

export interface SecretDescription {
  arn: string;
  name: string;
  description: string | null;
  lastChangedAt: Date | null;
  versions: SecretVersionInfo[];
  /** DeletedDate: when a deletion was scheduled (its values can no longer be read); null when none is. */
  deletedAt?: Date | null;
}

export interface SecretValue {
  arn: string;
  name: string;
  versionId: string;
  stages: string[];
  /** Registered with the redactor before this object is returned. */
  value: string;
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
  region: string;
}

export interface AwsApi {
  callerIdentity(): Promise<CallerIdentity>;
  /** The region calls go to, resolved (never a silent default). */
  resolvedRegion(): Promise<string>;

  listInstances(query: InstanceQuery): Promise<InstanceSummary[]>;
  getConsoleOutput(instanceId: string, options?: { latest?: boolean }): Promise<ConsoleOutput>;
  getUserData(instanceId: string): Promise<string | null>;
  /** DescribeSecurityGroups for these ids: one call per page of up to 200 ids, never one per instance. */
  describeSecurityGroups(groupIds: string[]): Promise<SecurityGroupSummary[]>;

  describeManagedInstances(instanceIds?: string[]): Promise<ManagedInstance[]>;
  /** One page of DescribeInstanceInformation: proves SSM answers without listing the fleet (doctor). */
  sampleManagedInstances(limit?: number): Promise<{ instances: ManagedInstance[]; more: boolean }>;
  sendShellCommand(input: SendShellCommandInput): Promise<{ commandId: string }>;
  listInvocations(commandId: string): Promise<InvocationSummary[]>;
  /** Null while SSM has not created the invocation yet (InvocationDoesNotExist right after sending). */
  getInvocationOutput(commandId: string, instanceId: string): Promise<InvocationOutput | null>;
  cancelCommand(commandId: string, instanceIds?: string[]): Promise<void>;
  listCommandsSince(since: Date): Promise<SentCommand[]>;

  /**
   * Conditional when overwrite is false: resolves false if the parameter already exists with
   * another value. An existing parameter holding exactly this value resolves true: that is our
   * own write, met again by an SDK retry whose first answer was lost (so write unique values).
   */
  putParameter(input: {
    name: string;
    value: string;
    secure: boolean;
    overwrite: boolean;
    description?: string;
  }): Promise<boolean>;
  /** Null when the parameter does not exist. Secure values are registered with the redactor. */
  getParameter(
    name: string,
    options?: { decrypt?: boolean },
  ): Promise<{ value: string; version: number; lastModified: Date | null } | null>;
  /** Resolves false when it did not exist. */
  deleteParameter(name: string): Promise<boolean>;

  describeSecret(secretId: string): Promise<SecretDescription | null>;
  getSecretValue(secretId: string, options?: { versionId?: string; stage?: string }): Promise<SecretValue>;
  putSecretValue(input: {
    secretId: string;
    value: string;
    clientRequestToken?: string;
    stages?: string[];
  }): Promise<{ versionId: string | null; stages: string[] }>;
  updateSecretVersionStage(input: {
    secretId: string;
    stage: string;
    moveToVersionId?: string;
    removeFromVersionId?: string;
  }): Promise<void>;
  listSecrets(filter?: { namePrefix?: string }): Promise<SecretDescription[]>;
  createSecret(input: {
    name: string;
    value: string;
    description?: string;
    clientRequestToken?: string;
  }): Promise<{ arn: string; versionId: string | null }>;
}
