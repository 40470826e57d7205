import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedPrivateKey } from '../../src/sandbox/hosts/materialise-host.js';
import type { SimInstance } from '../../src/sandbox/state.js';
import { startHarness, type Harness } from './org-harness.js';

/**
 * A private key block that the text molectl reads starts or ends inside: EC2's 64 KB window, or
 * `docker logs --tail`, cut off its BEGIN line (or its END). Whole blocks were always redacted;
 * the cut ones showed their key lines in clear (they decode to no recognisable shape).
 */

let h: Harness;
let tenant: SimInstance;
let keyLines: string[];

beforeAll(async () => {
  h = await startHarness({ tenants: 1, faults: 'logs-key=acme' });
  tenant = [...h.sandbox.state.instances.values()].find((i) => i.role === 'molecule-tenant-instance')!;
  keyLines = loggedPrivateKey(tenant.instanceId).split('\n').slice(1, -1);
});
afterAll(async () => {
  await h.stop();
});

function expectNoKeyLine(text: string): void {
  for (const line of keyLines) {
    expect(text).not.toContain(line);
    expect(text).not.toContain(line.slice(-24)); // nor the tail of one cut in half
  }
}

describe('molectl logs: a private key cut by --tail', () => {
  it.each([
    ['the END line and one key line', ['logs', 'acme', '--tail', '5']],
    ['two key lines, with docker timestamps', ['logs', 'acme', '--tail', '6', '--timestamps']],
    ['the whole block (its BEGIN kept)', ['logs', 'acme', '--tail', '8']],
  ])('%s: no key line is shown', async (_name, argv) => {
    const run = await h.run(argv);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('[REDACTED:pem]');
    expect(run.stderr).toMatch(/values? redacted \(.*pem 1/);
    expectNoKeyLine(run.stdout + run.stderr);
  });

  it('-o json holds no key line either', async () => {
    const run = await h.run(['logs', 'acme', '--tail', '5', '-o', 'json']);
    expect(run.code).toBe(0);
    expectNoKeyLine(run.stdout + run.stderr);
  });
});

describe('molectl console: a 64 KB window that starts inside a private key', () => {
  it('shows none of the key lines left in the window', async () => {
    const key = loggedPrivateKey(tenant.instanceId).split('\n');
    const block = `${key.join('\r\n')}\r\n`;
    // The window starts 30 characters into the first key line.
    const fromCut = block.slice(key[0]!.length + 2 + 30);
    const filler = 'systemd[1]: Started Session 1 of User ec2-user.\r\n';
    const fill = filler.repeat(Math.ceil((65536 - fromCut.length) / filler.length) + 1);
    const saved = tenant.console;
    tenant.console = `${'boot line\r\n'.repeat(200)}${block}${fill}`.slice(0, -1);
    const bytes = Buffer.byteLength(tenant.console);
    // Trim the filler so that exactly the cut key and the filler fill the 64 KB window.
    tenant.console = tenant.console.slice(
      0,
      tenant.console.length - (bytes - (tenant.console.indexOf(fromCut) + 65536)),
    );
    try {
      expect(Buffer.byteLength(tenant.console) - tenant.console.indexOf(fromCut)).toBe(65536);
      for (const argv of [
        ['console', 'acme'],
        ['console', 'acme', '-o', 'json'],
      ]) {
        const run = await h.run(argv);
        expect(run.code).toBe(0);
        expect(run.stdout).toContain('-----END RSA PRIVATE KEY-----');
        expectNoKeyLine(run.stdout + run.stderr);
      }
    } finally {
      tenant.console = saved;
    }
  });
});
