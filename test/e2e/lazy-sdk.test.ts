import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';

/**
 * The AWS SDK costs ~200 ms to load, so molectl imports it only when a command calls AWS.
 * These runs spawn bin/molectl.js (dist/: `npm test` builds first) under a module hook that
 * logs every module URL resolved, and assert which runs never resolved an @aws-sdk module.
 * `doctor` is the positive control: it calls AWS, so the hook must see the SDK there.
 */

const BIN = fileURLToPath(new URL('../../bin/molectl.js', import.meta.url));
let dir: string;
let sandbox: Sandbox;

const HOOKS = `
import { appendFileSync } from 'node:fs';
let logFile;
export async function initialize(data) { logFile = data.logFile; }
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(logFile, result.url + '\\n');
  return result;
}
`;

const REGISTER = `
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url, { data: { logFile: process.env.LAZY_SDK_LOG } });
`;

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../../dist/cli.js', import.meta.url))))
    throw new Error('dist/cli.js is missing: run `npm run build` first');
  dir = mkdtempSync(join(tmpdir(), 'molectl-lazy-sdk-'));
  writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
  writeFileSync(join(dir, 'register.mjs'), REGISTER);
  sandbox = await startSandbox({ tenants: 1 });
});

afterAll(async () => {
  await sandbox?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let runs = 0;

/** Runs molectl under the hook; returns the exit code and every module URL it resolved. */
function runLogged(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; resolved: string[]; stderr: string }> {
  const logFile = join(dir, `resolved-${runs++}.log`);
  writeFileSync(logFile, '');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', join(dir, 'register.mjs'), BIN, ...argv], {
      env: { PATH: process.env.PATH, HOME: dir, MOLECTL_CONFIG: join(dir, 'none.json'), LAZY_SDK_LOG: logFile, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const err: Buffer[] = [];
    child.stdout.resume();
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const resolved = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
      resolvePromise({ code, resolved, stderr: Buffer.concat(err).toString() });
    });
  });
}

const isSdk = (url: string): boolean => url.includes('/@aws-sdk/') || url.includes('/@smithy/');

describe('the AWS SDK is loaded only by commands that call AWS', () => {
  it.each([['--help'], ['--version'], ['config show'], ['doctor --help']])(
    'molectl %s resolves no @aws-sdk module',
    async (args) => {
      const run = await runLogged(args.split(' '));
      expect(run.code).toBe(0);
      // The hook works: molectl's own modules were seen (and commander, past the top-level help).
      expect(run.resolved.some((u) => u.endsWith('/dist/cli.js'))).toBe(true);
      expect(run.resolved.some((u) => u.includes('/commander/'))).toBe(!['--help', '--version'].includes(args));
      expect(run.resolved.filter(isSdk)).toEqual([]);
    },
  );

  it('molectl doctor (which calls STS and SSM) does load it: the hook would see a regression', async () => {
    const run = await runLogged(['doctor'], sandbox.env);
    expect(run.code).toBe(0);
    expect(run.resolved.some((u) => u.includes('/@aws-sdk/client-sts/'))).toBe(true);
    expect(run.resolved.some((u) => u.includes('/@aws-sdk/client-ssm/'))).toBe(true);
    expect(run.resolved.some((u) => u.includes('/@aws-sdk/client-ec2/'))).toBe(false);
  });
});
