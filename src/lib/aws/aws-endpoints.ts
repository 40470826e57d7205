import type { EnvVarName, EnvVars } from '../config/env.js';
import type { AwsServiceName } from './aws-clients.js';

/**
 * The variables that send one service's calls elsewhere, named as the SDK names them
 * (`AWS_ENDPOINT_URL_` + the service id, upper case, spaces as `_`). The SDK reads them from
 * process.env on its own; molectl reads them from ctx.env and passes the endpoint itself, so
 * that what it reports, what it warns of under `--env`, and what the SDK sends to agree.
 */
export const SERVICE_ENDPOINT_VARIABLES = {
  ec2: 'AWS_ENDPOINT_URL_EC2',
  ssm: 'AWS_ENDPOINT_URL_SSM',
  secretsmanager: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  sts: 'AWS_ENDPOINT_URL_STS',
} as const satisfies Record<AwsServiceName, EnvVarName>;

/** Where one service's calls go when a variable says so, and which variable said it. */
export interface ConfiguredEndpoint {
  url: string;
  variable: EnvVarName;
}

export type ConfiguredEndpoints = { [S in AwsServiceName]: ConfiguredEndpoint | null };

/** The service's own variable first, then AWS_ENDPOINT_URL: the SDK's order. */
export function configuredEndpoints(
  env: Pick<EnvVars, 'AWS_ENDPOINT_URL' | (typeof SERVICE_ENDPOINT_VARIABLES)[AwsServiceName]>,
): ConfiguredEndpoints {
  const pick = (service: AwsServiceName): ConfiguredEndpoint | null => {
    const variable = SERVICE_ENDPOINT_VARIABLES[service];
    const own = env[variable];
    if (own) return { url: own, variable };
    return env.AWS_ENDPOINT_URL ? { url: env.AWS_ENDPOINT_URL, variable: 'AWS_ENDPOINT_URL' } : null;
  };
  return { ec2: pick('ec2'), ssm: pick('ssm'), secretsmanager: pick('secretsmanager'), sts: pick('sts') };
}
