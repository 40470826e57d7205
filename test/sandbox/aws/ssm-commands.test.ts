import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  paginateDescribeInstanceInformation,
  SendCommandCommand,
  SSMClient,
  waitUntilCommandExecuted,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SimInstance } from '../../../src/sandbox/state.js';
import { addInstance, sleep, startAwsTestServer, TEST_CREDENTIALS, type AwsTestServer } from './aws-test-server.js';

let server: AwsTestServer;
let ssm: SSMClient;

beforeAll(async () => {
  server = await startAwsTestServer();
  ssm = new SSMClient({ region: 'us-east-2', endpoint: server.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
});

afterAll(async () => {
  ssm.destroy();
  await server.close();
});

beforeEach(() => {
  server.hosts.behaviour = async () => ({ exitCode: 0, stdout: 'ok\n', stderr: '' });
  server.hosts.maxRunning = 0;
  server.hosts.started = [];
  server.state.faults.offlineHosts = [];
  delete server.state.faults.flags['ssmOfflineOutcome'];
});

function addHosts(n: number, tags: { Key: string; Value: string }[] = []): SimInstance[] {
  return Array.from({ length: n }, () => addInstance(server.state, { tags }));
}

async function waitForCommand(
  commandId: string,
  timeoutMs = 5000,
): Promise<{
  Status?: string;
  StatusDetails?: string;
  CompletedCount?: number;
  ErrorCount?: number;
  TargetCount?: number;
}> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await ssm.send(new ListCommandsCommand({ CommandId: commandId }));
    const command = out.Commands?.[0] ?? {};
    if (!['Pending', 'InProgress', 'Cancelling'].includes(command.Status ?? '')) return command;
    if (Date.now() > deadline) throw new Error(`command still ${command.Status}`);
    await sleep(25);
  }
}

async function send(instanceIds: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const out = await ssm.send(
    new SendCommandCommand({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: instanceIds,
      Parameters: { commands: ['echo hello'] },
      ...extra,
    }),
  );
  return out.Command?.CommandId ?? '';
}

describe('SendCommand validation', () => {
  it('rejects 51 instance ids with ValidationException, as SSM does', async () => {
    const ids = addHosts(51).map((i) => i.instanceId);
    await expect(send(ids)).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('less than or equal to 50'),
    });
    await expect(send(ids.slice(0, 50))).resolves.toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects an instance SSM does not manage with InvalidInstanceId', async () => {
    const unmanaged = addInstance(server.state, { ssm: 'none' });
    await expect(send([unmanaged.instanceId])).rejects.toMatchObject({ name: 'InvalidInstanceId' });
  });

  it('rejects a malformed MaxConcurrency', async () => {
    const [host] = addHosts(1);
    await expect(send([host!.instanceId], { MaxConcurrency: '0' })).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});

