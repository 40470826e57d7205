import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/spawn-cli.js';

// Spawns bin/molectl.js, which runs dist/: `npm test` builds first.
const dir = mkdtempSync(join(tmpdir(), 'molectl-e2e-sandbox-'));
const scratch = join(dir, 'tmp');
const env = { MOLECTL_STATE_DIR: join(dir, 'state'), TMPDIR: scratch, NO_COLOR: '1' };

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('molectl sandbox up --detach', () => {
  it('is ready with 1000 tenants within seconds, works through eval, and sandbox down leaves nothing behind', async () => {
    execFileSync('mkdir', ['-p', scratch]);
    const started = performance.now();
    const up = await spawnCli(['sandbox', 'up', '--port', '0', '--tenants', '1000', '--detach'], env);
    const readyMs = performance.now() - started;
    expect(up.code).toBe(0);
    const record = JSON.parse(readFileSync(join(dir, 'state', 'sandbox', 'sandbox.json'), 'utf8')) as {
      pid: number;
      url: string;
    };
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${record.pid}/status`, 'utf8'))?.[1] ?? 0);
    console.log(
      `sandbox up --tenants 1000 --detach: ready in ${readyMs.toFixed(0)} ms (process start included), sandbox RSS ${(rssKb / 1024).toFixed(0)} MB`,
    );
    expect(readyMs).toBeLessThan(15_000);
    expect(rssKb / 1024).toBeLessThan(300);

    const envFile = join(dir, 'env.sh');
    writeFileSync(envFile, up.stdout);
    const count = execFileSync(
      'bash',
      [
        '-c',
        `eval "$(cat "$1")"; curl -fsS -H "Authorization: Bearer $(cat "$MOLECTL_CP_TOKEN_FILE")" "$MOLECTL_CP_URL/cp/admin/orgs?limit=5000" | jq '.orgs | length'`,
        'bash',
        envFile,
      ],
      { encoding: 'utf8' },
    );
    expect(count.trim()).toBe('1000');

    const status = await spawnCli(['sandbox', 'status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(record.url);

    const down = await spawnCli(['sandbox', 'down'], env);
    expect(down.code).toBe(0);
    // Ended: gone, or a zombie its reaper has not collected yet (all it holds is the pid).
    let stat = '';
    try {
      stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
    } catch {
      // reaped already
    }
    expect(stat === '' || stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z').toBe(true);
    expect(readdirSync(scratch)).toEqual([]);
    expect((await spawnCli(['sandbox', 'status'], env)).code).toBe(4);
  });
});
