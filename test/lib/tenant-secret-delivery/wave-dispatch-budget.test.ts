import { describe, expect, it } from 'vitest';
import type { InvocationSummary, SendShellCommandInput } from '../../../src/lib/aws/aws-types.js';
import { judgeApplyResult } from '../../../src/lib/tenant-secret-delivery/judge-apply-result.js';
import { runShellScript, type ShellScriptApi } from '../../../src/lib/ssm/run-shell-script.js';
import { createFakeClock } from '../org/fake-clock.js';
import { EXPECTED_FP, resultLine } from './fixtures.js';

/**
 * How a wave of apply (src/lib/tenant-secret-delivery/apply-migration.ts dispatchWave) uses runShellScript:
 * commands of at most 50 ids sized to the free capacity (at most --max-concurrency hosts in
 * flight across the fleet, every id of a command started at once), and no further command once
 * the wave's failures exceed its budget. A fake SSM in which every host answers at the first poll, one host
 * failing; time is a fake clock, so a hang shows up as time passed, not as a slow test.
 */
function fakeSsm(failing: Set<string>) {
  const sent: SendShellCommandInput[] = [];
  let n = 0;
  const byCommand = new Map<string, string[]>();
  const api: ShellScriptApi = {
    async sendShellCommand(input) {
      sent.push(input);
      const commandId = `cmd-${++n}`;
      byCommand.set(commandId, input.instanceIds);
      return { commandId };
    },
    async listInvocations(commandId): Promise<InvocationSummary[]> {
      return byCommand.get(commandId)!.map((instanceId) =>
        failing.has(instanceId)
          ? {
              commandId,
              instanceId,
              status: 'Failed',
              statusDetails: 'Failed',
              responseCode: 1,
              outputPreview: resultLine({ status: 'rolled-back', reason: 'docker run failed' }),
            }
          : {
              commandId,
              instanceId,
              status: 'Success',
              statusDetails: 'Success',
              responseCode: 0,
              outputPreview: resultLine({ status: 'migrated', fingerprint: EXPECTED_FP }),
            },
      );
    },
    async getInvocationOutput(commandId, instanceId) {
      const failed = failing.has(instanceId);
      return {
        status: failed ? 'Failed' : 'Success',
        statusDetails: failed ? 'Failed' : 'Success',
        responseCode: failed ? 1 : 0,
        stdout: resultLine(
          failed
            ? { status: 'rolled-back', reason: 'docker run failed' }
            : { status: 'migrated', fingerprint: EXPECTED_FP },
        ),
        stderr: '',
      };
    },
    async cancelCommand() {},
  };
  return { api, sent };
}

const hosts = Array.from({ length: 59 }, (_, i) => `i-${String(i).padStart(3, '0')}`);

async function runWave(budget: number) {
  const clock = createFakeClock();
  const ssm = fakeSsm(new Set(['i-002']));
  const started = clock.now().getTime();
  const results = await runShellScript(
    { aws: ssm.api, clock, signal: new AbortController().signal },
    {
      instanceIds: hosts,
      commands: ['true'],
      timeoutSeconds: 330,
      maxConcurrency: '5',
      maxErrors: String(budget),
      maxInFlight: 5,
      stopDispatch: (done) => done.filter((r) => judgeApplyResult(r, EXPECTED_FP).state === 'failed').length > budget,
      cancelOnAbort: false,
      previewIsComplete: () => true,
    },
  );
  return { results, sent: ssm.sent, elapsedMs: clock.now().getTime() - started };
}

describe('a wave past its failure budget', () => {
  it('sends the whole wave when failures stay within the budget', async () => {
    const { results, sent } = await runWave(1);
    expect(sent.map((s) => s.instanceIds.length)).toEqual([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4]);
    expect(sent.every((s) => s.maxConcurrency === String(s.instanceIds.length))).toBe(true);
    expect(results).toHaveLength(59);
    expect(results.filter((r) => judgeApplyResult(r, EXPECTED_FP).state === 'failed')).toHaveLength(1);
  });

  it('sends no further batch once failures exceed the budget', async () => {
    const { sent } = await runWave(0);
    expect(sent.map((s) => s.instanceIds.length)).toEqual([5]);
  });

  // Hosts kept back once the budget is spent come back NotSent at once; the run does not wait
  // out the host timeout for results that will never come.
  it('returns the unsent hosts as NotSent, without waiting out the host timeout', async () => {
    const { results, elapsedMs } = await runWave(0);
    expect(results).toHaveLength(59);
    expect(results.filter((r) => r.status === 'NotSent')).toHaveLength(54);
    expect(
      results
        .filter((r) => r.status === 'NotSent')
        .every((r) => judgeApplyResult(r, EXPECTED_FP).outcome === 'not-started'),
    ).toBe(true);
    expect(elapsedMs).toBeLessThan(60_000);
  });
});
