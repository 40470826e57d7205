import { isThrottlingError } from '../aws/translate-aws-error.js';
import type { Clock } from '../clock.js';

/**
 * How fast molectl calls SSM's Run Command APIs. AWS throttles them per account and region
 * (shared with everyone else calling SSM there, the CP's own fleet redeploy included) and does
 * not publish the rates, so molectl starts at a conservative ceiling and adapts: a
 * ThrottlingException halves that action's rate, every call that goes through wins a little of
 * it back (additive increase, multiplicative decrease, as TCP does). Throttled calls are not lost:
 * callers retry them at the slower pace.
 *
 * Ceilings (docs/commands/migrate-cp-secret.md, "Concurrency and SSM rate limits"):
 */
export const SSM_RATE_CEILINGS = {
  /** SendCommand: each starts up to 50 hosts, so 10/s can feed 500 hosts a second. */
  SendCommand: 10,
  /** ListCommandInvocations: one per command in flight per poll round. */
  ListCommandInvocations: 20,
  /** GetCommandInvocation: only for failures and outputs past ListCommandInvocations' preview. */
  GetCommandInvocation: 20,
} as const;

export type PacedSsmAction = keyof typeof SSM_RATE_CEILINGS;

/** Never slower than one call every 4 s: slow enough for any throttle, fast enough to finish. */
const FLOOR_PER_SECOND = 0.25;

export interface SsmPacer {
  /** Waits until this action may be called again. */
  take(action: PacedSsmAction, signal: AbortSignal): Promise<void>;
  /** Reports how a call ended: a throttle halves the action's rate, anything else nudges it back up. */
  settle(action: PacedSsmAction, error?: unknown): void;
  /** Throttles seen so far, per action (for progress and benchmarks). */
  readonly throttled: Readonly<Record<PacedSsmAction, number>>;
}

export function createSsmPacer(clock: Clock, ceilings: Record<PacedSsmAction, number> = SSM_RATE_CEILINGS): SsmPacer {
  const lanes = new Map<PacedSsmAction, { rate: number; next: number }>();
  const throttled: Record<PacedSsmAction, number> = {
    SendCommand: 0,
    ListCommandInvocations: 0,
    GetCommandInvocation: 0,
  };
  const lane = (action: PacedSsmAction): { rate: number; next: number } => {
    let l = lanes.get(action);
    if (!l) {
      l = { rate: ceilings[action], next: 0 };
      lanes.set(action, l);
    }
    return l;
  };
  return {
    throttled,
    async take(action, signal) {
      const l = lane(action);
      const now = clock.now().getTime();
      // Reserve the slot before waiting, so concurrent callers queue one behind the other.
      const at = Math.max(now, l.next);
      l.next = at + 1000 / l.rate;
      if (at > now) await clock.sleep(at - now, signal);
    },
    settle(action, error) {
      const l = lane(action);
      if (error !== undefined && isSsmThrottle(error)) {
        throttled[action] += 1;
        l.rate = Math.max(FLOOR_PER_SECOND, l.rate / 2);
        // Let the throttle's bucket refill before the next call of this action.
        l.next = Math.max(l.next, clock.now().getTime() + 1000 / l.rate);
      } else {
        l.rate = Math.min(ceilings[action], l.rate + ceilings[action] / 20);
      }
    },
  };
}

/** A throttle, raw from the SDK or already translated by the AWS door (which keeps it as cause). */
export function isSsmThrottle(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    if (isThrottlingError(e)) return true;
  }
  return false;
}
