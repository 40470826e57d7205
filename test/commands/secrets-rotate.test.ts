import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateTenantProvisionCall } from '../../src/sandbox/cp/simulate-tenant.js';
import { getDeployServices } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { readTenantContainer } from '../../src/sandbox/hosts/tenant-container.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Issue 6's "How it is checked" for rotation, against the sandbox: Secrets Manager stages, the
// simulated Railway (whose controlplane redeploy changes the CP's PROVISION_SHARED_SECRET), the
// simulated Gitea, and tenants changed by the migrate engine's real script.

const SHARED_ID = 'molecule/cp/provision-shared-secret';
const FAST = ['--soak', '0', '--health-timeout', '5s'];
const ROTATE = ['--env', 'sandbox', '--yes', 'secrets', 'rotate', 'cp-shared-secret', ...FAST];

const ADMIN_ID = 'molecule/cp/admin-api-token';
const ROTATE_ADMIN = [
  '--env',
  'sandbox',
  '--yes',
  'secrets',
  'rotate',
  'cp-admin-api-token',
  '--deploy-timeout',
  '30s',
];

/** A one-tenant sandbox whose Secrets Manager holds the CP admin token as AWSCURRENT, as `secrets put` would store it. */
async function startAdminTokenSandbox(faults?: string): Promise<SandboxFixture> {
  const f = await startSandboxFixture({ tenants: 1, ...(faults ? { faults } : {}) });
  const { createSecret } = await import('../../src/sandbox/aws/secrets-store.js');
  createSecret(f.sandbox.state, ADMIN_ID, f.sandbox.state.cpAdminToken);
  return f;
}

function stageMap(state: SandboxState, id: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of state.secrets.get(id)!.versions) for (const s of v.stages) out[s] = v.versionId;
  return out;
}
function valueOf(state: SandboxState, id: string, stage: string): string {
  return state.secrets.get(id)!.versions.find((v) => v.stages.includes(stage))!.value;
}
function tenantValues(state: SandboxState): Record<string, string | undefined> {
  return Object.fromEntries(
    [...state.orgs.values()].map((o) => [
      o.slug,
      readTenantContainer(state, state.instances.get(o.tenantInstanceId!)!)?.env['MOLECULE_CP_SHARED_SECRET'],
    ]),
  );
}
async function provisionCalls(state: SandboxState): Promise<number[]> {
  return Promise.all([...state.orgs.keys()].map((slug) => simulateTenantProvisionCall(state, slug)));
}
function ledgers(stateDir: string): string {
  const dir = join(stateDir, 'runs');
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}
/** The one rotation ledger of a fresh sandbox: its status and each step's state and outcome. */
function rotationLedger(stateDir: string): {
  status: string;
  targets: Record<string, { state: string; outcome: string }>;
} {
  return JSON.parse(ledgers(stateDir)) as ReturnType<typeof rotationLedger>;
}
/** Requests since `since` that change a consumer: a Railway mutation or a Gitea PUT. */
function consumerChanges(state: SandboxState, since: number): SandboxState['requests'] {
  return state.requests
    .slice(since)
    .filter(
      (q) =>
        (q.service === 'railway' && /\bmutation\b/.test(q.body)) ||
        (q.service === 'gitea' && q.action.startsWith('PUT')),
    );
}
/**
 * Requests molectl sent that carry the value. Tenants calling the CP with their own credentials
 * (the canary's authentication check) are not molectl sending it: they prove the CP accepts it.
 */
