import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import type { ConfigFile } from './config-file-schema.js';
import type { EnvVars } from './env.js';
import { resolveOutputFormat, type OutputFormat } from './output-format.js';
import type { Layer, Sourced } from './sourced.js';
import { BUILT_IN_ENVIRONMENTS, DEFAULT_ENVIRONMENT, type EnvironmentConfig } from './environments.js';
import { describeJsonSyntaxError } from './describe-json-syntax-error.js';

/**
 * One precedence for every setting: built-in defaults < user config file < MOLECTL_* variables
 * < command-line flags. Each resolved value remembers the layer it came from, for `config show`.
 *
 * The AWS region is the one exception to a plain chain: flag > MOLECTL_REGION > the
 * environment's configured region > AWS_REGION > AWS_DEFAULT_REGION > the profile's region.
 * A named environment knows where its fleet lives; a stray AWS_REGION exported for other work
 * must not point production work at an empty region. Nothing ever falls back to us-east-1.
 */

export type { Layer, Sourced } from './sourced.js';

export interface GlobalFlags {
  env?: string;
  cpUrl?: string;
  profile?: string;
  region?: string;
  output?: string;
}

export interface ResolvedConfig {
  configPath: string;
  configFileFound: boolean;
  envName: Sourced<string>;
  environment: EnvironmentConfig;
  cpUrl: Sourced<string>;
  /** The environment's own CP URL (config file or built-in), whatever overrides say. */
  environmentCpUrl: string | null;
  /**
   * The MOLECULE_CP_URL written into tenants: the environment's configured value, never the
   * operator's --cp-url or MOLECTL_CP_URL override (an operator may reach the CP through a
   * tunnel or a staging proxy that tenants must never be pointed at). The sandbox's CP URL is
   * only known from MOLECTL_CP_URL, so there the override is the value.
   */
  tenantCpUrl: Sourced<string>;
  region: Sourced<string> | null;
  profile: Sourced<string> | null;
  /** The run's output format (flag > MOLECTL_OUTPUT > file > text), one the command accepts. */
  output: Sourced<OutputFormat>;
  stateDir: string;
  /** Names of all environments known (built-in and from the file). */
  environmentNames: string[];
  /** Keys of the environment that the config file set (the rest are built-in defaults). */
  environmentKeysFromFile: string[];
}

export type { ConfigFile } from './config-file-schema.js';

export function defaultConfigPath(env: EnvVars): string {
  if (env.MOLECTL_CONFIG) return env.MOLECTL_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'molectl', 'config.json');
}

export function defaultStateDir(env: EnvVars): string {
  if (env.MOLECTL_STATE_DIR) return env.MOLECTL_STATE_DIR;
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'molectl');
}

/** Where molectl keeps what only saves time (the V8 code cache of bin/compile-cache.js uses the same base). */
export function defaultCacheDir(env: EnvVars): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'molectl');
}

/** Reads and validates the user file; a missing file is an empty layer, a broken one exit 3. */
export async function readConfigFile(path: string): Promise<ConfigFile | null> {
  let text: string;
  try {
    // Synchronously: every run reads it (or learns it is absent) before anything else happens,
    // and the first fs/promises read of a process costs ~1.5 ms more than this.
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(
      `cannot read config file ${path}: ${(error as Error).message}`,
      "check the file's permissions",
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `config file ${path} is not valid JSON: ${describeJsonSyntaxError(error, text)}`,
      'fix the syntax, or move the file away to use the defaults',
    );
  }
  // zod and the schema load only when there is a file to judge: building the schema is ~10 ms
  // that a run without a config file need not pay.
  const { configFileSchema } = await import('./config-file-schema.js');
  const parsed = configFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.join('.') || '(top level)';
    throw new ConfigError(
      `config file ${path}: key "${key}" ${issue.message}`,
      'fix that key (docs/configuration.md lists every key), or remove it to use the default',
    );
  }
  return parsed.data;
}

