import type { EnvVars } from './env.js';
import type { ResolvedConfig } from './load-config.js';
import { endpointVariablesIgnored, SERVICE_ENDPOINT_VARIABLES, type EndpointVariables } from '../aws/aws-endpoints.js';
import { UsageError } from '../errors.js';
import { isSandboxStandIn, SANDBOX_STAND_IN_TOKENS, type StandInTokenName } from './sandbox-stand-ins.js';

/**
 * `--env production` names where a run acts; exported variables can quietly point part of it
 * somewhere else (a MOLECTL_CP_URL or AWS_ENDPOINT_URL left over from `sandbox up`, a profile
 * for another account, the sandbox's stand-in tokens). Those are found here, before anything is read or changed. A read-only
 * command says so and goes on; a destructive one refuses unless the override is on the same
 * command line (`--cp-url`): a run that changes production must not half-act on a sandbox.
 */
export function findTargetOverrides(
  config: Pick<ResolvedConfig, 'envName' | 'cpUrl' | 'environmentCpUrl' | 'profile' | 'environment'>,
  env: EndpointVariables & Pick<EnvVars, 'AWS_PROFILE' | StandInTokenName>,
): string[] {
  // Only an environment named on this command line is a promise to check against; the sandbox's
  // own URLs are exported by design.
  if (config.envName.source !== 'flag' || config.envName.value === 'sandbox') return [];
  const name = config.envName.value;
  const found: string[] = [];
  if (
    config.cpUrl.source === 'env' &&
    config.environmentCpUrl &&
    config.cpUrl.value.replace(/\/+$/, '') !== config.environmentCpUrl.replace(/\/+$/, '')
  ) {
    found.push(
      `${config.cpUrl.origin} (exported) points the CP at ${config.cpUrl.value}, not ${name}'s ${config.environmentCpUrl}`,
    );
  }
  if (!endpointVariablesIgnored(env)) {
    if (env.AWS_ENDPOINT_URL)
      found.push(`AWS_ENDPOINT_URL (exported) sends every AWS call to ${env.AWS_ENDPOINT_URL}, not to ${name}'s AWS`);
    for (const [service, variable] of Object.entries(SERVICE_ENDPOINT_VARIABLES)) {
      const url = env[variable];
      if (url) found.push(`${variable} (exported) sends ${service} calls to ${url}, not to ${name}'s AWS`);
    }
  }
  const ownProfile = config.environment.awsProfile;
  if (config.profile?.source === 'env' && ownProfile && config.profile.value !== ownProfile) {
    found.push(
      `${config.profile.origin} (exported) selects AWS profile ${config.profile.value}, not ${name}'s ${ownProfile}`,
    );
  }
  // The sandbox's stand-in tokens, left exported: the Railway, Vercel or Gitea of `name` would
  // only reject them, but a run that names its environment should not carry them unnoticed.
  for (const token of Object.keys(SANDBOX_STAND_IN_TOKENS) as StandInTokenName[]) {
    if (isSandboxStandIn(token, env[token])) found.push(`${token} (exported) is the sandbox's stand-in, not ${name}'s`);
  }
  return found;
}

export function checkTargetOverrides(args: {
  config: Parameters<typeof findTargetOverrides>[0];
  env: Parameters<typeof findTargetOverrides>[1];
  /** The command changes or removes what exists (its registry entry says `destructive`). */
  destructive: boolean;
  warn(text: string): void;
}): void {
  const found = findTargetOverrides(args.config, args.env);
  if (found.length === 0) return;
  if (!args.destructive) {
    for (const text of found) args.warn(text);
    return;
  }
  throw new UsageError(
    `--env ${args.config.envName.value} was asked for, but ${found.join('; and ')}; nothing was changed`,
    'unset the exported override (`eval "$(molectl sandbox down)"` prints the unsets), or give it on this command line (--cp-url) if it is meant',
  );
}
