import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { completeOrgProvisioning, createOrgRow } from '../../src/sandbox/cp/launch-org.js';
import { systemClock } from '../../src/lib/clock.js';
import { Redactor } from '../../src/lib/output/redactor.js';
import { RunStore } from '../../src/lib/runs/run-store.js';
import { defaultFaults } from '../../src/sandbox/state.js';
import { startHarness, typedAnswer, type Harness } from './org-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tenants: 2 });
});
afterAll(async () => {
  await h.stop();
});
beforeEach(() => {
  h.sandbox.state.faults = defaultFaults();
});

function seedOrg(slug: string, hoursOld: number): void {
  const org = createOrgRow(h.sandbox.state, {
    slug,
    name: slug,
    ownerUserId: 'u',
    preCutover: false,
    createdAt: new Date(Date.now() - hoursOld * 3_600_000),
  });
  completeOrgProvisioning(h.sandbox.state, org, 1);
}

const slugs = (): string[] => [...h.sandbox.state.orgs.keys()].sort();

describe('molectl org gc', () => {
  it('is a dry run unless --execute, listing only prefixed orgs older than the threshold', async () => {
    seedOrg('e2e-old-a', 5);
    seedOrg('e2e-old-b', 3);
    seedOrg('e2e-young', 0.5);
    seedOrg('keep-e2e-old', 10);
    const before = slugs();
    const run = await h.run(['org', 'gc', '--prefix', 'e2e-', '--older-than', '2h', '-o', 'json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { dryRun: boolean; candidates: Array<{ slug: string }>; keptYoung: number };
    expect(doc.dryRun).toBe(true);
    expect(doc.candidates.map((c) => c.slug)).toEqual(['e2e-old-a', 'e2e-old-b']);
    expect(doc.keptYoung).toBe(1);
    expect(slugs()).toEqual(before);
  });

  it('refuses when more than --max would be deleted, deleting nothing (exit 2)', async () => {
    const before = slugs();
    const run = await h.run([
      '--env',
      'sandbox',
      '--yes',
      'org',
      'gc',
      '--prefix',
      'e2e-',
      '--older-than',
      '2h',
      '--max',
      '1',
      '--execute',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/refusing: 2 orgs match, more than --max 1; nothing was deleted/);
    expect(slugs()).toEqual(before);
  });

  it('needs a confirmation: no terminal and no --yes is exit 2; a wrongly typed environment deletes nothing', async () => {
    const before = slugs();
    const noTty = await h.run(['org', 'gc', '--prefix', 'e2e-', '--older-than', '2h', '--execute']);
    expect(noTty.code).toBe(2);
    const wrong = await h.run(['org', 'gc', '--prefix', 'e2e-', '--older-than', '2h', '--execute'], {
      prompt: typedAnswer('production'),
    });
    expect(wrong.code).toBe(2);
    expect(slugs()).toEqual(before);
  });

  it('refuses a too broad prefix and a missing age', async () => {
    expect((await h.run(['org', 'gc', '--prefix', 'e', '--older-than', '2h'])).code).toBe(2);
    expect((await h.run(['org', 'gc', '--prefix', 'e2e-'])).code).toBe(2);
    expect((await h.run(['org', 'gc', '--prefix', 'e2e-', '--older-than', 'soon'])).code).toBe(2);
  });

  it('deletes the matching orgs, keeps going past a failure, reports each (exit 5) and records the run', async () => {
    seedOrg('e2e-old-c', 4);
    h.sandbox.state.faults.leakOnDelete = ['e2e-old-b'];
    const run = await h.run(
      ['org', 'gc', '--prefix', 'e2e-', '--older-than', '2h', '--execute', '--timeout', '1500ms'],
      { prompt: typedAnswer('sandbox') },
    );
    expect(run.code).toBe(5);
    expect(run.stdout).toMatch(/e2e-old-a +deleted/);
    expect(run.stdout).toMatch(/e2e-old-b +leftovers/);
    expect(run.stdout).toMatch(/e2e-old-c +deleted/);
    expect(run.stdout).toMatch(/2 deleted, 1 not/);
    expect(slugs()).toEqual(['acme', 'beta', 'e2e-young', 'keep-e2e-old']);
    const ledger = await h.run(['runs', 'list', '-o', 'json']);
    expect(ledger.stdout).toContain('org gc');
  });

  it('with --yes runs unattended (the CI sweeper) and exits 0 when all are verified gone', async () => {
    seedOrg('ci-old-1', 3);
    seedOrg('ci-old-2', 3);
    const run = await h.run([
      '--env',
      'sandbox',
      '--yes',
      'org',
      'gc',
      '--prefix',
      'ci-',
      '--older-than',
      '1h',
      '--execute',
      '-o',
      'json',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ deleted: 2, failed: 0 });
    expect(slugs()).not.toContain('ci-old-1');
  });

  it("refuses while another gc holds the environment's lock, deleting nothing", async () => {
    seedOrg('lock-old-1', 3);
    const other = await new RunStore({
      stateDir: h.stateDir,
      clock: systemClock,
      redactor: new Redactor(),
    }).acquireLock({ environment: 'sandbox', operation: 'org-gc', runId: '20260101T000000Z-org-gc-0000' });
    try {
      const run = await h.run([
        '--env',
        'sandbox',
        '--yes',
        'org',
        'gc',
        '--prefix',
        'lock-',
        '--older-than',
        '1h',
        '--execute',
      ]);
      expect(run.code).toBe(1);
      expect(slugs()).toContain('lock-old-1');
    } finally {
      await other.release();
    }
  });
});

describe('org gc --execute with credentials that cannot read EC2', () => {
  it('stops before the first DELETE (exit 3), since no delete could be verified', async () => {
    seedOrg('e2e-noec2-a', 5);
    seedOrg('e2e-noec2-b', 5);
    // EC2 answers DescribeInstances with 403, as for a role without ec2:DescribeInstances; the rest goes to the sandbox.
    const target = new URL(h.sandbox.url);
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (body.toString('utf8').includes('Action=DescribeInstances')) {
          res
            .writeHead(403, { 'content-type': 'text/xml' })
            .end(
              '<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>r-1</RequestID></Response>',
            );
          return;
        }
        const forward = request(
          { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forward.end(body);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const mark = h.sandbox.state.requests.length;
    try {
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const run = await h.run(
        ['--env', 'sandbox', '--yes', 'org', 'gc', '--prefix', 'e2e-noec2-', '--older-than', '1h', '--execute'],
        { env: { AWS_ENDPOINT_URL: url } },
      );
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(/^error: AWS denied ec2:DescribeInstances/m);
      expect(h.cpRequestsSince(mark).filter((a) => a.startsWith('DELETE'))).toEqual([]);
      expect(slugs()).toEqual(expect.arrayContaining(['e2e-noec2-a', 'e2e-noec2-b']));
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});

describe('created_at without a time zone', () => {
  it('org gc deletes none of them on a guessed zone, even on a machine east of UTC', async () => {
    // The CP sends its timestamp column as text ("2026-12-07 20:00:00", UTC without saying so).
    // Read as local time in Tokyo (UTC+9), an org created 1 hour ago would look 10 hours old.
    seedOrg('e2e-tz-young', 1);
    seedOrg('e2e-tz-old', 30);
    h.sandbox.state.faults.flags['orgCreatedAtNoZone'] = true;
    const tz = process.env['TZ'];
    process.env['TZ'] = 'Asia/Tokyo';
    try {
      const gc = await h.run([
        '--env',
        'sandbox',
        'org',
        'gc',
        '--prefix',
        'e2e-tz-',
        '--older-than',
        '2h',
        '--execute',
        '--yes',
      ]);
      expect(gc.code, gc.stderr).toBe(0);
      expect(gc.stdout).toMatch(/age unknown, kept \(.*e2e-tz-old/);
      expect(h.sandbox.state.orgs.has('e2e-tz-young')).toBe(true);
      expect(h.sandbox.state.orgs.has('e2e-tz-old')).toBe(true);
      const list = await h.run(['org', 'list', '-o', 'json']);
      const doc = JSON.parse(list.stdout) as { orgs: Array<{ slug: string; ageMs: number | null }> };
      expect(doc.orgs.find((o) => o.slug === 'e2e-tz-young')!.ageMs).toBeNull();
    } finally {
      if (tz === undefined) delete process.env['TZ'];
      else process.env['TZ'] = tz;
    }
  });
});
