import { describe, expect, it } from 'vitest';
import { judgeApplyResult as judgeMarked } from '../../../src/lib/tenant-secret-delivery/judge-apply-result.js';
import { stripRemoteMarks } from '../../../src/lib/output/remote-text.js';
import type { InstanceScriptResult } from '../../../src/lib/ssm/run-shell-script.js';
import { EXPECTED_FP, OTHER_FP, invocation, resultLine } from './fixtures.js';

/** The judgement as it reads once printed: the host's words in it are marked as remote text. */
function judgeApplyResult(...args: Parameters<typeof judgeMarked>): ReturnType<typeof judgeMarked> {
  const judged = judgeMarked(...args);
  return { ...judged, reason: judged.reason === null ? null : stripRemoteMarks(judged.reason) };
}

const migrated = resultLine({
  status: 'migrated',
  fingerprint: EXPECTED_FP,
  previousFingerprint: '',
  containerId: 'abc123def456',
  durable: true,
  updaterPatched: true,
  health: 'ok',
  backupContainer: 'molecule-tenant-molectl-run',
});
const current = resultLine({
  status: 'current',
  fingerprint: EXPECTED_FP,
  previousFingerprint: EXPECTED_FP,
  containerId: 'abc123def456',
  durable: true,
  updaterPatched: false,
  health: 'unchanged',
});
const failedRun = (status: string, reason: string): Partial<InstanceScriptResult> => ({
  status: 'Failed',
  statusDetails: 'Failed',
  responseCode: 1,
  stdout: resultLine({ status, reason }),
  stderr: `molectl: ${reason}\n`,
});

