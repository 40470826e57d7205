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
  it('verify at 80 columns: details wrapped within their column, each check name whole at the start of its row', async () => {
    const piped = await runCli(['verify'], { env: env() });
    expect(widest(piped.stdout)).toBeGreaterThan(80);
    const run = await runCli(['verify'], { env: env(), stdoutIsTTY: true, stdoutColumns: 80 });
    expect(run.code, run.stderr).toBe(piped.code);
    const table = run.stdout.slice(run.stdout.indexOf('CHECK')).split('\n\n')[0]!;
    expect(widest(table)).toBeLessThanOrEqual(80);
    const json = await runCli(['verify', '-o', 'json'], { env: env() });
    const checks = JSON.parse(json.stdout).checks as { id: string; detail: string }[];
    for (const check of checks) {
      expect(table).toMatch(new RegExp(`^${check.id}  `, 'm'));
      // Nothing cut: the detail's words are all there, in order, across its lines.
      const words = table
        .slice(table.search(new RegExp(`^${check.id}  `, 'm')))
        .split('\n')
        .slice(0, 6)
        .join(' ');
      for (const word of check.detail.split(' ')) expect(words).toContain(word);
    }
  });

  it('config show at 60 columns: one block per key, every line fits; piped it is the full table', async () => {
    const onTerminal = await runCli(['config', 'show'], { env: env(), stdoutIsTTY: true, stdoutColumns: 60 });
    expect(onTerminal.code, onTerminal.stderr).toBe(0);
    const piped = await runCli(['config', 'show'], { env: env() });
    const table = (text: string): string => text.slice(text.indexOf('\n\n') + 2);
    expect(widest(table(piped.stdout))).toBeGreaterThan(60);
    // Every line fits but one holding a single word longer than the terminal (a consumer list
    // joined without spaces), which the terminal folds.
    const tooWide = table(onTerminal.stdout)
      .split('\n')
      .filter((line) => line.length > 60 && !/^(\S+: +| +)\S+$/.test(line));
    expect(tooWide).toEqual([]);
    const json = await runCli(['config', 'show', '-o', 'json'], { env: env() });
    for (const { key } of JSON.parse(json.stdout).settings as { key: string }[])
      expect(onTerminal.stdout).toContain(`key:    ${key}\n`);
  });

  it('org list at 80 columns: a row per org, created left out (age says it) and named', async () => {
    const run = await runCli(['org', 'list'], { env: env(), stdoutIsTTY: true, stdoutColumns: 80 });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SLUG +STATUS +AGE +ID$/);
    const json = await runCli(['org', 'list', '-o', 'json'], { env: env() });
    const orgs = JSON.parse(json.stdout).orgs as { slug: string; id: string }[];
    for (const org of orgs)
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${org.slug} .* ${org.id}$`)));
    expect(lines.at(-1)).toBe('hidden at 80 columns: created (-o json shows it)');
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

  it('migrate cp-secret plan at 80 columns: one line per tenant, the columns left out named under it', async () => {
    const piped = await runCli(['migrate', 'cp-secret', 'plan'], { env: env() });
    expect(piped.stdout).toMatch(/^ORG +INSTANCE +CLASS +HOLDS +DURABLE +SSM +WHY$/m);
    const run = await runCli(['migrate', 'cp-secret', 'plan'], { env: env(), stdoutIsTTY: true, stdoutColumns: 80 });
    expect(run.code, run.stderr).toBe(piped.code);
    const table = run.stdout.slice(run.stdout.indexOf('ORG ')).split('\n\n')[0]!.split('\n');
    expect(table[0]).toMatch(/^ORG +CLASS +HOLDS +SSM +WHY$/);
    const json = await runCli(['migrate', 'cp-secret', 'plan', '-o', 'json'], { env: env() });
    const targets = JSON.parse(json.stdout).targets as { slug: string; class: string }[];
    expect(targets.length).toBe(3);
    for (const t of targets) expect(table).toContainEqual(expect.stringMatching(new RegExp(`^${t.slug} +${t.class} `)));
    // A long why wraps within its column; the note is the table's last line.
    expect(table.at(-1)).toBe('hidden at 80 columns: durable, instance (-o json shows them)');
    for (const line of table) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('secrets list at 80 columns: a row per secret with its versions, the columns left out named', async () => {
    const piped = await runCli(['secrets', 'list'], { env: env() });
    expect(widest(piped.stdout)).toBeGreaterThan(80);
    const run = await runCli(['secrets', 'list'], { env: env(), stdoutIsTTY: true, stdoutColumns: 80 });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +VERSIONS$/);
    const json = await runCli(['secrets', 'list', '-o', 'json'], { env: env() });
    const secrets = JSON.parse(json.stdout).secrets as {
      name: string;
      exists: boolean;
      versions: { versionId: string }[];
    }[];
    for (const secret of secrets) {
      const versions = secret.exists ? secret.versions.map((v) => v.versionId) : ['MISSING'];
      // Each version id whole beside its name, never split across lines.
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${secret.name} +${versions[0]}`)));
    }
    expect(lines.slice(-2).join(' ')).toBe(
      'hidden at 80 columns: secrets manager id, last change, consumers (-o json shows them)',
    );
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('config show at 80 columns: a row per key, its value wrapped, from left out and named', async () => {
    const run = await runCli(['config', 'show'], { env: env(), stdoutIsTTY: true, stdoutColumns: 80 });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const table = lines.slice(lines.findIndex((l) => l.startsWith('KEY ')));
    expect(table[0]).toMatch(/^KEY +VALUE +SOURCE$/);
    const json = await runCli(['config', 'show', '-o', 'json'], { env: env() });
    const settings = JSON.parse(json.stdout).settings as { key: string; source: string }[];
    // -o json is a flag, so its output setting's source is not the table's.
    for (const { key, source } of settings.filter((e) => e.key !== 'output'))
      expect(table).toContainEqual(expect.stringMatching(new RegExp(`^${key.replace('.', '\\.')} .* ${source}$`)));
    expect(table.at(-1)).toBe('hidden at 80 columns: from (-o json shows it)');
    // The heading above it wraps at a space too, and nothing is folded by the terminal.
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('secrets status at 80 columns: versions and consumers are tables, the ARN under the name', async () => {
    const piped = await runCli(['secrets', 'status', 'cp-shared-secret'], { env: env() });
    expect(piped.stdout).toMatch(/^CONSUMER +HOLDS +FINGERPRINT +DETAIL$/m);
    const run = await runCli(['secrets', 'status', 'cp-shared-secret'], {
      env: env(),
      stdoutIsTTY: true,
      stdoutColumns: 80,
    });
    expect(run.code, run.stderr).toBe(piped.code);
    const json = await runCli(['secrets', 'status', 'cp-shared-secret', '-o', 'json'], { env: env() });
    const doc = JSON.parse(json.stdout) as { arn: string; consumers: { consumer: string; holds: string }[] };
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[1]).toBe(`  (${doc.arn})`);
    expect(lines).toContainEqual(expect.stringMatching(/^VERSION +STAGES +VALUE$/));
    expect(lines).toContain('hidden at 80 columns: created (-o json shows it)');
    // Where no consumer's fingerprint could be read, the column of dashes is narrow enough to stay.
    expect(lines).toContainEqual(expect.stringMatching(/^CONSUMER +HOLDS( +FINGERPRINT)?$/));
    for (const c of doc.consumers)
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${c.consumer} +${c.holds}( +\\S+)?$`)));
    expect(lines).toContainEqual(expect.stringMatching(/^hidden at 80 columns: (fingerprint, )?detail \(-o json/));
    // Every line fits but the ARN, one word longer than the terminal (copied whole).
    expect(lines.filter((l) => l.length > 80)).toEqual([`  (${doc.arn})`]);
  });

  it('org show at 80 columns: a long value wraps under itself, not into the labels', async () => {
    const piped = await runCli(['org', 'show', 'acme'], { env: env() });
    expect(widest(piped.stdout)).toBeGreaterThan(80);
    const run = await runCli(['org', 'show', 'acme'], { env: env(), stdoutIsTTY: true, stdoutColumns: 80 });
    expect(run.code, run.stderr).toBe(piped.code);
    const lines = run.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    const json = await runCli(['org', 'show', 'acme', '-o', 'json'], { env: env() });
    const { org } = JSON.parse(json.stdout) as { org: { id: string } };
    const cpRow = lines.findIndex((l) => l.startsWith('  CP row        id '));
    expect(lines[cpRow]).toContain(org.id);
    // Its continuation starts under the value, and the next label follows it.
    expect(lines[cpRow + 1]).toMatch(/^ {16}\S/);
    expect(lines.slice(cpRow + 1).find((l) => !l.startsWith(' '.repeat(16)))).toMatch(/^ {2}edge {10}status /);
  });

  it('verify at 80 columns: the verdict and what to do wrap at spaces under their text', async () => {
    const piped = await runCli(['verify'], { env: env() });
    expect(widest(piped.stdout)).toBeGreaterThan(80);
    expect(widest(piped.stderr)).toBeGreaterThan(80);
    const terminal = { stdoutIsTTY: true, stdoutColumns: 80, stderrIsTTY: true, stderrColumns: 80 };
    const run = await runCli(['verify'], { env: env(), ...terminal });
    expect(run.code, run.stderr).toBe(piped.code);
    for (const line of [...run.stdout.split('\n'), ...run.stderr.split('\n')])
      expect(line.length, line).toBeLessThanOrEqual(80);
    // Nothing is lost: joined back, the lines say what the piped ones say.
    const joined = (text: string): string => text.replace(/\n +/g, ' ');
    const verdict = piped.stdout
      .trimEnd()
      .split('\n')
      .at(-1)!
      .replace(/ in [\d.]+s$/, '');
    expect(joined(run.stdout)).toContain(verdict);
    for (const line of piped.stderr.split('\n').filter((l) => l.startsWith('  - ')))
      expect(joined(run.stderr)).toContain(line.trim());
  });

  it('migrate cp-secret plan at 80 columns: the environment and secret headings wrap between their fields', async () => {
    const run = await runCli(['migrate', 'cp-secret', 'plan'], { env: env(), stdoutIsTTY: true, stdoutColumns: 80 });
    const head = run.stdout.slice(0, run.stdout.indexOf('\n\n')).split('\n');
    for (const line of head) expect(line.length).toBeLessThanOrEqual(80);
    expect(head[0]).toMatch(/^environment \S+ {2}CP \S+/);
    expect(head.find((l) => /^secret {6}\S/.test(l))).toBeDefined();
    // A continuation starts under the first field, and each field is whole on its line.
    for (const line of head.filter((l) => l.startsWith(' ')))
      expect(line).toMatch(/^ {12}(region|account|version|\(len=)/);
  });

  it('org delete --dry-run at 80 columns: the target and CP row wrap under their values', async () => {
    const piped = await runCli(['org', 'delete', 'beta', '--dry-run'], { env: env() });
    expect(widest(piped.stdout)).toBeGreaterThan(80);
    const run = await runCli(['org', 'delete', 'beta', '--dry-run'], {
      env: env(),
      stdoutIsTTY: true,
      stdoutColumns: 80,
    });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    const target = lines.findIndex((l) => l.startsWith('  target: environment '));
    // The environment's fields go on under its name, whole; then the CP row under its label.
    expect(lines[target + 1]).toMatch(/^ {22}(CP|AWS account|region) /);
    const cpRow = lines.findIndex((l) => l.startsWith('  CP row: id '));
    expect(lines[cpRow + 1]).toMatch(/^ {10}\S/);
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
