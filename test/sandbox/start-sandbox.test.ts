import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTenantContainer } from '../../src/sandbox/hosts/tenant-container.js';
import { startSandbox } from '../../src/sandbox/start-sandbox.js';
import type { RecordedRequest } from '../../src/sandbox/state.js';

const parent = mkdtempSync(join(tmpdir(), 'molectl-sandbox-test-'));

afterAll(() => {
  rmSync(parent, { recursive: true, force: true });
});

describe('startSandbox', () => {
  it('prints an environment that targets it and stops without leaving a directory or a process', async () => {
    const seen: RecordedRequest[] = [];
    const sandbox = await startSandbox({ tenants: 2, root: parent, onRequest: (r) => seen.push(r) });
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.env).toMatchObject({
      AWS_ENDPOINT_URL: sandbox.url,
      AWS_REGION: 'us-east-2',
      MOLECTL_ENV: 'sandbox',
      MOLECTL_CP_URL: sandbox.url,
      CP_ADMIN_API_TOKEN: sandbox.state.cpAdminToken,
    });
    expect(sandbox.env['AWS_ACCESS_KEY_ID']).toMatch(/^AKIDSANDBOX/);
    expect(sandbox.state.cpAdminToken.length).toBeGreaterThanOrEqual(32);
    expect(sandbox.state.provisionSharedSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(sandbox.state.secrets.get(sandbox.state.cpSharedSecretId)?.versions[0]?.value).toBe(
      sandbox.state.provisionSharedSecret,
    );

    const res = await fetch(`${sandbox.url}/health`);
    expect(res.status).toBe(200);
    expect(seen.map((r) => r.action)).toEqual(['GET /health']);

    // A script still running at stop() is killed with its children.
    const host = sandbox.state.instances.get(sandbox.state.orgs.get('acme')?.tenantInstanceId ?? '')!;
    const pending = sandbox.hosts.runScript(host, 'sleep 60 & sleep 60; wait', {
      timeoutSeconds: 120,
      commandId: 'long',
    });
    await new Promise((r) => setTimeout(r, 200));
    const root = sandbox.state.root;
    expect(existsSync(root)).toBe(true);
    await sandbox.stop();
    const result = await pending;
    expect(result.exitCode).not.toBe(0);
    expect(existsSync(root)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
    const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(processes).not.toContain(root);
    await expect(fetch(`${sandbox.url}/health`)).rejects.toThrow();
  });

  it('gives the same ids for the same seed', async () => {
    const a = await startSandbox({ tenants: 3, seed: 42, root: parent });
    const b = await startSandbox({ tenants: 3, seed: 42, root: parent });
    try {
      expect([...a.state.instances.keys()]).toEqual([...b.state.instances.keys()]);
      expect([...a.state.orgs.values()].map((o) => o.id)).toEqual([...b.state.orgs.values()].map((o) => o.id));
      // Secrets are random even for the same seed.
      expect(a.state.cpAdminToken).not.toBe(b.state.cpAdminToken);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('starts 1000 tenants quickly and within memory (figures printed; timing is asserted generously)', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const sandbox = await startSandbox({ tenants: 1000, root: parent });
    const startupMs = performance.now() - started;
    try {
      const res = await fetch(`${sandbox.url}/cp/admin/orgs?limit=2000`, {
        headers: { authorization: `Bearer ${sandbox.state.cpAdminToken}` },
      });
      const body = (await res.json()) as { orgs: { instance_status: string }[] };
      const readyMs = performance.now() - started;
      const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
      const rssMb = process.memoryUsage().rss / 1e6;
      console.log(
        `sandbox --tenants 1000: started in ${startupMs.toFixed(0)} ms, first list in ${readyMs.toFixed(0)} ms, heap +${heapMb.toFixed(1)} MB, rss ${rssMb.toFixed(0)} MB, ${sandbox.state.instances.size} instances`,
      );
      expect(body.orgs).toHaveLength(1000);
      expect(body.orgs.every((o) => o.instance_status === 'running')).toBe(true);
      expect([...sandbox.state.orgs.values()].filter((o) => o.preCutover)).toHaveLength(500);
      expect(readyMs).toBeLessThan(15_000);
      expect(heapMb).toBeLessThan(300);
    } finally {
      await sandbox.stop();
    }
  });

  it('runs a script sent with the real SSM SDK on a simulated host', async () => {
    const sandbox = await startSandbox({ tenants: 2, preCutover: 2, root: parent });
    const ssm = new SSMClient({
      region: sandbox.env['AWS_REGION'],
      endpoint: sandbox.env['AWS_ENDPOINT_URL'],
      credentials: {
        accessKeyId: sandbox.env['AWS_ACCESS_KEY_ID']!,
        secretAccessKey: sandbox.env['AWS_SECRET_ACCESS_KEY']!,
      },
      maxAttempts: 1,
    });
    try {
      const instanceId = sandbox.state.orgs.get('beta')!.tenantInstanceId!;
      const sent = await ssm.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: [instanceId],
          Parameters: {
            commands: ['docker stop molecule-tenant >/dev/null', "docker ps -a --format '{{.Names}} {{.State}}'"],
          },
        }),
      );
      const commandId = sent.Command!.CommandId!;
      let out: { Status?: string; StandardOutputContent?: string } = {};
      for (let i = 0; i < 200; i++) {
        try {
          out = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
          if (out.Status === 'Success' || out.Status === 'Failed') break;
        } catch (error) {
          if ((error as Error).name !== 'InvocationDoesNotExist') throw error;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(out.Status).toBe('Success');
      expect(out.StandardOutputContent).toBe('molecule-tenant exited\n');
      expect(readTenantContainer(sandbox.state, sandbox.state.instances.get(instanceId)!)?.running).toBe(false);
    } finally {
      ssm.destroy();
      await sandbox.stop();
    }
  });
});
