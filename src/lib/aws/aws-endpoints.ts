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

export type EndpointVariables = Pick<
  EnvVars,
  'AWS_ENDPOINT_URL' | 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS' | (typeof SERVICE_ENDPOINT_VARIABLES)[AwsServiceName]
>;

/** AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true: the SDK sends every call to AWS whatever the variables say. */
export function endpointVariablesIgnored(env: EndpointVariables): boolean {
  return env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true';
}

/** The service's own variable first, then AWS_ENDPOINT_URL: the SDK's order. */
export function configuredEndpoints(env: EndpointVariables): ConfiguredEndpoints {
  const pick = (service: AwsServiceName): ConfiguredEndpoint | null => {
    if (endpointVariablesIgnored(env)) return null;
    const variable = SERVICE_ENDPOINT_VARIABLES[service];
    const own = env[variable];
    if (own) return { url: own, variable };
    return env.AWS_ENDPOINT_URL ? { url: env.AWS_ENDPOINT_URL, variable: 'AWS_ENDPOINT_URL' } : null;
  };
  return { ec2: pick('ec2'), ssm: pick('ssm'), secretsmanager: pick('secretsmanager'), sts: pick('sts') };
}
