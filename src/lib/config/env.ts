/**
 * Every environment variable molectl reads, declared in one place. No other module reads
 * process.env: they receive an `EnvVars` snapshot through ctx.env, so tests can hand in their own.
 * (bin/compile-cache.js, which runs before any of molectl's code is loaded, reads the three it
 * needs itself; they are declared here too.)
 */

export const envVarDocs = {
  // molectl's own configuration layer (between the config file and flags).
  MOLECTL_ENV: 'named environment to target (production, staging, sandbox, or one from the config file)',
  MOLECTL_CP_URL: "control plane base URL, overriding the environment's",
  MOLECTL_PROFILE: "AWS profile to use, overriding the environment's",
  MOLECTL_REGION: "AWS region to use, overriding the environment's",
  MOLECTL_OUTPUT: 'default output format: text or json',
  MOLECTL_CONFIG: 'path of the user config file (default $XDG_CONFIG_HOME/molectl/config.json)',
  MOLECTL_STATE_DIR: 'directory for run ledgers and sandbox state (default $XDG_STATE_HOME/molectl)',
  MOLECTL_CP_TOKEN_FILE: 'file holding the CP admin token (must not be readable by group or others)',
  MOLECTL_CP_TOKEN_COMMAND: 'command whose stdout is the CP admin token, like AWS credential_process',
  MOLECTL_LOCK_TTL:
    "how long a fleet lock lasts without renewal (default 10m; renewed every third of it); shorter frees a dead run's lock sooner",
  MOLECTL_CALL_TIMEOUT:
    'how long one attempt of a remote call (CP, AWS, Gitea, Railway, tenants) may take, answer included; unset: each its own default (20s)',
  MOLECTL_NO_COMPILE_CACHE:
    "any value: no V8 code cache for molectl's own code (read by bin/compile-cache.js, before molectl's code loads)",
  // Credentials for remote systems; values are secrets and are registered with the redactor.
  CP_ADMIN_API_TOKEN: 'CP admin token for /cp/admin/* routes',
  RAILWAY_TOKEN: 'Railway API token (secret rotation consumers, deploy checks)',
  GITEA_TOKEN: 'Gitea API token (optional for repo checks; needed for Actions secrets)',
  VERCEL_TOKEN: 'Vercel API token (canvas deploy check)',
  REGISTRY_TOKEN: 'OCI registry bearer token (image check), when anonymous pull is not allowed',
  // AWS, read the way the SDK reads them; molectl looks at them to resolve and report the region.
  AWS_REGION: 'AWS region (the SDK reads it too)',
  AWS_DEFAULT_REGION: 'AWS region, fallback (the SDK reads it too)',
  AWS_PROFILE: 'AWS profile (the SDK reads it too)',
  AWS_ACCESS_KEY_ID: 'AWS access key id; used (as by the SDK) when no profile is selected',
  AWS_SECRET_ACCESS_KEY: 'AWS secret access key (a secret: registered with the redactor)',
  AWS_SESSION_TOKEN: 'AWS session token for temporary keys (a secret: registered with the redactor)',
  AWS_ENDPOINT_URL: 'endpoint for every AWS service; the sandbox sets it (the SDK reads it too)',
  AWS_ENDPOINT_URL_EC2: "endpoint for EC2 alone, before AWS_ENDPOINT_URL (the SDK's name for it)",
  AWS_ENDPOINT_URL_SSM:
    "endpoint for SSM alone (Run Command and Parameter Store), before AWS_ENDPOINT_URL (the SDK's name)",
  AWS_ENDPOINT_URL_SECRETS_MANAGER: "endpoint for Secrets Manager alone, before AWS_ENDPOINT_URL (the SDK's name)",
  AWS_ENDPOINT_URL_STS: "endpoint for STS alone, before AWS_ENDPOINT_URL (the SDK's name)",
  AWS_IGNORE_CONFIGURED_ENDPOINT_URLS:
    'true: every AWS call goes to AWS, whatever the AWS_ENDPOINT_URL variables say (as in the SDK)',
  // Output.
  NO_COLOR: 'any non-empty value disables colour',
  FORCE_COLOR: '0 disables colour, 1-3 forces it even when not a terminal',
  CI: 'set by CI systems: no spinners, no prompts',
  TERM: 'terminal type; "dumb" disables spinners',
  // Locations.
  HOME: 'home directory, for the default config and state paths',
  XDG_CONFIG_HOME: 'base directory for the user config file',
  XDG_STATE_HOME: 'base directory for run ledgers',
  XDG_CACHE_HOME:
    'base directory of the caches of molectl: the V8 code cache (bin/compile-cache.js) and what gitea rewrite learnt of a work tree (default ~/.cache)',
} as const;

export type EnvVarName = keyof typeof envVarDocs;

/**
 * A family rather than one name: `VERIFY_*` variables are what a `molectl verify` checklist file
 * may interpolate (`${VERIFY_CANVAS_URL}`), besides the variables declared above. A prefix keeps
 * a checklist from reading (and sending anywhere) every variable of the process environment.
 */
export const CHECKLIST_VARIABLE_PREFIX = 'VERIFY_';
export type ChecklistVariableName = `VERIFY_${string}`;

export type EnvVars = Partial<Record<EnvVarName, string>> & { [name: ChecklistVariableName]: string | undefined };

/** Takes the snapshot of the declared variables; the only read of process.env in molectl. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): EnvVars {
  const env: EnvVars = {};
  for (const name of Object.keys(envVarDocs) as EnvVarName[]) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(source)) {
    if (name.startsWith(CHECKLIST_VARIABLE_PREFIX) && value !== undefined) env[name as ChecklistVariableName] = value;
  }
  return env;
}

/**
 * Environment for child processes molectl spawns (git, credential commands, the sandbox):
 * the parent's environment with overrides. Kept here so that process.env stays read in one module.
 */
export function childProcessEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}

/**
 * The AWS SDK warns on Node 20 that its releases after January 2027 will need Node 22. molectl
 * supports Node 20 with the SDK versions its lock file pins, and a warning on every AWS command
 * would bury real ones, so it is switched off, once, before the SDK is first loaded. The SDK
 * reads this variable itself; this is the one place molectl writes to the environment.
 */
export function silenceAwsSdkNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
