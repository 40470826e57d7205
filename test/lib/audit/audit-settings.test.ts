import { describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../../../src/lib/audit/audit-checks.js';
import { neededSources, resolveAuditSettings } from '../../../src/lib/audit/audit-settings.js';
import { UsageError } from '../../../src/lib/errors.js';

const flags = { failOn: 'high' as const, console: true };

describe('resolveAuditSettings', () => {
  it('runs every check by default with the documented defaults', () => {
    const s = resolveAuditSettings({}, flags);
    expect(s.checks).toEqual([...CHECK_IDS]);
    expect(s).toMatchObject({
      skipped: [],
      expectedImage: null,
      expectedPorts: [8080, 3000],
      minAgentVersion: '3.0.0.0',
      orgs: null,
    });
  });

  it('takes --checks, --skip and --no-console, and says why each check was left out', () => {
    const s = resolveAuditSettings(
      {},
      { ...flags, checks: ['imds-v1', 'console-leaks-secret', 'tag-mismatch'], skip: ['tag-mismatch'], console: false },
    );
    expect(s.checks).toEqual(['imds-v1']);
    expect(s.skipped).toContainEqual({ id: 'console-leaks-secret', reason: '--no-console' });
    expect(s.skipped).toContainEqual({ id: 'tag-mismatch', reason: '--skip' });
    expect(s.skipped).toContainEqual({ id: 'cp-secret-missing', reason: 'not in --checks' });
  });

  it('prefers --expected-image to the config, and reads the config', () => {
    expect(
      resolveAuditSettings({ audit: { expectedImage: 'a', expectedPorts: [443], minAgentVersion: '3.2' } }, flags),
    ).toMatchObject({ expectedImage: 'a', expectedPorts: [443], minAgentVersion: '3.2' });
    expect(
      resolveAuditSettings({ audit: { expectedImage: 'a' } }, { ...flags, expectedImage: 'b' }).expectedImage,
    ).toBe('b');
  });

  it.each([
    [{ checks: ['imds-v2'] }, 'unknown check id imds-v2'],
    [{ skip: ['nope', 'never'] }, 'unknown check ids nope, never'],
    [{ checks: ['imds-v1'], skip: ['imds-v1'] }, 'no checks left to run'],
  ])('refuses %j', (extra, message) => {
    expect(() => resolveAuditSettings({}, { ...flags, ...extra })).toThrow(UsageError);
    expect(() => resolveAuditSettings({}, { ...flags, ...extra })).toThrow(message);
  });
});

describe('neededSources', () => {
  it('reads only what the selected checks rest on', () => {
    expect(neededSources(['imds-v1'])).toEqual({
      probe: false,
      managed: false,
      secret: false,
      groups: false,
      consoles: false,
      answers: false,
    });
    expect(neededSources(['agent-too-old'])).toMatchObject({ probe: false, managed: true });
    expect(neededSources(['cp-secret-stale'])).toMatchObject({ probe: true, managed: true, secret: true });
    expect(neededSources(['unexpected-listener', 'debug-port-open'])).toMatchObject({
      probe: true,
      groups: true,
      secret: false,
    });
  });
});
