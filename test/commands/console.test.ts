import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimInstance } from '../../src/sandbox/state.js';
import { ctrlCAtPoll, startHarness, type Harness } from './org-harness.js';

/** `molectl console` against the sandbox, whose consoles leak the secrets a `set -x` boot leaks. */

let h: Harness;
let tenant: SimInstance;
let workspace: SimInstance;
const tag = (i: SimInstance, key: string): string | undefined => i.tags.find((t) => t.Key === key)?.Value;

beforeAll(async () => {
  h = await startHarness({ tenants: 2 });
  const instances = [...h.sandbox.state.instances.values()];
  tenant = instances.find((i) => tag(i, 'Role') === 'tenant' && tag(i, 'OrgSlug') === 'acme')!;
  workspace = instances.find((i) => tag(i, 'Role') === 'workspace' && tag(i, 'OrgSlug') === 'acme')!;
});
afterAll(async () => {
  await h.stop();
});

/** Every secret value the sandbox planted: none may reach stdout or stderr. */
function plantedSecrets(): string[] {
  const s = h.sandbox.state;
  return [s.provisionSharedSecret, s.cpAdminToken, ...[...s.orgs.values()].map((o) => o.adminToken)];
}

function expectNoSecrets(text: string): void {
  for (const secret of plantedSecrets()) expect(text).not.toContain(secret);
}

describe('molectl console: targets', () => {
  it("an org slug shows its tenant instance's console, redacted, and counts what it redacted", async () => {
    expect(tenant.console).toContain(h.sandbox.state.orgs.get('acme')!.adminToken); // the leak is really there
    const run = await h.run(['console', 'acme']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/cloud-init\[\d+\]: \+ docker run .*-e ADMIN_TOKEN=\[REDACTED:named-secret\]/);
    expect(run.stdout).toMatch(/Authorization: Bearer \[REDACTED:bearer\]/);
    expect(run.stdout).toContain('Cloud-init v. 22.2.2 finished');
    expect(run.stderr).toMatch(new RegExp(`console of ${tenant.instanceId} \\(org acme, running\\) · output .* old`));
    expect(run.stderr).toMatch(/\d+ values? redacted \(.*named-secret/);
    expect(run.stdout).not.toMatch(/likely cause/);
    expectNoSecrets(run.stdout + run.stderr);
  });

  it('an instance id and a workspace id resolve to their instances', async () => {
    const byId = await h.run(['console', workspace.instanceId, '--tail', '3']);
    expect(byId.code).toBe(0);
    expect(byId.stderr).toContain(`console of ${workspace.instanceId}`);
    const wsId = tag(workspace, 'WorkspaceID')!;
    const byWorkspace = await h.run(['console', wsId, '-o', 'json']);
    expect(byWorkspace.code).toBe(0);
    const doc = JSON.parse(byWorkspace.stdout);
    expect(doc.target).toMatchObject({
      kind: 'workspace',
      instanceId: workspace.instanceId,
      workspaceId: wsId,
      source: 'ec2',
    });
    expectNoSecrets(byWorkspace.stdout);
  });

  it('a workspace no instance is tagged with is read from the CP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'molectl-console-cfg-'));
    const config = join(dir, 'config.json');
    // The environment looks for another tag key, so EC2 finds nothing and the CP is asked.
    writeFileSync(config, JSON.stringify({ environments: { sandbox: { workspaceIdTagKey: 'NoSuchTag' } } }));
    const run = await h.run(['console', tag(workspace, 'WorkspaceID')!, '-o', 'json'], {
      env: { MOLECTL_CONFIG: config },
    });
    expect(run.stderr).toMatch(/reading the console the CP keeps/);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.target).toMatchObject({ source: 'cp', instanceId: null });
    expect(doc.lines.length).toBeGreaterThan(100);
    expectNoSecrets(run.stdout);
  });

  it.each(['ghost-org', 'i-0123456789abcdef0', '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d'])(
    'an unknown target %s exits 4 naming the ways to name one',
    async (target) => {
      const run = await h.run(['console', target]);
      expect(run.code).toBe(4);
      expect(run.stderr).toMatch(/^error: no /m);
      expect(run.stderr).toMatch(/hint: name the target as an org slug .*an EC2 instance id .*or a workspace id/);
      expect(run.stdout).toBe('');
    },
  );

  it('a malformed target is a usage error', async () => {
    const run = await h.run(['console', '../etc/passwd']);
    expect(run.code).toBe(2);
  });
});