function carriers(state: SandboxState, since: number, value: string): string[] {
  return state.requests
    .slice(since)
    .filter((q) => !(q.service === 'cp' && q.action.includes('/cp/workspaces/')))
    .filter((q) => q.body.includes(value) || JSON.stringify(q.headers).includes(value))
    .map((q) =>
      q.service === 'railway'
        ? `railway ${/mutation (\w+)|query (\w+)/.exec(q.body)?.slice(1).find(Boolean)}`
        : q.action,
    );
}
async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('rotating cp-shared-secret', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  const run = (argv: string[], signal?: AbortSignal) =>
    f.molectl(argv, { env: deployServicesEnv(), ...(signal ? { signal } : {}) });
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 3, preCutover: 0 });
  });
  afterAll(() => f.stop());

  it('without --yes and without a terminal it stops before any remote call (exit 2); with a terminal the plan comes before the question', async () => {
    const before = stageMap(f.sandbox.state, SHARED_ID);
    const mark = f.sandbox.state.requests.length;
    const r = await run(['secrets', 'rotate', 'cp-shared-secret', ...FAST]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs a confirmation, and there is no terminal to type it on; nothing was changed/);
    expect(f.sandbox.state.requests.slice(mark)).toEqual([]);
    const { typedAnswer } = await import('./org-harness.js');
    const prompt = typedAnswer('not-sandbox');
    const typed = await f.molectl(['secrets', 'rotate', 'cp-shared-secret', ...FAST], {
      env: deployServicesEnv(),
      overrides: { prompt },
    });
    expect(typed.code).toBe(2);
    expect(typed.stderr).toContain('impact window');
    expect(typed.stderr).toContain('tenant provisioning calls get 401');
    expect(prompt.questions[0]).toMatch(/Type the environment name \(sandbox\) to rotate cp-shared-secret/);
    expect(stageMap(f.sandbox.state, SHARED_ID)).toEqual(before);
  });

  it('ends with the CP and every tenant on the new value, provisioning accepted, stages correct; the value is nowhere else', async () => {
    const { state } = f.sandbox;
    const old = valueOf(state, SHARED_ID, 'AWSCURRENT');
    const oldVersion = stageMap(state, SHARED_ID).AWSCURRENT;
    const requestsBefore = state.requests.length;
    const r = await run([...ROTATE, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { run: string; status: string; to: { versionId: string } };
    expect(doc.status).toBe('succeeded');
    // The run id is the ClientRequestToken, and so the new version's id.
    expect(doc.to.versionId).toBe(doc.run);
    expect(stageMap(state, SHARED_ID)).toEqual({ AWSCURRENT: doc.run, AWSPREVIOUS: oldVersion });
    const fresh = valueOf(state, SHARED_ID, 'AWSCURRENT');
    expect(fresh).toMatch(/^[0-9a-f]{64}$/);
    expect(fresh).not.toBe(old);
    expect(state.provisionSharedSecret).toBe(fresh);
    expect(Object.values(tenantValues(state))).toEqual([fresh, fresh, fresh]);
    expect(await provisionCalls(state)).toEqual([201, 201, 201]);

    // Sentinel: the new value is in no output, ledger or argv, and only in the requests that store it.
    expect(r.stdout + r.stderr).not.toContain(fresh);
    expect(ledgers(f.stateDir)).not.toContain(fresh);
    expect(ROTATE.join(' ')).not.toContain(fresh);
    expect(carriers(state, requestsBefore, fresh)).toEqual(['PutSecretValue', 'railway variableUpsert']);
    expect(carriers(state, requestsBefore, old)).toEqual([]);
  });

  it('rollback restores the previous value everywhere', async () => {
    const { state } = f.sandbox;
    const before = stageMap(state, SHARED_ID);
    const previous = valueOf(state, SHARED_ID, 'AWSPREVIOUS');
    const since = state.requests.length;
    const r = await run(['--env', 'sandbox', '--yes', 'secrets', 'rollback', 'cp-shared-secret', ...FAST]);
    expect(r.code, r.stderr).toBe(0);
    expect(stageMap(state, SHARED_ID)).toEqual({ AWSCURRENT: before.AWSPREVIOUS, AWSPREVIOUS: before.AWSCURRENT });
    expect(state.provisionSharedSecret).toBe(previous);
    expect(Object.values(tenantValues(state))).toEqual([previous, previous, previous]);
    expect(await provisionCalls(state)).toEqual([201, 201, 201]);
    expect(r.stdout + r.stderr + ledgers(f.stateDir)).not.toContain(previous);
    expect(carriers(state, since, previous)).toEqual(['railway variableUpsert']);
  });

  it('a consumer failing mid-rotation leaves everything on the old value with AWSPENDING removed (exit 1)', async () => {
    const { state } = f.sandbox;
    const before = stageMap(state, SHARED_ID);
    const old = valueOf(state, SHARED_ID, 'AWSCURRENT');
    // The CP takes the new value first; then the second tenant's container will not start.
    state.faults.dockerFailHosts = ['beta'];
    const r = await run([...ROTATE, '--canary', 'acme', '-o', 'json']);
    state.faults.dockerFailHosts = [];
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as {
      status: string;
      failure: string;
      consumers: Array<{ consumer: string; state: string }>;
    };
    expect(doc.status).toBe('failed');
    expect(doc.failure, JSON.stringify(doc, null, 1) + r.stderr).toContain('AWSPENDING was removed');
    expect(doc.consumers.map((c) => c.state)).toEqual(['put-back', 'failed, put-back']);
    expect(stageMap(state, SHARED_ID)).toEqual(before);
    expect(state.provisionSharedSecret).toBe(old);
    expect(Object.values(tenantValues(state))).toEqual([old, old, old]);
    expect(await provisionCalls(state)).toEqual([201, 201, 201]);
  });

  it('an interrupted rotation is detected, and resumes with the same ClientRequestToken', async () => {
    const { state } = f.sandbox;
    const before = stageMap(state, SHARED_ID);
    const controller = new AbortController();
    const redeploys = (): number =>
      state.requests.filter((q) => q.service === 'railway' && q.body.includes('serviceInstanceRedeploy')).length;
    const already = redeploys();
    const interrupted = run(ROTATE, controller.signal);
    await waitFor(() => redeploys() > already);
    controller.abort(new Error('Ctrl-C'));
    const r1 = await interrupted;
    expect(r1.code).toBe(130);
    const pending = stageMap(state, SHARED_ID).AWSPENDING!;
    expect(pending).toBeDefined();

    const again = await run(ROTATE);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--resume');
    expect(again.stderr).toContain('--abort-pending');

    const versionsBefore = state.secrets.get(SHARED_ID)!.versions.length;
    const since = state.requests.length;
    const resumed = await run([...ROTATE, '--resume', '-o', 'json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const doc = JSON.parse(resumed.stdout) as { run: string; to: { versionId: string } };
    expect(doc.run).toBe(pending);
    expect(doc.to.versionId).toBe(pending);
    expect(state.secrets.get(SHARED_ID)!.versions.length).toBe(versionsBefore);
    expect(stageMap(state, SHARED_ID)).toEqual({ AWSCURRENT: pending, AWSPREVIOUS: before.AWSCURRENT });
    const fresh = valueOf(state, SHARED_ID, 'AWSCURRENT');
    expect(state.provisionSharedSecret).toBe(fresh);
    expect(Object.values(tenantValues(state))).toEqual([fresh, fresh, fresh]);
    expect(await provisionCalls(state)).toEqual([201, 201, 201]);
    // The resume reads the pending value back and stores it at most in Railway again (not at all
    // when Ctrl-C landed after the Railway step had passed its test).
    expect(resumed.stdout + resumed.stderr + r1.stdout + r1.stderr + ledgers(f.stateDir)).not.toContain(fresh);
    expect(carriers(state, since, fresh).filter((c) => c !== 'railway variableUpsert')).toEqual([]);
  });

  it('--abort-pending puts an interrupted rotation back and removes AWSPENDING', async () => {
    const { state } = f.sandbox;
    const before = stageMap(state, SHARED_ID);
    const old = valueOf(state, SHARED_ID, 'AWSCURRENT');
    const controller = new AbortController();
    const redeploys = (): number =>
      state.requests.filter((q) => q.service === 'railway' && q.body.includes('serviceInstanceRedeploy')).length;
    const already = redeploys();
    const interrupted = run(ROTATE, controller.signal);
    await waitFor(() => redeploys() > already);
    controller.abort(new Error('Ctrl-C'));
    expect((await interrupted).code).toBe(130);
    expect(state.provisionSharedSecret).not.toBe(old);

    const since = state.requests.length;
    const r = await run([...ROTATE, '--abort-pending']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr + ledgers(f.stateDir)).not.toContain(old);
    expect(carriers(state, since, old)).toEqual(['railway variableUpsert']);
    expect(stageMap(state, SHARED_ID)).toEqual(before);
    expect(state.provisionSharedSecret).toBe(old);
    expect(Object.values(tenantValues(state))).toEqual([old, old, old]);
    expect(await provisionCalls(state)).toEqual([201, 201, 201]);
  });
});

describe('rotating cp-admin-api-token (Railway and a Gitea Actions mirror)', () => {
  let f: SandboxFixture;
  const run = (argv: string[]) => f.molectl(argv, { env: deployServicesEnv() });
  beforeAll(async () => {
    f = await startAdminTokenSandbox();
  });
  afterAll(() => f.stop());

  it('sets the Railway variable and the Gitea secret, and sends the value nowhere else', async () => {
    const { state } = f.sandbox;
    const requestsBefore = state.requests.length;
    const r = await run([...ROTATE_ADMIN, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const fresh = valueOf(state, ADMIN_ID, 'AWSCURRENT');
    const services = getDeployServices(state);
    expect(services.railwayVariables.get('svc-controlplane/env-production')!.CP_ADMIN_API_TOKEN).toBe(fresh);
    expect(services.giteaActionsSecrets.get('molecule-ai/molecule-core/CP_ADMIN_API_TOKEN')!.value).toBe(fresh);
    expect(r.stdout + r.stderr + ledgers(f.stateDir)).not.toContain(fresh);
    // The proof that the CP accepts the new token is an admin call made with it.
    expect(carriers(state, requestsBefore, fresh)).toEqual([
      'PutSecretValue',
      'railway variableUpsert',
      'GET /cp/admin/orgs',
      'PUT /_gitea/api/v1/repos/molecule-ai/molecule-core/actions/secrets/CP_ADMIN_API_TOKEN',
    ]);
    expect(JSON.parse(r.stdout).consumers[0].detail).toMatch(/an admin call with it answered/);
    expect(state.cpAdminToken).toBe(fresh);
    // The operator's own token is now the old one: molectl says so, and how to refresh it.
    expect(r.stderr).toMatch(
      /the CP now accepts only the new admin token \(sha256:[0-9a-f]{12}\): your CP admin token \(CP_ADMIN_API_TOKEN\) is stale/,
    );
    expect(r.stderr).toContain(
      'export CP_ADMIN_API_TOKEN="$(aws secretsmanager get-secret-value --secret-id molecule/cp/admin-api-token --query SecretString --output text)"',
    );
    expect((await run(['org', 'list'])).code).toBe(3);
  });

  it('a failing Gitea puts Railway back on the current value and removes AWSPENDING', async () => {
    const { state } = f.sandbox;
    const before = stageMap(state, ADMIN_ID);
    const current = valueOf(state, ADMIN_ID, 'AWSCURRENT');
    state.faults.flags['giteaSecretsFail'] = 1;
    const r = await run(ROTATE_ADMIN);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('AWSPENDING was removed');
    expect(stageMap(state, ADMIN_ID)).toEqual(before);
    expect(getDeployServices(state).railwayVariables.get('svc-controlplane/env-production')!.CP_ADMIN_API_TOKEN).toBe(
      current,
    );
  });

  it('a consumer that cannot be put back keeps AWSPENDING and says so; --abort-pending finishes the job once it is fixed', async () => {
    const { state } = f.sandbox;
    const before = stageMap(state, ADMIN_ID);
    const current = valueOf(state, ADMIN_ID, 'AWSCURRENT');
    // Every Railway deploy fails: the rotation's and the put-back's.
    state.faults.flags['railwayDeployFailed'] = true;
    const r = await run([...ROTATE_ADMIN, '-o', 'json']);
    delete state.faults.flags['railwayDeployFailed'];
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { failure: string; to: { versionId: string } };
    expect(doc.failure).toContain('retry with --abort-pending');
    expect(stageMap(state, ADMIN_ID)).toEqual({ ...before, AWSPENDING: doc.to.versionId });
    // Gitea was never touched: the failure came first.
    expect(
      getDeployServices(state).giteaActionsSecrets.get('molecule-ai/molecule-core/CP_ADMIN_API_TOKEN')!.value,
    ).toBe(valueOf(state, ADMIN_ID, 'AWSCURRENT'));

    const abort = await run([...ROTATE_ADMIN, '--abort-pending', '-o', 'json']);
    expect(abort.code, abort.stderr).toBe(0);
    const aborted = JSON.parse(abort.stdout) as { consumers: Array<{ consumer: string; state: string }> };
    expect(aborted.consumers.map((c) => [c.consumer, c.state])).toEqual([
      ['railway:controlplane/production/CP_ADMIN_API_TOKEN', 'put-back'],
      ['gitea-actions-secret:molecule-ai/molecule-core/CP_ADMIN_API_TOKEN', 'unchanged'],
    ]);
    expect(stageMap(state, ADMIN_ID)).toEqual(before);
    expect(getDeployServices(state).railwayVariables.get('svc-controlplane/env-production')!.CP_ADMIN_API_TOKEN).toBe(
      current,
    );
    expect(getDeployServices(state).railway.deployments[0]!.status).toBe('SUCCESS');
  });

  it('a second rotation of the same secret while one holds its lock is refused, changing nothing', async () => {
    const { state } = f.sandbox;
    const before = stageMap(state, ADMIN_ID);
    const name = '/molectl/sandbox/locks/secrets-cp-admin-api-token';
    const holder = {
      owner: 'someone@elsewhere',
      runId: '20261122T000000Z-secrets-rotate-aaaa',
      operation: 'secrets-cp-admin-api-token',
      pid: 1,
      acquiredAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
    };
    state.parameters.set(name, {
      name,
      type: 'String',
      value: JSON.stringify(holder),
      version: 1,
      lastModified: new Date(),
    });
    const r = await run(ROTATE_ADMIN);
    state.parameters.delete(name);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('someone@elsewhere');
    expect(stageMap(state, ADMIN_ID)).toEqual(before);
  });

  it('refuses to run without GITEA_TOKEN before changing anything (exit 3)', async () => {
    const before = stageMap(f.sandbox.state, ADMIN_ID);
    const r = await f.molectl(ROTATE_ADMIN, { env: { RAILWAY_TOKEN: deployServicesEnv().RAILWAY_TOKEN } });
    expect(r.code).toBe(3);
    expect(stageMap(f.sandbox.state, ADMIN_ID)).toEqual(before);
  });

  it("a Gitea secret on a later page of Gitea's listing is confirmed, and status sees it set", async () => {
    const secrets = getDeployServices(f.sandbox.state).giteaActionsSecrets;
    // Sixty others first: the rotation's PUT creates the secret after them, on the listing's
    // second page (Gitea gives at most 50 names a page, 30 unless asked).
    secrets.delete('molecule-ai/molecule-core/CP_ADMIN_API_TOKEN');
    for (let i = 0; i < 60; i++)
      secrets.set(`molecule-ai/molecule-core/OTHER_${String(i).padStart(2, '0')}`, {
        value: 'x',
        createdAt: new Date().toISOString(),
      });
    const r = await run([...ROTATE_ADMIN, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(secrets.get('molecule-ai/molecule-core/CP_ADMIN_API_TOKEN')!.value).toBe(
      valueOf(f.sandbox.state, ADMIN_ID, 'AWSCURRENT'),
    );
    const status = await run(['--env', 'sandbox', 'secrets', 'status', 'cp-admin-api-token', '-o', 'json']);
    const gitea = (
      JSON.parse(status.stdout) as { consumers: Array<{ consumer: string; holds: string }> }
    ).consumers.find((c) => c.consumer.startsWith('gitea-actions-secret:'));
    expect(gitea).toMatchObject({ holds: 'unknown' });
  });
});

describe('rotating with a tenant out of reach', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 3, preCutover: 0, faults: 'offline=beta' });
  });
  afterAll(() => f.stop());

  it('refuses before anything changes when SSM shows a tenant out of reach (exit 1): the CP is not touched', async () => {
    const { state } = f.sandbox;
    const before = stageMap(state, SHARED_ID);
    const cpBefore = state.provisionSharedSecret;
    const mark = state.requests.length;
    const r = await f.molectl([...ROTATE, '-o', 'json'], { env: deployServicesEnv() });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    // It was found in the tenant step, after the CP's variable was set and the CP redeployed (and
    // then put back, and redeployed again), with tenant provisioning failing meanwhile.
    expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!).error).toMatchObject({
      code: 1,
      message: expect.stringMatching(
        /^1 tenant cannot be reached: beta \(SSM agent ConnectionLost\); accepted up front: 0 \(--accept-unreachable\); nothing was changed$/,
      ),
      hint: expect.stringMatching(/--accept-unreachable 1/),
    });
    expect(state.requests.slice(mark).filter((q) => q.service === 'railway' && /\bmutation\b/.test(q.body))).toEqual(
      [],
    );
    expect(state.requests.slice(mark).filter((q) => q.action === 'SendCommand')).toEqual([]);
    expect(stageMap(state, SHARED_ID)).toEqual(before);
    expect(state.provisionSharedSecret).toBe(cpBefore);
    expect(await simulateTenantProvisionCall(state, 'acme')).toBe(201);
    // No run was started: no ledger to resume or abort.
    expect(existsSync(join(f.stateDir, 'runs')) ? readdirSync(join(f.stateDir, 'runs')) : []).toEqual([]);
  });

  it('with --accept-unreachable 1 it finishes, exits 5 and names the tenant left behind, whose provisioning calls now get 401', async () => {
    const r = await f.molectl([...ROTATE, '--accept-unreachable', '1', '-o', 'json'], { env: deployServicesEnv() });
    expect(r.code, r.stderr).toBe(5);
    const doc = JSON.parse(r.stdout) as { status: string; leftBehind: string[] };
    expect(doc.status).toBe('partial');
    expect(doc.leftBehind).toEqual([expect.stringMatching(/^beta \(unmanaged/)]);
    const { state } = f.sandbox;
    expect(stageMap(state, SHARED_ID).AWSPENDING).toBeUndefined();
    expect(state.provisionSharedSecret).toBe(valueOf(state, SHARED_ID, 'AWSCURRENT'));
    expect(await simulateTenantProvisionCall(state, 'acme')).toBe(201);
    expect(await simulateTenantProvisionCall(state, 'beta')).toBe(401);
  });
});

