import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './org-harness.js';

/**
 * What SSM and the host say about an agent and its sockets: a field SSM left out, or a socket line
 * whose layout molectl cannot read, is unknown (exit 5), never a finding or a pass by omission.
 */

interface AuditDoc {
  checks: Array<{ id: string; pass: number; fail: number; unknown: number }>;
  tenants: Array<{ tenant: string; findings: Array<{ check: string; status: string; detail: string }> }>;
}

const json = (stdout: string): AuditDoc => JSON.parse(stdout) as AuditDoc;
const check = (doc: AuditDoc, id: string) => doc.checks.find((c) => c.id === id);
const finding = (doc: AuditDoc, tenant: string, id: string) =>
  doc.tenants.find((t) => t.tenant === tenant)?.findings.find((f) => f.check === id);

describe('fleet audit: answers about the agent and the host that do not say enough', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('DescribeInstanceInformation without PingStatus: agent-offline is unknown (exit 5), not a failed agent', async () => {
    h = await startHarness({ tenants: 2, preCutover: 0, workspacesPerTenant: 0, faults: 'ssm-omit=PingStatus' });
    const run = await h.run(['fleet', 'audit', '-o', 'json', '--no-console', '--checks', 'agent-offline']);
    expect(run.code, run.stderr).toBe(5);
    const doc = json(run.stdout);
    expect(check(doc, 'agent-offline')).toMatchObject({ pass: 0, fail: 0, unknown: 2 });
    expect(finding(doc, 'acme', 'agent-offline')).toMatchObject({
      status: 'unknown',
      detail: 'DescribeInstanceInformation gave no PingStatus for the instance',
    });
    // An agent SSM does call offline is still a finding (medium: exit 1 under --fail-on medium).
    h.sandbox.state.faults.ssmOmittedFields = [];
    h.sandbox.state.faults.offlineHosts = ['acme'];
    const offline = await h.run([
      'fleet',
      'audit',
      '-o',
      'json',
      '--no-console',
      '--checks',
      'agent-offline',
      '--fail-on',
      'medium',
    ]);
    expect(offline.code, offline.stderr).toBe(1);
    expect(check(json(offline.stdout), 'agent-offline')).toMatchObject({ pass: 1, fail: 1, unknown: 0 });
  });

  it('ss lines in a layout molectl cannot read: unexpected-listener is unknown (exit 5), not a pass on what was read', async () => {
    // beta's ss prints a Netid column first, and a debug server listens there on 9999.
    h = await startHarness({
      tenants: 2,
      preCutover: 0,
      workspacesPerTenant: 0,
      faults: 'ss-netid=beta,listener=beta:9999',
    });
    const run = await h.run(['fleet', 'audit', '-o', 'json', '--no-console', '--checks', 'unexpected-listener']);
    expect(run.code, run.stderr).toBe(5);
    const doc = json(run.stdout);
    expect(check(doc, 'unexpected-listener')).toMatchObject({ pass: 1, fail: 0, unknown: 1 });
    expect(finding(doc, 'beta', 'unexpected-listener')).toMatchObject({ status: 'unknown' });
    expect(finding(doc, 'beta', 'unexpected-listener')!.detail).toMatch(
      /^ss printed 6 socket lines in a layout molectl cannot read \(first: "tcp LISTEN 0 4096 127\.0\.0\.53%lo:53 0\.0\.0\.0:\* users:/,
    );
  });
});