describe('SendCommand execution', () => {
  it('answers InvocationDoesNotExist right after sending, then reports Success with the output', async () => {
    const [host] = addHosts(1);
    server.hosts.behaviour = async (_i, script) => ({ exitCode: 0, stdout: `ran: ${script}\n`, stderr: '' });
    // The real-world timings (0.5 s invisible, not the fast sandbox's 0.1 s), so that the two
    // calls below land inside the window even on a machine busy enough to slow each down.
    server.state.speed = 'realistic';
    let commandId: string;
    try {
      commandId = await send([host!.instanceId]);
      await expect(
        ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: host!.instanceId })),
      ).rejects.toMatchObject({ name: 'InvocationDoesNotExist' });
      expect((await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId }))).CommandInvocations).toEqual(
        [],
      );
    } finally {
      server.state.speed = 'fast';
    }
    const command = await waitForCommand(commandId);
    expect(command).toMatchObject({
      Status: 'Success',
      StatusDetails: 'Success',
      TargetCount: 1,
      CompletedCount: 1,
      ErrorCount: 0,
    });
    const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: host!.instanceId }));
    expect(inv).toMatchObject({
      Status: 'Success',
      StatusDetails: 'Success',
      ResponseCode: 0,
      StandardOutputContent: 'ran: echo hello\n',
    });
  });

  it('goes Pending/InProgress → Failed with the exit code', async () => {
    const [host] = addHosts(1);
    server.hosts.behaviour = async () => {
      await sleep(200);
      return { exitCode: 3, stdout: '', stderr: 'boom\n' };
    };
    const commandId = await send([host!.instanceId]);
    await sleep(120);
    const during = await ssm.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: host!.instanceId }),
    );
    expect(['Pending', 'InProgress']).toContain(during.Status);
    const command = await waitForCommand(commandId);
    expect(command.Status).toBe('Failed');
    const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: host!.instanceId }));
    expect(inv).toMatchObject({
      Status: 'Failed',
      StatusDetails: 'Failed',
      ResponseCode: 3,
      StandardErrorContent: 'boom\n',
    });
  });

  it('marks a script that outlives executionTimeout TimedOut', async () => {
    const [host] = addHosts(1);
    server.hosts.behaviour = () => sleep(3000).then(() => ({ exitCode: 0, stdout: '', stderr: '' }));
    const commandId = await send([host!.instanceId], {
      Parameters: { commands: ['sleep 10'], executionTimeout: ['1'] },
    });
    const command = await waitForCommand(commandId);
    expect(command.Status).toBe('TimedOut');
    const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: host!.instanceId }));
    expect(inv).toMatchObject({ Status: 'TimedOut', StatusDetails: 'ExecutionTimedOut' });
  });

  it('reports Undeliverable for a host whose agent is offline, without running the script', async () => {
    const [online, offline] = addHosts(2, [{ Key: 'OrgSlug', Value: 'offline-org' }]);
    server.state.faults.offlineHosts = [offline!.instanceId];
    const commandId = await send([online!.instanceId, offline!.instanceId]);
    await waitForCommand(commandId);
    const inv = await ssm.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: offline!.instanceId }),
    );
    expect(inv.StatusDetails).toBe('Undeliverable');
    expect(server.hosts.started).not.toContain(offline!.instanceId);
    const ok = await ssm.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: online!.instanceId }),
    );
    expect(ok.Status).toBe('Success');
  });

  it('reports DeliveryTimedOut for an offline host when the fault asks for it (TimeoutSeconds scaled in fast mode)', async () => {
    const [offline] = addHosts(1);
    server.state.faults.offlineHosts = [offline!.instanceId];
    server.state.faults.flags['ssmOfflineOutcome'] = 'DeliveryTimedOut';
    const commandId = await send([offline!.instanceId], { TimeoutSeconds: 30 });
    const command = await waitForCommand(commandId);
    expect(command).toMatchObject({ Status: 'TimedOut', StatusDetails: 'DeliveryTimedOut', ErrorCount: 0 });
    const inv = await ssm.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: offline!.instanceId }),
    );
    expect(inv).toMatchObject({ Status: 'TimedOut', StatusDetails: 'DeliveryTimedOut' });
  });

  it('works with the SDK’s own waitUntilCommandExecuted (which retries InvocationDoesNotExist)', async () => {
    const [host] = addHosts(1);
    const commandId = await send([host!.instanceId]);
    const result = await waitUntilCommandExecuted(
      { client: ssm, maxWaitTime: 10, minDelay: 1, maxDelay: 1 },
      { CommandId: commandId, InstanceId: host!.instanceId },
    );
    expect(result.state).toBe('SUCCESS');
    server.hosts.behaviour = async () => ({ exitCode: 2, stdout: '', stderr: '' });
    const failing = await send([host!.instanceId]);
    await expect(
      waitUntilCommandExecuted(
        { client: ssm, maxWaitTime: 10, minDelay: 1, maxDelay: 1 },
        { CommandId: failing, InstanceId: host!.instanceId },
      ),
    ).rejects.toThrow(/FAILURE/);
  });

  it('cancels pending and running invocations', async () => {
    const hosts = addHosts(4);
    server.hosts.behaviour = () => sleep(400).then(() => ({ exitCode: 0, stdout: 'late\n', stderr: '' }));
    const commandId = await send(
      hosts.map((h) => h.instanceId),
      { MaxConcurrency: '1' },
    );
    await sleep(150);
    await ssm.send(new CancelCommandCommand({ CommandId: commandId }));
    const command = await waitForCommand(commandId);
    expect(command.Status).toBe('Cancelled');
    const invs = await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId }));
    expect(invs.CommandInvocations?.map((i) => i.Status)).toEqual(['Cancelled', 'Cancelled', 'Cancelled', 'Cancelled']);
    await sleep(400);
    expect(server.hosts.started).toHaveLength(1);
  });

  it('runs at most MaxConcurrency scripts at once', async () => {
    const hosts = addHosts(12);
    server.hosts.behaviour = () => sleep(60).then(() => ({ exitCode: 0, stdout: '', stderr: '' }));
    const commandId = await send(
      hosts.map((h) => h.instanceId),
      { MaxConcurrency: '3' },
    );
    const command = await waitForCommand(commandId);
    expect(command).toMatchObject({ Status: 'Success', CompletedCount: 12 });
    expect(server.hosts.maxRunning).toBe(3);
    expect(server.hosts.started).toHaveLength(12);
  });

  it('resolves a percentage MaxConcurrency against the target count', async () => {
    const hosts = addHosts(10);
    server.hosts.behaviour = () => sleep(40).then(() => ({ exitCode: 0, stdout: '', stderr: '' }));
    await waitForCommand(
      await send(
        hosts.map((h) => h.instanceId),
        { MaxConcurrency: '20%' },
      ),
    );
    expect(server.hosts.maxRunning).toBe(2);
  });

  it('stops dispatching once errors exceed MaxErrors; the rest end Terminated', async () => {
    const hosts = addHosts(10);
    server.hosts.behaviour = () => sleep(20).then(() => ({ exitCode: 1, stdout: '', stderr: 'fail\n' }));
    const commandId = await send(
      hosts.map((h) => h.instanceId),
      { MaxConcurrency: '1', MaxErrors: '2' },
    );
    const command = await waitForCommand(commandId);
    expect(command).toMatchObject({ Status: 'Failed', ErrorCount: 3, TargetCount: 10, CompletedCount: 10 });
    expect(server.hosts.started).toHaveLength(3);
    const invs = await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId }));
    const details = invs.CommandInvocations?.map((i) => i.StatusDetails) ?? [];
    expect(details.filter((d) => d === 'Failed')).toHaveLength(3);
    expect(details.filter((d) => d === 'Terminated')).toHaveLength(7);
  });

  it('does not count Undeliverable toward MaxErrors', async () => {
    const hosts = addHosts(4);
    server.state.faults.offlineHosts = [hosts[0]!.instanceId, hosts[1]!.instanceId];
    const commandId = await send(
      hosts.map((h) => h.instanceId),
      { MaxConcurrency: '1', MaxErrors: '0' },
    );
    const command = await waitForCommand(commandId);
    expect(command).toMatchObject({ Status: 'Success', ErrorCount: 0 });
    expect(server.hosts.started).toEqual([hosts[2]!.instanceId, hosts[3]!.instanceId]);
  });

  it('targets instances by tag', async () => {
    const tagged = addHosts(3, [{ Key: 'Role', Value: 'canary-target' }]);
    addHosts(2, [{ Key: 'Role', Value: 'other' }]);
    const out = await ssm.send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        Targets: [{ Key: 'tag:Role', Values: ['canary-target'] }],
        Parameters: { commands: ['true'] },
      }),
    );
    const command = await waitForCommand(out.Command?.CommandId ?? '');
    expect(command).toMatchObject({ Status: 'Success', TargetCount: 3 });
    expect([...server.hosts.started].sort()).toEqual(tagged.map((h) => h.instanceId).sort());
  });
});

