import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptedError, MolectlError } from '../../../src/lib/errors.js';
import { systemClock } from '../../../src/lib/clock.js';
import { acquireFleetLock } from '../../../src/lib/runs/fleet-lock.js';
import { createSecret } from '../../../src/sandbox/aws/secrets-store.js';
import { addFakeInstance, createTestDoor, fakeAwsEnv, startFakeServer, type FakeServer } from './aws-fake-server.js';

let server: FakeServer;
const tenantTags = (slug: string) => [
  { Key: 'ManagedBy', Value: 'molecule-cp' },
  { Key: 'Role', Value: 'tenant' },
  { Key: 'OrgSlug', Value: slug },
  { Key: 'Name', Value: `tenant-${slug}` },
];

beforeAll(async () => {
  server = await startFakeServer();
  // 1,120 tenants: DescribeInstances pages at 1,000, so the door must follow a second page.
  for (let n = 0; n < 1120; n++) addFakeInstance(server.state, { tags: tenantTags(`org-${n}`), managed: n < 120 });
  addFakeInstance(server.state, { tags: [{ Key: 'Role', Value: 'workspace' }], managed: false });
  for (let n = 0; n < 250; n++)
    createSecret(server.state, `molecule/tenants/org-${n}/admin-token`, `value-${n}-xxxxxxxx`);
  createSecret(server.state, 'other/thing', 'other-value-xxxx');
});

afterAll(async () => {
  await server.close();
});

function countRequests(action: string): number {
  return server.state.requests.filter((r) => r.action === action).length;
}

