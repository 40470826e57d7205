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
      'another container name',
      plan(saved.targets, { containerName: 'molecule-tenant-v2' }),
      ["the plan changes container molecule-tenant, the environment's is molecule-tenant-v2"],
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

  /** A written plan changed by `edit`, as JSON text. */
  const edited = (edit: (doc: Record<string, any>) => void): string => {
    const doc = JSON.parse(JSON.stringify(written)) as Record<string, any>;
    edit(doc);
    return JSON.stringify(doc);
  };

  // Every problem is exit 2 in one line that says which problem it is.
  it.each<[string, string | null, RegExp]>([
    ['a missing file', null, /^cannot read plan file .*missing\.json$/],
    ['not JSON', '{', /^plan file .* is not JSON$/],
    [
      'another kind of JSON',
      '{"kind":"x"}',
      /is not a molectl cp-secret plan \(its "kind" is "x", not "molectl-cp-secret-plan"\)$/,
    ],
    ['JSON without a kind', '[1,2]', /is not a molectl cp-secret plan \(its "kind" is missing/],
    [
      'a plan without a schemaVersion',
      edited((d) => delete d.schemaVersion),
      /is not a valid molectl cp-secret plan: it has no schemaVersion$/,
    ],
    [
      'a plan from an older molectl',
      edited((d) => {
        // What schema 1 looked like: region/account, tenantCpUrl beside the environment.
        d.schemaVersion = 1;
        d.environment = { name: 'production', cpUrl: d.environment.cpUrl, region: 'us-east-2', account: null };
        d.tenantCpUrl = d.environment.cpUrl;
      }),
      /was written by an older molectl \(plan schemaVersion 1\); this molectl reads schemaVersion 2$/,
    ],
    [
      'a plan from a newer molectl',
      edited((d) => (d.schemaVersion = 3)),
      /was written by a newer molectl \(plan schemaVersion 3\); this molectl reads schemaVersion 2$/,
    ],
    [
      'a made-up instance id',
      edited((d) => (d.targets[0].instanceId = 'i-acme')),
      /: targets\.0\.instanceId: expected an EC2 instance id \(i-\.\.\.\)$/,
    ],
    [
      'a slug no org can have',
      edited((d) => (d.targets[1].slug = 'beta/../x')),
      /: targets\.1\.slug: expected an org slug$/,
    ],
    [
      'a bad fingerprint',
      edited((d) => (d.secret.fingerprint = 'sha256:nothex')),
      /: secret\.fingerprint: expected sha256:<12 hex>$/,
    ],
    ['an unknown class', edited((d) => (d.targets[0].class = 'migrated')), /: targets\.0\.class: /],
    ['no URL for the tenants', edited((d) => delete d.environment.tenantCpUrl), /: environment\.tenantCpUrl: /],
    ['a tenant listed twice', edited((d) => d.targets.push(d.targets[0])), /lists acme more than once$/],
  ])('refuses %s: exit 2, one line naming the problem', async (name, text, message) => {
    const path = text === null ? join(dir, 'missing.json') : file(`${name.replace(/\W+/g, '-')}.json`, text);
    const error = await readPlanFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe(2);
    expect((error as UsageError).message).not.toContain('\n');
    expect((error as UsageError).message).toMatch(message);
    expect((error as UsageError).hint).toMatch(/molectl migrate cp-secret plan --out FILE/);
  });

  it('tells an older plan to be made again, a newer one to be applied by its own molectl', async () => {
    const older = await readPlanFile(
      file(
        'older.json',
        edited((d) => (d.schemaVersion = 1)),
      ),
    ).catch((e: unknown) => e);
    expect((older as UsageError).hint).toMatch(/^plans are not carried across versions: make a new plan/);
    const newer = await readPlanFile(
      file(
        'newer.json',
        edited((d) => (d.schemaVersion = 3)),
      ),
    ).catch((e: unknown) => e);
    expect((newer as UsageError).hint).toMatch(/^apply it with the molectl that wrote it, or make a new plan/);
  });

  it('takes the slugs an org may have, by the same rule as everywhere (Legacy_Org)', async () => {
    const legacy = edited((d) => (d.targets[0].slug = 'Legacy_Org'));
    await expect(readPlanFile(file('legacy.json', legacy))).resolves.toMatchObject({
      targets: [{ slug: 'Legacy_Org' }, { slug: 'beta' }],
    });
  });
});