describe('fleet scale', () => {
  it('fans a tag-targeted command out to 200 hosts at MaxConcurrency 50 and lists every invocation', async () => {
    const fleet = addHosts(200, [{ Key: 'Fleet', Value: 'scale-test' }]);
    server.hosts.behaviour = () => sleep(20).then(() => ({ exitCode: 0, stdout: 'done\n', stderr: '' }));
    const started = Date.now();
    const out = await ssm.send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        Targets: [{ Key: 'tag:Fleet', Values: ['scale-test'] }],
        MaxConcurrency: '50',
        Parameters: { commands: ['true'] },
      }),
    );
    const command = await waitForCommand(out.Command?.CommandId ?? '');
    expect(command).toMatchObject({ Status: 'Success', TargetCount: 200, CompletedCount: 200 });
    expect(server.hosts.maxRunning).toBe(50);
    expect(Date.now() - started).toBeLessThan(3000);
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await ssm.send(
        new ListCommandInvocationsCommand({ CommandId: out.Command?.CommandId, NextToken: token }),
      );
      ids.push(...(page.CommandInvocations ?? []).map((i) => i.InstanceId ?? ''));
      token = page.NextToken;
    } while (token);
    expect(ids.sort()).toEqual(fleet.map((h) => h.instanceId).sort());
  });
});

