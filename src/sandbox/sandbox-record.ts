import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SANDBOX_STAND_IN_TOKENS } from '../lib/config/sandbox-stand-ins.js';
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY, type Sandbox } from './start-sandbox.js';

/**
 * What `molectl sandbox up` leaves in `<stateDir>/sandbox/` while a sandbox runs, so that
 * `sandbox down` and `sandbox status` can find it: sandbox.json (pid, url, options), and the
 * two credentials as 0600 files. The printed environment points at those files instead of
 * carrying the values, so no secret is ever printed (and the redactor has nothing to mangle);
 * the only values it carries are the public stand-in tokens (sandbox-stand-ins.ts).
 */

export const SANDBOX_AWS_PROFILE = 'molectl-sandbox';

export interface SandboxRecord {
  pid: number;
  url: string;
  startedAt: string;
  tenants: number;
  seed: number;
  faults: string;
  logFile: string | null;
}

export interface SandboxFiles {
  dir: string;
  record: string;
  cpToken: string;
  awsCredentials: string;
  log: string;
}

export function getSandboxFiles(stateDir: string): SandboxFiles {
  const dir = join(stateDir, 'sandbox');
  return {
    dir,
    record: join(dir, 'sandbox.json'),
    cpToken: join(dir, 'cp-admin-token'),
    awsCredentials: join(dir, 'aws-credentials'),
    log: join(dir, 'sandbox.log'),
  };
}

/** Writes the credential files, then the record (its presence means "ready"). */
export function writeSandboxRecord(files: SandboxFiles, sandbox: Sandbox, record: SandboxRecord): void {
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  writeFileSync(files.cpToken, `${sandbox.state.cpAdminToken}\n`, { mode: 0o600 });
  writeFileSync(
    files.awsCredentials,
    `[${SANDBOX_AWS_PROFILE}]\naws_access_key_id = ${SANDBOX_ACCESS_KEY_ID}\naws_secret_access_key = ${SANDBOX_SECRET_ACCESS_KEY}\n`,
    { mode: 0o600 },
  );
  const tmp = `${files.record}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  // Rename is atomic: a reader never sees half a record.
  renameSync(tmp, files.record);
}

export function readSandboxRecord(files: SandboxFiles): SandboxRecord | null {
  if (!existsSync(files.record)) return null;
  try {
    return JSON.parse(readFileSync(files.record, 'utf8')) as SandboxRecord;
  } catch {
    return null;
  }
}

export function removeSandboxRecord(files: SandboxFiles, pid: number): void {
  const record = readSandboxRecord(files);
  if (record && record.pid !== pid) return; // another sandbox took over the record
  for (const file of [files.record, files.cpToken, files.awsCredentials]) rmSync(file, { force: true });
}

export { isProcessAlive } from '../lib/runs/process-owner.js';

/**
 * The environment to target a running sandbox: everything its consumers need, so that every
 * documented sandbox example runs as written after `eval "$(molectl sandbox up --detach)"`. The
 * CP admin token (random per start) and the AWS keys by file reference only; the simulated
 * Railway, Vercel and Gitea by their fixed stand-in tokens, public values (sandbox-stand-ins.ts).
 */
export function buildShellEnv(files: SandboxFiles, url: string): [string, string][] {
  return [
    ['MOLECTL_ENV', 'sandbox'],
    ['MOLECTL_CP_URL', url],
    ['MOLECTL_CP_TOKEN_FILE', files.cpToken],
    ['AWS_ENDPOINT_URL', url],
    ['AWS_REGION', 'us-east-2'],
    ['AWS_PROFILE', SANDBOX_AWS_PROFILE],
    ['AWS_SHARED_CREDENTIALS_FILE', files.awsCredentials],
    ['AWS_EC2_METADATA_DISABLED', 'true'],
    ...Object.entries(SANDBOX_STAND_IN_TOKENS),
  ];
}

/** `unset` lines for what buildShellEnv exports: `eval "$(molectl sandbox down)"` cleans the shell. */
export function renderUnsets(env: [string, string][]): string {
  return `unset ${env.map(([k]) => k).join(' ')}`;
}

/** `export K='V'` lines that bash can eval; values are single-quoted. */
export function renderExports(env: [string, string][]): string {
  return env.map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`).join('\n');
}
