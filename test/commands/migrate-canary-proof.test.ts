import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxState } from '../../src/sandbox/state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Issue 12, item 1: the canary's CP check is a positive proof. A CP whose tenant routes did not
// mount answers 404 to everyone; "not 401" would have let it pass and the fleet be migrated.

const APPLY = ['--env', 'sandbox', 'migrate', 'cp-secret', 'apply', '--yes', '--soak', '0', '--health-timeout', '5s'];

interface Ledger {
  status: string;
  targets: Record<string, { state: string; detail: Record<string, unknown> }>;
}
function newestApplyLedger(stateDir: string): Ledger {
  const dir = join(stateDir, 'runs');
  const name = readdirSync(dir)
    .filter((f) => f.includes('apply') && f.endsWith('.json'))
    .sort()
    .at(-1)!;
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as Ledger;
}
const applyCommands = (state: SandboxState): string[] =>
  state.requests
    .filter((r) => r.action === 'SendCommand' && r.body.includes("MOLECTL_MODE='apply'"))
    .map((r) => r.body);
const authChecks = (state: SandboxState): number =>
  state.requests.filter((r) => r.action === 'SendCommand' && r.body.includes("MOLECTL_MODE='cp-auth-check'")).length;

describe('a canary whose org has a workspace', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2, workspacesPerTenant: 1 });
  });
  afterAll(() => f.stop());

  it("is proven by reading that workspace with the tenant's own credentials, recorded in the ledger", async () => {
    const r = await f.molectl(APPLY);
    expect(r.code, r.stderr).toBe(0);
    const canary = newestApplyLedger(f.stateDir).targets['acme']!;
    expect(canary.detail).toMatchObject({
      soak: 'passed',
      cpAuthProof: 'workspace-status',
      cpAuthStatuses: 'without credentials 401, with them 200',
    });
    expect(r.stderr).toMatch(
      /the CP accepts the tenant's credentials \(workspace [0-9a-f-]{36} read with them answered HTTP 200, state running\)/,
    );
  });
});

describe('a canary whose org has no workspace', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 3, preCutover: 3, workspacesPerTenant: 0 });
  });
  afterAll(() => f.stop());

  it("fails when the CP's tenant routes are not mounted (404): the run aborts with the cause, no wave starts (exit 1)", async () => {
    const { state } = f.sandbox;
    state.faults.flags['provisionRoutesUnmounted'] = true;
    const r = await f.molectl(APPLY);
    delete state.faults.flags['provisionRoutesUnmounted'];
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /aborted: canary acme failed before its soak \(checking that the CP accepts its credentials\): without credentials the CP answered 404: its tenant routes are not mounted/,
    );
    expect(applyCommands(state)).toHaveLength(1);
    const ledger = newestApplyLedger(f.stateDir);
    expect(ledger.status).toBe('aborted');
    expect(ledger.targets['acme']!.detail).toMatchObject({
      cpAuthProof: 'none',
      cpAuthStatuses: 'without credentials 404, with them -',
    });
    expect(ledger.targets['beta']!.state).toBe('pending');
  });

  it('asks again while the CP is unavailable (5xx), then fails at the end of the soak', async () => {
    const { state } = f.sandbox;
    state.faults.flags['tenantRoutesFail'] = true;
    const before = authChecks(state);
    // The CP is asked again every 5 s while the soak has room for it: 8 s leaves room for one more
    // ask after the first, with 3 s to spare for a slow first check on a loaded machine.
    const r = await f.molectl([...APPLY.filter((a) => a !== '0' && a !== '--soak'), '--soak', '8s']);
    delete state.faults.flags['tenantRoutesFail'];
    expect(r.code).toBe(1);
    expect(authChecks(state) - before).toBeGreaterThanOrEqual(2);
    // Asked again through the soak: it failed during it, and says when.
    expect(r.stderr).toMatch(
      /failed its soak after \d+s of 8s: the CP did not answer a call without credentials properly \(503\)/,
    );
  });

  it('passes on the differential proof: 401 without credentials, and neither 401/403, 5xx nor silence with them', async () => {
    const r = await f.molectl(APPLY);
    expect(r.code, r.stderr).toBe(0);
    const ledger = newestApplyLedger(f.stateDir);
    const canary = Object.values(ledger.targets).find((t) => t.detail['cpAuthProof'])!;
    expect(canary.detail).toMatchObject({
      cpAuthProof: 'differential',
      cpAuthStatuses: 'without credentials 401, with them 404',
    });
    expect(r.stderr).toMatch(
      /differential: HTTP 401 without credentials, 404 with them \(the org has no workspace to read\)/,
    );
  });
});