describe('output caps and listings', () => {
  it('caps stdout at 24,000 and stderr at 8,000 characters, and plugin Output at 2,500', async () => {
    const [host] = addHosts(1);
    server.hosts.behaviour = async () => ({ exitCode: 0, stdout: 'o'.repeat(30_000), stderr: 'e'.repeat(10_000) });
    const commandId = await send([host!.instanceId]);
    await waitForCommand(commandId);
    const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: host!.instanceId }));
    expect(inv.StandardOutputContent).toHaveLength(24_000);
    expect(inv.StandardErrorContent).toHaveLength(8_000);
    const listed = await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, Details: true }));
    expect(listed.CommandInvocations?.[0]?.CommandPlugins?.[0]?.Output).toHaveLength(2_500);
    expect(listed.CommandInvocations?.[0]?.CommandPlugins?.[0]?.Name).toBe('aws:runShellScript');
  });

  it('pages ListCommandInvocations with MaxResults/NextToken', async () => {
    const hosts = addHosts(7);
    const commandId = await send(hosts.map((h) => h.instanceId));
    await waitForCommand(commandId);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ssm.send(
        new ListCommandInvocationsCommand({ CommandId: commandId, MaxResults: 3, NextToken: token }),
      );
      seen.push(...(page.CommandInvocations ?? []).map((i) => i.InstanceId ?? ''));
      expect(page.CommandInvocations?.every((i) => (i.CommandPlugins ?? []).length === 0)).toBe(true);
      token = page.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(hosts.map((h) => h.instanceId));
  });

  it('keeps the parameters in ListCommands, as SSM does', async () => {
    const [host] = addHosts(1);
    const commandId = await send([host!.instanceId], { Comment: 'molectl test' });
    const out = await ssm.send(new ListCommandsCommand({ CommandId: commandId }));
    expect(out.Commands?.[0]).toMatchObject({
      Comment: 'molectl test',
      Parameters: { commands: ['echo hello'] },
      DocumentName: 'AWS-RunShellScript',
    });
  });
});

describe('DescribeInstanceInformation', () => {
  it('lists only SSM-managed instances, paginated, with ConnectionLost for offline hosts', async () => {
    addInstance(server.state, { ssm: 'none', tags: [{ Key: 'OrgSlug', Value: 'unmanaged' }] });
    const offline = addInstance(server.state, { tags: [{ Key: 'OrgSlug', Value: 'gone-dark' }] });
    server.state.faults.offlineHosts = ['gone-dark'];
    const managed = [...server.state.instances.values()].filter((i) => i.ssm !== null && i.state !== 'terminated');
    const seen = new Map<string, string>();
    for await (const page of paginateDescribeInstanceInformation({ client: ssm, pageSize: 10 }, {})) {
      for (const info of page.InstanceInformationList ?? []) seen.set(info.InstanceId ?? '', info.PingStatus ?? '');
    }
    expect(seen.size).toBe(managed.length);
    expect(seen.get(offline.instanceId)).toBe('ConnectionLost');
    const filtered = await ssm.send(
      new DescribeInstanceInformationCommand({ Filters: [{ Key: 'PingStatus', Values: ['ConnectionLost'] }] }),
    );
    expect(filtered.InstanceInformationList?.map((i) => i.InstanceId)).toEqual([offline.instanceId]);
  });
});
