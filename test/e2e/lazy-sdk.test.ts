import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployServicesEnv, sandboxDeployCommit } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { runListingModules } from '../helpers/loaded-modules.js';

/**
 * A fresh molectl's start-up is mostly module loading (issue 16), so what each run loads is held
 * here, by listing rather than by timing. These runs spawn bin/molectl.js (the bundle in
 * dist/bundle: `npm test` builds first) and list the source modules each run loaded and the
 * files it opened (test/helpers/loaded-modules.ts).
 *
 * The AWS SDK costs ~200 ms to load, so molectl imports it only when a command calls AWS;
 * `doctor` is the positive control: it calls AWS, so the listing must show the SDK there.
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

const sandboxEnv = (): Record<string, string> => ({
  ...sandbox.env,
  ...deployServicesEnv(),
  MOLECTL_STATE_DIR: join(dir, 'state'),
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

const isCommand = (path: string): boolean => path.startsWith('src/commands/') && path !== 'src/commands/index.ts';
const isZod = (path: string): boolean => path.startsWith('node_modules/zod/');
/** molectl installs zod's English messages (src/lib/zod-settings.ts); every other locale is dead weight. */
const isForeignZodLocale = (path: string): boolean =>
  path.startsWith('node_modules/zod/v4/locales/') && path !== 'node_modules/zod/v4/locales/en.js';
const isLoadedLate = (path: string): boolean =>
  ['execa', 'ora', 'chalk', 'yaml'].some((name) => path.startsWith(`node_modules/${name}/`));

describe('what a fresh process loads', () => {
  it.each([['--help'], ['--version']])(
    'molectl %s opens bin/molectl.js and the bundle entry, nothing else',
    async (arg) => {
      const run = await runListingModules([arg], {});
      expect(run.code).toBe(0);
      expect(run.files).toEqual(['bin/molectl.js', 'dist/bundle/cli.cjs']);
      expect(run.esmLoaderStarted).toBe(false);
      expect(run.modules.filter(isCommand)).toEqual([]);
      expect(run.modules.filter(isZod)).toEqual([]);
    },
  );

  it('molectl org list --help loads its own command module and commander, no zod', async () => {
    const run = await runListingModules(['org', 'list', '--help'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--older-than');
    expect(run.modules.filter(isCommand)).toEqual(['src/commands/org-list.ts']);
    expect(run.modules.filter(isZod)).toEqual([]);
    expect(run.modules.filter(isSdk)).toEqual([]);
  });

  it.each([
    ['org list', () => ['org', 'list'], 'src/commands/org-list.ts'],
    [
      'verify',
      () => ['verify', '--expect-commit', sandboxDeployCommit(sandbox.state), '--canary', 'acme', '-o', 'json'],
      'src/commands/verify.ts',
    ],
  ])(
    'molectl %s (one CP call and more) loads zod without its locales, no SDK, few files',
    async (_name, argv, command) => {
      const run = await runListingModules(argv(), sandboxEnv());
      expect(run.code, run.stderr).toBe(0);
      expect(run.modules.filter(isCommand)).toEqual([command]);
      // The CP's answer is validated: zod is there, but only the parts molectl uses.
      expect(run.modules.some(isZod)).toBe(true);
      expect(run.modules.filter(isForeignZodLocale)).toEqual([]);
      // zod/mini, not the classic API (three times the code): eslint holds the imports, this the bundle.
      expect(run.modules.filter((m) => m.startsWith('node_modules/zod/v4/classic/'))).toEqual([]);
      expect(run.modules.filter(isSdk)).toEqual([]);
      // Piped output, no child process: no spinner, no colours, no execa, not even node:child_process
      // (commander's is deferred by build/bundle.mjs).
      expect(run.modules.filter(isLoadedLate)).toEqual([]);
      expect(run.builtins).not.toContain('child_process');
      expect(run.builtins).toContain('http');
      // A handful of CommonJS chunks (~170 ES module files before issue 16), no ESM loader at all.
      expect(run.files.length).toBeLessThanOrEqual(16);
      expect(run.esmLoaderStarted).toBe(false);
    },
  );

  it('molectl migrate cp-secret script (no document to validate) loads no zod', async () => {
    const run = await runListingModules(['migrate', 'cp-secret', 'script'], {});
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('#!/usr/bin/env bash');
    expect(run.modules.filter(isZod)).toEqual([]);
  });
});

describe('no ICU segmenter for ASCII text', () => {
  // Making the first Intl.Segmenter loads ICU's break rules (~15 ms): string-width, imported for
  // table widths, made one as it loaded and slowed every command by that much. Widths of ASCII
  // text need none (src/lib/output/display-width.ts).
  it('org list, a table of ASCII text, makes none', async () => {
    const run = await runListingModules(['org', 'list'], sandboxEnv());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('acme');
    expect(run.segmenters).toBe(0);
  });

  it('gitea rewrite listing a CJK file name makes one: the count would see a regression', async () => {
    const repo = join(dir, 'cjk-repo');
    mkdirSync(repo, { recursive: true });
    writeFileSync(join(repo, '租户.md'), 'see https://github.com/Molecule-AI/molecule-core\n');
    const run = await runListingModules(['gitea', 'rewrite', repo], sandboxEnv());
    expect(run.stdout + run.stderr).toContain('租户.md');
    expect(run.segmenters).toBeGreaterThan(0);
  });
});
