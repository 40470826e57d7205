import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { runListingModules } from '../helpers/loaded-modules.js';

/**
 * The AWS SDK costs ~200 ms to load, so molectl imports it only when a command calls AWS.
 * These runs spawn bin/molectl.js (the bundle in dist/bundle: `npm test` builds first) and list
 * the source modules each run loaded (test/helpers/loaded-modules.ts). `doctor` is the positive
 * control: it calls AWS, so the listing must show the SDK there.
 */

let dir: string;
let sandbox: Sandbox;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'molectl-lazy-sdk-'));
  sandbox = await startSandbox({ tenants: 1 });
});

afterAll(async () => {
  await sandbox?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const isSdk = (path: string): boolean =>
  path.includes('node_modules/@aws-sdk/') || path.includes('node_modules/@smithy/');

describe('the AWS SDK is loaded only by commands that call AWS', () => {
  it.each([['--help'], ['--version'], ['config show'], ['doctor --help']])(
    'molectl %s loads no @aws-sdk module',
    async (args) => {
      const run = await runListingModules(args.split(' '), {});
      expect(run.code).toBe(0);
      // The listing works: molectl's own modules were seen (and commander, past the top-level help).
      expect(run.modules).toContain('src/cli.ts');
      expect(run.modules.some((m) => m.startsWith('node_modules/commander/'))).toBe(
        !['--help', '--version'].includes(args),
      );
      expect(run.modules.filter(isSdk)).toEqual([]);
    },
  );

  it('molectl doctor (which calls STS and SSM) does load it: the listing would see a regression', async () => {
    const run = await runListingModules(['doctor'], sandbox.env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.modules.some((m) => m.startsWith('node_modules/@aws-sdk/client-sts/'))).toBe(true);
    expect(run.modules.some((m) => m.startsWith('node_modules/@aws-sdk/client-ssm/'))).toBe(true);
    expect(run.modules.some((m) => m.startsWith('node_modules/@aws-sdk/client-ec2/'))).toBe(false);
  });
});
