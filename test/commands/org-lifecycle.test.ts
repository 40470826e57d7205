import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from './org-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tenants: 1 });
});
afterAll(async () => {
  await h.stop();
});

it('create → running → healthy → show → delete → verified gone, never printing the admin token', async () => {
  const create = await h.run(['org', 'create', 'life-cycle', '--timeout', '20s']);
  expect(create.code).toBe(0);
  expect(create.stdout).toMatch(
    /org life-cycle created: id [0-9a-f-]+, url http:\/\/127\.0\.0\.1:\d+\/_tenants\/life-cycle, healthy after/,
  );
  const org = h.sandbox.state.orgs.get('life-cycle')!;
  expect(org.instanceStatus).toBe('running');

  const show = await h.run(['org', 'show', 'life-cycle', '-o', 'json']);
  expect(show.code).toBe(0);
  const shown = JSON.parse(show.stdout) as {
    org: { id: string };
    instances: Array<{ role: string; state: string }>;
    edge: { status: string };
    adminTokenSecret: { exists: boolean };
  };
  expect(shown.org.id).toBe(org.id);
  expect(shown.instances.map((i) => `${i.role}:${i.state}`).sort()).toEqual(['tenant:running', 'workspace:running']);
  expect(shown.adminTokenSecret.exists).toBe(true);

  const del = await h.run([
    '--env',
    'sandbox',
    'org',
    'delete',
    'life-cycle',
    '--confirm',
    'life-cycle',
    '--timeout',
    '20s',
  ]);
  expect(del.code).toBe(0);
  expect(del.stdout).toMatch(/life-cycle +deleted +1 .*verified gone/);
  expect(h.sandbox.state.orgs.has('life-cycle')).toBe(false);
  const left = [...h.sandbox.state.instances.values()].filter(
    (i) => i.tags.some((t) => t.Key === 'OrgSlug' && t.Value === 'life-cycle') && i.state !== 'terminated',
  );
  expect(left).toEqual([]);

  const after = await h.run(['org', 'show', 'life-cycle']);
  expect(after.code).toBe(4);

  // The org's admin token (a secret) never reached any output.
  for (const text of [create.stdout, create.stderr, show.stdout, show.stderr, del.stdout, del.stderr])
    expect(text).not.toContain(org.adminToken);
});
