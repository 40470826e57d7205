import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_STAND_IN_TOKENS } from '../../src/lib/config/sandbox-stand-ins.js';
import { absentPath } from '../helpers/absent-path.js';
import { BIN } from '../helpers/spawn-cli.js';

/**
 * Issue 13, item 6: what `sandbox up` exports is everything the sandbox's consumers need, and
 * `eval "$(molectl sandbox down)"` takes all of it back. Checked in a real bash, as a person
 * types it: `molectl` is on PATH (a shim for bin/molectl.js), the shell evals what it prints.
 */

const dir = mkdtempSync(join(tmpdir(), 'molectl-e2e-env-'));
const shims = join(dir, 'bin');
mkdirSync(shims);
writeFileSync(join(shims, 'molectl'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
chmodSync(join(shims, 'molectl'), 0o755);

/** Every variable `sandbox up` exports, in the order it prints them. */
const EXPORTED = [
  'MOLECTL_ENV',
  'MOLECTL_CP_URL',
  'MOLECTL_CP_TOKEN_FILE',
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'RAILWAY_TOKEN',
  'VERCEL_TOKEN',
  'GITEA_TOKEN',
];
const SHOW_ENV = `env | grep -E '^(${EXPORTED.join('|')})=' | sort`;

let stateDir = '';
afterEach(() => {
  // A failed test must not leave its sandbox running.
  if (stateDir) execFileSync(process.execPath, [BIN, 'sandbox', 'down'], { env: shellEnv(), stdio: 'ignore' });
  stateDir = '';
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function shellEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${shims}:${process.env.PATH}`,
    HOME: dir,
    MOLECTL_STATE_DIR: stateDir,
    MOLECTL_CONFIG: absentPath('molectl-config.json'),
    NO_COLOR: '1',
    ...extra,
  };
}

/** Runs a script in bash; its stdout, stderr and exit code. */
function bash(
  script: string,
  extra: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { env: shellEnv(extra), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** `NAME=value` lines into a map. */
const parseEnv = (text: string): Map<string, string> =>
  new Map(
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]),
  );

describe(
  'eval "$(molectl sandbox up --detach)" and eval "$(molectl sandbox down)" in bash',
  { timeout: 60_000 },
  () => {
    it('up exports everything its consumers need, the stand-in tokens included; down unsets all of it', async () => {
      stateDir = mkdtempSync(join(dir, 'state-'));
      const run = await bash(
        `set -e
eval "$(molectl sandbox up --detach --port 0 --tenants 2)"
${SHOW_ENV}
echo ---
eval "$(molectl sandbox down)"
${SHOW_ENV} || true`,
      );
      expect(run.code, run.err).toBe(0);
      const [during, after] = run.out.split('---\n');
      const set = parseEnv(during!);
      expect([...set.keys()].sort()).toEqual([...EXPORTED].sort());
      expect(set.get('MOLECTL_ENV')).toBe('sandbox');
      expect(set.get('MOLECTL_CP_URL')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(set.get('AWS_ENDPOINT_URL')).toBe(set.get('MOLECTL_CP_URL'));
      for (const [name, value] of Object.entries(SANDBOX_STAND_IN_TOKENS)) expect(set.get(name)).toBe(value);
      // The CP token and the AWS keys by file, never by value.
      expect(set.get('MOLECTL_CP_TOKEN_FILE')).toBe(join(stateDir, 'sandbox', 'cp-admin-token'));
      expect(after).toBe('');
      // down's human message is on stderr; stdout held only what bash evaluated.
      expect(run.err).toMatch(/sandbox at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\) stopped in/);
    });

    it('a shell still holding an earlier sandbox’s exports gets them right again (stand-ins are not redacted)', async () => {
      stateDir = mkdtempSync(join(dir, 'state-'));
      const run = await bash(
        `set -e
eval "$(molectl sandbox up --detach --port 0 --tenants 2)"
${SHOW_ENV}`,
        { ...SANDBOX_STAND_IN_TOKENS, MOLECTL_ENV: 'sandbox' },
      );
      expect(run.code, run.err).toBe(0);
      const set = parseEnv(run.out);
      for (const [name, value] of Object.entries(SANDBOX_STAND_IN_TOKENS)) expect(set.get(name)).toBe(value);
      expect(run.out).not.toMatch(/REDACTED/);
    });

    it('down with nothing running: exit 0, "no sandbox running", and the unsets still work', async () => {
      stateDir = mkdtempSync(join(dir, 'state-'));
      const run = await bash(
        `eval "$(molectl sandbox down)"
echo "down: $?"
${SHOW_ENV} || true`,
        { ...SANDBOX_STAND_IN_TOKENS, MOLECTL_ENV: 'sandbox', AWS_ENDPOINT_URL: 'http://127.0.0.1:1' },
      );
      expect(run.out).toBe('down: 0\n');
      expect(run.err).toBe('no sandbox running\n');
    });
  },
);

describe('docs/sandbox.md', () => {
  it('lists exactly what sandbox up exports', () => {
    const doc = readFileSync(new URL('../../docs/sandbox.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## The environment it prints'), doc.indexOf('## The seeded fleet'));
    const names = [...section.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
    expect(names).toEqual(EXPORTED);
  });
});

describe('the documented sandbox rehearsals run as written', { timeout: 120_000 }, () => {
  /** The code block under a heading of a doc, with `--port 0` added to `sandbox up` (no port is assumed free). */
  function block(doc: string, heading: string): string {
    const text = readFileSync(new URL(`../../${doc}`, import.meta.url), 'utf8');
    const after = text.slice(text.indexOf(heading));
    const code = /```[a-z]*\n([\s\S]*?)```/.exec(after)![1]!;
    return code.replace(/molectl sandbox up /g, 'molectl sandbox up --port 0 ');
  }

  it('the secret rotation runbook: rotate, status and rollback, with no token exported by hand', async () => {
    stateDir = mkdtempSync(join(dir, 'state-'));
    const rehearsal = block('docs/runbooks/secret-rotation.md', '## 2. Rehearse in the sandbox');
    expect(rehearsal).not.toMatch(/export \w+_TOKEN/);
    const run = await bash(`set -e\n${rehearsal}\neval "$(molectl sandbox down)"`);
    // set -e: every line exited 0. Both runs printed their result.
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/^run \S+-secrets-rotate-\w+$/m);
    expect(run.out).toMatch(/^run \S+-secrets-rollback-\w+$/m);
  });
});
