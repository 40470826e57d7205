import type { AwsApi } from '../aws/aws-types.js';
import type { ResolvedConfig } from './load-config.js';

/** What a destructive command acts on, shown before it acts. */
export interface Target {
  environment: string;
  cpUrl: string;
  awsRegion: string | null;
  awsAccount: string | null;
}

/**
 * Best effort on the AWS side: the account and region are shown when STS answers, and the
 * preview still shows the CP side when it does not (the CP does the deleting; AWS is only
 * read, to verify). A credentials problem then surfaces at the first real AWS call instead.
 */
export async function describeTarget(
  config: Pick<ResolvedConfig, 'envName' | 'cpUrl' | 'region'>,
  aws: Pick<AwsApi, 'callerIdentity'>,
): Promise<Target> {
  const target: Target = {
    environment: config.envName.value,
    cpUrl: config.cpUrl.value,
    awsRegion: config.region?.value ?? null,
    awsAccount: null,
  };
  try {
    const identity = await aws.callerIdentity();
    target.awsAccount = identity.account;
    target.awsRegion = identity.region || target.awsRegion;
  } catch {
    // Shown as "unknown" in the preview; see above.
  }
  return target;
}

export function formatTarget(target: Target): string {
  return `environment ${target.environment}   CP ${target.cpUrl}   AWS account ${target.awsAccount ?? 'unknown'}   region ${target.awsRegion ?? 'unknown'}`;
}

/** The run ledger's environment block for a target: names and ids only. */
export function toRunEnvironment(target: Target): {
  name: string;
  cpUrl: string;
  awsAccount?: string;
  awsRegion?: string;
} {
  return {
    name: target.environment,
    cpUrl: target.cpUrl,
    ...(target.awsAccount ? { awsAccount: target.awsAccount } : {}),
    ...(target.awsRegion ? { awsRegion: target.awsRegion } : {}),
  };
}
