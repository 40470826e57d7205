import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Issue 14, item 6: no secret in any process argv on hosts either. `ps` on a tenant host shows
// every process's command line to every user; the scripts molectl sends (the cp-secret script in
// each mode, the canary's CP check, the audit probe, docker logs) must pass secrets by file or
// stdin. The sandbox records the command line of every program those scripts start by name
// (argv-recorder.ts); none may hold the CP shared secret or a tenant admin token.

const APPLY = ['--env', 'sandbox', 'migrate', 'cp-secret', 'apply', '--yes', '--soak', '0', '--health-timeout', '5s'];

describe('the command lines of the processes on the hosts', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 2, preCutover: 2, workspacesPerTenant: 1, recordHostArgv: true });
  });
  afterAll(() => f.stop());

  const secrets = (): string[] => {
    const { state } = f.sandbox;
    const shared = state.secrets.get(state.cpSharedSecretId)!.versions.map((v) => v.value);
    return [...shared, state.provisionSharedSecret, ...[...state.orgs.values()].map((o) => o.adminToken)];
  };

  it('hold no secret through plan, apply with its canary CP check, audit, logs and rollback', async () => {
    const plan = await f.molectl(['--env', 'sandbox', 'migrate', 'cp-secret', 'plan']);
    expect(plan.code, plan.stderr).toBe(0);
    const apply = await f.molectl(APPLY);
    expect(apply.code, apply.stderr).toBe(0);
    const audit = await f.molectl(['--env', 'sandbox', 'fleet', 'audit', '--no-console']);
    expect([0, 1, 5]).toContain(audit.code);
    const logs = await f.molectl(['--env', 'sandbox', 'logs', 'acme', '--tail', '5']);
    expect(logs.code, logs.stderr).toBe(0);
    const listed = await f.molectl(['--env', 'sandbox', '-o', 'json', 'runs', 'list']);
    const runId = (JSON.parse(listed.stdout) as { runs: Array<{ id: string; command: string }> }).runs.find((r) =>
      r.command.includes('apply'),
    )!.id;
    const rollback = await f.molectl(['--env', 'sandbox', '-y', 'migrate', 'cp-secret', 'rollback', runId]);
    expect(rollback.code, rollback.stderr).toBe(0);

    const calls = f.sandbox.hosts.recordedArgv();
    // The recorder saw the programs that carry the credentials: the container's curl reading
    // its headers from stdin, docker, the aws CLI fetching the secret, and docker logs.
    const lines = calls.map((argv) => argv.join(' '));
    expect(lines.some((l) => l.startsWith('curl ') && l.includes(' -H @- '))).toBe(true);
    expect(lines.some((l) => l.startsWith('aws secretsmanager get-secret-value '))).toBe(true);
    expect(lines.some((l) => l.startsWith('docker run ') && l.includes('--env-file'))).toBe(true);
    expect(lines.some((l) => l.startsWith('docker logs '))).toBe(true);

    const values = secrets();
    expect(values.every((v) => v.length >= 16)).toBe(true);
    const leaks = calls.filter((argv) => values.some((v) => argv.some((arg) => arg.includes(v))));
    expect(leaks.map((argv) => argv.slice(0, 3).join(' '))).toEqual([]);
  });

  it('would show a secret passed in argv: the recorder sees what `ps` would', async () => {
    const { state } = f.sandbox;
    const org = state.orgs.get('acme')!;
    const instance = state.instances.get(org.tenantInstanceId!)!;
    const leaky = `#!/bin/bash\ncurl -s -m 2 -H "Authorization: Bearer ${org.adminToken}" http://127.0.0.1:8080/health >/dev/null\n`;
    const r = await f.sandbox.hosts.runScript(instance, leaky, { timeoutSeconds: 30, commandId: 'argv-control' });
    expect(r.exitCode).toBe(0);
    const seen = f.sandbox.hosts.recordedArgv().filter((argv) => argv.some((a) => a.includes(org.adminToken)));
    expect(seen.map((argv) => argv[0])).toEqual(['curl']);
  });
});
