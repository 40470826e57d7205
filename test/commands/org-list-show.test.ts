import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeOrgProvisioning, createOrgRow } from '../../src/sandbox/cp/launch-org.js';
import { startHarness, type Harness } from './org-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tenants: 2 });
  const failed = createOrgRow(h.sandbox.state, {
    slug: 'e2e-failed',
    name: 'x',
    ownerUserId: 'u',
    preCutover: false,
    createdAt: new Date(Date.now() - 3 * 3_600_000),
  });
  h.sandbox.state.faults.provisionFail = ['e2e-failed'];
  completeOrgProvisioning(h.sandbox.state, failed, 2);
  createOrgRow(h.sandbox.state, { slug: 'e2e-new', name: 'x', ownerUserId: 'u', preCutover: false });
});
afterAll(async () => {
  await h.stop();
});

describe('molectl org list', () => {
  it('prints a table with status and age, oldest first', async () => {
    const run = await h.run(['org', 'list']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^SLUG +STATUS +AGE +CREATED +ID$/);
    expect(lines.slice(1, 5).map((l) => l.split(/\s+/)[0])).toEqual(['acme', 'beta', 'e2e-failed', 'e2e-new']);
    expect(run.stdout).toMatch(/e2e-failed +failed +3h 0m/);
  });

  it('filters by --status, --prefix and --older-than, as JSON', async () => {
    const run = await h.run(['org', 'list', '--prefix', 'e2e-', '--older-than', '1h', '-o', 'json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      schemaVersion: number;
      orgs: Array<{ slug: string; instanceStatus: string; ageMs: number }>;
      total: number;
      truncated: boolean;
    };
    expect(doc).toMatchObject({ schemaVersion: 1, total: 4, truncated: false });
    expect(doc.orgs.map((o) => o.slug)).toEqual(['e2e-failed']);
    const provisioning = JSON.parse(
      (await h.run(['org', 'list', '--status', 'provisioning', '-o', 'json'])).stdout,
    ) as { orgs: Array<{ slug: string }> };
    expect(provisioning.orgs.map((o) => o.slug)).toEqual(['e2e-new']);
  });

  it('--status with a misspelt status says no org has it and which ones the CP has; a real one matching nothing stays quiet', async () => {
    const typo = await h.run(['org', 'list', '--status', 'faild']);
    expect(typo.code).toBe(0);
    expect(typo.stdout).toMatch(/^no orgs match \(of 4 on /);
    // It printed only "no orgs match": read as "no failed orgs" while e2e-failed is one.
    expect(typo.stderr).toContain(
      'warning: no org has instance_status "faild" (on this page: running 2, failed 1, provisioning 1); the documented ones are provisioning, running, failed',
    );
    const quiet = await h.run(['org', 'list', '--status', 'failed', '--prefix', 'acme']);
    expect(quiet.stderr).not.toMatch(/warning/);
  });

  it('rejects a bad duration with exit 2, and a missing CP token with exit 3', async () => {
    expect((await h.run(['org', 'list', '--older-than', 'yesterday'])).code).toBe(2);
    const noToken = await h.run(['org', 'list'], { env: { CP_ADMIN_API_TOKEN: undefined } });
    expect(noToken.code).toBe(3);
    expect(noToken.stderr).toMatch(/hint: export CP_ADMIN_API_TOKEN/);
  });
});

describe('molectl org show', () => {
  it('shows the CP row, the tagged instances with state and age, the edge answer and the secret, never its value', async () => {
    const run = await h.run(['org', 'show', 'e2e-failed']);
    expect(run.code).toBe(0);
    const org = h.sandbox.state.orgs.get('e2e-failed')!;
    expect(run.stdout).toContain(`id ${org.id}, instance_status failed`);
    expect(run.stdout).toMatch(/edge +status /);
    expect(run.stdout).toMatch(/admin token +secret molecule\/tenants\/e2e-failed\/admin-token exists/);
    expect(run.stdout).toMatch(/instances +3/);
    expect(run.stdout).toMatch(/i-[0-9a-f]+ +tenant +running +3h 0m +tenant-e2e-failed/);
    expect(run.stdout.match(/ workspace /g)).toHaveLength(2);
    expect(run.stdout + run.stderr).not.toContain(org.adminToken);
  });

  it('an org still provisioning has no instances and no secret yet', async () => {
    const run = await h.run(['org', 'show', 'e2e-new', '-o', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ onCp: true, instances: [], adminTokenSecret: { exists: false } });
  });

  it('an edge route that fails (503) leaves the rest of the picture, says the edge is unknown, exit 5', async () => {
    h.sandbox.state.faults.flags['instanceRouteFails'] = true;
    try {
      const run = await h.run(['org', 'show', 'e2e-failed']);
      expect(run.code).toBe(5);
      expect(run.stdout).toContain(`id ${h.sandbox.state.orgs.get('e2e-failed')!.id}, instance_status failed`);
      expect(run.stdout).toMatch(/edge +unknown: GET .*\/cp\/orgs\/e2e-failed\/instance answered HTTP 503/);
      expect(run.stdout).toMatch(/instances +3/);
      expect(run.stderr).toMatch(/warning: what the edge route answers for e2e-failed is unknown/);
    } finally {
      delete h.sandbox.state.faults.flags['instanceRouteFails'];
    }
  });

  it('an org off a short list page is confirmed and shown with one request to its edge route, not two', async () => {
    h.sandbox.state.faults.flags['orgPageCap'] = 1;
    try {
      const mark = h.sandbox.state.requests.length;
      const run = await h.run(['org', 'show', 'beta', '-o', 'json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ onCp: true, edge: { status: 'running' } });
      expect(h.cpRequestsSince(mark).filter((a) => a === 'GET /cp/orgs/beta/instance')).toHaveLength(1);
    } finally {
      delete h.sandbox.state.faults.flags['orgPageCap'];
    }
  });

  it('an unknown org is exit 4', async () => {
    const run = await h.run(['org', 'show', 'nobody-here']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/org "nobody-here" not found/);
  });
});
