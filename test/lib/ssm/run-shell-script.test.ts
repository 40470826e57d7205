import { afterEach, describe, expect, it } from 'vitest';
import { batchInstanceIds, runShellScript } from '../../../src/lib/ssm/run-shell-script.js';
import { createFastClock, FakeSsm } from './fake-ssm.js';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `i-${(i + 1).toString(16).padStart(17, '0')}`);
let fake: FakeSsm | undefined;
afterEach(() => fake?.dispose());

function deps(f: FakeSsm, signal = new AbortController().signal) {
  return { aws: f, clock: createFastClock(), signal };
}

describe('runShellScript', () => {
  it('sends at most 50 ids per command and collects every instance', async () => {
    fake = new FakeSsm({ instanceIds: ids(120), runner: (_s, id) => ({ code: 0, stdout: `on ${id}\n`, stderr: '' }) });
    const results = await runShellScript(deps(fake), { instanceIds: ids(120), commands: ['echo "on $INSTANCE_ID"'] });
    expect(fake.commands.map((c) => c.input.instanceIds.length)).toEqual([50, 50, 20]);
    expect(results).toHaveLength(120);
    expect(results.every((r) => r.status === 'Success' && r.stdout === `on ${r.instanceId}\n`)).toBe(true);
  });

  it('treats invocations missing right after sending as not yet, not as failures', async () => {
    fake = new FakeSsm({ instanceIds: ids(2), invisiblePolls: 3 });
    const results = await runShellScript(deps(fake), { instanceIds: ids(2), commands: ['echo ok'] });
    expect(results.map((r) => r.status)).toEqual(['Success', 'Success']);
    expect(fake.calls.list).toBe(4);
  });

  it('polls once per command per round, not once per instance', async () => {
    fake = new FakeSsm({
      instanceIds: ids(100),
      invisiblePolls: 2,
      runner: () => ({ code: 0, stdout: '', stderr: '' }),
    });
    await runShellScript(deps(fake), { instanceIds: ids(100), commands: ['true'] });
    expect(fake.calls.list).toBe(2 * 3);
  });

  it('reports unreachable instances with their SSM status and no exit code guess', async () => {
    fake = new FakeSsm({ instanceIds: ids(2), offline: [ids(2)[1]!] });
    const [ok, offline] = await runShellScript(deps(fake), { instanceIds: ids(2), commands: ['exit 4'] });
    expect(ok).toMatchObject({ status: 'Failed', responseCode: 4 });
    expect(offline).toMatchObject({ status: 'Undeliverable' });
  });

  it('flags output that reached the 24,000 / 8,000-character caps as truncated', async () => {
    fake = new FakeSsm({ instanceIds: ids(1) });
    const [r] = await runShellScript(deps(fake), {
      instanceIds: ids(1),
      commands: ['head -c 30000 /dev/zero | tr "\\0" x', 'head -c 9000 /dev/zero | tr "\\0" y >&2'],
    });
    expect(r!.stdout).toHaveLength(24_000);
    expect(r!.stdoutTruncated).toBe(true);
    expect(r!.stderrTruncated).toBe(true);
  });

  it('gives up on stragglers after waitMs and says so', async () => {
    fake = new FakeSsm({ instanceIds: ids(1), invisiblePolls: 1_000 });
    const [r] = await runShellScript(deps(fake), { instanceIds: ids(1), commands: ['true'], waitMs: 10_000 });
    expect(r).toMatchObject({ status: 'NoResult', responseCode: null });
    expect(r!.statusDetails).toMatch(/stopped waiting after 10 s/);
  });

  it('cancels what it started when interrupted', async () => {
    fake = new FakeSsm({ instanceIds: ids(1), invisiblePolls: 1_000 });
    const controller = new AbortController();
    const clock = createFastClock();
    const sleep = clock.sleep;
    clock.sleep = async (ms, signal) => {
      controller.abort(new Error('interrupted'));
      return sleep(ms, signal);
    };
    await expect(
      runShellScript({ aws: fake, clock, signal: controller.signal }, { instanceIds: ids(1), commands: ['true'] }),
    ).rejects.toThrow('interrupted');
    expect(fake.calls.cancel).toBe(1);
  });

  it('batches ids in order', () => {
    expect(batchInstanceIds(['a', 'b', 'c'], 2)).toEqual([['a', 'b'], ['c']]);
    expect(batchInstanceIds([], 2)).toEqual([]);
  });
});

describe('status details', () => {
  it('reports Undeliverable even when GetCommandInvocation says Failed', async () => {
    const f = new FakeSsm({ instanceIds: ids(1), offline: ids(1) });
    fake = f;
    const get = f.getInvocationOutput.bind(f);
    f.getInvocationOutput = async (c, i) => ({
      ...(await get(c, i))!,
      status: 'Failed',
      statusDetails: 'Undeliverable',
    });
    const [r] = await runShellScript(deps(f), { instanceIds: ids(1), commands: ['true'] });
    expect(r).toMatchObject({ status: 'Undeliverable', statusDetails: 'Undeliverable' });
  });
});

describe('delivery timeout', () => {
  it('passes a short delivery timeout through to SendCommand when asked', async () => {
    const sent: Array<number | undefined> = [];
    const f = new FakeSsm({
      instanceIds: ids(1),
      runner: () => ({ code: 0, stdout: '', stderr: '' }),
      onSend: (input) => sent.push(input.deliveryTimeoutSeconds),
    });
    fake = f;
    await runShellScript(deps(f), { instanceIds: ids(1), commands: ['true'], deliveryTimeoutSeconds: 60 });
    await runShellScript(deps(f), { instanceIds: ids(1), commands: ['true'] });
    expect(sent).toEqual([60, undefined]);
  });
});
