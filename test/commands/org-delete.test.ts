import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InterruptedError } from '../../src/lib/errors.js';
import { completeOrgProvisioning, createOrgRow } from '../../src/sandbox/cp/launch-org.js';
import { defaultFaults } from '../../src/sandbox/state.js';
import { startHarness, typedAnswer, type Harness } from './org-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tenants: 1 });
});
afterAll(async () => {
  await h.stop();
});
beforeEach(() => {
  h.sandbox.state.faults = defaultFaults();
});

/** A running org with one tenant and `workspaces` workspace instances, made directly in the sandbox. */
function seedOrg(slug: string, workspaces = 1): void {
  const org = createOrgRow(h.sandbox.state, { slug, name: slug, ownerUserId: 'u', preCutover: false });
  completeOrgProvisioning(h.sandbox.state, org, workspaces);
}

function liveInstancesOf(slug: string): string[] {
  return [...h.sandbox.state.instances.values()]
    .filter((i) => i.state !== 'terminated' && i.tags.some((t) => t.Key === 'OrgSlug' && t.Value === slug))
    .map((i) => i.instanceId);
}

/** stderr of a run that must have stopped with exit 2. */
function run0(run: { code: number; stderr: string }): string {
  expect(run.code).toBe(2);
  return run.stderr;
}

function deletesSince(mark: number): string[] {
  return h.cpRequestsSince(mark).filter((a) => a.startsWith('DELETE'));
}

