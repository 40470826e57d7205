import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/build-program.js';
import { commandGroups, commands } from '../../../src/commands/index.js';
import { renderTopLevelHelp } from '../../../src/lib/cli/top-level-help.js';

/**
 * `molectl --help` is printed without loading commander (start-up budget, issue 16). It must be
 * exactly what commander prints for the same program, at the terminal widths people have.
 */
function commanderHelp(width: number): string {
  let text = '';
  const io = { writeOut: (t: string) => (text += t), writeErr: () => undefined, captureUsageError: () => undefined };
  const program = buildProgram(Command, [], io, '0.0.0').configureOutput({
    writeOut: io.writeOut,
    getOutHelpWidth: () => width,
  });
  program.outputHelp();
  return text;
}

describe('the top-level help without commander', () => {
  it.each([80, 120, 60, 40, 200])('matches commander at %i columns', (width) => {
    expect(renderTopLevelHelp({ commands, commandGroups }, width)).toBe(commanderHelp(width));
  });

  it('lists every command word once, in registry order, then help', () => {
    const text = renderTopLevelHelp({ commands, commandGroups });
    const listed = [...text.split('Commands:\n')[1]!.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]);
    expect(listed).toEqual([...new Set(commands.map((c) => c.name.split(' ')[0]))].concat('help'));
  });
});
