import type { Redactor } from '../output/redactor.js';
import { findInstanceAnswerLeaks } from '../verify/checks/instance-answer-leaks.js';
import { fail, pass, unknown, type Judgement } from './audit-verdict.js';

/**
 * admin-token-exposed: the edge's unauthenticated view of an org must hold no admin_token and no
 * token-shaped value (a leak the platform once shipped). Same rules as verify's
 * cp-instance-no-secret, applied to every org instead of the canaries.
 */
export function judgeInstanceAnswer(input: {
  answer: { body: unknown } | { unavailable: string };
  slug: string;
  redactor: Redactor;
}): Judgement {
  if (!('body' in input.answer)) return unknown(`GET /cp/orgs/${input.slug}/instance: ${input.answer.unavailable}`);
  const leaks = findInstanceAnswerLeaks(input.answer.body, input.redactor);
  if (leaks.length === 0) return pass('no admin_token, no token-shaped value');
  return fail(
    `the public instance answer exposes ${leaks.join(', ')}: anyone can read it without credentials`,
    `GET /cp/orgs/${input.slug}/instance (no auth): ${leaks.join(', ')}`,
    `roll the CP back to its last good deploy (railway redeploy of the previous deployment of controlplane), then rotate ${input.slug}'s tenant admin token; confirm with: molectl verify --only cp-instance-no-secret --canary ${input.slug}`,
  );
}
