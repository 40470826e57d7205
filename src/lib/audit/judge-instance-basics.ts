import type { InstanceMetadataOptions, ManagedInstance } from '../aws/aws-types.js';
import { fail, pass, unknown, type Judgement } from './audit-verdict.js';

/** imds-v1, agent-offline and agent-too-old: one field each, from DescribeInstances and DescribeInstanceInformation. Pure. */

export function judgeImds(
  options: InstanceMetadataOptions | null | undefined,
  instanceId: string,
  region: string,
): Judgement {
  if (!options || (!options.httpTokens && !options.httpEndpoint))
    return unknown('DescribeInstances gave no MetadataOptions');
  if (options.httpEndpoint === 'disabled') return pass('the metadata endpoint is disabled');
  if (options.httpTokens === 'required') return pass('HttpTokens required (IMDSv2 only)');
  return fail(
    `IMDSv1 answers (HttpTokens ${options.httpTokens ?? 'unset'}): an SSRF on the host can read the role's credentials, and the role reads Secrets Manager`,
    `DescribeInstances MetadataOptions: HttpTokens is ${options.httpTokens ?? 'unset'}, HttpEndpoint is ${options.httpEndpoint ?? 'unset'}`,
    `aws ec2 modify-instance-metadata-options --region ${region} --instance-id ${instanceId} --http-tokens required --http-endpoint enabled`,
  );
}

export function judgeAgentOnline(managed: ManagedInstance | undefined, instanceId: string, region: string): Judgement {
  if (!managed) {
    return fail(
      'not registered with SSM',
      'DescribeInstanceInformation does not list the instance',
      `check the instance profile allows SSM (AmazonSSMManagedInstanceCore) and the agent runs; then aws ssm describe-instance-information --region ${region} --filters Key=InstanceIds,Values=${instanceId}`,
    );
  }
  // A row without PingStatus says nothing about the agent: offline is a finding only when SSM says so.
  if (managed.pingStatus === null) return unknown('DescribeInstanceInformation gave no PingStatus for the instance');
  if (managed.pingStatus === 'Online') return pass(`Online, agent ${managed.agentVersion ?? 'version unknown'}`);
  return fail(
    `SSM agent ${managed.pingStatus}${managed.lastPingAt ? ` since ${managed.lastPingAt.toISOString()}` : ''}: molectl cannot reach the host`,
    `DescribeInstanceInformation PingStatus=${managed.pingStatus}`,
    `aws ec2 reboot-instances --region ${region} --instance-ids ${instanceId}  # restarts the agent; if it stays offline, check the instance's network path to SSM`,
  );
}

export function judgeAgentVersion(
  managed: ManagedInstance | undefined,
  minimum: string,
  instanceId: string,
  region: string,
): Judgement {
  if (!managed?.agentVersion)
    return unknown(managed ? 'SSM did not report the agent version' : 'not registered with SSM: no agent version');
  if (compareVersions(managed.agentVersion, minimum) >= 0) return pass(`agent ${managed.agentVersion} (>= ${minimum})`);
  return fail(
    `agent ${managed.agentVersion} is older than ${minimum}`,
    `DescribeInstanceInformation AgentVersion=${managed.agentVersion}`,
    `aws ssm send-command --region ${region} --document-name AWS-UpdateSSMAgent --instance-ids ${instanceId}`,
  );
}

/** Dotted numeric versions, part by part; a missing part counts as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
