import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployServicesEnv, sandboxDeployCommit } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { absentPath } from '../helpers/absent-path.js';
import { BIN } from '../helpers/spawn-cli.js';

/**
 * A finished command ends at once (issue 16): nothing left behind (an idle keep-alive socket to
 * the CP or AWS, an HTTP client's timer wheel, any stray timer) may hold the process open after
 * its last output. Before the fix such leftovers kept `org list` alive ~0.2 s on loopback, longer
 * against a real server. A preload notes when the process last wrote to stdout or stderr and, at
 * exit, how long it lived after that; it also leaves a 3-second timer running, standing for any
 * leftover, so a molectl that waits for the event loop to drain fails here by seconds, not by a
 * margin the machine's load could blur.
 */

const LEFTOVER_MS = 3000;
const MARGIN_MS = 500;

let sandbox: Sandbox;
let dir: string;
let preload: string;

beforeAll(async () => {
  sandbox = await startSandbox({ tenants: 2, preCutover: 1 });
  dir = mkdtempSync(join(tmpdir(), 'molectl-exit-'));
  preload = join(dir, 'note-last-output.mjs');
  writeFileSync(
    preload,
    `import { writeFileSync } from 'node:fs';
let last = performance.now();
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = (...args) => { last = performance.now(); return write(...args); };
}
process.on('exit', () => writeFileSync(process.env.EXIT_NOTE, String(performance.now() - last)));
setTimeout(() => {}, ${LEFTOVER_MS});
`,
  );
});

afterAll(async () => {
  await sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs bin/molectl.js; resolves with the exit code and how long it lived after its last output. */
function run(argv: string[]): Promise<{ code: number | null; lingeredMs: number; stderr: string }> {
  const note = join(dir, `note-${Math.random().toString(16).slice(2)}`);
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    // A config path nothing is at, made fresh: a machine may well have a /nonexistent.
    MOLECTL_CONFIG: absentPath('molectl-config.json'),
    MOLECTL_STATE_DIR: join(dir, 'state'),
    EXIT_NOTE: note,
    ...sandbox.env,
    ...deployServicesEnv(),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', preload, BIN, ...argv], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, lingeredMs: Number(readFileSync(note, 'utf8')), stderr }));
  });
}

describe('a finished command', { timeout: 60_000 }, () => {
  it.each([
    ['org list (one CP call)', ['org', 'list']],
    [
      'verify (CP, deploy services, registry, canaries)',
      () => ['verify', '--expect-commit', sandboxDeployCommit(sandbox.state), '--canary', 'acme'],
    ],
    ['migrate cp-secret plan (AWS SDK, SSM, CP)', ['migrate', 'cp-secret', 'plan', '-q']],
    ['doctor (CP, STS and SSM through the AWS SDK)', ['doctor']],
    ["a command's help (commander answers)", ['org', 'list', '--help']],
    ['the top-level help (answered before commander loads)', ['--help']],
    ['an error (exit 2)', ['org', 'list', '--older-than', 'soon']],
  ])('%s ends within a moment of its last output, leftovers or not', async (_name, argv) => {
    const r = await run(typeof argv === 'function' ? argv() : argv);
    expect(r.code, r.stderr).not.toBeNull();
    expect(r.lingeredMs).toBeLessThan(MARGIN_MS);
  });
});