describe('judgeApplyResult', () => {
  it.each([
    ['migrated with the expected fingerprint', { stdout: `noise\n${migrated}\n` }, 'succeeded', 'migrated', null],
    ['already current with the expected fingerprint', { stdout: current }, 'succeeded', 'current', null],
    [
      'exit 0 without a result line',
      { stdout: 'molectl: done\n' },
      'failed',
      'unverified',
      'the script exited 0 without a result line',
    ],
    ['exit 0 with empty output', { stdout: '' }, 'failed', 'unverified', 'the script exited 0 without a result line'],
    [
      'exit 0 with a broken result line',
      { stdout: 'MOLECTL_RESULT {"status":"migr' },
      'failed',
      'unverified',
      'the script exited 0 without a result line',
    ],
    [
      'migrated, but to another fingerprint',
      { stdout: resultLine({ status: 'migrated', fingerprint: OTHER_FP }) },
      'failed',
      'unverified',
      `result "migrated" does not prove ${EXPECTED_FP}`,
    ],
    [
      'current, but with another fingerprint',
      { stdout: resultLine({ status: 'current', fingerprint: OTHER_FP }) },
      'failed',
      'unverified',
      `result "current" does not prove ${EXPECTED_FP}`,
    ],
    [
      'migrated without a fingerprint',
      { stdout: resultLine({ status: 'migrated' }) },
      'failed',
      'unverified',
      `result "migrated" does not prove ${EXPECTED_FP}`,
    ],
    [
      'exit 0 with a status that is not a success',
      { stdout: resultLine({ status: 'probed', fingerprint: EXPECTED_FP }) },
      'failed',
      'unverified',
      `result "probed" does not prove ${EXPECTED_FP}`,
    ],
    [
      'rolled back by the script',
      failedRun('rolled-back', 'recreating the container failed; the previous container is running again'),
      'failed',
      'rolled-back',
      'recreating the container failed; the previous container is running again',
    ],
    [
      'the host fetched another value',
      failedRun('fetch-mismatch', 'fetched value has fingerprint sha256:000000000000, expected sha256:9f86d081884c'),
      'failed',
      'fetch-mismatch',
      'fetched value has fingerprint sha256:000000000000, expected sha256:9f86d081884c',
    ],
    [
      'the instance role cannot read the secret',
      failedRun('fetch-failed', 'could not read the secret with the instance role (secrets-manager)'),
      'failed',
      'fetch-failed',
      'could not read the secret with the instance role (secrets-manager)',
    ],
    [
      'no aws CLI after all',
      failedRun('not-deliverable', 'the aws CLI is not installed on the host'),
      'failed',
      'not-deliverable',
      'the aws CLI is not installed on the host',
    ],
    [
      'a failure line without a reason',
      { status: 'Failed', statusDetails: 'Failed', responseCode: 1, stdout: resultLine({ status: 'failed' }) },
      'failed',
      'failed',
      'script ended failed',
    ],
  ] as Array<[string, Partial<InstanceScriptResult>, string, string, string | null]>)(
    '%s → %s %s',
    (_name, given, state, outcome, reason) => {
      const judged = judgeApplyResult(invocation(given), EXPECTED_FP);
      expect(judged).toMatchObject({ state, outcome, reason });
    },
  );

  it.each([
    ['Undeliverable', 'Undeliverable', null, 'undeliverable', 'SSM Undeliverable'],
    [
      'DeliveryTimedOut (GetCommandInvocation says Failed)',
      'Failed',
      'DeliveryTimedOut',
      'delivery-timed-out',
      'SSM DeliveryTimedOut',
    ],
    ['TimedOut', 'TimedOut', 'ExecutionTimedOut', 'execution-timed-out', 'SSM ExecutionTimedOut'],
    ['TimedOut without details', 'TimedOut', null, 'timed-out', 'SSM TimedOut'],
    ['AccessDenied', 'AccessDenied', 'AccessDenied', 'access-denied', 'SSM AccessDenied'],
    ['NoResult without details', 'NoResult', null, 'no-result', 'SSM NoResult'],
    ['cancelled', 'Cancelled', 'Cancelled', 'cancelled', 'SSM Cancelled'],
  ])('%s without a result line is a failure', (_name, status, statusDetails, outcome, reason) => {
    const judged = judgeApplyResult(invocation({ status, statusDetails, responseCode: null }), EXPECTED_FP);
    expect(judged).toMatchObject({ state: 'failed', outcome, reason });
    expect(judged.detail.fingerprintMatch).toBeNull();
  });

  // runShellScript reports a host it stopped waiting for as status 'NoResult' with a sentence in
  // statusDetails; the verdict is named by the status.
  it('names a host molectl stopped waiting for "no-result" (as runShellScript reports it)', () => {
    const judged = judgeApplyResult(
      invocation({ status: 'NoResult', statusDetails: 'molectl stopped waiting after 390 s', responseCode: null }),
      EXPECTED_FP,
    );
    expect(judged).toMatchObject({
      state: 'failed',
      outcome: 'no-result',
      reason: 'SSM molectl stopped waiting after 390 s',
    });
    expect(judged.detail.ssmStatus).toBe('NoResult');
  });

  it('adds the last stderr line to an SSM failure, capped at 200 characters on a word boundary', () => {
    const judged = judgeApplyResult(
      invocation({
        status: 'Failed',
        statusDetails: 'Failed',
        responseCode: 2,
        stderr: `first\n${'word '.repeat(60)}\n`,
      }),
      EXPECTED_FP,
    );
    expect(stripRemoteMarks(judged.reason!)).toBe(`SSM Failed: ${'word '.repeat(40).trimEnd()}…`);
    // A word the cap would split (a secret, perhaps) is left out whole, not shown in part.
    const split = judgeApplyResult(
      invocation({
        status: 'Failed',
        statusDetails: 'Failed',
        responseCode: 2,
        stderr: `${'x '.repeat(95)}${'s'.repeat(30)}\n`,
      }),
      EXPECTED_FP,
    );
    expect(stripRemoteMarks(split.reason!)).toBe(`SSM Failed: ${'x '.repeat(95).trimEnd()}…`);
  });

  it('leaves a host that SSM never started (MaxErrors reached) pending, not failed', () => {
    const judged = judgeApplyResult(
      invocation({ status: 'Cancelled', statusDetails: 'Terminated', responseCode: -1, stdout: '' }),
      EXPECTED_FP,
    );
    expect(judged).toEqual({
      state: 'pending',
      outcome: 'not-started',
      reason: 'not started: the error budget was spent',
      detail: { ssmStatus: 'Terminated', exitCode: -1 },
    });
  });

  it('leaves a host molectl never sent (dispatch stopped past the budget) pending', () => {
    const judged = judgeApplyResult(
      invocation({ commandId: '', status: 'NotSent', statusDetails: 'not sent', responseCode: null, stdout: '' }),
      EXPECTED_FP,
    );
    expect(judged).toMatchObject({ state: 'pending', outcome: 'not-started' });
  });

  it('counts a Terminated host that had started (it printed something) as a failure', () => {
    const judged = judgeApplyResult(
      invocation({ status: 'Cancelled', statusDetails: 'Terminated', responseCode: -1, stdout: 'molectl: partial\n' }),
      EXPECTED_FP,
    );
    expect(judged.state).toBe('failed');
    expect(judged.outcome).toBe('terminated');
  });

  it('keeps what the report shows: SSM status, exit code, fingerprint match, health', () => {
    expect(judgeApplyResult(invocation({ stdout: migrated }), EXPECTED_FP).detail).toEqual({
      ssmStatus: 'Success',
      exitCode: 0,
      fingerprint: EXPECTED_FP,
      previousFingerprint: '', // the script prints "" for "held nothing"
      containerId: 'abc123def456',
      durable: true,
      updaterPatched: true,
      health: 'ok',
      fingerprintMatch: true,
    });
    expect(
      judgeApplyResult(invocation({ stdout: resultLine({ status: 'migrated', fingerprint: OTHER_FP }) }), EXPECTED_FP)
        .detail.fingerprintMatch,
    ).toBe(false);
  });
});
