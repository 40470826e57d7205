import { chmodSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import type { InstanceQuery, InstanceSummary } from '../../src/lib/aws/aws-types.js';
import { createFastClock, FakeSsm } from '../lib/ssm/fake-ssm.js';
import { CaptureStream } from './org-harness.js';
import { absentPath } from '../helpers/absent-path.js';

/**
 * `molectl logs` redaction, end to end through the real collector: the host is a FakeSsm whose
 * `docker` prints container logs full of leaked secrets (the sandbox's docker shim logs none), in
 * an amount well over SSM's cap so that secrets also straddle piece boundaries.
 */

const INSTANCE = 'i-0aaaaaaaaaaaaaaaa';
const HEX = 'c0ffee'.repeat(10) + 'c0ff';
const LEAKS = [
  'level=DEBUG msg="env" ADMIN_TOKEN=tok-logs-7788aa99bbcc',
  `level=DEBUG msg="env" MOLECULE_CP_SHARED_SECRET=${HEX}`,
  'level=INFO msg="outbound" header="Authorization: Bearer mol_tenant_logs_5f2c9a1e88"',
  'level=WARN msg="clone" url=https://deploy:gh-pass-91827364@git.example.com/x.git',
  'level=INFO msg="llm" key=sk-live-4f3e2d1c0b9a8f7e6d5c',
];
const SECRETS = [
  'tok-logs-7788aa99bbcc',
  HEX,
  'mol_tenant_logs_5f2c9a1e88',
  'gh-pass-91827364',
  'sk-live-4f3e2d1c0b9a8f7e6d5c',
];

let bin: string;
let fake: FakeSsm;
beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), 'molectl-fake-docker-'));
  // 3,000 lines, a leak every 7th: ~230 KB, about 14 pieces.
  writeFileSync(
    join(bin, 'docker'),
    `#!/bin/bash\nn=all\nwhile [ $# -gt 0 ]; do [ "$1" = --tail ] && n="$2"; shift; done\nemit() {\nfor i in $(seq 1 3000); do\n  case $((i % 7)) in\n${LEAKS.map((l, k) => `    ${k}) echo '${l.replace(/'/g, `'\\''`)} n='$i ;;`).join('\n')}\n    *) echo "level=INFO msg=\\"request\\" path=/health status=200 n=$i" ;;\n  esac\ndone\n}\nif [ "$n" = all ]; then emit; else emit | tail -n "$n"; fi\n` +
      // With a "broken" file beside it, docker fails after the lines, as on a damaged log file.
      `if [ -e "\${0%/*}/broken" ]; then echo 'error from daemon in stream: Error grabbing logs: unexpected EOF' >&2; exit 1; fi\n`,
  );
  chmodSync(join(bin, 'docker'), 0o755);
  fake = new FakeSsm({ instanceIds: [INSTANCE], env: { PATH: `${bin}:${process.env.PATH}` } });
});
afterAll(() => {
  fake.dispose();
  rmSync(bin, { recursive: true, force: true });
});

const aws = () =>
  Object.assign(Object.create(fake) as FakeSsm, {
    async listInstances(query: InstanceQuery): Promise<InstanceSummary[]> {
      const tags = { ManagedBy: 'molecule-cp', Role: 'tenant', OrgSlug: 'acme' };
      const match = Object.entries(query.tags ?? {}).every(([k, v]) => tags[k as keyof typeof tags] === v);
      return match
        ? [{ instanceId: INSTANCE, state: 'running', launchTime: null, tags, name: null, privateIp: null }]
        : [];
    },
  });

async function run(argv: string[]) {
  const stdout = new CaptureStream();
  const stderr = new CaptureStream();
  const code = await main(argv, {
    stdout,
    stderr,
    env: {
      PATH: process.env.PATH,
      MOLECTL_CONFIG: absentPath(),
      MOLECTL_STATE_DIR: tmpdir(),
      MOLECTL_ENV: 'sandbox',
      NO_COLOR: '1',
    },
    signal: new AbortController().signal,
    overrides: { aws: aws(), clock: createFastClock() },
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('molectl logs redaction', () => {
  it('redacts every leaked shape in logs that arrive in many pieces, and counts them', async () => {
    const r = await run(['logs', 'acme', '--tail', 'all', '-o', 'json']);
    expect(r.code).toBe(0);
    for (const secret of SECRETS) expect(r.stdout + r.stderr).not.toContain(secret);
    const doc = JSON.parse(r.stdout);
    expect(doc.complete).toBe(true);
    expect(doc.lines).toHaveLength(3000);
    expect(doc.lines.map((l: string) => Number(/n=(\d+)/.exec(l)![1]))).toEqual(
      Array.from({ length: 3000 }, (_, i) => i + 1),
    );
    expect(doc.redaction.count).toBeGreaterThanOrEqual(Math.floor(3000 / 7) * 5);
    // key=sk-... is caught by its name before its shape: either way it is gone.
    expect(Object.keys(doc.redaction.byKind).sort()).toEqual(['bearer', 'named-secret', 'url-credential']);
    expect(fake.commands.length).toBeGreaterThan(10);
  });

  it('text output says how many values were redacted', async () => {
    const r = await run(['logs', 'acme', '--tail', '70']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ADMIN_TOKEN=[REDACTED:named-secret]');
    expect(r.stderr).toMatch(/^50 values redacted \(/m);
  });

  it('docker failing after its log lines: the lines are shown redacted, never quoted in the error', async () => {
    writeFileSync(join(bin, 'broken'), '');
    try {
      const r = await run(['logs', 'acme', '--tail', '5']);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('ADMIN_TOKEN=[REDACTED:named-secret]');
      expect(r.stderr).toMatch(
        /docker logs stopped with an error after 5 lines \(exit 1\): error from daemon in stream: Error grabbing logs: unexpected EOF/,
      );
      for (const secret of SECRETS) expect(r.stdout + r.stderr).not.toContain(secret);
    } finally {
      unlinkSync(join(bin, 'broken'));
    }
  });
});
