import { describe, expect, it } from 'vitest';
import { ExitCode, NotFoundError } from '../../../src/lib/errors.js';
import type { OrgInstanceRow } from '../../../src/lib/org/find-org-instances.js';
import { planOrgDelete } from '../../../src/lib/org/plan-org-delete.js';
import { describeLeftovers } from '../../../src/lib/org/verify-org-gone.js';
import { testEnvironment } from '../../helpers/environment.js';

const now = new Date('2026-06-01T12:00:00Z');
const environment = testEnvironment({
  name: 'staging',
  cpUrl: 'https://staging-api.moleculesai.app',
  awsRegion: 'us-east-2',
  awsAccount: '123456789012',
});
const instance = (id: string, role: string, state: string): OrgInstanceRow => ({
  instanceId: id,
  role,
  state,
  name: null,
  launchTime: null,
  ageMs: null,
});
const row = { id: 'org-1', slug: 'acme', instance_status: 'running', created_at: '2026-06-01T10:00:00Z' };

describe('planOrgDelete', () => {
  it('lists the CP row and the live instances, counting terminated ones apart', () => {
    const plan = planOrgDelete({
      slug: 'acme',
      lookup: { state: 'listed', row },
      instances: [
        instance('i-1', 'tenant', 'running'),
        instance('i-2', 'workspace', 'stopped'),
        instance('i-3', 'workspace', 'terminated'),
      ],
      environment,
      now,
    });
    expect(plan.org).toMatchObject({ id: 'org-1', instanceStatus: 'running', ageMs: 2 * 3_600_000 });
    expect(plan.instances.map((i) => i.instanceId)).toEqual(['i-1', 'i-2']);
    expect(plan.alreadyTerminated).toBe(1);
    expect(plan.unverifiable.join(' ')).toMatch(/DNS/);
  });

  it('is exit 4 for an org the CP does not have, pointing at fleet orphans when instances remain', () => {
    const call = () =>
      planOrgDelete({
        slug: 'gone',
        lookup: { state: 'absent', evidence: 'the CP said so' },
        instances: [instance('i-9', 'tenant', 'running')],
        environment,
        now,
      });
    expect(call).toThrow(NotFoundError);
    try {
      call();
    } catch (error) {
      expect((error as NotFoundError).code).toBe(ExitCode.notFound);
      expect((error as NotFoundError).message).toMatch(/fleet orphans/);
    }
  });
});

describe('describeLeftovers', () => {
  it('advises terminating by hand only when the CP confirmed the org gone', () => {
    const leftovers = describeLeftovers(
      'acme',
      'absent',
      [instance('i-1', 'workspace', 'running'), instance('i-2', 'tenant', 'shutting-down')],
      { region: 'us-east-2', envName: 'staging' },
    );
    expect(leftovers.map((l) => [l.kind, l.id])).toEqual([
      ['instance', 'i-1'],
      ['instance', 'i-2'],
    ]);
    expect(leftovers[0]!.fix).toMatch(/aws ec2 terminate-instances --region us-east-2 --instance-ids i-1/);
    expect(leftovers[1]!.fix).toMatch(/still shutting down/);
  });

  it('while the CP still has the org (or cannot say), the fix is the cascade, never a hand-made termination', () => {
    for (const cpRow of ['present', 'unknown'] as const) {
      const leftovers = describeLeftovers('acme', cpRow, [instance('i-1', 'workspace', 'running')], {
        region: 'us-east-2',
        envName: 'staging',
      });
      expect(leftovers.every((l) => !/terminate-instances/.test(l.fix))).toBe(true);
      expect(leftovers.at(-1)!.fix).toMatch(/`molectl --env staging org delete acme --confirm acme`/);
    }
    expect(describeLeftovers('acme', 'present', [], { region: null, envName: 'staging' })[0]).toMatchObject({
      kind: 'cp-row',
      fix: expect.stringMatching(/`molectl --env staging org delete acme --confirm acme`/),
    });
  });

  it('names the contradiction when the CP answered 404 to the delete but still has the org', () => {
    const [row] = describeLeftovers('acme', 'present', [], { region: null, envName: 'staging' }, true);
    expect(row!.fix).toMatch(/answered 404 to the delete but still has the org/);
  });
});