describe('rotating when no tenant can be seen at all', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 0, faults: 'offline=acme|beta' });
  });
  afterAll(() => f.stop());

  it('refuses up front, naming both (exit 1)', async () => {
    const r = await f.molectl([...ROTATE, '-o', 'json'], { env: deployServicesEnv() });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!).error.message).toMatch(
      /^2 tenants cannot be reached: acme \(SSM agent ConnectionLost\), beta/,
    );
  });

  it('never calls "0 of 0 reachable" a success, even with both accepted: the rotation stops, AWSCURRENT stays (exit 1)', async () => {
    const { state } = f.sandbox;
    const before = stageMap(state, SHARED_ID);
    const r = await f.molectl([...ROTATE, '--accept-unreachable', '2', '-o', 'json'], { env: deployServicesEnv() });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).failure).toMatch(/no tenant could be observed \(acme, beta unreachable\)/);
    expect(stageMap(state, SHARED_ID)).toEqual(before);
    expect(r.stdout + r.stderr).not.toMatch(/all 0 reachable/);
  });
});

describe('a Secrets Manager that accepts stage moves and makes none', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startAdminTokenSandbox('stage-moves=ignored');
  });
  afterAll(() => f.stop());

  it('is not called rotated: the finish is unverified (exit 1), and --resume finishes it once moves work', async () => {
    const { state } = f.sandbox;
    const oldVersion = stageMap(state, ADMIN_ID).AWSCURRENT!;
    const r = await f.molectl(ROTATE_ADMIN, { env: deployServicesEnv() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `moving AWSCURRENT of ${ADMIN_ID} to ${stageMap(state, ADMIN_ID).AWSPENDING} is unverified: it still says AWSCURRENT is ${oldVersion}`,
    );
    expect(r.stderr).toContain('molectl secrets rotate cp-admin-api-token --resume');
    expect(r.stderr).not.toMatch(/finished: AWSCURRENT is/);
    const ledger = rotationLedger(f.stateDir);
    expect(ledger.status).toBe('failed');
    expect(ledger.targets.finish).toMatchObject({ state: 'failed', outcome: 'unverified' });

    delete state.faults.ignoreStageMoves;
    const resumed = await f.molectl([...ROTATE_ADMIN, '--resume'], { env: deployServicesEnv() });
    expect(resumed.code, resumed.stderr).toBe(0);
    const stages = stageMap(state, ADMIN_ID);
    expect(stages.AWSPREVIOUS).toBe(oldVersion);
    expect(stages.AWSPENDING).toBeUndefined();
    expect(state.cpAdminToken).toBe(valueOf(state, ADMIN_ID, 'AWSCURRENT'));
  });
});

