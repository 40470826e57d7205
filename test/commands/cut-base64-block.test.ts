import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedBase64Env } from '../../src/sandbox/hosts/materialise-host.js';
import type { SimInstance } from '../../src/sandbox/state.js';
import { startHarness, type Harness } from './org-harness.js';

/**
 * A line-wrapped base64 block (an env file, as `base64` prints it) that the text molectl reads
 * starts inside: `docker logs --tail`, or EC2's 64 KB window. The lines left decode to the admin
 * token without its `ADMIN_TOKEN=`, which no shape rule recognises: they were shown in clear.
 */

let h: Harness;
let tenant: SimInstance;
let token: string;
let blockLines: string[];

beforeAll(async () => {
  h = await startHarness({ tenants: 1, faults: 'logs-base64=acme' });
  tenant = [...h.sandbox.state.instances.values()].find((i) => i.role === 'molecule-tenant-instance')!;
  ({ token, lines: blockLines } = loggedBase64Env(tenant.instanceId));
});
afterAll(async () => {
  await h.stop();
});

/** Neither a line of the block nor anything that decodes (at any alignment) to the token's tail. */
function expectNoToken(text: string): void {
  for (const line of blockLines) expect(text).not.toContain(line);
  const runs = text.match(/[A-Za-z0-9+/=]{16,}/g) ?? [];
  for (const run of runs)
    for (const offset of [0, 1, 2, 3])
      expect(Buffer.from(run.slice(offset), 'base64').toString('latin1')).not.toContain(token.slice(-20));
  expect(text).not.toContain(token.slice(-20));
}

describe('molectl logs: a base64 block cut by --tail', () => {
  it('the planted block is really in the log, and its last line alone decodes to the token without its name', () => {
    const decoded = Buffer.from(blockLines.at(-1)!, 'base64').toString('latin1');
    expect(decoded).toContain(token.slice(-20));
    expect(decoded).not.toContain('ADMIN_TOKEN');
  });

  it.each([
    ['its last line', ['logs', 'acme', '--tail', '4']],
    ['its last line, with docker timestamps', ['logs', 'acme', '--tail', '4', '--timestamps']],
    ['its last line, as JSON', ['logs', 'acme', '--tail', '4', '-o', 'json']],
    ['the whole block (its name kept: redacted as before)', ['logs', 'acme', '--tail', '6']],
  ])('%s: nothing decodes to the token', async (_name, argv) => {
    const run = await h.run(argv);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('[REDACTED:base64]');
    expect(run.stderr).toMatch(/values? redacted \(.*base64 1/);
    expectNoToken(run.stdout + run.stderr);
  });

  it('ordinary log lines after the block are still shown', async () => {
    const run = await h.run(['logs', 'acme', '--tail', '4']);
    expect(run.stdout.split('\n').filter((l) => l.includes('msg='))).toHaveLength(3);
  });
});

describe('molectl console: a 64 KB window that starts inside a base64 block', () => {
  it('shows no line of the block left in the window', async () => {
    const block = `${blockLines.join('\r\n')}\r\n`;
    // The window starts 30 characters into the block's second line: that fragment is dropped
    // (a partial line), and the line after it decodes to the token without its name.
    const fromCut = block.slice(blockLines[0]!.length + 2 + 30);
    const filler = 'systemd[1]: Started Session 1 of User ec2-user.\r\n';
    const fill = filler.repeat(Math.ceil((65536 - fromCut.length) / filler.length) + 1);
    const saved = tenant.console;
    const full = `${'boot line\r\n'.repeat(200)}${block}${fill}`;
    tenant.console = full.slice(0, full.indexOf(fromCut) + 65536);
    try {
      expect(Buffer.byteLength(tenant.console) - tenant.console.indexOf(fromCut)).toBe(65536);
      for (const argv of [
        ['console', 'acme'],
        ['console', 'acme', '-o', 'json'],
      ]) {
        const run = await h.run(argv);
        expect(run.code).toBe(0);
        expect(run.stdout).toContain('[REDACTED:base64]');
        expect(run.stdout).toContain('systemd[1]: Started Session 1 of User ec2-user.');
        expectNoToken(run.stdout + run.stderr);
      }
    } finally {
      tenant.console = saved;
    }
  });
});
