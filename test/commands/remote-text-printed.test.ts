import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateRawSqlDelete } from '../../src/sandbox/cp/simulate-tenant.js';
import type { InstanceStatus } from '../../src/sandbox/state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// Issue 14, item 2: every place that prints text from the CP or from EC2 tags prints it as remote
// text: terminal controls shown escaped (a CP row cannot clear the screen, retitle the terminal
// or forge an `error:` line), token shapes redacted, and molectl's own words around it intact.
// The fleet here is hostile where an attacker with a CP row or an EC2 tag could write.

const ESC = '\u001b';
const FORGED = `\r${ESC}[2K${ESC}]0;pwned\u0007error: forged by a tag`;
const TOKEN = `ghp_${'A1b2C3d4'.repeat(5)}`;

let f: SandboxFixture;
let victim: string;

beforeAll(async () => {
  f = await startSandboxFixture({ tenants: 3, preCutover: 3, workspacesPerTenant: 1 });
  const { state } = f.sandbox;
  const acme = state.orgs.get('acme')!;
  // A CP whose row carries controls in its status and id.
  acme.instanceStatus = `running${FORGED}` as InstanceStatus;
  acme.id = `${acme.id}${ESC}[31m`;
  // EC2 tags anyone with ec2:CreateTags can write: a Name with controls and a token.
  for (const instance of state.instances.values()) {
    const name = instance.tags.find((t) => t.Key === 'Name');
    if (name) name.Value = `${name.Value}${FORGED} ${TOKEN}`;
  }
  // An org deleted by raw SQL leaves orphans whose OrgId tag says anything.
  victim = [...state.orgs.keys()].find((s) => s !== 'acme')!;
  for (const instance of state.instances.values())
    if (instance.tags.some((t) => t.Key === 'OrgSlug' && t.Value === victim))
      for (const tag of instance.tags) if (tag.Key === 'OrgId') tag.Value = `org${FORGED}`;
  expect(simulateRawSqlDelete(state, victim)).toBe(true);
}, 120_000);
afterAll(() => f.stop());

function expectInert(text: string): void {
  expect(text).not.toContain(ESC);
  expect(text).not.toContain('\u0007');
  expect(text).not.toMatch(/\r(?!\n)/);
  expect(text).not.toMatch(/^error: forged/m);
  expect(text).not.toContain(TOKEN);
}

describe('text from the CP and EC2 tags, printed', () => {
  it('org list: the status is shown escaped, the table still lines up', async () => {
    const r = await f.molectl(['--env', 'sandbox', 'org', 'list']);
    expect(r.code, r.stderr).toBe(0);
    expectInert(r.stdout + r.stderr);
    // In a table cell a line break becomes a space; the other controls are shown escaped.
    expect(r.stdout).toContain('running \\e[2K\\e]0;pwned\\aerror: forged by a tag');
    const [header, ...rows] = r.stdout.split('\n').filter((l) => /^[a-z]/.test(l) || l.startsWith('SLUG'));
    const statusAt = header!.indexOf('STATUS');
    for (const row of rows.filter((l) => !l.includes(' of '))) expect(row[statusAt - 1]).toBe(' ');
  });

  it('org show: the CP row, the instances table and the tags are remote text; its own words are intact', async () => {
    const r = await f.molectl(['--env', 'sandbox', 'org', 'show', 'acme']);
    expect(r.code, r.stderr).toBe(0);
    expectInert(r.stdout + r.stderr);
    expect(r.stdout).toMatch(/instance_status running\\r\\e\[2K/);
    expect(r.stdout).toContain('[REDACTED:github-token]');
    expect(r.stdout).toMatch(/^ {2}CP row {8}id /m);
  });

  it('org delete --dry-run: the preview shows the row and the instances as remote text', async () => {
    const r = await f.molectl(['--env', 'sandbox', 'org', 'delete', 'acme', '--dry-run']);
    expectInert(r.stdout + r.stderr);
    expect(r.stdout + r.stderr).toContain('[REDACTED:github-token]');
    expect(r.stdout + r.stderr).toContain('Deleting org acme will remove, through the CP cascade:');
  });

  it('fleet orphans: the orphans table shows the tags escaped', async () => {
    const r = await f.molectl(['--env', 'sandbox', 'fleet', 'orphans']);
    expectInert(r.stdout + r.stderr);
    expect(r.stdout).toContain('org \\e[2K\\e]0;pwned\\aerror: forged by a tag');
  });

  it('fleet audit: findings quote the fleet as remote text, in text, markdown and JSON', async () => {
    for (const format of ['text', 'markdown', 'json']) {
      const r = await f.molectl(['--env', 'sandbox', 'fleet', 'audit', '--no-console', '-o', format]);
      expect([0, 1, 5], r.stderr).toContain(r.code);
      expectInert(r.stdout + r.stderr);
      if (format === 'json') expect(() => JSON.parse(r.stdout)).not.toThrow();
    }
  });

  it('org create --if-not-exists: the existing row the CP answers with is remote text', async () => {
    const r = await f.molectl([
      '--env',
      'sandbox',
      'org',
      'create',
      'acme',
      '--name',
      'Acme',
      '--owner',
      'u-1',
      '--if-not-exists',
      '--no-wait',
    ]);
    expectInert(r.stdout + r.stderr);
    expect(r.stdout).toMatch(/^org acme already exists: id [0-9a-f-]+\\e\[31m, /m);
  });

  it('org gc: the plan shows the CP rows escaped', async () => {
    const r = await f.molectl(['--env', 'sandbox', 'org', 'gc', '--prefix', 'acme', '--older-than', '1m']);
    expectInert(r.stdout + r.stderr);
    expect(r.stdout + r.stderr).toContain('\\e]0;pwned');
  });
});

describe('files molectl writes', () => {
  it('a run ledger keeps the CP answer and a host line scrubbed, its own records as written', async () => {
    const r = await f.molectl([
      '--env',
      'sandbox',
      '-y',
      'migrate',
      'cp-secret',
      'apply',
      '--soak',
      '0',
      '--health-timeout',
      '5s',
    ]);
    expect(r.stdout + r.stderr).not.toContain(ESC);
    const dir = join(f.stateDir, 'runs');
    const ledgers = readdirSync(dir).filter((n) => n.endsWith('.json'));
    expect(ledgers.length).toBeGreaterThan(0);
    for (const name of ledgers) {
      const text = readFileSync(join(dir, name), 'utf8');
      expect(text).not.toMatch(/[\uE000\uE001]/);
      expect(text).not.toContain(TOKEN);
      expect(() => JSON.parse(text)).not.toThrow();
    }
    const shown = await f.molectl(['--env', 'sandbox', 'runs', 'list']);
    expectInert(shown.stdout + shown.stderr);
  });
});
