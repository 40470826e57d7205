import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// /etc/molecule/tenant.env is what re-applies the secret to the container after a reboot or an
// update. On a real host its write can fail (a full disk); the simulated hosts never fill up, so
// the script's own function is run here under a file-size limit, which fails a write the same way.

const script = readFileSync(new URL('../../../scripts/tenant-cp-secret.sh', import.meta.url), 'utf8');
const writeDurableEnv = /^write_durable_env\(\) \{[\s\S]*?^\}$/m.exec(script)![0];

const dir = mkdtempSync(join(tmpdir(), 'molectl-durable-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs write_durable_env in bash with at most `limitBlocks` 512-byte blocks per file written. */
function runWrite(envDir: string, limitBlocks: number | 'unlimited'): number {
  const program = `${writeDurableEnv}
set -uo pipefail
umask 077
trap '' XFSZ
ENV_DIR="$1"; DURABLE_ENV="$1/tenant.env"
SECRET_KEY=MOLECULE_CP_SHARED_SECRET; URL_KEY=MOLECULE_CP_URL
SECRET=sentinel-new-secret-value; MOLECTL_CP_URL=https://cp.example
ulimit -f ${limitBlocks}
write_durable_env`;
  try {
    execFileSync('bash', ['-c', program, 'bash', envDir], { stdio: 'pipe' });
    return 0;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

describe('write_durable_env (scripts/tenant-cp-secret.sh)', () => {
  const before = `${Array.from({ length: 40 }, (_, i) => `PLATFORM_SETTING_${i}=${'x'.repeat(40)}`).join('\n')}\nMOLECULE_CP_SHARED_SECRET=old\n`;

  it('merges the two keys and keeps every other line', () => {
    const envDir = join(dir, 'ok');
    execFileSync('mkdir', ['-p', envDir]);
    writeFileSync(join(envDir, 'tenant.env'), before);
    expect(runWrite(envDir, 'unlimited')).toBe(0);
    const after = readFileSync(join(envDir, 'tenant.env'), 'utf8');
    expect(after).toBe(
      `${before.replace('MOLECULE_CP_SHARED_SECRET=old\n', '')}MOLECULE_CP_SHARED_SECRET=sentinel-new-secret-value\nMOLECULE_CP_URL=https://cp.example\n`,
    );
  });

  it('a write that fails part-way fails the function and leaves the old file whole, no temp file behind', () => {
    const envDir = join(dir, 'full');
    execFileSync('mkdir', ['-p', envDir]);
    writeFileSync(join(envDir, 'tenant.env'), before);
    expect(before.length).toBeGreaterThan(1024);
    expect(runWrite(envDir, 2)).not.toBe(0);
    expect(readFileSync(join(envDir, 'tenant.env'), 'utf8')).toBe(before);
    expect(readdirSync(envDir)).toEqual(['tenant.env']);
  });
});