describe('molectl console: selection, JSON, files', () => {
  it('--grep and --tail compose like grep | tail', async () => {
    const all = await h.run(['console', 'acme', '-o', 'json']);
    const lines: string[] = JSON.parse(all.stdout).lines;
    const expected = lines.filter((l) => /cloud-init/.test(l)).slice(-4);
    const run = await h.run(['console', 'acme', '--grep', 'cloud-init', '--tail', '4']);
    expect(run.stdout.trimEnd().split('\n')).toEqual(expected);
    expect(run.stderr).toMatch(new RegExp(`showing 4 of ${lines.length} lines`));
  });

  it('--output json carries lines, instance, timestamp, truncation and findings', async () => {
    const run = await h.run(['console', 'acme', '-o', 'json']);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({
      schemaVersion: 1,
      target: { instanceId: tenant.instanceId, orgSlug: 'acme' },
      output: { truncated: false, empty: false },
      findings: [],
    });
    expect(doc.output.timestamp).toBe(tenant.consoleUpdatedAt.toISOString());
    expect(doc.redaction.count).toBeGreaterThanOrEqual(2);
  });

  it('a full 64 KB window says so and leaves out the partial first line', async () => {
    const saved = tenant.console;
    tenant.console = `${'x'.repeat(10)}ADMIN_TOKEN=cut-in-half-secret-1234\n`.repeat(3000);
    try {
      const run = await h.run(['console', 'acme', '-o', 'json']);
      const doc = JSON.parse(run.stdout);
      expect(doc.output).toMatchObject({ truncated: true, droppedPartialFirstLine: true });
      expect(run.stdout).not.toContain('cut-in-half');
      expect(run.stdout).not.toMatch(/"[^"]*secret-1234/);
    } finally {
      tenant.console = saved;
    }
  });

  it.each([
    ['a window of 64,000 bytes (another reading of "64 KB")', 64_000, 'tok-halfcut'],
    ['a smaller window that starts inside a multi-byte character', 60_000, 'é'],
  ])('%s: the partial first line is left out all the same', async (_name, windowBytes, cutInside) => {
    const saved = tenant.console;
    const line = (i: number): string => `step ${String(i).padStart(5, '0')} ok ${'.'.repeat(40)}\r\n`;
    let body = '';
    for (let i = 0; body.length < 70_000; i++) body += line(i);
    const cutLine = 'cloud-init[1873]: + export ADMIN_TOKEN=tok-halfcut-9f8e7d6c5b4a3f2e1d0c é\r\n';
    // The window starts inside the value of ADMIN_TOKEN, or inside the two bytes of "é".
    const cutBytes = Buffer.byteLength(cutLine.slice(0, cutLine.indexOf(cutInside))) + (cutInside === 'é' ? 1 : 8);
    const rest = Buffer.byteLength(cutLine) - cutBytes;
    tenant.console = `${body}${cutLine}${body.slice(0, windowBytes - rest)}`;
    h.sandbox.state.faults.consoleWindowBytes = windowBytes;
    try {
      const run = await h.run(['console', 'acme', '-o', 'json']);
      expect(run.code).toBe(0);
      const doc = JSON.parse(run.stdout);
      expect(doc.output).toMatchObject({ truncated: true, droppedPartialFirstLine: true });
      expect(doc.lines[0]).toMatch(/^step \d{5} ok/);
      expect(run.stdout).not.toContain('9f8e7d6c5b4a3f2e1d0c');
      expect(run.stdout).not.toContain('\ufffd');
    } finally {
      tenant.console = saved;
      delete h.sandbox.state.faults.consoleWindowBytes;
    }
  });

  it('says clearly when there is no output yet', async () => {
    const saved = tenant.console;
    tenant.console = '';
    try {
      const run = await h.run(['console', 'acme']);
      // Nothing was read, so nothing was checked: not "0 values redacted" and exit 0, which a
      // script would take for a clean console with no failure.
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/no console output yet for i-/);
      expect(run.stderr).toContain('no console text was read: nothing was checked for secrets or failure signatures');
      expect(run.stderr).not.toMatch(/values? redacted/);
      const json = await h.run(['console', 'acme', '--grep', 'panic', '-o', 'json']);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ output: { empty: true }, lines: [], findings: [] });
    } finally {
      tenant.console = saved;
    }
  });

  it('an answer without a timestamp says the age is unknown', async () => {
    h.sandbox.state.faults.consoleTimestamp = 'omitted';
    try {
      const run = await h.run(['console', 'acme', '--tail', '1']);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(
        /console of i-[0-9a-f]+ \(org acme, running\) · output of unknown age \(EC2 sent no timestamp\)/,
      );
    } finally {
      delete h.sandbox.state.faults.consoleTimestamp;
    }
  });

  it('a console answer that is not base64 is an error, not decoded noise', async () => {
    h.sandbox.state.faults.consoleEncoding = 'plain';
    try {
      const run = await h.run(['console', 'acme']);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`EC2 returned console output of ${tenant.instanceId} that is not base64`);
      expectNoSecrets(run.stdout + run.stderr);
    } finally {
      delete h.sandbox.state.faults.consoleEncoding;
    }
  });

  it.each(['InvalidParameterCombination', 'InvalidParameterValue'])(
    '--latest refused as %s (another wording) also falls back with a note',
    async (code) => {
      tenant.nitro = false;
      h.sandbox.state.faults.latestRefusedAs = code;
      try {
        const run = await h.run(['console', 'acme', '--latest', '--tail', '1']);
        expect(run.code).toBe(0);
        expect(run.stderr).toMatch(/--latest needs a Nitro instance/);
        expect(run.stdout).toMatch(/login: $/m);
      } finally {
        tenant.nitro = true;
        delete h.sandbox.state.faults.latestRefusedAs;
      }
    },
  );

  it('--latest on an instance that is not Nitro falls back with a note', async () => {
    tenant.nitro = false;
    try {
      const run = await h.run(['console', 'acme', '--latest', '--tail', '1']);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/--latest needs a Nitro instance/);
    } finally {
      tenant.nitro = true;
    }
  });

  it('--out writes the redacted output to a private file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'molectl-console-out-')), 'acme.txt');
    const run = await h.run(['console', 'acme', '--out', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('[REDACTED:named-secret]');
    expectNoSecrets(text);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('molectl console: --no-redact', () => {
  it('is refused when stdout is not a terminal, without --yes', async () => {
    const run = await h.run(['console', 'acme', '--no-redact']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--no-redact refused/);
    expect(run.stdout).toBe('');
  });

  it('with --yes warns and shows the leaked values', async () => {
    const run = await h.run(['--yes', 'console', 'acme', '--no-redact', '--grep', 'ADMIN_TOKEN']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: --no-redact/);
    expect(run.stdout).toContain(h.sandbox.state.orgs.get('acme')!.adminToken);
  });
});

describe('molectl console: diagnosis', () => {
  it('finds the planted failure signatures and names the next command', async () => {
    const saved = tenant.console;
    tenant.console = [
      'cloud-init[1873]: + docker pull ghcr.io/molecule-ai/platform-tenant:bad',
      'cloud-init[1873]: Error response from daemon: pull access denied for ghcr.io/molecule-ai/platform-tenant',
      '[ 88.1] Out of memory: Killed process 2231 (platform)',
      'cloud-init[1873]: 2026-04-18 09:16:41,118 - cc_scripts_user.py[WARNING]: Failed to run module scripts-user',
      '',
    ].join('\r\n');
    try {
      const text = await h.run(['console', 'acme']);
      expect(text.stdout).toMatch(/\n\nlikely cause\n {2}✖ image pull denied \(line 2\)/);
      expect(text.stdout).toMatch(/next: molectl console acme --grep/);
      const json = JSON.parse((await h.run(['console', 'acme', '-o', 'json'])).stdout);
      expect(json.findings.map((f: { id: string }) => f.id)).toEqual([
        'image-pull-denied',
        'out-of-memory',
        'cloud-init-module-failed',
      ]);
      expect((await h.run(['console', 'acme', '--no-diagnosis'])).stdout).not.toMatch(/likely cause/);
    } finally {
      tenant.console = saved;
    }
  });
});

describe('molectl console --follow', () => {
  it('prints appended lines exactly once as the window slides, and Ctrl-C ends it with exit 0', async () => {
    const saved = tenant.console;
    const line = (i: number): string => `[${String(i).padStart(6)}] boot step ${i} ${'.'.repeat(i % 90)}`;
    let next = 0;
    const append = (n: number): void => {
      let chunk = '';
      for (let k = 0; k < n; k++) chunk += `${line(next++)}\r\n`;
      tenant.console += chunk;
      tenant.consoleUpdatedAt = new Date();
    };
    tenant.console = '';
    append(100);
    // ~200 KB in all over 12 polls: the 64 KB window slides.
    const { clock, signal } = ctrlCAtPoll(13, (poll) => append(poll % 3 === 0 ? 0 : 300 + poll * 17));
    try {
      const run = await h.run(['console', 'acme', '--follow', '--interval', '1s'], { signal, clock });
      expect(run.code).toBe(0);
      const printed = run.stdout.trimEnd().split('\n');
      expect(printed).toEqual(Array.from({ length: next }, (_, i) => line(i)));
      expect(run.stderr).toMatch(/following every 1 s; Ctrl-C to stop/);
      expect(run.stderr).not.toMatch(/lines were missed/);
    } finally {
      tenant.console = saved;
    }
  });
});

describe('molectl console --follow: a secret name in one poll, its value in the next', () => {
  it('the value line is held for its name and redacted, never printed in clear', async () => {
    const saved = tenant.console;
    const secret = h.sandbox.state.orgs.get('acme')!.adminToken;
    const append = (text: string): void => {
      tenant.console += text;
      tenant.consoleUpdatedAt = new Date();
    };
    tenant.console = 'cloud-init[1873]: boot\r\n'.repeat(20);
    // The bootstrap cats its YAML config: the key ends one poll, the value starts the next.
    const { clock, signal } = ctrlCAtPoll(3, (poll) =>
      append(
        poll === 1 ? 'cloud-init[1873]: admin_token:\r\n' : `cloud-init[1873]:   ${secret}\r\ncloud-init[1873]: ok\r\n`,
      ),
    );
    try {
      const run = await h.run(['console', 'acme', '--follow', '--interval', '1s'], { signal, clock });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('cloud-init[1873]: admin_token:\ncloud-init[1873]:   [REDACTED:named-secret]\n');
      expectNoSecrets(run.stdout + run.stderr);
    } finally {
      tenant.console = saved;
    }
  });
});

describe('molectl console --follow on a console that never prints', () => {
  it('Ctrl-C ends it with exit 1: nothing was read, so nothing was checked', async () => {
    const saved = tenant.console;
    tenant.console = '';
    const { clock, signal } = ctrlCAtPoll(4);
    try {
      const run = await h.run(['console', 'acme', '--follow', '--interval', '1s'], { signal, clock });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('no console text was read: nothing was checked for secrets or failure signatures');
      expect(run.stderr).not.toMatch(/values? redacted/);
    } finally {
      tenant.console = saved;
    }
  });
});

describe("molectl console: the sandbox's failed provisioning", () => {
  it('diagnoses the planted image pull denial and cloud-init failure, and only those', async () => {
    const failed = await startHarness({ tenants: 2, faults: { provisionFail: ['acme'] } });
    try {
      const run = await failed.run(['console', 'acme', '-o', 'json']);
      expect(run.code).toBe(0);
      const doc = JSON.parse(run.stdout);
      expect(doc.findings.map((f: { id: string }) => f.id)).toEqual(['image-pull-denied', 'cloud-init-module-failed']);
      expect(doc.findings[0].evidence).toMatch(/denied/);
      expect(doc.findings[0].next[0]).toMatch(/^molectl console acme --grep /);
      const healthy = JSON.parse((await failed.run(['console', 'beta', '-o', 'json'])).stdout);
      expect(healthy.findings).toEqual([]);
    } finally {
      await failed.stop();
    }
  });
});
