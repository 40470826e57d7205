import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimInstance } from '../../src/sandbox/state.js';
import { startHarness, type Harness } from './org-harness.js';

/**
 * What `fleet audit` could not see is unknown and non-zero, never a clean pass by omission: orgs
 * beyond a short page of the CP's list, and answers AWS gave without the field a check rests on.
 */

interface AuditDoc {
  exitCode: number;
  checks: Array<{ id: string; pass: number; fail: number; unknown: number }>;
  tenants: Array<{ tenant: string; findings: Array<{ check: string; status: string; detail: string }> }>;
}

const json = (stdout: string): AuditDoc => JSON.parse(stdout) as AuditDoc;
const check = (doc: AuditDoc, id: string) => doc.checks.find((c) => c.id === id);
const tag = (i: SimInstance, key: string): string | undefined => i.tags.find((t) => t.Key === key)?.Value;

describe("fleet audit: the CP's org list is shorter than the fleet", () => {
  let h: Harness;
  beforeAll(async () => {
    // The CP answers 2 orgs whatever limit says (no cursor); delta, beyond the page, has no
    // instance left: the very org org-without-instance exists to find.
    h = await startHarness({ tenants: 4, preCutover: 0, workspacesPerTenant: 0, faults: 'flag=orgPageCap:2' });
    for (const instance of h.sandbox.state.instances.values())
      if (tag(instance, 'OrgSlug') === 'delta') instance.state = 'terminated';
  });
  afterAll(async () => {
    await h.stop();
  });

  it('calls the orgs beyond the page unknown and exits 5, not 0', async () => {
    const run = await h.run([
      'fleet',
      'audit',
      '--no-console',
      '--report-file',
      `json:${join(h.stateDir, 'audit.json')}`,
      '--report-file',
      `junit:${join(h.stateDir, 'audit.xml')}`,
    ]);
    expect(run.code, run.stderr).toBe(5);
    expect(run.stdout).toMatch(/^INCOMPLETE: /m);
    const doc = json(readFileSync(join(h.stateDir, 'audit.json'), 'utf8'));
    expect(doc.exitCode).toBe(5);
    // gamma is beyond the page too, but its running tenant settles it; delta and any other unseen org cannot be.
    expect(check(doc, 'org-without-instance')).toMatchObject({ pass: 3, fail: 0, unknown: 1 });
    expect(check(doc, 'admin-token-exposed')).toMatchObject({ fail: 0, unknown: 1 });
    const unseen = doc.tenants.find((t) => t.tenant === '(orgs the CP did not list)')!;
    expect(unseen.findings.map((f) => [f.check, f.status])).toEqual([
      ['admin-token-exposed', 'unknown'],
      ['org-without-instance', 'unknown'],
    ]);
    expect(unseen.findings[0]!.detail).toContain('the CP confirmed 1 org its list of 2 left out (gamma)');
    expect(run.stderr).toMatch(/warning: the CP confirmed 1 org its list of 2 left out .*not audited \(unknown\)/);
    // The JUnit file a CI dashboard reads says the same: errors, not a clean suite.
    const xml = new XMLParser({ ignoreAttributes: false }).parse(
      readFileSync(join(h.stateDir, 'audit.xml'), 'utf8'),
    ) as {
      testsuites: { '@_errors': string };
    };
    expect(Number(xml.testsuites['@_errors'])).toBe(2);
    // The way out the verdict names: a fleet past the CP's page leaves the two checks out in CI.
    expect(unseen.findings[0]!.detail).toContain('--skip admin-token-exposed,org-without-instance');
    const skipped = await h.run([
      'fleet',
      'audit',
      '--no-console',
      '--skip',
      'admin-token-exposed,org-without-instance',
    ]);
    expect(skipped.code, skipped.stderr).toBe(0);
  });

  it('audits an org named with --orgs that the page left out, instead of calling it unknown to the CP (exit 4)', async () => {
    const run = await h.run(['fleet', 'audit', '-o', 'json', '--no-console', '--orgs', 'delta']);
    expect(run.code, run.stderr).toBe(5);
    const doc = json(run.stdout);
    expect(check(doc, 'org-without-instance')).toMatchObject({ pass: 0, fail: 0, unknown: 1 });
    expect(check(doc, 'admin-token-exposed')).toMatchObject({ pass: 1, fail: 0, unknown: 0 });
    const delta = doc.tenants.find((t) => t.tenant === 'delta')!;
    expect(delta.findings[0]!.detail).toMatch(
      /confirmed it by slug but did not list it: its instance_status is unknown/,
    );
    // A slug the CP denies on both per-org routes is still exit 4.
    const nobody = await h.run(['fleet', 'audit', '--no-console', '--orgs', 'nobody']);
    expect(nobody.code).toBe(4);
  });
});

describe('fleet audit: a listed org whose edge route answers 404 (no routable instance yet)', () => {
  it('is unknown on admin-token-exposed, said as such, never "not found on the CP"', async () => {
    const h = await startHarness({ tenants: 2, preCutover: 0, faults: 'flag=instanceRouteRunningOnly' });
    try {
      h.sandbox.state.orgs.get('beta')!.instanceStatus = 'provisioning';
      const run = await h.run(['fleet', 'audit', '-o', 'json', '--checks', 'admin-token-exposed']);
      expect(run.code, run.stderr).toBe(5);
      const beta = json(run.stdout).tenants.find((t) => t.tenant === 'beta')!;
      expect(beta.findings).toEqual([
        expect.objectContaining({
          check: 'admin-token-exposed',
          status: 'unknown',
          detail:
            'GET /cp/orgs/beta/instance: the CP lists it (instance_status provisioning), but its edge route answers 404 (no routable instance): there is no public answer to judge',
        }),
      ]);
    } finally {
      await h.stop();
    }
  });
});

