import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateTenantProvisionCall } from '../../src/sandbox/cp/simulate-tenant.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// migrate cp-secret apply through AWS throttling, as AWS answers it and as a gateway or another
// emulator may (a bare 429). Apart from migrate-cp-secret.test.ts: each scenario waits on rate
// limits, so they run beside the others rather than after them.

const APPLY = ['--env', 'sandbox', 'migrate', 'cp-secret', 'apply', '--yes', '--soak', '0', '--health-timeout', '5s'];

describe('AWS throttling', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 3, preCutover: 3, faults: 'throttle=0.2' });
  });
  afterAll(() => f.stop());

  it('completes through 20% ThrottlingException', async () => {
    const r = await f.molectl(APPLY);
    expect(r.code).toBe(0);
    expect(f.sandbox.state.requests.filter((q) => q.status === 400 && q.service !== 'cp').length).toBeGreaterThan(0);
    for (const slug of ['acme', 'beta', 'gamma'])
      expect(await simulateTenantProvisionCall(f.sandbox.state, slug)).toBe(201);
  });
});

describe('AWS throttling answered as a bare HTTP 429 (no error code)', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    // Another emulator, or a gateway in front of AWS, says "429 Rate exceeded" and nothing else:
    // the SDK names that `Unknown`. SendCommand is retried by molectl's door, not the SDK's.
    f = await startSandboxFixture({
      tenants: 3,
      preCutover: 3,
      faults: 'throttle=0.1,api-rate=SendCommand:1/s:1,throttle-as=none:429',
    });
  });
  afterAll(() => f.stop());

  it('is still a throttle: retried at a slower pace, and the run completes', async () => {
    const r = await f.molectl(APPLY);
    expect(r.stderr).not.toMatch(/Unknown/);
    expect(r.code).toBe(0);
    const throttled = f.sandbox.state.requests.filter((q) => q.status === 429);
    expect(throttled.some((q) => q.action === 'SendCommand')).toBe(true);
    for (const slug of ['acme', 'beta', 'gamma'])
      expect(await simulateTenantProvisionCall(f.sandbox.state, slug)).toBe(201);
  });
});
