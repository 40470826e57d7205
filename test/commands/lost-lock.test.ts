import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Issue 13, item 4: a run that loses its fleet lock stops dispatching at the next safe point and
// ends aborted with the reason; never just a warning while the waves go on.

let f: SandboxFixture;
beforeAll(async () => {
  f = await startSandboxFixture({ tenants: 4, preCutover: 4, workspacesPerTenant: 0, faults: 'host-work=1200ms' });
});
afterAll(() => f.stop());

const LOCK = '/molectl/sandbox/locks/migrate-cp-secret';
const applySends = () =>
  f.sandbox.state.requests.filter((r) => r.action === 'SendCommand' && r.body.includes("MOLECTL_MODE='apply'")).length;

describe('a lost fleet lock', { timeout: 60_000 }, () => {
  it('stops the waves: exit 1, the run aborted with the reason, later waves never sent', async () => {
    const running = f.molectl(
      [
        '--env',
        'sandbox',
        '--yes',
        'migrate',
        'cp-secret',
        'apply',
        '--soak',
        '0',
        '--health-timeout',
        '5s',
        '--waves',
        '1,1,100%',
      ],
      { env: { MOLECTL_LOCK_TTL: '3s' } },
    );
    // Another run takes the lock while the first wave is out (as a --break-lock elsewhere would).
    while (applySends() < 2) await new Promise((r) => setTimeout(r, 20));
    const thief = {
      owner: 'bob@elsewhere',
      runId: '20261206T000000Z-migrate-cp-secret-apply-beef',
      operation: 'migrate-cp-secret',
      pid: 4242,
      acquiredAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
    };
    f.sandbox.state.parameters.set(LOCK, {
      name: LOCK,
      type: 'String',
      value: JSON.stringify(thief),
      version: 99,
      lastModified: new Date(),
    });
    const r = await running;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /error: aborted: the fleet lock \/molectl\/sandbox\/locks\/migrate-cp-secret is no longer held by run \S+: it is now held by bob@elsewhere/,
    );
    expect(applySends()).toBeLessThan(4);
    const dir = join(f.stateDir, 'runs');
    const ledger = JSON.parse(
      readFileSync(
        join(
          dir,
          readdirSync(dir).find((n) => n.includes('apply'))!,
        ),
        'utf8',
      ),
    ) as { status: string; targets: Record<string, { state: string }> };
    expect(ledger.status).toBe('aborted');
    expect(Object.values(ledger.targets).some((t) => t.state === 'pending')).toBe(true);
    // The thief's lock is left alone.
    expect(JSON.parse(f.sandbox.state.parameters.get(LOCK)!.value).owner).toBe('bob@elsewhere');
  });
});
