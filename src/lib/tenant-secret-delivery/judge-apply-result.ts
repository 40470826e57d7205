import type { InstanceScriptResult } from '../ssm/run-shell-script.js';
import type { TargetState } from '../runs/run-ledger-schema.js';
import { parseScriptResult } from './parse-script-result.js';
import { cutRemoteLine, remoteText } from '../output/remote-text.js';

/**
 * Turns one invocation of the apply script into a target outcome. Pure. molectl decides, not
 * SSM: a host counts as done only when its script printed a valid result proving the expected
 * fingerprint; exit 0 without one is "unverified". Undeliverable, DeliveryTimedOut, AccessDenied
 * and TimedOut are failures here even though SSM does not count some of them toward MaxErrors.
 */

export interface ApplyJudgement {
  state: TargetState;
  /** migrated | current | rolled-back | unverified | undeliverable | ... */
  outcome: string;
  reason: string | null;
  detail: Record<string, string | number | boolean | null>;
}

export function judgeApplyResult(result: InstanceScriptResult, expectedFingerprint: string): ApplyJudgement {
  // molectl's own verdicts (NoResult: stopped waiting; NotSent) name the case in `status`;
  // for SSM's, StatusDetails is the precise one (Undeliverable rather than Failed).
  const ssmStatus =
    result.status === 'NoResult' || result.status === 'NotSent'
      ? result.status
      : (result.statusDetails ?? result.status);
  const detail = { ssmStatus, exitCode: result.responseCode };
  // Never started: molectl did not send it, or SSM stopped dispatching (MaxErrors reached).
  if (result.status === 'NotSent' || (ssmStatus === 'Terminated' && result.responseCode !== 0 && !result.stdout)) {
    return { state: 'pending', outcome: 'not-started', reason: 'not started: the error budget was spent', detail };
  }
  const parsed = parseScriptResult(result.stdout);
  const full = {
    ...detail,
    fingerprint: parsed?.fingerprint ?? null,
    previousFingerprint: parsed?.previousFingerprint ?? null,
    containerId: parsed?.containerId ?? null,
    durable: parsed?.durable ?? null,
    updaterPatched: parsed?.updaterPatched ?? null,
    health: parsed?.health ?? null,
    fingerprintMatch: parsed?.fingerprint ? parsed.fingerprint === expectedFingerprint : null,
  };
  if (result.status === 'Success') {
    if (!parsed)
      return {
        state: 'failed',
        outcome: 'unverified',
        reason: 'the script exited 0 without a result line',
        detail: full,
      };
    if ((parsed.status === 'migrated' || parsed.status === 'current') && parsed.fingerprint === expectedFingerprint) {
      return { state: 'succeeded', outcome: parsed.status, reason: null, detail: full };
    }
    return {
      state: 'failed',
      outcome: 'unverified',
      reason: `result "${remoteText(parsed.status)}" does not prove ${expectedFingerprint}`,
      detail: full,
    };
  }
  if (parsed)
    return {
      state: 'failed',
      outcome: parsed.status,
      // The host's words: remote text (shapes redacted in it, controls escaped when printed).
      reason: remoteText(parsed.reason ?? `script ended ${parsed.status}`),
      detail: full,
    };
  const outcome = ssmStatus === 'NoResult' ? 'no-result' : ssmStatus.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  const why = result.statusDetails && result.statusDetails !== result.status ? result.statusDetails : result.status;
  const stderr = result.stderr.trim().split('\n').at(-1);
  return {
    state: 'failed',
    outcome,
    reason: `SSM ${why}${stderr ? `: ${remoteText(cutRemoteLine(stderr, 200))}` : ''}`,
    detail: full,
  };
}