/** Pure: combines the layers. Tested as a table in test/lib/config. */
export function resolveConfig(args: {
  file: ConfigFile | null;
  configPath: string;
  env: EnvVars;
  flags: GlobalFlags;
  /** The formats the command prints (its declaration's), and its name for the message when --output names another. */
  command?: { name: string; formats: readonly OutputFormat[] };
}): ResolvedConfig {
  const { file, env, flags } = args;
  const fileEnvs = file?.environments ?? {};
  const environmentNames = [...new Set([...Object.keys(BUILT_IN_ENVIRONMENTS), ...Object.keys(fileEnvs)])];

  const envName = pick<string>([
    [flags.env, 'flag', '--env'],
    [env.MOLECTL_ENV, 'env', 'MOLECTL_ENV'],
    [file?.defaultEnv, 'file', `${args.configPath}: defaultEnv`],
    [DEFAULT_ENVIRONMENT, 'default', 'built-in'],
  ])!;
  // Own properties only: `--env __proto__` or `--env constructor` name no environment.
  const builtIn = Object.hasOwn(BUILT_IN_ENVIRONMENTS, envName.value)
    ? BUILT_IN_ENVIRONMENTS[envName.value]
    : undefined;
  const fromFile = Object.hasOwn(fileEnvs, envName.value) ? fileEnvs[envName.value] : undefined;
  if (!builtIn && !fromFile) {
    const known = environmentNames.join(', ');
    const message = `unknown environment "${envName.value}" (from ${envName.origin})`;
    const hint = `use one of: ${known}, or define it under "environments" in ${args.configPath}`;
    throw envName.source === 'flag' ? new UsageError(message, hint) : new ConfigError(message, hint);
  }
  if (!builtIn && fromFile && (!fromFile.cpUrl || !fromFile.tenantUrlTemplate)) {
    throw new ConfigError(
      `environment "${envName.value}" in ${args.configPath} needs at least cpUrl and tenantUrlTemplate`,
      'add them, or base the environment on a built-in one by using its name',
    );
  }
  const environment = mergeEnvironment(envName.value, builtIn, fromFile);

  const cpUrl = pick<string>([
    [flags.cpUrl, 'flag', '--cp-url'],
    [env.MOLECTL_CP_URL, 'env', 'MOLECTL_CP_URL'],
    [fromFile?.cpUrl, 'file', `${args.configPath}: environments.${envName.value}.cpUrl`],
    [builtIn?.cpUrl, 'default', `built-in ${envName.value}`],
  ])!;
  validateUrl(cpUrl);
  const tenantCpUrl = pick<string>([
    [fromFile?.tenantCpUrl, 'file', `${args.configPath}: environments.${envName.value}.tenantCpUrl`],
    [builtIn?.tenantCpUrl, 'default', `built-in ${envName.value}`],
    [fromFile?.cpUrl, 'file', `${args.configPath}: environments.${envName.value}.cpUrl`],
    [
      envName.value === 'sandbox' ? cpUrl.value : builtIn?.cpUrl,
      envName.value === 'sandbox' ? cpUrl.source : 'default',
      envName.value === 'sandbox' ? cpUrl.origin : `built-in ${envName.value}`,
    ],
  ])!;
  environment.cpUrl = cpUrl.value;
  environment.tenantCpUrl = tenantCpUrl.value;

  const region = pick<string>([
    [flags.region, 'flag', '--region'],
    [env.MOLECTL_REGION, 'env', 'MOLECTL_REGION'],
    [fromFile?.awsRegion, 'file', `${args.configPath}: environments.${envName.value}.awsRegion`],
    [builtIn?.awsRegion, 'default', `built-in ${envName.value}`],
    [env.AWS_REGION, 'aws-env', 'AWS_REGION'],
    [env.AWS_DEFAULT_REGION, 'aws-env', 'AWS_DEFAULT_REGION'],
  ]);
  const profile = pick<string>([
    [flags.profile, 'flag', '--profile'],
    [env.MOLECTL_PROFILE, 'env', 'MOLECTL_PROFILE'],
    [fromFile?.awsProfile, 'file', `${args.configPath}: environments.${envName.value}.awsProfile`],
    [env.AWS_PROFILE, 'aws-env', 'AWS_PROFILE'],
  ]);

  const output = resolveOutputFormat(
    { flag: flags.output, env: env.MOLECTL_OUTPUT, file: file?.output, configPath: args.configPath },
    args.command?.formats,
    args.command?.name,
  );

  return {
    configPath: args.configPath,
    configFileFound: file !== null,
    envName,
    environment,
    cpUrl,
    environmentCpUrl: fromFile?.cpUrl ?? builtIn?.cpUrl ?? null,
    tenantCpUrl,
    region,
    profile,
    output,
    stateDir: defaultStateDir(env),
    environmentNames,
    environmentKeysFromFile: Object.keys(fromFile ?? {}),
  };
}

type Candidate<T> = [T | undefined, Layer, string];

function pick<T>(candidates: Candidate<T>[]): Sourced<T> | null {
  for (const [value, source, origin] of candidates) {
    if (value !== undefined && value !== '') return { value, source, origin };
  }
  return null;
}

function mergeEnvironment(
  name: string,
  builtIn: EnvironmentConfig | undefined,
  fromFile: Partial<EnvironmentConfig> | undefined,
): EnvironmentConfig {
  const base: EnvironmentConfig = builtIn
    ? structuredClone(builtIn)
    : { ...structuredClone(BUILT_IN_ENVIRONMENTS[DEFAULT_ENVIRONMENT]!), awsRegion: undefined, railway: undefined };
  const merged: EnvironmentConfig = { ...base, ...(fromFile ?? {}), name };
  // Secrets merge by name so a file can add one secret without restating the defaults.
  merged.secrets = { ...base.secrets, ...(fromFile?.secrets ?? {}) };
  return merged;
}

function validateUrl(url: Sourced<string>): void {
  let parsed: URL;
  try {
    parsed = new URL(url.value);
  } catch {
    const message = `CP URL "${url.value}" (from ${url.origin}) is not a URL`;
    throw url.source === 'flag'
      ? new UsageError(message, 'give a full URL such as https://api.moleculesai.app')
      : new ConfigError(message, 'give a full URL such as https://api.moleculesai.app');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UsageError(
      `CP URL "${url.value}" (from ${url.origin}) must be https`,
      'give a URL such as https://api.moleculesai.app',
    );
  }
}
