import { describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { flagName } from '../../src/lib/cli/flag-declaration.js';
import { REQUIRED_ARGS, words } from '../helpers/required-args.js';
import { runCli } from '../helpers/run-cli.js';

/**
 * Issue 19, item 6: `--summary-md "$GITHUB_STEP_SUMMARY"` with the variable unset hands molectl
 * an empty value. Every flag, argument and global option that takes a value refuses it with exit
 * 2, naming itself and the likely cause, before anything is read or sent. Walks the registry, so
 * a flag added tomorrow is held to it too.
 */

/** Every command's flags that take a value, with the flags the command requires besides. */
async function valueFlags(): Promise<Array<[string, string]>> {
  const rows: Array<[string, string]> = [];
  for (const entry of commands) {
    const definition = await entry.load();
    for (const flag of Object.values(definition.flags) as Array<{ flags: string }>)
      if (flag.flags.includes('<')) rows.push([entry.name, flagName(flag)]);
  }
  return rows;
}

const flagRows = await valueFlags();

describe('an empty flag value is refused, naming the flag and the unset variable (exit 2)', () => {
  it('the walk reaches the flags of the issue', () => {
    expect(flagRows).toContainEqual(['migrate cp-secret apply', '--summary-md']);
    expect(flagRows).toContainEqual(['verify', '--report-file']);
    expect(flagRows.length).toBeGreaterThan(40);
  });

  it.each(flagRows)('%s %s ""', async (name, flag) => {
    // The required sample arguments come first; an empty value given for one of them wins (last one counts).
    const run = await runCli([...words(name), ...(REQUIRED_ARGS[name] ?? []), flag, '']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `error: ${flag} is empty\nhint: a shell variable given as its value (${flag} "$VAR") is unset or empty; set it, or leave the flag out\n`,
    );
  });

  it('the example of the issue, as JSON: --summary-md "" under -o json', async () => {
    const run = await runCli(['-o', 'json', 'migrate', 'cp-secret', 'apply', '--summary-md', '']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(JSON.parse(run.stderr)).toEqual({
      error: { code: 2, message: '--summary-md is empty', hint: expect.stringContaining('is unset or empty') },
    });
  });
});

describe('an empty global option is refused rather than read as absent (exit 2)', () => {
  // Read as absent, `--env "$TARGET"` with TARGET unset would act on the default environment.
  it.each(['--env', '--cp-url', '--profile', '--region', '--output'])('%s ""', async (option) => {
    const run = await runCli([option, '', 'org', 'list']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `error: ${option} is empty\nhint: a shell variable given as its value (${option} "$VAR") is unset or empty; set it, or leave the flag out\n`,
    );
  });

  it('a value of blanks counts as empty', async () => {
    const run = await runCli(['--env', '  ', 'org', 'list']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: --env is empty');
  });
});

describe('an empty argument is refused, naming it (exit 2)', () => {
  it.each([['org', 'show'], ['org', 'delete'], ['logs'], ['secrets', 'status']])('%s %s ""', async (...command) => {
    const run = await runCli([...command, '']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: <[a-z-]+> is empty\nhint: a shell variable given as its value \("\$VAR"\)/);
  });

  it('verify --report-file markdown: with nothing after the colon names the variable too', async () => {
    const run = await runCli(['verify', '--report-file', 'markdown:']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no file name after "markdown:"');
    expect(run.stderr).toContain('that variable is unset or empty');
    // The example it gives is a Markdown file, not `markdown:verify-report.xml`.
    expect(run.stderr).toContain('write it as --report-file markdown:report.md;');
  });

  it.each([
    ['verify', 'junit', 'xml'],
    ['fleet audit', 'json', 'json'],
    ['fleet audit', 'text', 'txt'],
  ])('%s --report-file %s: suggests a .%s file', async (command, format, extension) => {
    const run = await runCli([...command.split(' '), '--report-file', `${format}:`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`write it as --report-file ${format}:report.${extension};`);
  });
});
