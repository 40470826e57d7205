import { describe, expect, it } from 'vitest';
import { createRetryAnnouncer } from '../../../src/lib/http/announce-retry.js';

describe('createRetryAnnouncer', () => {
  it('says a long wait on stderr (warn) and keeps a short one for --verbose', () => {
    const said: string[] = [];
    const announce = createRetryAnnouncer({
      warn: (t) => said.push(`warn ${t}`),
      verbose: (t) => said.push(`verbose ${t}`),
    });
    announce({
      method: 'POST',
      url: 'https://api.moleculesai.app/cp/admin/orgs',
      attempt: 2,
      maxAttempts: 4,
      delayMs: 30_000,
      reason: 'HTTP 429',
      status: 429,
    });
    announce({
      method: 'GET',
      url: 'https://api.moleculesai.app/health',
      attempt: 2,
      maxAttempts: 4,
      delayMs: 250,
      reason: 'HTTP 503',
      status: 503,
    });
    announce({
      method: 'GET',
      url: 'https://api.moleculesai.app/cp/admin/orgs',
      attempt: 3,
      maxAttempts: 4,
      delayMs: 400,
      reason: 'timeout after 20000 ms',
      waitedMs: 20_000,
    });
    expect(said).toEqual([
      'warn retrying POST https://api.moleculesai.app/cp/admin/orgs (2/4) in 30.0s after HTTP 429',
      'verbose retrying GET https://api.moleculesai.app/health (2/4) in 0.3s after HTTP 503',
      // 20 s of silence already: said without --verbose, so a slow CP does not look like a hung molectl.
      'warn retrying GET https://api.moleculesai.app/cp/admin/orgs (3/4) in 0.4s after timeout after 20000 ms',
    ]);
  });
});
