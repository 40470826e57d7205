import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultFaults } from '../../src/sandbox/state.js';
import { startHarness, type Harness } from './org-harness.js';
import { findDeadPid } from '../lib/runs/dead-pid.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tenants: 2 });
});
afterAll(async () => {
  await h.stop();
});
beforeEach(() => {
  h.sandbox.state.faults = defaultFaults();
});

/** Runs `work` while the sandbox provisions a new org in 8 s (its realistic speed). */
async function provisioningSlowly<T>(work: () => Promise<T>): Promise<T> {
  h.sandbox.state.speed = 'realistic';
  try {
    return await work();
  } finally {
    h.sandbox.state.speed = 'fast';
  }
}

describe('molectl org create', () => {
  it('creates, waits for running and healthy, and prints id, slug, URL and time taken', async () => {
    const run = await h.run([
      'org',
      'create',
      'acme-new',
      '--name',
      'Acme New',
      '--owner',
      'user-1',
      '--timeout',
      '20s',
      '-o',
      'json',
    ]);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as Record<string, unknown>;
    const org = h.sandbox.state.orgs.get('acme-new')!;
    expect(doc).toMatchObject({
      schemaVersion: 1,
      slug: 'acme-new',
      id: org.id,
      created: true,
      instanceStatus: 'running',
      healthChecked: true,
      url: `${h.sandbox.url}/_tenants/acme-new`,
    });
    expect(typeof doc.elapsedMs).toBe('number');
    expect(org).toMatchObject({ name: 'Acme New', ownerUserId: 'user-1', instanceStatus: 'running' });
    // The tenant's public /health was asked before success was declared.
    expect(h.sandbox.state.requests.some((r) => r.action === 'GET /_tenants/acme-new/health' && r.status === 200)).toBe(
      true,
    );
    expect(run.stderr).toMatch(/waiting for org acme-new/);
  });

  it('with --no-wait returns at once with the org provisioning', async () => {
    const run = await h.run(['org', 'create', 'nowait-org', '--no-wait']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/org nowait-org created: id .*instance_status provisioning/);
    expect(run.stdout).not.toMatch(/molectl org show/);
    expect(run.stderr).toMatch(/molectl org show nowait-org/);
  });

  it('waits through a new org off a capped page whose edge route answers 404 until it runs', async () => {
    h.sandbox.state.faults.flags['orgPageCap'] = 1;
    h.sandbox.state.faults.flags['instanceRouteRunningOnly'] = true;
    const run = await h.run(['org', 'create', 'unrouted-org', '--no-health', '--timeout', '20s']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/instance_status not routable yet/);
    expect(run.stdout).toMatch(/org unrouted-org created: id .*, running after/);
  });

  it.each([
    ['answers while provisioning', false],
    ['answers 404 until it runs', true],
  ])('asks the edge route once per poll for a new org off a capped page (the route %s)', async (_what, runningOnly) => {
    h.sandbox.state.faults.flags['orgPageCap'] = 1;
    if (runningOnly) h.sandbox.state.faults.flags['instanceRouteRunningOnly'] = true;
    const slug = runningOnly ? 'edge-once-b' : 'edge-once-a';
    const mark = h.sandbox.state.requests.length;
    const run = await h.run(['org', 'create', slug, '--no-health', '--timeout', '20s']);
    expect(run.code, run.stderr).toBe(0);
    const sent = h.sandbox.state.requests.slice(mark).map((r) => r.action);
    // From the create on, each poll is one read of the list page, then the per-org routes.
    const polls = sent.slice(sent.indexOf('POST /cp/admin/orgs'));
    const lists = polls.filter((a) => a === 'GET /cp/admin/orgs').length;
    const edge = polls.filter((a) => a === `GET /cp/orgs/${slug}/instance`).length;
    expect(lists).toBeGreaterThan(0);
    expect(edge).toBeLessThanOrEqual(lists);
  });

  it('exits 1 with the console hint when provisioning fails', async () => {
    h.sandbox.state.faults.provisionFail = ['broken-org'];
    const run = await h.run(['org', 'create', 'broken-org', '--timeout', '20s']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: org "broken-org" failed to provision/);
    expect(run.stderr).toMatch(/hint: .*molectl console broken-org/);
  });

  it('on timeout exits 1, says the CP goes on provisioning it, and deletes nothing', async () => {
    const mark = h.sandbox.state.requests.length;
    // Provisioning takes 8 s, not the fast sandbox's 200 ms: on a loaded machine the first look
    // could otherwise come after it and see the org running.
    const run = await provisioningSlowly(() => h.run(['org', 'create', 'slow-org', '--timeout', '50ms']));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /org "slow-org" is not running yet \(instance_status provisioning\); the CP goes on provisioning it after \S+; nothing was deleted/,
    );
    expect(run.stderr).toMatch(/hint: check it with `molectl org show slow-org`/);
    expect(h.cpRequestsSince(mark).filter((a) => a.startsWith('DELETE'))).toEqual([]);
    expect(h.sandbox.state.orgs.has('slow-org')).toBe(true);
  });

  it('on Ctrl-C while waiting exits 130, deletes nothing and says how to check', async () => {
    const controller = new AbortController();
    const mark = h.sandbox.state.requests.length;
    // Ctrl-C during the wait, once molectl has looked at the org at least once: its second look
    // (GET) is sent only after the first answer was read, whatever the machine's load.
    const looksAfterCreate = (): number => {
      const requests = h.cpRequestsSince(mark);
      const post = requests.findIndex((a) => a.startsWith('POST'));
      return post < 0 ? 0 : requests.slice(post + 1).filter((a) => a.startsWith('GET')).length;
    };
    const timer = setInterval(() => {
      if (looksAfterCreate() >= 2) {
        clearInterval(timer);
        controller.abort();
      }
    }, 5);
    const run = await provisioningSlowly(() =>
      h.run(['org', 'create', 'ctrlc-org', '--timeout', '20s'], { signal: controller.signal }),
    );
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(
      /the CP accepted the create; stopped waiting for org "ctrlc-org" after \S+, nothing was deleted: its instance_status was provisioning at the last look; running and healthy are unverified/,
    );
    expect(run.stderr).toMatch(/molectl org show ctrlc-org/);
    expect(h.cpRequestsSince(mark).filter((a) => a.startsWith('DELETE'))).toEqual([]);
    expect(h.sandbox.state.orgs.has('ctrlc-org')).toBe(true);
  });

  // The CP reported the org running; only its /health was still to be seen. The message said "the
  // org keeps provisioning" and the run ledger said `succeeded`.
  const ledgerOf = (stderr: string): { status: string; targets: Record<string, Record<string, unknown>> } =>
    JSON.parse(readFileSync(/ledger (\S+\.json)/.exec(stderr)![1]!, 'utf8'));

  it('on Ctrl-C while only /health is pending: says it runs but its health is unverified; the ledger keeps the org in-progress', async () => {
    h.sandbox.state.faults.flags['healthDown'] = 'health-wait-org';
    const controller = new AbortController();
    const mark = h.sandbox.state.requests.length;
    // Ctrl-C once /health has answered 502 and molectl has seen it: the CP already reports the org
    // running. A second /health request is the sign (at the first, its answer may still be on the
    // way, and molectl has then seen no answer yet).
    const timer = setInterval(() => {
      const asked = h.sandbox.state.requests
        .slice(mark)
        .filter((r) => r.action === 'GET /_tenants/health-wait-org/health').length;
      if (asked >= 2) {
        clearInterval(timer);
        controller.abort();
      }
    }, 5);
    const run = await h.run(['org', 'create', 'health-wait-org', '--timeout', '20s'], { signal: controller.signal });
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(
      /error: interrupted: run \S+ saved; the CP accepted the create; stopped waiting for org "health-wait-org" after \S+, nothing was deleted: the CP reports it running, but its public \/health has not answered ok yet \(last: HTTP 502[^)]*\): healthy is unverified/,
    );
    expect(run.stderr).not.toMatch(/keeps provisioning/);
    const ledger = ledgerOf(run.stderr);
    expect(ledger.status).toBe('interrupted');
    expect(ledger.targets['health-wait-org']).toMatchObject({
      state: 'in-progress',
      outcome: 'created',
      detail: { ready: 'unverified: running, /health not seen ok', instanceStatus: 'running' },
    });
    expect(h.sandbox.state.orgs.get('health-wait-org')!.instanceStatus).toBe('running');
    // runs show does not offer a resume that does not exist: it says how to look instead.
    const runId = /interrupted: run (\S+) saved/.exec(run.stderr)![1]!;
    const shown = await h.run(['runs', 'show', runId]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^status +interrupted$/m);
    expect(shown.stdout).not.toContain('resumable');
    expect(shown.stdout).toMatch(/^hint +check it with `molectl org show health-wait-org`/m);
  });

  it('on timeout while only /health is pending: exit 1, healthy unverified, the run failed with the org in-progress', async () => {
    h.sandbox.state.faults.flags['healthDown'] = 'health-slow-org';
    const run = await h.run(['org', 'create', 'health-slow-org', '--timeout', '3s']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /error: org "health-slow-org" is running but its public \/health did not answer ok \(last: HTTP 502[^)]*\); healthy is unverified after \S+; nothing was deleted/,
    );
    const ledger = ledgerOf(run.stderr);
    expect(ledger.status).toBe('failed');
    expect(ledger.targets['health-slow-org']).toMatchObject({ state: 'in-progress', outcome: 'created' });
  });

  it('a run that saw the org running and healthy is the only one its ledger calls succeeded', async () => {
    const run = await h.run(['org', 'create', 'seen-healthy-org', '--timeout', '20s']);
    expect(run.code, run.stderr).toBe(0);
    const ledger = ledgerOf(run.stderr);
    expect(ledger.status).toBe('succeeded');
    expect(ledger.targets['seen-healthy-org']).toMatchObject({
      state: 'succeeded',
      outcome: 'created',
      detail: { ready: 'running and healthy' },
    });
  });

  it('a taken slug is exit 1 with a clear message, or the existing org (exit 0) with --if-not-exists', async () => {
    const taken = await h.run(['org', 'create', 'acme', '--no-wait']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/error: org slug "acme" is already taken/);
    expect(taken.stderr).toMatch(/--if-not-exists/);

    const existing = await h.run(['org', 'create', 'acme', '--if-not-exists', '--timeout', '10s', '-o', 'json']);
    expect(existing.code).toBe(0);
    expect(JSON.parse(existing.stdout)).toMatchObject({
      slug: 'acme',
      id: h.sandbox.state.orgs.get('acme')!.id,
      created: false,
      instanceStatus: 'running',
    });
  });

  it.each([
    ['ab'],
    ['Acme'],
    ['1acme'],
    ['acme-'],
    ['acme--prod'],
    ['acme_prod'],
    ['a'.repeat(33)],
    ['api'],
    ['staging-api'],
    ['www'],
    ['../admin'],
  ])('refuses the invalid slug %j with exit 2 and sends nothing', async (slug) => {
    const mark = h.sandbox.state.requests.length;
    const run = await h.run(['org', 'create', slug, '--no-wait']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /error: org slug .* (too short|too long|uppercase|start with|ends with|consecutive|other than|reserved)/,
    );
    expect(h.sandbox.state.requests.slice(mark)).toEqual([]);
  });

  it('a slug the CP rejects by its own rules (422) is exit 2 in one line with its reason, nothing created', async () => {
    h.sandbox.state.faults.flags['createRejects'] = 'house-org';
    const mark = h.sandbox.state.requests.length;
    const run = await h.run(['org', 'create', 'house-org', '--no-wait']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: the CP rejected org "house-org" \(HTTP 422: slug "house-org" is reserved\); nothing was created$/m,
    );
    expect(run.stderr).toMatch(/^hint: change the slug, --name or --owner as the CP says/m);
    expect(h.cpRequestsSince(mark)).toEqual(['GET /cp/admin/orgs', 'POST /cp/admin/orgs']);
    expect(h.sandbox.state.orgs.has('house-org')).toBe(false);
  });

  it('a CP token the CP rejects is found by a read: exit 3, no create sent, no run recorded', async () => {
    const mark = h.sandbox.state.requests.length;
    const ledgers = () => (existsSync(join(h.stateDir, 'runs')) ? readdirSync(join(h.stateDir, 'runs')) : []);
    const before = ledgers();
    const run = await h.run(['org', 'create', 'rejected-token-org', '--no-wait'], {
      env: { CP_ADMIN_API_TOKEN: 'not-the-admin-token' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/error: the CP at \S+ rejected the admin token \(HTTP 401\)/);
    expect(h.cpRequestsSince(mark)).toEqual(['GET /cp/admin/orgs']);
    expect(h.sandbox.state.orgs.has('rejected-token-org')).toBe(false);
    expect(ledgers()).toEqual(before);
  });

  it('a slug taken by its own killed create is named as such: the hint picks that org up, never a second one', async () => {
    // What a SIGKILL right after the CP accepted the POST leaves: the run recorded, its target
    // never told the answer, its owner gone.
    const first = await h.run(['org', 'create', 'killed-create', '--no-wait']);
    expect(first.code, first.stderr).toBe(0);
    const runsDir = join(h.stateDir, 'runs');
    const file = readdirSync(runsDir).find(
      (n) => n.includes('org-create') && readFileSync(join(runsDir, n), 'utf8').includes('killed-create'),
    )!;
    const killed = JSON.parse(readFileSync(join(runsDir, file), 'utf8')) as {
      id: string;
      status: string;
      owner: { pid: number };
      targets: Record<string, Record<string, unknown>>;
    };
    killed.status = 'running';
    killed.owner.pid = findDeadPid();
    killed.targets['killed-create'] = {
      ...killed.targets['killed-create'],
      state: 'pending',
      remoteIds: {},
      detail: {},
    };
    delete killed.targets['killed-create']!.outcome;
    delete killed.targets['killed-create']!.finishedAt;
    writeFileSync(join(runsDir, file), JSON.stringify(killed));

    const mark = h.sandbox.state.requests.length;
    const again = await h.run(['org', 'create', 'killed-create', '--no-wait']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      `error: org slug "killed-create" is already taken on the CP at ${h.sandbox.env.MOLECTL_CP_URL}, most likely by run ${killed.id} of this machine (running), which sent the create and stopped before recording the CP's answer\n` +
        'hint: that org is the one it created: wait for it and report it with `molectl org create killed-create --if-not-exists` (another slug would be a second org)\n',
    );
    expect(h.cpRequestsSince(mark).filter((a) => a.startsWith('POST'))).toEqual([]);
    const pickedUp = await h.run(['org', 'create', 'killed-create', '--if-not-exists', '--no-wait', '-o', 'json']);
    expect(pickedUp.code, pickedUp.stderr).toBe(0);
    expect(JSON.parse(pickedUp.stdout)).toMatchObject({
      created: false,
      id: h.sandbox.state.orgs.get('killed-create')!.id,
    });
    expect([...h.sandbox.state.orgs.keys()].filter((slug) => slug.startsWith('killed-create'))).toEqual([
      'killed-create',
    ]);
  });

  it('a slug the CP lists is taken without a create being sent', async () => {
    const mark = h.sandbox.state.requests.length;
    const run = await h.run(['org', 'create', 'acme', '--no-wait']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: org slug "acme" is already taken/);
    expect(h.cpRequestsSince(mark).filter((a) => a.startsWith('POST'))).toEqual([]);
  });

  it('without a CP token exits 3 and sends nothing', async () => {
    const mark = h.sandbox.state.requests.length;
    const run = await h.run(['org', 'create', 'no-token-org', '--no-wait'], { env: { CP_ADMIN_API_TOKEN: undefined } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/no CP admin token/);
    expect(h.cpRequestsSince(mark)).toEqual([]);
  });
});
