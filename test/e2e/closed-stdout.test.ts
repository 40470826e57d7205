import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { BIN } from '../helpers/spawn-cli.js';

/**
 * `molectl <cmd> --help | head -1`: stdout's reader goes away before molectl is done writing.
 * Node ignores SIGPIPE, so the write fails with EPIPE; unlistened, that was a stack trace and
 * exit 1. Now the end is quiet: help exits 0; a command whose result could not be delivered
 * exits 141 (what the shell shows for a process killed by SIGPIPE), with nothing on stderr.
 *
 * The reader is closed before molectl starts writing (the test destroys its end of the pipe at
 * once), so every write fails: the case does not depend on how fast `head` is.
 */

let sandbox: Sandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ tenants: 2, preCutover: 1 });
  dir = mkdtempSync(join(tmpdir(), 'molectl-epipe-'));
});
afterAll(async () => {
  await sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
});

function runWithClosedStdout(argv: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        MOLECTL_CONFIG: join(dir, 'no-config.json'),
        MOLECTL_STATE_DIR: join(dir, 'state'),
        ...sandbox.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, ms: Date.now() - started }));
  });
}

describe('stdout closed early ends molectl quietly', { timeout: 60_000 }, () => {
  it.each([
    ['molectl --help', ['--help']],
    ['molectl org create --help', ['org', 'create', '--help']],
    ['molectl sandbox up --help', ['sandbox', 'up', '--help']],
    ['molectl migrate cp-secret --help (a group)', ['migrate', 'cp-secret', '--help']],
    ['molectl --version', ['--version']],
  ])('%s: exit 0, nothing on stderr', async (_label, argv) => {
    const run = await runWithClosedStdout(argv);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it.each([
    ['a result in text (migrate cp-secret script)', ['migrate', 'cp-secret', 'script']],
    ['a result in JSON (org list -o json)', ['org', 'list', '-o', 'json']],
  ])('%s: exit 141, no EPIPE, no stack trace', async (_label, argv) => {
    const run = await runWithClosedStdout(argv);
    expect(run.stderr).not.toMatch(/EPIPE|at .*\.js:\d+|unexpected error/);
    expect(run.code).toBe(141);
  });

  it('logs --follow stops at its first write instead of polling for a reader that left', async () => {
    const run = await runWithClosedStdout(['logs', 'acme', '--follow', '--interval', '2s', '-q']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(141);
  });
});
