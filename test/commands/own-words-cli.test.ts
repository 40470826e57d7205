import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

// molectl's own words through main(): no token-shape rule rewrites them; refused input is
// echoed short, with its controls escaped.

describe('own words and refused input, end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'molectl-words-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a config typo names the key it did not recognise', async () => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ environments: { production: { cpTokenFil: '/x' } } }));
    const r = await runCli(['config', 'show'], { env: { MOLECTL_CONFIG: config } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Unrecognized key: "cpTokenFil"');
    expect(r.stderr).not.toContain('REDACTED');
  });

  it('a 100 KB unknown option is echoed in about 80 characters, its escape sequence shown, not acted on', async () => {
    const r = await runCli(['config', 'show', `--${'a'.repeat(100_000)}\u001b[2J`]);
    expect(r.code).toBe(2);
    expect(r.stderr.length).toBeLessThan(300);
    expect(r.stderr).toMatch(/unknown option '--a+…\(100006 characters\)'/);
    expect(r.stderr).not.toContain('\u001b');
    const short = await runCli(['config', 'show', '--x\u001b]0;pwned\u0007']);
    expect(short.stderr).toContain("unknown option '--x\\e]0;pwned\\a'");
  });
});