describe('molectl org delete: confirmation', () => {
  it('--dry-run shows the CP row and instances with their age, and changes nothing (exit 0)', async () => {
    seedOrg('dry-org', 2);
    const mark = h.sandbox.state.requests.length;
    const run = await h.run(['org', 'delete', 'dry-org', '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Deleting org dry-org will remove/);
    expect(run.stdout).toMatch(
      /environment sandbox +CP http:\/\/127\.0\.0\.1:\d+ +AWS account 111122223333 +region us-east-2/,
    );
    expect(run.stdout).toMatch(/CP row: id [0-9a-f-]+, instance_status running/);
    expect(run.stdout).toMatch(/EC2 instances \(3\)/);
    for (const id of liveInstancesOf('dry-org')) expect(run.stdout).toContain(id);
    expect(run.stderr).toMatch(/dry run: nothing was deleted/);
    expect(deletesSince(mark)).toEqual([]);
  });

  it('a wrongly typed slug deletes nothing (exit 2)', async () => {
    seedOrg('typed-org');
    const mark = h.sandbox.state.requests.length;
    const prompt = typedAnswer('typed-orgg');
    const run = await h.run(['org', 'delete', 'typed-org'], { prompt });
    expect(run.code).toBe(2);
    expect(prompt.questions[0]).toMatch(/Type the org slug \(typed-org\)/);
    expect(run.stderr).toMatch(/"typed-orgg" does not match "typed-org"; nothing was changed/);
    expect(deletesSince(mark)).toEqual([]);
    expect(h.sandbox.state.orgs.has('typed-org')).toBe(true);
  });

  it('without a terminal and without --confirm deletes nothing and sends nothing (exit 2), even with --yes', async () => {
    const mark = h.sandbox.state.requests.length;
    for (const argv of [
      ['org', 'delete', 'typed-org'],
      ['--env', 'sandbox', '--yes', 'org', 'delete', 'typed-org'],
    ]) {
      const run = await h.run(argv);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /this changes org "typed-org" and needs a confirmation, and there is no terminal to type it on/,
      );
      expect(run.stderr).toMatch(/hint: pass --env sandbox --confirm typed-org/);
    }
    expect(run0(await h.run(['--yes', 'org', 'delete', 'typed-org']))).toMatch(/--yes is not enough for a delete/);
    // --confirm with the environment from MOLECTL_ENV (the harness exports it) is refused too.
    expect(run0(await h.run(['org', 'delete', 'typed-org', '--confirm', 'typed-org']))).toMatch(
      /--confirm needs the environment named on the command line \(it came from MOLECTL_ENV\)/,
    );
    expect(h.sandbox.state.requests.slice(mark)).toEqual([]);
    expect(h.sandbox.state.orgs.has('typed-org')).toBe(true);
  });

  it('a --confirm that does not match deletes nothing and asks nothing (exit 2)', async () => {
    const mark = h.sandbox.state.requests.length;
    const run = await h.run(['--env', 'sandbox', 'org', 'delete', 'typed-org', '--confirm', 'other-org']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--confirm "other-org" does not match the org slug "typed-org"/);
    expect(h.sandbox.state.requests.slice(mark)).toEqual([]);
  });

  it('the typed slug deletes', async () => {
    const run = await h.run(['org', 'delete', 'typed-org'], { prompt: typedAnswer('typed-org') });
    expect(run.code).toBe(0);
    expect(h.sandbox.state.orgs.has('typed-org')).toBe(false);
  });

  it('an org the CP does not have is exit 4', async () => {
    const run = await h.run(['--env', 'sandbox', 'org', 'delete', 'never-was', '--confirm', 'never-was']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/org "never-was" not found on the CP/);
  });
});

describe('molectl org delete: cascade and verification', () => {
  it('resumes a cascade that fails midway and verifies; the ledger records it', async () => {
    seedOrg('midway-org', 2);
    h.sandbox.state.faults.cascadeFailAfterStep = { 'midway-org': 'terminate-tenant' };
    const mark = h.sandbox.state.requests.length;
    const run = await h.run([
      '--env',
      'sandbox',
      'org',
      'delete',
      'midway-org',
      '--confirm',
      'midway-org',
      '--timeout',
      '20s',
      '-o',
      'json',
    ]);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { status: string; attempts: number; purgeIds: string[]; runId: string };
    expect(doc).toMatchObject({ status: 'deleted', attempts: 2 });
    expect(doc.purgeIds).toHaveLength(1);
    expect(deletesSince(mark)).toEqual(['DELETE /cp/admin/tenants/midway-org', 'DELETE /cp/admin/tenants/midway-org']);
    expect(h.sandbox.state.orgs.has('midway-org')).toBe(false);
    expect(liveInstancesOf('midway-org')).toEqual([]);

    const ledger = JSON.parse(readFileSync(join(h.stateDir, 'runs', `${doc.runId}.json`), 'utf8')) as {
      command: string;
      status: string;
      targets: Record<string, { state: string; outcome: string; remoteIds: Record<string, string> }>;
    };
    expect(ledger).toMatchObject({ command: 'org delete', status: 'succeeded' });
    expect(ledger.targets['midway-org']).toMatchObject({
      state: 'succeeded',
      outcome: 'deleted',
      remoteIds: { 'purge-1': doc.purgeIds[0] },
    });
  });

  it('a cascade that leaks an instance is exit 5, naming it and what to do', async () => {
    seedOrg('leaky-org', 2);
    h.sandbox.state.faults.leakOnDelete = ['leaky-org'];
    const run = await h.run([
      '--env',
      'sandbox',
      'org',
      'delete',
      'leaky-org',
      '--confirm',
      'leaky-org',
      '--timeout',
      '1500ms',
    ]);
    expect(run.code).toBe(5);
    const leaked = liveInstancesOf('leaky-org');
    expect(leaked).toHaveLength(1);
    expect(run.stdout).toMatch(/leaky-org +leftovers/);
    expect(run.stdout).toContain(`instance ${leaked[0]} (workspace) is running`);
    expect(run.stdout).toMatch(
      new RegExp(`aws ec2 terminate-instances --region us-east-2 --instance-ids ${leaked[0]}`),
    );
    const ledgers = readdirSync(join(h.stateDir, 'runs')).map(
      (f) =>
        JSON.parse(readFileSync(join(h.stateDir, 'runs', f), 'utf8')) as {
          status: string;
          targets: Record<string, { outcome?: string }>;
        },
    );
    expect(ledgers.find((l) => l.targets['leaky-org'])).toMatchObject({
      status: 'partial',
      targets: { 'leaky-org': { outcome: 'leftovers' } },
    });
  });

  it('interrupted during the cascade: the hint is a command that runs as printed (MOLECTL_ENV exported) and finishes the delete', async () => {
    seedOrg('halted-org', 1);
    h.sandbox.state.faults.flags['cascadeDelay'] = '1s';
    const mark = h.sandbox.state.requests.length;
    const controller = new AbortController();
    const interrupted = h.run(['--env', 'sandbox', 'org', 'delete', 'halted-org', '--confirm', 'halted-org'], {
      signal: controller.signal,
    });
    await vi.waitFor(() => expect(deletesSince(mark)).toHaveLength(1), { timeout: 10_000, interval: 20 });
    controller.abort(new InterruptedError('interrupted (SIGINT)', undefined, 'SIGINT'));
    const first = await interrupted;
    expect(first.code).toBe(130);
    const hinted = /run `molectl ([^`]+)` again/.exec(first.stderr)?.[1];
    expect(hinted, first.stderr).toBe('--env sandbox org delete halted-org --confirm halted-org');

    // As a person would: the hint pasted into the shell the sandbox's exports are in (no terminal here).
    const again = await h.run(hinted!.split(' '), { env: { MOLECTL_ENV: 'sandbox' } });
    expect(again.code, again.stderr).toBe(0);
    expect(h.sandbox.state.orgs.has('halted-org')).toBe(false);
    expect(liveInstancesOf('halted-org')).toEqual([]);
  });

  it('without a CP token exits 3 before anything is deleted', async () => {
    seedOrg('token-org');
    const run = await h.run(['--env', 'sandbox', 'org', 'delete', 'token-org', '--confirm', 'token-org'], {
      env: { CP_ADMIN_API_TOKEN: undefined },
    });
    expect(run.code).toBe(3);
    expect(h.sandbox.state.orgs.has('token-org')).toBe(true);
  });
});
