import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/spawn-cli.js';

// These spawn bin/molectl.js, which runs dist/: `npm test` builds first.
const ANSI = /\u001b\[/;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'molectl-e2e-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('molectl as a process', () => {
  it('--help lists the commands and exits 0', async () => {
    const r = await spawnCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: molectl');
    expect(r.stdout).toContain('config');
    expect(r.stderr).toBe('');
  });

  it('--version prints the package version and exits 0', async () => {
    const r = await spawnCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('`help <group>` exits 0; a group named without a subcommand shows its help and exits 2', async () => {
    const asked = await spawnCli(['help', 'config']);
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain('show');
    const bare = await spawnCli(['config']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: molectl config');
  });

  it("every command's help shows examples", async () => {
    const r = await spawnCli(['config', 'show', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
  });

  it('an unknown flag exits 2 with one clear error line and a hint, no stack trace', async () => {
    const r = await spawnCli(['config', 'show', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown option '--frobnicate'\nhint: run with --help for usage\n");
    expect(r.stdout).toBe('');
  });

  it('a bad value exits 2 naming the problem and the fix', async () => {
    const r = await spawnCli(['config', 'show', '--env', 'prod']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: unknown environment "prod" \(from --env\)\nhint: use one of: production, staging, sandbox/,
    );
  });

  it('under --output json, errors are one JSON document on stderr', async () => {
    const r = await spawnCli(['config', 'show', '--env', 'prod', '-o', 'json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({
      error: { code: 2, message: expect.stringContaining('prod'), hint: expect.any(String) },
    });
  });

  it('JSON through a pipe parses, has schemaVersion and no colour codes, even with FORCE_COLOR', async () => {
    const r = await spawnCli(['config', 'show', '-o', 'json'], { FORCE_COLOR: '3' });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ANSI);
    expect(JSON.parse(r.stdout)).toMatchObject({ schemaVersion: 1, environment: 'production' });
  });

  it('a JSON result larger than 64 KiB arrives whole through a pipe', async () => {
    const secrets: Record<string, unknown> = {};
    for (let i = 0; i < 1500; i++) {
      secrets[`extra-secret-${i}`] = {
        secretId: `molecule/extra/secret-number-${i}`,
        consumers: [`tenants-env:EXTRA_VAR_${i}`],
      };
    }
    const config = join(dir, 'big.json');
    await writeFile(config, JSON.stringify({ environments: { production: { secrets } } }));
    const r = await spawnCli(['config', 'show', '-o', 'json'], { MOLECTL_CONFIG: config });
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(64 * 1024);
    const doc = JSON.parse(r.stdout) as { settings: { key: string }[] };
    expect(doc.settings.filter((s) => s.key.startsWith('secrets.extra-secret-'))).toHaveLength(1500);
  });

  it('colour: FORCE_COLOR colours text output; NO_COLOR and --no-color win over it', async () => {
    const forced = await spawnCli(['config', 'show'], { FORCE_COLOR: '1' });
    expect(forced.stdout).toMatch(ANSI);
    const noColor = await spawnCli(['config', 'show'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(noColor.stdout).not.toMatch(ANSI);
    const flag = await spawnCli(['config', 'show', '--no-color'], { FORCE_COLOR: '1' });
    expect(flag.stdout).not.toMatch(ANSI);
  });

  it('a secret in the environment never appears in output, even with --debug', async () => {
    const sentinel = 'SENTINEL-cp-token-7d41a9e0c3';
    const r = await spawnCli(['config', 'show', '--debug', '-v'], { CP_ADMIN_API_TOKEN: sentinel });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('read from env');
    expect(r.stdout + r.stderr).not.toContain(sentinel);
  });
});
