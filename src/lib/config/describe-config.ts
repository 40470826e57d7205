import { configuredEndpoints, type ConfiguredEndpoint } from '../aws/aws-endpoints.js';
import { describeCpTokenSource } from './cp-token.js';
import type { EnvVars } from './env.js';
import type { Layer, ResolvedConfig } from './load-config.js';

export interface ConfigEntry {
  key: string;
  value: string;
  source: Layer | 'unset';
  origin: string;
}

/**
 * The effective settings as rows for `config show`. Pure. Credentials appear only as where they
 * would be read from; their values are never looked at here.
 */
export function describeConfig(config: ResolvedConfig, env: EnvVars): ConfigEntry[] {
  const e = config.environment;
  const fromEnv = (key: string, value: string): ConfigEntry => {
    const topKey = key.split('.')[0]!;
    return config.environmentKeysFromFile.includes(topKey)
      ? { key, value, source: 'file', origin: `${config.configPath}: environments.${e.name}.${topKey}` }
      : { key, value, source: 'default', origin: `built-in ${e.name}` };
  };
  const token = describeCpTokenSource(env, e);
  const rows: ConfigEntry[] = [
    { key: 'env', ...config.envName },
    { key: 'cpUrl', ...config.cpUrl },
    { key: 'tenantCpUrl', ...config.tenantCpUrl },
    config.region
      ? { key: 'awsRegion', ...config.region }
      : {
          key: 'awsRegion',
          value: '(from the AWS profile, or unset)',
          source: 'unset',
          origin: '--region, MOLECTL_REGION, AWS_REGION',
        },
    config.profile
      ? { key: 'awsProfile', ...config.profile }
      : {
          key: 'awsProfile',
          value: '(SDK default chain)',
          source: 'unset',
          origin: 'AWS_PROFILE, env credentials, SSO, instance role',
        },
    ...describeAwsEndpoints(env),
    { key: 'output', ...config.output },
    {
      key: 'cpToken',
      value: token ? `read from ${token.kind}` : 'not configured',
      source: token ? (token.kind === 'env' ? 'env' : 'file') : 'unset',
      origin: token?.origin ?? 'CP_ADMIN_API_TOKEN, cpTokenFile, cpTokenCommand',
    },
    {
      key: 'stateDir',
      value: config.stateDir,
      source: env.MOLECTL_STATE_DIR ? 'env' : 'default',
      origin: env.MOLECTL_STATE_DIR ? 'MOLECTL_STATE_DIR' : 'XDG_STATE_HOME',
    },
    fromEnv('tenantUrlTemplate', e.tenantUrlTemplate),
    fromEnv('tenantFilter', formatTags(e.tenantFilter.tags)),
    fromEnv('workspaceFilter', formatTags(e.workspaceFilter.tags)),
    fromEnv('orgSlugTagKey', e.orgSlugTagKey),
    fromEnv('orgIdTagKey', e.orgIdTagKey),
    fromEnv('containerName', e.containerName),
    fromEnv('parameterPrefix', e.parameterPrefix),
  ];
  for (const [name, secret] of Object.entries(e.secrets)) {
    rows.push(fromEnv(`secrets.${name}`, `${secret.secretId} -> ${secret.consumers.join(', ')}`));
  }
  return rows;
}

/**
 * Where AWS calls go when a variable says so: one row when every service goes to the same place
 * (the sandbox, LocalStack), a row a service when they differ.
 */
function describeAwsEndpoints(env: EnvVars): ConfigEntry[] {
  const endpoints = Object.entries(configuredEndpoints(env));
  const row = (key: string, endpoint: ConfiguredEndpoint | null): ConfigEntry =>
    endpoint
      ? { key, value: endpoint.url, source: 'aws-env', origin: endpoint.variable }
      : {
          key,
          value: "(AWS's own, by region)",
          source: 'unset',
          origin: 'AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>',
        };
  const places = new Set(endpoints.map(([, e]) => (e ? `${e.variable} ${e.url}` : '')));
  if (places.size === 1) return [row('awsEndpoint', endpoints[0]![1])];
  return endpoints.map(([service, endpoint]) => row(`awsEndpoint.${service}`, endpoint));
}

function formatTags(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
