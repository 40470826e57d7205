import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { MemoryStream } from '../lib/aws/aws-fake-server.js';

const dir = mkdtempSync(join(tmpdir(), 'molectl-sandbox-cmd-'));
const stateDir = join(dir, 'state');

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function baseEnv(): NodeJS.ProcessEnv {
  return {
    HOME: dir,
    MOLECTL_CONFIG: join(dir, 'none.json'),
    MOLECTL_STATE_DIR: stateDir,
    NO_COLOR: '1',
    PATH: process.env['PATH'],
  };
}

async function run(args: string[], signal?: AbortSignal) {
  const stdout = new MemoryStream();
  const stderr = new MemoryStream();
  const code = await main(args, { stdout, stderr, env: baseEnv(), signal: signal ?? new AbortController().signal });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 25));
}

describe('molectl sandbox up / status / down', () => {
  it('starts in the foreground, prints an env without secrets, logs requests, and stops cleanly on Ctrl-C', async () => {
    const abort = new AbortController();
    const stdout = new MemoryStream();
    const stderr = new MemoryStream();
    const up = main(['sandbox', 'up', '--port', '0', '--tenants', '3', '--faults', 'offline=acme'], {
      stdout,
      stderr,
      env: baseEnv(),
      signal: abort.signal,
    });
    const recordPath = join(stateDir, 'sandbox', 'sandbox.json');
    await waitForFile(recordPath);
    const record = JSON.parse(readFileSync(recordPath, 'utf8')) as { url: string; pid: number };
    await new Promise((r) => setTimeout(r, 50));

    const exports = stdout.text;
    expect(exports).toContain(`export MOLECTL_CP_URL='${record.url}'`);
    expect(exports).toContain(`export AWS_ENDPOINT_URL='${record.url}'`);
    expect(exports).toContain("export MOLECTL_ENV='sandbox'");
    const tokenFile = join(stateDir, 'sandbox', 'cp-admin-token');
    expect(exports).toContain(`export MOLECTL_CP_TOKEN_FILE='${tokenFile}'`);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(statSync(tokenFile).mode & 0o077).toBe(0);
    expect(exports).not.toContain(token);
    expect(exports).not.toContain('REDACTED');

    const res = await fetch(`${record.url}/cp/admin/orgs`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await res.json()) as { orgs: unknown[] }).orgs).toHaveLength(3);
    expect(stderr.text).toMatch(/200 cp +GET \/cp\/admin\/orgs/);
    expect(stderr.text).not.toContain(token);

    const status = await run(['sandbox', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`running at ${record.url}`);
    expect(status.stdout).toContain('faults offline=acme');
    const again = await run(['sandbox', 'up', '--port', '0']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already running');

    abort.abort();
    expect(await up).toBe(0);
    expect(existsSync(recordPath)).toBe(false);
    expect(existsSync(tokenFile)).toBe(false);
    await expect(fetch(`${record.url}/health`)).rejects.toThrow();
  });

  it('status reports that no sandbox is running with exit 4; down has nothing to do and exits 0', async () => {
    expect((await run(['sandbox', 'status'])).code).toBe(4);
    const down = await run(['sandbox', 'down']);
    expect(down.code).toBe(0);
    expect(down.stderr).toBe('no sandbox running\n');
    expect(down.stdout).toMatch(/^unset MOLECTL_ENV MOLECTL_CP_URL .*AWS_ENDPOINT_URL/);
  });

  it('needs only its own files: a runs/ that is a file and a MOLECTL_LOCK_TTL it cannot use do not stop it', async () => {
    // Those stop the commands that write run ledgers and take locks (checks-before-change); the
    // sandbox writes neither, so refusing it for them would be a false refusal.
    const ownState = join(dir, 'runs-is-a-file');
    mkdirSync(ownState);
    writeFileSync(join(ownState, 'runs'), 'not a directory\n');
    const abort = new AbortController();
    const stderr = new MemoryStream();
    const up = main(['sandbox', 'up', '--port', '0', '--tenants', '1'], {
      stdout: new MemoryStream(),
      stderr,
      env: { ...baseEnv(), MOLECTL_STATE_DIR: ownState, MOLECTL_LOCK_TTL: 'ten minutes' },
      signal: abort.signal,
    });
    const recordPath = join(ownState, 'sandbox', 'sandbox.json');
    await Promise.race([waitForFile(recordPath), up]);
    expect(existsSync(recordPath), stderr.text).toBe(true);
    abort.abort();
    expect(await up).toBe(0);
  });

  it('rejects a bad fault spec before starting anything', async () => {
    const r = await run(['sandbox', 'up', '--port', '0', '--faults', 'teleport=1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad fault "teleport=1"');
  });
});
