import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { runCli } from '../helpers/run-cli.js';

// `config show` printed ~150 columns and `org list` ~110: on an 80-column terminal every row
// wrapped into the next one's columns. On a terminal, tables now fit; piped output and JSON,
// which scripts parse, are unchanged.

let sandbox: Sandbox;
let stateDir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ speed: 'fast', tenants: 3 });
  stateDir = mkdtempSync(join(tmpdir(), 'molectl-width-'));
});
afterAll(async () => {
  await sandbox.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const env = (): NodeJS.ProcessEnv => ({ ...sandbox.env, MOLECTL_STATE_DIR: stateDir, NO_COLOR: '1', TERM: '' });
const widest = (text: string): number => Math.max(...text.split('\n').map((l) => l.length));

describe('tables on a terminal fit its width', { timeout: 60_000 }, () => {
  it('config show at 80 columns: free text cut with …, every key whole; piped it is the full table', async () => {
    const onTerminal = await runCli(['config', 'show'], { env: env(), stdoutIsTTY: true, stdoutColumns: 80 });
    expect(onTerminal.code, onTerminal.stderr).toBe(0);
    const piped = await runCli(['config', 'show'], { env: env() });
    const table = (text: string): string => text.slice(text.indexOf('KEY'));
    expect(widest(table(piped.stdout))).toBeGreaterThan(80);
    expect(widest(table(onTerminal.stdout))).toBeLessThanOrEqual(80);
    expect(onTerminal.stdout).toContain('…');
    const keys = (text: string): string[] =>
      table(text)
        .split('\n')
        .slice(1)
        .map((l) => l.split(' ')[0]!);
    expect(keys(onTerminal.stdout)).toEqual(keys(piped.stdout));
  });

  it('org list at 40 columns: one block per org, slug, status and id whole', async () => {
    const piped = await runCli(['org', 'list'], { env: env() });
    expect(widest(piped.stdout)).toBeGreaterThan(40);
    const run = await runCli(['org', 'list'], { env: env(), stdoutIsTTY: true, stdoutColumns: 40 });
    expect(run.code, run.stderr).toBe(0);
    const json = await runCli(['org', 'list', '-o', 'json'], { env: env() });
    const orgs = JSON.parse(json.stdout).orgs as { slug: string; id: string; instanceStatus: string }[];
    expect(orgs.length).toBe(3);
    for (const org of orgs) expect(run.stdout).toContain(`slug:    ${org.slug}\nstatus:  ${org.instanceStatus}\n`);
    for (const org of orgs) expect(run.stdout).toContain(`id:      ${org.id}`);
  });

  it('-o json is the same document on a terminal as through a pipe', async () => {
    const onTerminal = await runCli(['config', 'show', '-o', 'json'], {
      env: env(),
      stdoutIsTTY: true,
      stdoutColumns: 40,
    });
    const piped = await runCli(['config', 'show', '-o', 'json'], { env: env() });
    expect(onTerminal.stdout).toBe(piped.stdout);
  });
});