describe('a Secrets Manager that ignores VersionStages', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startAdminTokenSandbox('pending-stages=ignored');
  });
  afterAll(() => f.stop());

  it('stops before any consumer when the new version lands as AWSCURRENT, and puts AWSCURRENT back', async () => {
    const { state } = f.sandbox;
    const before = stageMap(state, ADMIN_ID);
    const current = valueOf(state, ADMIN_ID, 'AWSCURRENT');
    // Were the rotation to go on, this consumer would fail and everything would be "put back".
    state.faults.flags['giteaSecretsFail'] = true;
    const since = state.requests.length;
    const r = await f.molectl(ROTATE_ADMIN, { env: deployServicesEnv() });
    delete state.faults.flags['giteaSecretsFail'];
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /stored the new version \S+ of molecule\/cp\/admin-api-token as AWSCURRENT, not AWSPENDING: no consumer was changed/,
    );
    // AWSCURRENT is the value every consumer holds: the old one.
    expect(valueOf(state, ADMIN_ID, 'AWSCURRENT')).toBe(current);
    expect(stageMap(state, ADMIN_ID).AWSCURRENT).toBe(before.AWSCURRENT);
    expect(getDeployServices(state).railwayVariables.get('svc-controlplane/env-production')!.CP_ADMIN_API_TOKEN).toBe(
      current,
    );
    expect(consumerChanges(state, since)).toEqual([]);
    const ledger = rotationLedger(f.stateDir);
    expect(ledger.status).toBe('failed');
    expect(ledger.targets.create).toMatchObject({ state: 'failed', outcome: 'not-pending' });
  });
});

