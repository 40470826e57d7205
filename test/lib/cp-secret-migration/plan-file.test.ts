import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MolectlError, UsageError } from '../../../src/lib/errors.js';
import { assertNoDrift, findPlanDrift, readPlanFile } from '../../../src/lib/cp-secret-migration/plan-file.js';
import { OTHER_FP, plan, target } from '../tenant-secret-delivery/fixtures.js';

const saved = plan([
  target('acme', 'needs-migration'),
  target('beta', 'stale'),
  target('gamma', 'current'),
  target('delta', 'unmanaged'),
]);

describe('findPlanDrift', () => {
  it('finds none when nothing changed', () => {
    expect(findPlanDrift(saved, plan([...saved.targets]))).toEqual({ reasons: [] });
  });

  it.each([
    [
      'another environment',
      plan(saved.targets, { environment: { ...saved.environment, name: 'staging' } }),
      ['the plan is for production (https://api.moleculesai.app), not staging (https://api.moleculesai.app)'],
    ],
    [
      'another CP URL',
      plan(saved.targets, { environment: { ...saved.environment, cpUrl: 'https://staging-api.moleculesai.app' } }),
      [
        'the plan is for production (https://api.moleculesai.app), not production (https://staging-api.moleculesai.app)',
      ],
    ],
    [
      'a new secret version',
      plan(saved.targets, { secret: { ...saved.secret, versionId: 'v-2' } }),
      ["the secret's current version changed from v-1 (sha256:9f86d081884c) to v-2 (sha256:9f86d081884c)"],
    ],
    [
      'the same version id with another value',
      plan(saved.targets, { secret: { ...saved.secret, fingerprint: OTHER_FP } }),
      [`the secret's current version changed from v-1 (sha256:9f86d081884c) to v-1 (${OTHER_FP})`],
    ],
    [
      'a target on a new instance',
      plan([target('acme', 'needs-migration', { instanceId: 'i-new' }), ...saved.targets.slice(1)]),
      ['acme moved from i-acme to i-new'],
    ],
    [
      'a target gone from the fleet',
      plan(saved.targets.filter((t) => t.slug !== 'beta')),
      ['beta is no longer in the fleet'],
    ],
  ])('reports %s', (_name, fresh, reasons) => {
    expect(findPlanDrift(saved, fresh).reasons).toEqual(reasons);
  });

  it('ignores targets the saved plan does not change, and new tenants it does not know', () => {
    const fresh = plan([
      target('acme', 'needs-migration'),
      target('beta', 'stale'),
      target('delta', 'unmanaged', { instanceId: 'i-other' }),
      target('new', 'needs-migration'),
    ]);
    expect(findPlanDrift(saved, fresh).reasons).toEqual([]);
  });

  it('lists every reason', () => {
    const fresh = plan([], {
      environment: { ...saved.environment, name: 'staging' },
      secret: { ...saved.secret, versionId: 'v-9' },
    });
    expect(findPlanDrift(saved, fresh).reasons).toHaveLength(4);
  });

  // `apply --plan` does not probe hosts again (the fresh plan it compares with has every target
  // 'probe-failed', reason 'not probed'), so a class change is not drift: only the environment,
  // the pinned version and where the targets are. (The comment on findPlanDrift still mentions
  // classes.) A tenant that went offline since the plan was saved is dispatched and fails.
  it('does not compare classes (a saved plan is not probed again)', () => {
    const fresh = plan(saved.targets.map((t) => ({ ...t, class: 'probe-failed' as const, reason: 'not probed' })));
    expect(findPlanDrift(saved, fresh).reasons).toEqual([]);
  });
});

describe('assertNoDrift', () => {
  it('passes without reasons', () => {
    expect(() => assertNoDrift({ reasons: [] }, 'plan.json')).not.toThrow();
  });

  it('names the file, the first three reasons and how many more, with a hint to re-plan', () => {
    let error: unknown;
    try {
      assertNoDrift({ reasons: ['a', 'b', 'c', 'd', 'e'] }, 'plan.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MolectlError);
    expect((error as MolectlError).message).toBe('plan plan.json has drifted: a; b; c (+2 more)');
    expect((error as MolectlError).hint).toContain('molectl migrate cp-secret plan --out FILE');
  });
});

describe('readPlanFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'molectl-plan-file-'));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  // A plan as molectl writes it: real-looking instance ids.
  const written = plan([
    target('acme', 'needs-migration', { instanceId: 'i-0123456789abcdef0' }),
    target('beta', 'stale', { instanceId: 'i-0fedcba9876543210', fingerprint: OTHER_FP }),
  ]);

  it('reads a plan back', async () => {
    await expect(readPlanFile(file('ok.json', JSON.stringify(written)))).resolves.toEqual(written);
  });

  it.each([
    ['a missing file', join(dir, 'missing.json'), 'cannot read plan file'],
    ['not JSON', 'not-json', 'is not JSON'],
    ['another kind of JSON', 'other-kind', 'is not a valid molectl cp-secret plan: schemaVersion'],
    ['another schema version', 'schema-1', 'is a plan of schema 1; this molectl reads schema 2'],
    ['a made-up instance id', 'bad-id', 'targets.0.instanceId: expected an EC2 instance id'],
  ])('refuses %s as a usage error', async (_name, which, message) => {
    const path =
      which === 'not-json'
        ? file('bad.json', '{')
        : which === 'other-kind'
          ? file('kind.json', '{"kind":"x"}')
          : which === 'schema-1'
            ? file('v1.json', JSON.stringify({ ...saved, schemaVersion: 1 }))
            : which === 'bad-id'
              ? file('id.json', JSON.stringify(saved))
              : which;
    const attempt = readPlanFile(path);
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(readPlanFile(path)).rejects.toThrow(message);
  });
});
