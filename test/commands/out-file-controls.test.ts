import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimInstance } from '../../src/sandbox/state.js';
import { startHarness, type Harness } from './org-harness.js';

/**
 * `--out FILE` of console (and logs, which share the writer) holds what stdout shows: redacted,
 * controls escaped. It kept the raw bytes, so `cat FILE` let a console line retitle the terminal,
 * clear the line or hide the text before it with a bare CR.
 */

const ESC = '\u001b';
const HOSTILE = [
  `cloud-init[1873]: ${ESC}[31mred${ESC}[0m and ${ESC}]0;pwned\u0007a title`,
  'cloud-init[1873]: ADMIN_TOKEN=ctl-out-8d1f0c2a77e3\rall clear, nothing to see',
];

let h: Harness;
let tenant: SimInstance;
let dir: string;

beforeAll(async () => {
  h = await startHarness({ tenants: 1 });
  tenant = [...h.sandbox.state.instances.values()].find((i) => i.role === 'molecule-tenant-instance')!;
  tenant.console = `boot\r\n${HOSTILE.join('\r\n')}\r\nlogin: \r\n`;
  dir = mkdtempSync(join(tmpdir(), 'molectl-out-controls-'));
});
afterAll(async () => {
  await h.stop();
});

describe('console --out FILE', () => {
  it('writes the lines as stdout shows them: escaped controls, the secret redacted', async () => {
    const shown = await h.run(['console', 'acme', '--grep', 'cloud-init']);
    const file = join(dir, 'console.txt');
    const out = await h.run(['console', 'acme', '--grep', 'cloud-init', '--out', file]);
    expect(out.code).toBe(0);
    const written = readFileSync(file, 'utf8');
    expect(written).toBe(shown.stdout.slice(0, shown.stdout.indexOf('\n\n') + 1 || undefined));
    expect(written).toContain('\\e[31mred\\e[0m and \\e]0;pwned\\aa title');
    expect(written).toContain('ADMIN_TOKEN=[REDACTED:named-secret]\\rall clear');
    expect(written).not.toMatch(/[\u0007\u001b]|\r(?!\n)/);
  });
});
