import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/lib/errors.js';
import { parseFaultSpec } from '../../src/sandbox/faults-spec.js';
import { emptyPostureFaults } from '../../src/sandbox/posture-faults.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import type { SimInstance } from '../../src/sandbox/state.js';

/** The --faults items of fleet audit, and what a sandbox does with them. */

describe('posture faults in --faults', () => {
  it('parses every item into faults.posture, absent until one is given', () => {
    expect(parseFaultSpec('offline=a').posture).toBeUndefined();
    expect(
      parseFaultSpec(
        'listener=acme:9999|i-0abc:8081,sg-open=beta:22,imds-v1=gamma,console-trace=delta|i-0def,old-image=eta|theta:2026.01.01-aaaaaaa,instance-token=zeta,agent-version=iota:2.3.1644.0,ss-netid=kappa',
      ).posture,
    ).toEqual({
      ...emptyPostureFaults(),
      listeners: [
        { host: 'acme', port: 9999 },
        { host: 'i-0abc', port: 8081 },
      ],
      openIngress: [{ host: 'beta', port: 22 }],
      imdsV1: ['gamma'],
      consoleTrace: ['delta', 'i-0def'],
      oldImage: { eta: '2026.04.02-3f9c1ab', theta: '2026.01.01-aaaaaaa' },
      instanceToken: ['zeta'],
      agentVersion: { iota: '2.3.1644.0' },
      ssNetid: ['kappa'],
    });
  });

  it.each([
    ['listener=acme', 'expected name:value'],
    ['listener=acme:99999', 'is not a TCP port'],
    ['sg-open=acme:http', 'is not a TCP port'],
    ['agent-version=acme:latest', 'is not an agent version'],
    ['old-image=acme:bad tag', 'is not an image tag'],
    ['imds-v1=', 'the value is empty'],
  ])('rejects %j', (spec, reason) => {
    expect(() => parseFaultSpec(spec)).toThrow(UsageError);
    expect(() => parseFaultSpec(spec)).toThrow(reason);
  });
});

describe('posture faults in a running sandbox', () => {
  let sandbox: Sandbox;
  const tenantOf = (slug: string): SimInstance =>
    [...sandbox.state.instances.values()].find(
      (i) => i.tags.some((t) => t.Key === 'OrgSlug' && t.Value === slug) && i.tags.some((t) => t.Value === 'tenant'),
    )!;
  const run = (slug: string, script: string) =>
    sandbox.hosts.runScript(tenantOf(slug), script, {
      timeoutSeconds: 20,
      commandId: `c-${Math.random().toString(16).slice(2)}`,
    });

  beforeAll(async () => {
    sandbox = await startSandbox({
      tenants: 3,
      preCutover: 1,
      faults: 'listener=gamma:9999,console-trace=gamma,old-image=beta,instance-token=beta',
    });
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it("ss lists the published ports, loopback resolver, and the listener fault's stray process", async () => {
    const clean = await run('beta', 'ss -Hltnp');
    expect(clean.exitCode).toBe(0);
    expect(
      clean.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[3]),
    ).toEqual(['127.0.0.53%lo:53', '0.0.0.0:8080', '[::]:8080', '0.0.0.0:3000', '[::]:3000']);
    expect(clean.stdout).toContain('users:(("docker-proxy",pid=');
    const faulted = await run('gamma', 'ss -ltn');
    expect(faulted.stdout.split('\n')[0]).toMatch(/^State\s+Recv-Q\s+Send-Q\s+Local Address:Port/);
    expect(faulted.stdout).toMatch(/^LISTEN\s+0\s+4096\s+0\.0\.0\.0:9999\s+0\.0\.0\.0:\*\s*$/m);
    expect((await run('beta', 'docker stop molecule-tenant >/dev/null; ss -Hltn')).stdout).not.toContain(':8080');
    expect((await run('beta', 'ss -u')).exitCode).toBe(1);
  });

  it('traces only pre-cutover boots and the console-trace fault; old-image provisions an older image', () => {
    const s = sandbox.state;
    expect(tenantOf('acme').console).toContain('ADMIN_TOKEN='); // pre-cutover: set -x
    expect(tenantOf('beta').console).not.toContain('+ docker run');
    expect(tenantOf('beta').console).toContain('bootstrapping tenant beta');
    expect(tenantOf('gamma').console).toContain(`MOLECULE_CP_SHARED_SECRET=${s.provisionSharedSecret}`);
    expect(tenantOf('beta').userData).toContain('platform-tenant:2026.04.02-3f9c1ab');
    expect(tenantOf('gamma').userData).toContain('platform-tenant:2026.05.28-8be41d0');
  });

  it("instance-token leaks only the named org's admin token on the edge route", async () => {
    const get = async (slug: string) =>
      (await fetch(`${sandbox.url}/cp/orgs/${slug}/instance`)).json() as Promise<Record<string, string>>;
    expect(await get('beta')).toMatchObject({ admin_token: sandbox.state.orgs.get('beta')!.adminToken });
    expect(await get('gamma')).not.toHaveProperty('admin_token');
  });
});
