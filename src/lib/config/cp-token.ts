import { readFile, stat } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import type { Exec } from '../exec.js';
import type { Redactor } from '../output/redactor.js';
import type { EnvVars } from './env.js';
import type { EnvironmentConfig } from './environments.js';

/**
 * Where the CP admin token comes from, in order: CP_ADMIN_API_TOKEN, MOLECTL_CP_TOKEN_FILE,
 * MOLECTL_CP_TOKEN_COMMAND, then the environment's cpTokenFile / cpTokenCommand in the config
 * file. Never a flag: argv is visible to every user of the machine and lands in shell history.
 */

export interface CpTokenSource {
  kind: 'env' | 'file' | 'command';
  /** Variable name, file path or command: never the token. */
  origin: string;
}

export function describeCpTokenSource(env: EnvVars, environment: EnvironmentConfig): CpTokenSource | null {
  if (env.CP_ADMIN_API_TOKEN) return { kind: 'env', origin: 'CP_ADMIN_API_TOKEN' };
  if (env.MOLECTL_CP_TOKEN_FILE) return { kind: 'file', origin: env.MOLECTL_CP_TOKEN_FILE };
  if (env.MOLECTL_CP_TOKEN_COMMAND) return { kind: 'command', origin: env.MOLECTL_CP_TOKEN_COMMAND };
  if (environment.cpTokenFile) return { kind: 'file', origin: environment.cpTokenFile };
  if (environment.cpTokenCommand) return { kind: 'command', origin: environment.cpTokenCommand.join(' ') };
  return null;
}

export async function readCpToken(args: {
  env: EnvVars;
  environment: EnvironmentConfig;
  exec: Exec;
  redactor: Redactor;
}): Promise<string> {
  const { env, environment, redactor } = args;
  const source = describeCpTokenSource(env, environment);
  if (!source) {
    throw new ConfigError(
      `no CP admin token for environment "${environment.name}"`,
      'export CP_ADMIN_API_TOKEN, or set cpTokenFile / cpTokenCommand for the environment in the config file (docs/configuration.md)',
    );
  }
  let token: string;
  if (source.kind === 'env') {
    token = env.CP_ADMIN_API_TOKEN!;
  } else if (source.kind === 'file') {
    token = await readTokenFile(source.origin);
  } else {
    const argv = env.MOLECTL_CP_TOKEN_COMMAND
      ? splitCommand(env.MOLECTL_CP_TOKEN_COMMAND)
      : environment.cpTokenCommand!;
    const [file, ...rest] = argv;
    const result = await args.exec(file!, rest, { timeoutMs: 30_000, allowFailure: true });
    if (result.exitCode !== 0) {
      throw new ConfigError(
        `CP token command "${source.origin}" exited with ${result.exitCode}`,
        'run it by hand to see why (a login may have expired)',
      );
    }
    token = result.stdout;
  }
  token = token.trim();
  // Registered before returning: from here on no output path can print it.
  redactor.register(token, 'cp-admin-token');
  if (!token)
    throw new ConfigError(
      `the CP admin token from ${source.origin} is empty`,
      'put the token there, or use another source',
    );
  return token;
}

async function readTokenFile(path: string): Promise<string> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch {
    throw new ConfigError(
      `CP token file ${path} does not exist`,
      'create it with the token as its only content, mode 0600',
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(
      `CP token file ${path} is readable by group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')})`,
      `run: chmod 600 ${path}`,
    );
  }
  return readFile(path, 'utf8');
}

/** Splits a command line on whitespace, honouring simple quotes; it is never given to a shell. */
export function splitCommand(line: string): string[] {
  const parts = line.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  return parts.map((p) => (/^(["']).*\1$/.test(p) ? p.slice(1, -1) : p));
}
