import { describe, expect, it } from 'vitest';
import type { ManagedSecret } from '../../../src/lib/secrets/managed-secret.js';
import { planRotation, renderRotationPlan } from '../../../src/lib/secrets/rotation-plan.js';
import { parseConsumer } from '../../../src/lib/secrets/secret-consumer.js';

const secret = (consumers: string[]): ManagedSecret => ({
  name: 's',
  secretId: 'id',
  description: null,
  generate: { kind: 'hex', bytes: 32 },
  consumers: consumers.map(parseConsumer),
});
const base = {
  from: { versionId: 'old', fingerprint: 'sha256:old' },
  to: null,
  done: [],
  overlapMs: 3_600_000,
  soakMs: 60_000,
  deployTimeoutMs: 600_000,
  bytes: 32,
};
const RAILWAY = 'railway:controlplane/production/PROVISION_SHARED_SECRET';
const TENANTS = 'tenants-env:MOLECULE_CP_SHARED_SECRET';

describe('planRotation', () => {
  it('a rotation lists create, each consumer in order, finish and the put-back rule', () => {
    const plan = planRotation({ ...base, mode: 'rotate', secret: secret([RAILWAY, TENANTS]) });
    expect(plan.steps[0]).toMatch(/^create: .*32 random bytes.*AWSPENDING.*ClientRequestToken/);
    expect(plan.steps.findIndex((s) => s.includes(RAILWAY))).toBeLessThan(
      plan.steps.findIndex((s) => s.includes(TENANTS)),
    );
    expect(plan.steps.some((s) => s.startsWith('finish: move AWSCURRENT'))).toBe(true);
    expect(plan.steps.at(-1)).toContain('put back on AWSCURRENT');
  });

  it('names the impact window between the CP and the tenants, with its expected length', () => {
    const plan = planRotation({ ...base, mode: 'rotate', secret: secret([RAILWAY, TENANTS]) });
    expect(plan.impactWindow).toContain(`from the moment ${RAILWAY} takes the new value until ${TENANTS} has it`);
    expect(plan.impactWindow).toContain('401');
    expect(plan.impactWindow).toContain('a Railway redeploy (up to 10m 0s) plus the tenant canary, its 1m 0s soak');
    expect(renderRotationPlan(plan)).toContain('impact window:');
  });

  it('has no impact window with a single consumer, and says when --overlap does not apply', () => {
    const plan = planRotation({ ...base, mode: 'rotate', secret: secret([RAILWAY]) });
    expect(plan.impactWindow).toBeNull();
    expect(plan.overlap).toContain('does not apply');
  });

  it('a resume marks the consumers the earlier run finished as skipped and reuses the pending version', () => {
    const plan = planRotation({
      ...base,
      mode: 'resume',
      secret: secret([RAILWAY, TENANTS]),
      to: { versionId: 'run-id', fingerprint: 'sha256:new' },
      done: [RAILWAY],
    });
    expect(plan.steps[0]).toContain('reuse the AWSPENDING version run-id');
    expect(plan.steps.find((s) => s.includes(RAILWAY))).toContain('done by the earlier run, skipped');
  });

  it('an abort puts consumers back and removes AWSPENDING, with no finish', () => {
    const plan = planRotation({
      ...base,
      mode: 'abort-pending',
      secret: secret([RAILWAY, TENANTS]),
      to: { versionId: 'run-id', fingerprint: 'sha256:new' },
    });
    expect(plan.steps.some((s) => s.startsWith('finish'))).toBe(false);
    expect(plan.steps.at(-1)).toBe('remove AWSPENDING from run-id (sha256:new)');
    expect(plan.impactWindow).toBeNull();
  });
});