describe('fleet audit: an org row the CP sent unreadable', () => {
  it("still judges that org's edge answer and its tenant, by slug", async () => {
    const h = await startHarness({ tenants: 3, preCutover: 0, faults: 'flag=orgRowBroken:beta' });
    try {
      const run = await h.run(['fleet', 'audit', '-o', 'json', '--no-console']);
      expect(run.code, run.stderr).toBe(0);
      const doc = json(run.stdout);
      expect(check(doc, 'admin-token-exposed')).toMatchObject({ pass: 3, fail: 0, unknown: 0 });
      expect(check(doc, 'org-without-instance')).toMatchObject({ pass: 3, fail: 0, unknown: 0 });
      expect(run.stderr).toContain('1 org row from the CP could not be read');
      expect(h.sandbox.state.requests.map((r) => r.action)).toContain('GET /cp/orgs/beta/instance');
    } finally {
      await h.stop();
    }
  });
});

describe('fleet audit: DescribeInstances answers without the fields a check rests on', () => {
  let h: Harness;
  afterAll(async () => {
    await h?.stop();
  });

  it('no groupSet: debug-port-open is unknown (exit 5), never "no security group" passed over an open port', async () => {
    // beta's group admits the world to 9999; the endpoint does not say which groups instances have.
    h = await startHarness({ tenants: 2, preCutover: 0, faults: 'sg-open=beta:9999,ec2-omit=groupSet' });
    const run = await h.run(['fleet', 'audit', '-o', 'json', '--checks', 'debug-port-open']);
    expect(run.code, run.stderr).toBe(5);
    const doc = json(run.stdout);
    expect(check(doc, 'debug-port-open')).toMatchObject({ pass: 0, fail: 0, unknown: 4 });
    const beta = doc.tenants.find((t) => t.tenant === 'beta')!;
    expect(beta.findings[0]).toMatchObject({
      status: 'unknown',
      detail: 'DescribeInstances gave no security groups for the instance',
    });
    // With the groups named again, beta's two instances fail on the rule itself.
    h.sandbox.state.faults.ec2OmittedFields = [];
    const named = await h.run(['fleet', 'audit', '-o', 'json', '--checks', 'debug-port-open']);
    expect(named.code).toBe(1);
    expect(check(json(named.stdout), 'debug-port-open')).toMatchObject({ pass: 2, fail: 2, unknown: 0 });
  });

  it('no ipPermissions in DescribeSecurityGroups: debug-port-open is unknown (exit 5), never "no ingress"', async () => {
    await h?.stop();
    h = await startHarness({ tenants: 2, preCutover: 0, faults: 'sg-open=beta:9999,ec2-omit=ipPermissions' });
    const run = await h.run(['fleet', 'audit', '-o', 'json', '--checks', 'debug-port-open']);
    expect(run.code, run.stderr).toBe(5);
    const doc = json(run.stdout);
    expect(check(doc, 'debug-port-open')).toMatchObject({ pass: 0, fail: 0, unknown: 4 });
    expect(doc.tenants.find((t) => t.tenant === 'beta')!.findings[0]!.detail).toMatch(
      /^DescribeSecurityGroups gave no ingress rules \(IpPermissions\) for sg-/,
    );
  });

  it('no metadataOptions: imds-v1 is unknown (exit 5)', async () => {
    await h?.stop();
    h = await startHarness({
      tenants: 1,
      preCutover: 0,
      faults: 'imds-v1=acme,ec2-omit=metadataOptions|launchTime|privateIpAddress|imageId',
    });
    const run = await h.run(['fleet', 'audit', '-o', 'json', '--checks', 'imds-v1,orphan-instance,tag-mismatch']);
    expect(run.code, run.stderr).toBe(5);
    const doc = json(run.stdout);
    expect(check(doc, 'imds-v1')).toMatchObject({ pass: 0, fail: 0, unknown: 2 });
    expect(check(doc, 'orphan-instance')).toMatchObject({ pass: 2, fail: 0, unknown: 0 });
  });
});

describe('fleet audit: nothing found at all', () => {
  it('is not a clean fleet: every check unknown, exit 5, in every report format', async () => {
    const h = await startHarness({ tenants: 0 });
    try {
      const run = await h.run([
        'fleet',
        'audit',
        '--no-console',
        '--report-file',
        `json:${join(h.stateDir, 'audit.json')}`,
        '--report-file',
        `junit:${join(h.stateDir, 'audit.xml')}`,
        '--report-file',
        `markdown:${join(h.stateDir, 'audit.md')}`,
      ]);
      expect(run.code, run.stderr).toBe(5);
      expect(run.stdout).toMatch(/^INCOMPLETE: 13 checks on 0 tenants, 0 instances, 0 orgs/m);
      expect(run.stdout).toContain(
        'nothing to audit: the CP lists no org and DescribeInstances found no CP-managed instance in us-east-2',
      );
      const doc = json(readFileSync(join(h.stateDir, 'audit.json'), 'utf8'));
      expect(doc.exitCode).toBe(5);
      for (const c of doc.checks) expect(c, c.id).toMatchObject({ pass: 0, fail: 0, unknown: 1 });
      const xml = new XMLParser({ ignoreAttributes: false }).parse(
        readFileSync(join(h.stateDir, 'audit.xml'), 'utf8'),
      ) as {
        testsuites: { '@_tests': string; '@_errors': string };
      };
      expect([xml.testsuites['@_tests'], xml.testsuites['@_errors']]).toEqual(['13', '13']);
      expect(readFileSync(join(h.stateDir, 'audit.md'), 'utf8')).toContain('⚠️ incomplete');
    } finally {
      await h.stop();
    }
  });
});