describe('a Secrets Manager whose PutSecretValue answers without a VersionId', { timeout: 120_000 }, () => {
  it.each([
    ['omitted', 'write-version-id=omitted'],
    ['empty', 'write-version-id=empty'],
    ['omitted, and the version landed as AWSCURRENT', 'write-version-id=omitted,pending-stages=ignored'],
  ])('%s: stops before any consumer, AWSCURRENT where it was (exit 1)', async (_what, faults) => {
    const f = await startAdminTokenSandbox(faults);
    try {
      const { state } = f.sandbox;
      const before = stageMap(state, ADMIN_ID);
      const current = valueOf(state, ADMIN_ID, 'AWSCURRENT');
      const since = state.requests.length;
      const r = await f.molectl(ROTATE_ADMIN, { env: deployServicesEnv() });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(
        `Secrets Manager answered PutSecretValue for ${ADMIN_ID} without a VersionId: the new version cannot be pinned, so no consumer was changed`,
      );
      expect(stageMap(state, ADMIN_ID).AWSCURRENT).toBe(before.AWSCURRENT);
      expect(valueOf(state, ADMIN_ID, 'AWSCURRENT')).toBe(current);
      expect(consumerChanges(state, since)).toEqual([]);
      const ledger = rotationLedger(f.stateDir);
      expect(ledger.status).toBe('failed');
      expect(ledger.targets.create).toMatchObject({ state: 'failed', outcome: 'no-version-id' });
      // The AWSPENDING it may have left is removed as the hint says.
      expect(Boolean(stageMap(state, ADMIN_ID).AWSPENDING)).toBe(!faults.includes('pending-stages'));
      if (stageMap(state, ADMIN_ID).AWSPENDING) {
        expect(r.stderr).toContain('molectl secrets rotate cp-admin-api-token --abort-pending');
        const aborted = await f.molectl([...ROTATE_ADMIN, '--abort-pending'], { env: deployServicesEnv() });
        expect(aborted.code, aborted.stderr).toBe(0);
        expect(stageMap(state, ADMIN_ID)).toEqual({ AWSCURRENT: before.AWSCURRENT });
      }
    } finally {
      await f.stop();
    }
  });
});
