import type { AwsApi } from '../aws/aws-types.js';
import { fitFields } from '../output/fit-line.js';
import type { Styles } from '../output/output.js';
import type { ResolvedConfig } from './load-config.js';

/**
 * Where this run acts: the one shape for it. A destructive command shows it before it acts, a
 * run ledger records it (`environment`), a migration plan pins it, and resume and rollback
 * check against it. Names and ids only.
 */
export interface Environment {
  /** The environment's name (--env, MOLECTL_ENV or the config's default). */
  name: string;
  /** The CP this run talks to (an --cp-url or MOLECTL_CP_URL override included). */
  cpUrl: string;
  /** The CP URL tenants are given (MOLECULE_CP_URL): the environment's own, never an override. */
  tenantCpUrl: string;
  /** From STS when it answers; null when molectl could not tell. */
  awsAccount: string | null;
  awsRegion: string | null;
}

/** The environment as the configuration names it, before any AWS call: account unknown. */
export function configuredEnvironment(
  config: Pick<ResolvedConfig, 'envName' | 'cpUrl' | 'tenantCpUrl' | 'region'>,
): Environment {
  return {
    name: config.envName.value,
    cpUrl: config.cpUrl.value,
    tenantCpUrl: config.tenantCpUrl.value,
    awsAccount: null,
    awsRegion: config.region?.value ?? null,
  };
}

/**
 * The environment with the AWS account and region STS reports. Best effort on the AWS side: the
 * account and region are shown when STS answers, and the preview still shows the CP side when
 * it does not (the CP does the deleting; AWS is only read, to verify). A credentials problem
 * then surfaces at the first real AWS call instead.
 */
export async function describeEnvironment(
  config: Parameters<typeof configuredEnvironment>[0],
  aws: Pick<AwsApi, 'callerIdentity'>,
): Promise<Environment> {
  const environment = configuredEnvironment(config);
  try {
    const identity = await aws.callerIdentity();
    environment.awsAccount = identity.account || null;
    environment.awsRegion = identity.region || environment.awsRegion;
  } catch {
    // Shown as "unknown" in the preview; see above.
  }
  return environment;
}

/**
 * The environment a change targets, on one line; given a terminal's style (the notice before a
 * confirmation), its fields wrap under the name instead of being folded mid-word at 80 columns.
 * `column` is where the text starts on its line (after a label of the caller's).
 */
export function formatEnvironment(environment: Environment, style: Pick<Styles, 'terminal'> = {}, column = 0): string {
  const fields = [
    environment.name,
    `CP ${environment.cpUrl}`,
    `AWS account ${environment.awsAccount ?? 'unknown'}`,
    `region ${environment.awsRegion ?? 'unknown'}`,
  ];
  return `environment ${fitFields(fields, style, column + 'environment '.length, '   ')}`;
}
