import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY } from '../../src/sandbox/start-sandbox.js';
import { spawnCli } from '../helpers/spawn-cli.js';

/**
 * Issue 19, item 8: `sandbox down` is calm. Nothing running is exit 0 with "no sandbox running"
 * (it was exit 4 the second time); a busy sandbox stops within a few seconds, the host scripts it
 * runs included; one that ignores SIGTERM is killed, and so is every process it had started.
 */

const dir = mkdtempSync(join(tmpdir(), 'molectl-e2e-down-'));
const scratch = join(dir, 'tmp');
execFileSync('mkdir', ['-p', scratch]);
const env = { MOLECTL_STATE_DIR: join(dir, 'state'), TMPDIR: scratch, NO_COLOR: '1' };
const UNSET =
  'unset MOLECTL_ENV MOLECTL_CP_URL MOLECTL_CP_TOKEN_FILE AWS_ENDPOINT_URL AWS_REGION AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE AWS_EC2_METADATA_DISABLED RAILWAY_TOKEN VERCEL_TOKEN GITEA_TOKEN\n';

afterEach(async () => {
  await spawnCli(['sandbox', 'down'], env);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function up(): Promise<{ pid: number; url: string }> {
  const run = await spawnCli(['sandbox', 'up', '--port', '0', '--tenants', '2', '--detach'], env);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(readFileSync(join(dir, 'state', 'sandbox', 'sandbox.json'), 'utf8')) as {
    pid: number;
    url: string;
  };
}

/** Processes below pid (from /proc), by pid, with their command lines. */
function descendants(root: number): Map<number, string> {
  const parent = new Map<number, number>();
  const cmd = new Map<number, string>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      cmd.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim());
    } catch {
      // ended while we looked
    }
  }
  const found = new Map<number, string>();
  const isBelow = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  for (const pid of parent.keys()) if (isBelow(pid)) found.set(pid, cmd.get(pid) ?? '');
  return found;
}

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Starts `sleep 120` on the first tenant host through SSM: a host script the sandbox runs as a child. */
async function startLongHostScript(sandbox: { pid: number; url: string }): Promise<void> {
  const show = await spawnCli(['org', 'show', 'acme', '-o', 'json'], {
    ...env,
    MOLECTL_ENV: 'sandbox',
    MOLECTL_CP_URL: sandbox.url,
    MOLECTL_CP_TOKEN_FILE: join(dir, 'state', 'sandbox', 'cp-admin-token'),
    AWS_ENDPOINT_URL: sandbox.url,
    AWS_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SANDBOX_SECRET_ACCESS_KEY,
  });
  const instances = (JSON.parse(show.stdout) as { instances: Array<{ instanceId: string; role: string }> }).instances;
  const ssm = new SSMClient({
    region: 'us-east-2',
    endpoint: sandbox.url,
    credentials: { accessKeyId: SANDBOX_ACCESS_KEY_ID, secretAccessKey: SANDBOX_SECRET_ACCESS_KEY },
  });
  await ssm.send(
    new SendCommandCommand({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: [instances.find((i) => i.role === 'tenant')!.instanceId],
      Parameters: { commands: ['sleep 120'], executionTimeout: ['600'] },
    }),
  );
  ssm.destroy();
  for (let i = 0; i < 200 && ![...descendants(sandbox.pid).values()].some((c) => c === 'sleep 120'); i++)
    await sleep(25);
}

describe('molectl sandbox down', { timeout: 60_000 }, () => {
  it('with nothing running: exit 0, "no sandbox running", and the unset line for eval', async () => {
    const run = await spawnCli(['sandbox', 'down'], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('no sandbox running\n');
    expect(run.stdout).toBe(UNSET);
  });

  it('run twice: stopped, then "no sandbox running", both exit 0', async () => {
    const sandbox = await up();
    const first = await spawnCli(['sandbox', 'down'], env);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(
      new RegExp(`^sandbox at ${sandbox.url} \\(pid ${sandbox.pid}\\) stopped in \\d+ms\\n$`),
    );
    expect(first.stdout).toBe(UNSET);
    const second = await spawnCli(['sandbox', 'down'], env);
    expect(second.code).toBe(0);
    expect(second.stderr).toBe('no sandbox running\n');
  });

  it('a busy sandbox (a host script running) stops within a few seconds, the script included', async () => {
    const sandbox = await up();
    await startLongHostScript(sandbox);
    const tree = descendants(sandbox.pid);
    expect([...tree.values()]).toContain('sleep 120');
    const started = performance.now();
    const down = await spawnCli(['sandbox', 'down', '-o', 'json'], env);
    const ms = performance.now() - started;
    expect(down.code).toBe(0);
    expect(JSON.parse(down.stdout)).toMatchObject({ stopped: true, forced: false });
    expect(ms).toBeLessThan(4000);
    expect([sandbox.pid, ...tree.keys()].filter(isRunning)).toEqual([]);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('a sandbox that does not answer SIGTERM is killed after the grace period, with what it started', async () => {
    const sandbox = await up();
    await startLongHostScript(sandbox);
    const tree = descendants(sandbox.pid);
    // Stopped: SIGTERM waits, unhandled, as in a wedged process.
    process.kill(sandbox.pid, 'SIGSTOP');
    const down = await spawnCli(['sandbox', 'down'], env);
    expect(down.code).toBe(0);
    expect(down.stderr).toMatch(/stopped in \d+s: it did not stop within 4s of SIGTERM and was killed/);
    expect(down.stderr).toMatch(/killed \d+ process\(es\) it had started/);
    await sleep(100);
    expect([sandbox.pid, ...tree.keys()].filter(isRunning)).toEqual([]);
  });
});
