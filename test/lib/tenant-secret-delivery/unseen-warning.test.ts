import { describe, expect, it } from 'vitest';
import { unseenWarning } from '../../../src/lib/tenant-secret-delivery/migration-plan.js';

const tenant = (name: string) => ({ name, why: `unmanaged: SSM agent ConnectionLost` });

describe('unseenWarning', () => {
  it('agrees with one tenant: "1 tenant was ... (it may ...)"', () => {
    expect(unseenWarning([tenant('theta')], ['was not reached', 'were not reached'], { why: true })).toBe(
      '1 tenant was not reached (it may still need the secret) — theta (unmanaged: SSM agent ConnectionLost)',
    );
  });

  it('and with several: "2 tenants were ... (they may ...)", each with why', () => {
    expect(unseenWarning([tenant('a'), tenant('b')], ['was not reached', 'were not reached'], { why: true })).toBe(
      '2 tenants were not reached (they may still need the secret) — a (unmanaged: SSM agent ConnectionLost); b (unmanaged: SSM agent ConnectionLost)',
    );
  });

  it('names only the first max, without why, when a table already says it', () => {
    const many = Array.from({ length: 12 }, (_, i) => tenant(`t${i}`));
    expect(unseenWarning(many, ['could not be judged', 'could not be judged'], { why: false, max: 10 })).toBe(
      '12 tenants could not be judged (they may still need the secret) — t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, ...',
    );
  });
});
