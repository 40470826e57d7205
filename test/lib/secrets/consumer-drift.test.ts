import { describe, expect, it } from 'vitest';
import { countUnknownDrift, type ConsumerDrift } from '../../../src/lib/secrets/consumer-drift.js';

const row = (over: Partial<ConsumerDrift>): ConsumerDrift => ({
  consumer: 'c',
  kind: 'railway',
  holds: 'current',
  fingerprint: null,
  detail: '',
  ...over,
});

describe('what secrets status counts as not observed', () => {
  it('counts a consumer it could not read and tenants it could not see', () => {
    expect(
      countUnknownDrift([
        row({ holds: 'unknown', detail: 'could not read: HTTP 502' }),
        row({
          kind: 'tenants-env',
          holds: 'mixed',
          histogram: { current: 3, pending: 0, previous: 0, other: 0, missing: 0, unknown: 2 },
        }),
        row({ kind: 'tenants-env', holds: 'unknown', detail: '0/0 tenants on current' }),
      ]),
    ).toEqual({ consumers: 3, tenants: 2 });
  });

  it('does not count a write-only Gitea secret or tenants the operator chose not to probe', () => {
    expect(
      countUnknownDrift([
        row({ kind: 'gitea-actions-secret', holds: 'unknown', notObservable: 'write-only' }),
        row({ kind: 'tenants-env', holds: 'unknown', notObservable: 'not-probed' }),
        row({ holds: 'current' }),
      ]),
    ).toEqual({ consumers: 0, tenants: 0 });
  });
});