describe('AwsDoor over the simulated AWS APIs', () => {
  it('reports the caller identity with the account and the resolved region', async () => {
    const { door } = await createTestDoor(fakeAwsEnv(server.url));
    const identity = await door.callerIdentity();
    expect(identity.account).toBe('210987654321');
    expect(identity.arn).toMatch(/^arn:aws:iam::210987654321:/);
    expect(identity.region).toBe('us-east-2');
  });

  it('flattens every page of DescribeInstances into one list', async () => {
    const { door } = await createTestDoor(fakeAwsEnv(server.url));
    const before = countRequests('DescribeInstances');
    const tenants = await door.listInstances({
      tags: { ManagedBy: 'molecule-cp', Role: 'tenant' },
      states: ['running'],
    });
    expect(tenants).toHaveLength(1120);
    expect(new Set(tenants.map((t) => t.instanceId)).size).toBe(1120);
    expect(countRequests('DescribeInstances') - before).toBe(2);
    const first = tenants.find((t) => t.tags['OrgSlug'] === 'org-0')!;
    expect(first).toMatchObject({ state: 'running', name: 'tenant-org-0' });
    expect(first.privateIp).toBe(server.state.instances.get(first.instanceId)!.privateIp);
    expect(first.launchTime?.toISOString()).toBe('2026-04-01T10:00:00.000Z');
  });

  it('looks instances up by id and names a missing id as not found (exit 4)', async () => {
    const { door } = await createTestDoor(fakeAwsEnv(server.url));
    const [id] = [...server.state.instances.keys()];
    const found = await door.listInstances({ instanceIds: [id!] });
    expect(found.map((i) => i.instanceId)).toEqual([id]);
    const error = await door.listInstances({ instanceIds: ['i-0deadbeefdeadbeef'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MolectlError);
    expect((error as MolectlError).code).toBe(4);
    expect((error as MolectlError).message).toContain('i-0deadbeefdeadbeef');
  });

  it('flattens DescribeInstanceInformation pages, and batches ids by 50', async () => {
    const { door } = await createTestDoor(fakeAwsEnv(server.url));
    const before = countRequests('DescribeInstanceInformation');
    const managed = await door.describeManagedInstances();
    expect(managed).toHaveLength(120);
    expect(countRequests('DescribeInstanceInformation') - before).toBe(3);
    expect(managed.every((m) => m.pingStatus === 'Online' && m.platformType === 'Linux')).toBe(true);
    const ids = managed.slice(0, 60).map((m) => m.instanceId);
    const some = await door.describeManagedInstances(ids);
    expect(some.map((m) => m.instanceId).sort()).toEqual([...ids].sort());
    const sample = await door.sampleManagedInstances(5);
    expect(sample.instances).toHaveLength(5);
    expect(sample.more).toBe(true);
  });

  it('flattens ListSecrets pages and filters by name prefix', async () => {
    const { door } = await createTestDoor(fakeAwsEnv(server.url));
    const before = countRequests('ListSecrets');
    const secrets = await door.listSecrets({ namePrefix: 'molecule/tenants/' });
    expect(secrets).toHaveLength(250);
    expect(countRequests('ListSecrets') - before).toBe(3);
    expect(secrets[0]!.versions[0]!.stages).toContain('AWSCURRENT');
    expect(secrets.some((s) => s.name === 'other/thing')).toBe(false);
  });

  it('registers the AWS secret key and session token with the redactor when it is made', async () => {
    const env = fakeAwsEnv(server.url, {
      AWS_SECRET_ACCESS_KEY: 'SENTINEL-aws-secret-key-31f0',
      AWS_SESSION_TOKEN: 'SENTINEL-aws-session-token-a7c2',
    });
    const { redactor } = await createTestDoor(env);
    expect(redactor.redact('k=SENTINEL-aws-secret-key-31f0 t=SENTINEL-aws-session-token-a7c2')).not.toContain(
      'SENTINEL',
    );
  });

  it('registers a secret value with the redactor before returning it', async () => {
    const sentinel = 'SENTINEL-secret-4b1d9e0f7a';
    createSecret(server.state, 'molecule/cp/sentinel', sentinel);
    const { door, redactor } = await createTestDoor(fakeAwsEnv(server.url));
    expect(redactor.redact(`x ${sentinel} y`)).toContain(sentinel);
    const secret = await door.getSecretValue('molecule/cp/sentinel');
    expect(secret.value).toBe(sentinel);
    expect(secret.stages).toContain('AWSCURRENT');
    expect(redactor.redact(`x ${sentinel} y`)).not.toContain(sentinel);
  });

  it('answers null for a missing secret description and exit 4 for a missing secret value', async () => {
    const { door } = await createTestDoor(fakeAwsEnv(server.url));
    expect(await door.describeSecret('molecule/none')).toBeNull();
    const error = (await door.getSecretValue('molecule/none').catch((e: unknown) => e)) as MolectlError;
    expect(error.code).toBe(4);
    expect(error.message).toContain('secret molecule/none');
  });

  it('writes, rotates stages and describes a secret', async () => {
    const { door, redactor } = await createTestDoor(fakeAwsEnv(server.url));
    const created = await door.createSecret({ name: 'molecule/test/rotating', value: 'first-value-123456' });
    expect(created.arn).toContain('molecule/test/rotating');
    const put = await door.putSecretValue({
      secretId: 'molecule/test/rotating',
      value: 'second-value-654321',
      stages: ['AWSPENDING'],
    });
    expect(put.stages).toEqual(['AWSPENDING']);
    expect(redactor.containsRegistered('second-value-654321')).toBe(true);
    await door.updateSecretVersionStage({
      secretId: 'molecule/test/rotating',
      stage: 'AWSCURRENT',
      moveToVersionId: put.versionId!,
      removeFromVersionId: created.versionId!,
    });
    const described = await door.describeSecret('molecule/test/rotating');
    expect(described!.versions.find((v) => v.versionId === put.versionId)!.stages).toContain('AWSCURRENT');
  });

  it('keeps parameters: conditional create, secure read registered, delete of a missing one is false', async () => {
    const { door, redactor } = await createTestDoor(fakeAwsEnv(server.url));
    expect(await door.getParameter('/molectl/sandbox/lock')).toBeNull();
    expect(
      await door.putParameter({ name: '/molectl/sandbox/lock', value: 'run-1', secure: false, overwrite: false }),
    ).toBe(true);
    expect(
      await door.putParameter({ name: '/molectl/sandbox/lock', value: 'run-2', secure: false, overwrite: false }),
    ).toBe(false);
    expect((await door.getParameter('/molectl/sandbox/lock'))!.value).toBe('run-1');
    server.state.parameters.set('/molectl/sandbox/secure', {
      name: '/molectl/sandbox/secure',
      type: 'SecureString',
      value: 'SENTINEL-param-77aa88bb',
      version: 1,
      lastModified: new Date(),
    });
    const secure = await door.getParameter('/molectl/sandbox/secure', { decrypt: true });
    expect(secure!.value).toBe('SENTINEL-param-77aa88bb');
    expect(redactor.redact('SENTINEL-param-77aa88bb')).not.toContain('SENTINEL');
    expect(await door.deleteParameter('/molectl/sandbox/lock')).toBe(true);
    expect(await door.deleteParameter('/molectl/sandbox/lock')).toBe(false);
  });

  it('registers every SecureString value it reads: a short one, and one a store answers without decryption', async () => {
    const { door, redactor } = await createTestDoor(fakeAwsEnv(server.url));
    const put = (name: string, value: string): void => {
      server.state.parameters.set(name, { name, type: 'SecureString', value, version: 1, lastModified: new Date() });
    };
    // A short random password: no token shape, and shorter than register() takes.
    put('/molectl/sandbox/short', 'q7#Vx');
    expect((await door.getParameter('/molectl/sandbox/short', { decrypt: true }))!.value).toBe('q7#Vx');
    expect(redactor.redact('password q7#Vx accepted')).toBe('password [REDACTED:parameter] accepted');
    expect(redactor.redact('"q7#Vx"')).toBe('"[REDACTED:parameter]"');
    expect(redactor.redact(`x=${encodeURIComponent('q7#Vx')}`)).toBe('x=[REDACTED:parameter]');
    // Whole words only: the same letters inside a longer word are not the secret.
    expect(redactor.redact('aq7#Vxb')).toBe('aq7#Vxb');
    // A guard against secrets in SSM commands is not tripped by a short word.
    expect(redactor.containsRegistered('echo q7#Vx')).toBe(false);

    server.state.faults.flags['parameterPlaintext'] = '1';
    try {
      put('/molectl/sandbox/plain', 'SENTINEL-plain-5c2e8a1f');
      expect((await door.getParameter('/molectl/sandbox/plain'))!.value).toBe('SENTINEL-plain-5c2e8a1f');
      expect(redactor.redact('v=SENTINEL-plain-5c2e8a1f')).toBe('v=[REDACTED:parameter]');
    } finally {
      delete server.state.faults.flags['parameterPlaintext'];
    }
  });

  it('refuses to go on when a store wrote over a parameter it was asked to create only (Overwrite=false ignored)', async () => {
    const { door } = await createTestDoor(fakeAwsEnv(server.url));
    const lock = '/molectl/sandbox/locks/overwrite-ignored';
    expect(await door.putParameter({ name: lock, value: 'run-a', secure: false, overwrite: false })).toBe(true);
    server.state.faults.flags['parameterOverwriteIgnored'] = '1';
    try {
      const second = door.putParameter({ name: lock, value: 'run-b', secure: false, overwrite: false });
      await expect(second).rejects.toThrow(MolectlError);
      await expect(second).rejects.toThrow(
        `the Parameter Store wrote over ${lock} (now version 2) although molectl asked it not to (Overwrite=false)`,
      );
      // The fleet lock, which rests on that condition, is not taken over such a store.
      await expect(
        acquireFleetLock({
          store: door,
          parameterPrefix: '/molectl/sandbox',
          operation: 'overwrite-ignored',
          runId: 'run-c',
          clock: systemClock,
        }),
      ).rejects.toThrow(/wrote over \/molectl\/sandbox\/locks\/overwrite-ignored \(now version 3\)/);
    } finally {
      delete server.state.faults.flags['parameterOverwriteIgnored'];
    }
  });

  it('reads console output and falls back from latest on an instance that cannot give it', async () => {
    const { door } = await createTestDoor(fakeAwsEnv(server.url));
    const old = addFakeInstance(server.state, {
      nitro: false,
      console: 'boot line 1\nboot line 2\n',
      userData: '#!/bin/bash\necho hi\n',
    });
    const out = await door.getConsoleOutput(old.instanceId, { latest: true });
    expect(out).toMatchObject({
      instanceId: old.instanceId,
      text: 'boot line 1\nboot line 2\n',
      latest: false,
      truncated: false,
    });
    expect(await door.getUserData(old.instanceId)).toBe('#!/bin/bash\necho hi\n');
    const bare = addFakeInstance(server.state, {});
    expect(await door.getUserData(bare.instanceId)).toBeNull();
    expect((await door.getConsoleOutput(bare.instanceId, { latest: true })).latest).toBe(true);
  });
});

describe('sendShellCommand', () => {
  it('sends a command, lists its invocations and reads their output', async () => {
    const { door } = await createTestDoor(fakeAwsEnv(server.url));
    const ids = [...server.state.instances.values()]
      .filter((i) => i.ssm)
      .slice(0, 3)
      .map((i) => i.instanceId);
    const { commandId } = await door.sendShellCommand({
      instanceIds: ids,
      commands: ['echo ok'],
      comment: 'molectl test',
      timeoutSeconds: 60,
    });
    // SSM answers InvocationDoesNotExist for an invocation it has not created yet (right after
    // SendCommand) and for one it never will: null, not an error. Asked of an instance the command
    // does not target, so that a slow machine cannot let the sandbox's short window pass first.
    const untargeted = [...server.state.instances.values()].find((i) => i.ssm && !ids.includes(i.instanceId))!;
    expect(await door.getInvocationOutput(commandId, untargeted.instanceId)).toBeNull();
    let invocations = await door.listInvocations(commandId);
    for (let i = 0; i < 50 && (invocations.length < 3 || invocations.some((v) => v.status !== 'Success')); i++) {
      await new Promise((r) => setTimeout(r, 50));
      invocations = await door.listInvocations(commandId);
    }
    expect(invocations.map((v) => v.status)).toEqual(['Success', 'Success', 'Success']);
    // SSM's own request-to-finish time of each invocation: what the executor learns when to poll from.
    for (const v of invocations) {
      const inv = server.state.commands.get(commandId)!.invocations.find((i) => i.instanceId === v.instanceId)!;
      expect(v.finishedAfterMs).toBe(inv.finishedAt!.getTime() - inv.requestedAt.getTime());
    }
    const output = await door.getInvocationOutput(commandId, ids[0]!);
    expect(output).toMatchObject({ status: 'Success', responseCode: 0, stdout: 'ok\n' });
    const sent = server.state.commands.get(commandId)!;
    expect(sent.parameters['executionTimeout']).toEqual(['60']);
  });

  it('refuses more than 50 instance ids before sending anything', async () => {
    const { door } = await createTestDoor(fakeAwsEnv(server.url));
    const before = countRequests('SendCommand');
    const ids = Array.from({ length: 51 }, (_, n) => `i-${String(n).padStart(17, '0')}`);
    await expect(door.sendShellCommand({ instanceIds: ids, commands: ['true'] })).rejects.toThrow(
      /51 instance ids; SSM takes at most 50/,
    );
    expect(countRequests('SendCommand')).toBe(before);
  });

  it('refuses a command that holds a registered secret, in any encoding, before sending anything', async () => {
    const { door, redactor } = await createTestDoor(fakeAwsEnv(server.url));
    const sentinel = 'SENTINEL-shared-secret-0c9f2e';
    redactor.register(sentinel, 'secret');
    const id = [...server.state.instances.values()].find((i) => i.ssm)!.instanceId;
    const before = countRequests('SendCommand');
    for (const text of [
      `export S=${sentinel}`,
      `echo ${Buffer.from(sentinel).toString('base64')} | base64 -d`,
      `curl -d s=${encodeURIComponent(sentinel)}`,
    ]) {
      const error = (await door
        .sendShellCommand({ instanceIds: [id], commands: ['set -e', text] })
        .catch((e: unknown) => e)) as MolectlError;
      expect(error.message).toBe('refusing to send an SSM command that contains a secret value');
      expect(error.hint).toMatch(/fetch the secret itself/);
    }
    expect(countRequests('SendCommand')).toBe(before);
    expect(server.state.requests.some((r) => r.body.includes(sentinel))).toBe(false);
  });
});

describe('failures', () => {
  it('gives up on throttling after the capped attempts with exit 1 and a hint', async () => {
    const state = (await import('./aws-fake-server.js')).createFakeState();
    state.faults.awsThrottleRate = 1;
    const throttled = await startFakeServer({ state });
    try {
      const { door } = await createTestDoor(fakeAwsEnv(throttled.url), { maxAttempts: 2 });
      const error = (await door.sampleManagedInstances().catch((e: unknown) => e)) as MolectlError;
      expect(error.code).toBe(1);
      expect(error.message).toBe(
        'AWS throttled ssm:DescribeInstanceInformation (ThrottlingException, gave up after 2 attempts)',
      );
      expect(error.hint).toMatch(/wait a minute/);
      expect(state.requests).toHaveLength(2);
    } finally {
      await throttled.close();
    }
  });

  it('names the endpoint when it cannot be reached (exit 1)', async () => {
    const closed = await startFakeServer();
    await closed.close();
    const { door } = await createTestDoor(fakeAwsEnv(closed.url));
    const error = (await door.callerIdentity().catch((e: unknown) => e)) as MolectlError;
    expect(error.code).toBe(1);
    expect(error.message).toBe(`cannot reach AWS sts at ${closed.url} (ECONNREFUSED)`);
  });

  it('stops a call in flight on Ctrl-C with the interrupt reason (exit 130)', async () => {
    const state = (await import('./aws-fake-server.js')).createFakeState();
    state.faults.awsLatencyMs = 5_000;
    const slow = await startFakeServer({ state });
    try {
      const { door, controller } = await createTestDoor(fakeAwsEnv(slow.url));
      const started = Date.now();
      const pending = door.callerIdentity().catch((e: unknown) => e);
      setTimeout(() => controller.abort(new InterruptedError()), 100);
      const error = (await pending) as MolectlError;
      expect(error).toBeInstanceOf(InterruptedError);
      expect(error.code).toBe(130);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await slow.close();
    }
  });
});

describe('calls that must not act twice', () => {
  it('sends SendCommand once on a server error, while an idempotent call is retried', async () => {
    const { createServer } = await import('node:http');
    const seen: string[] = [];
    const failing = createServer((req, res) => {
      seen.push(String(req.headers['x-amz-target'] ?? ''));
      req.resume();
      req.on('end', () =>
        res
          .writeHead(500, { 'content-type': 'application/x-amz-json-1.1' })
          .end(JSON.stringify({ __type: 'InternalServerError', message: 'boom' })),
      );
    });
    await new Promise<void>((r) => failing.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(failing.address() as { port: number }).port}`;
    try {
      const { door } = await createTestDoor(fakeAwsEnv(url), { maxAttempts: 3 });
      const error = (await door
        .sendShellCommand({ instanceIds: ['i-0aaaabbbbccccdddd'], commands: ['true'] })
        .catch((e: unknown) => e)) as MolectlError;
      expect(error.code).toBe(1);
      expect(error.message).toBe('AWS ssm:SendCommand failed on the AWS side (InternalServerError)');
      expect(seen.filter((t) => t.endsWith('.SendCommand'))).toHaveLength(1);
      await door.sampleManagedInstances().catch(() => undefined);
      expect(seen.filter((t) => t.endsWith('.DescribeInstanceInformation'))).toHaveLength(3);
    } finally {
      failing.closeAllConnections();
      await new Promise<void>((r) => failing.close(() => r()));
    }
  });

  it('retries SendCommand on throttling only, which AWS answers before acting, and creates one command', async () => {
    const state = (await import('./aws-fake-server.js')).createFakeState();
    const throttled = await startFakeServer({ state });
    try {
      const id = addFakeInstance(state, {}).instanceId;
      state.faults.awsThrottleRate = 1;
      const { door } = await createTestDoor(fakeAwsEnv(throttled.url), { maxAttempts: 3 });
      await door.sampleManagedInstances(5).catch(() => undefined); // creates the SSM client under throttling too
      const error = (await door
        .sendShellCommand({ instanceIds: [id], commands: ['true'] })
        .catch((e: unknown) => e)) as MolectlError;
      expect(error.message).toBe('AWS throttled ssm:SendCommand (ThrottlingException, gave up after 3 attempts)');
      expect(state.requests.filter((r) => r.action === 'SendCommand')).toHaveLength(3);
      expect(state.commands.size).toBe(0);
      state.faults.awsThrottleRate = 0.5;
      const { commandId } = await door.sendShellCommand({ instanceIds: [id], commands: ['true'] });
      expect([...state.commands.keys()]).toEqual([commandId]);
    } finally {
      await throttled.close();
    }
  });

  it('treats a conditional put that meets its own earlier write as written', async () => {
    const { door } = await createTestDoor(fakeAwsEnv(server.url));
    server.state.parameters.set('/molectl/sandbox/lock-own', {
      name: '/molectl/sandbox/lock-own',
      type: 'String',
      value: 'run-own-1',
      version: 1,
      lastModified: new Date(),
    });
    expect(
      await door.putParameter({
        name: '/molectl/sandbox/lock-own',
        value: 'run-own-1',
        secure: false,
        overwrite: false,
      }),
    ).toBe(true);
    expect(
      await door.putParameter({
        name: '/molectl/sandbox/lock-own',
        value: 'run-other-2',
        secure: false,
        overwrite: false,
      }),
    ).toBe(false);
  });
});
