import { describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { words } from '../helpers/required-args.js';
import { runCli } from '../helpers/run-cli.js';

// On a 40-column terminal `--help` printed option descriptions unwrapped beside their terms
// (commander wraps only a column 40 wide or more): the terminal folded each one back under the
// terms, and the examples ran on past the edge with their explanations.

/**
 * Lines of help that must fit: every one but the usage line and the examples' commands (kept
 * whole to be copied) and a single word longer than the terminal (a fault spec is not cut).
 */
const tooWide = (help: string, width: number): string[] =>
  help
    .split('\n')
    .filter(
      (line) =>
        line.length > width && !line.startsWith('  $ ') && !line.startsWith('Usage: ') && /\s\S/.test(line.trim()),
    );

describe('--help fits the terminal', () => {
  it.each([40, 60, 100])(
    'every command at %i columns: each option and example explanation wrapped to fit',
    async (width) => {
      for (const { name } of commands) {
        const run = await runCli([...words(name), '--help'], { stdoutIsTTY: true, stdoutColumns: width });
        expect(run.code, name).toBe(0);
        expect(tooWide(run.stdout, width), `${name} --help at ${width} columns`).toEqual([]);
        expect(run.stdout, name).toContain('Examples:');
      }
    },
  );

  it('at 40 columns an option is its term, then its description below it', async () => {
    const run = await runCli(['migrate', 'cp-secret', 'apply', '--help'], { stdoutIsTTY: true, stdoutColumns: 40 });
    expect(run.stdout).toContain('  --max-errors <n>\n      abort when failures exceed this\n      (default: 0)\n');
    expect(run.stdout).toContain(
      '  $ molectl migrate cp-secret apply --plan plan.json\n    # apply it; asks you to type the\n    # environment name\n',
    );
  });

  it('piped, it is laid out for 80 columns as before: descriptions beside their terms', async () => {
    const run = await runCli(['migrate', 'cp-secret', 'apply', '--help']);
    expect(run.stdout).toContain('  --max-errors <n>             abort when failures exceed this (default: 0)\n');
    expect(tooWide(run.stdout, 80)).toEqual([]);
  });
});

describe('molectl --help (printed without commander)', () => {
  it('fits a 40-column terminal too', async () => {
    const run = await runCli(['--help'], { stdoutIsTTY: true, stdoutColumns: 40 });
    expect(tooWide(run.stdout, 40)).toEqual([]);
    expect(run.stdout).toContain('  -o, --output <format>\n      output format: text or json\n');
  });
});
