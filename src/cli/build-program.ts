import type { Command, Option } from 'commander';
import { commandGroups, commands } from '../commands/index.js';
import type { CommandDefinition, CommandEntry } from '../lib/cli/command-definition.js';
import type { ArgumentSpec, Flag, RawFlagValue } from '../lib/cli/flag-declaration.js';
import { formatExamples, formatHelpItem, wrapText } from '../lib/cli/help-layout.js';
import { GLOBAL_OPTIONS, PROGRAM_DESCRIPTION, PROGRAM_HELP_AFTER, VERSION_OPTION } from '../lib/cli/top-level-help.js';

/**
 * The one module (with src/cli.ts) that knows commander: it builds the program from the
 * registry and turns a command's declaration (src/lib/cli/command-definition.ts) into a
 * commander command. Commander only reads the words; every value is judged by the flag's own
 * parser (src/lib/cli/flags.ts) when src/cli.ts hands the raw values over.
 */

export interface ProgramIo {
  writeOut(text: string): void;
  writeErr(text: string): void;
  captureUsageError(text: string): void;
  /** The width of the terminal help printed to stdout / stderr goes to; undefined when it is not one (80 is used). */
  outHelpWidth?(): number | undefined;
  errHelpWidth?(): number | undefined;
}

/** Global options that take a value: their value is not a command word. */
const VALUE_OPTIONS = new Set(['--env', '--cp-url', '--profile', '--region', '-o', '--output']);

export function buildProgram(CommandClass: typeof Command, words: string[], io: ProgramIo, version: string): Command {
  const program = new CommandClass('molectl')
    .description(PROGRAM_DESCRIPTION)
    .version(version, VERSION_OPTION.flags, VERSION_OPTION.description);
  for (const option of GLOBAL_OPTIONS) program.option(option.flags, option.description);
  inheritSettings(program, io);
  program
    .showSuggestionAfterError(true)
    .addHelpText('after', ({ error }) => wrapText(PROGRAM_HELP_AFTER, helpWidth(program, error)));
  addCommandTree(program, io, words);
  return program;
}

/**
 * Declares a command's arguments, flags, description and examples on its commander command.
 * Returns, for each flag key, the commander option it became (to read the raw value back).
 */
export function declareCommand(cmd: Command, definition: CommandDefinition): Map<string, Option> {
  cmd.description(definition.description);
  for (const arg of definition.args ?? []) cmd.argument(argumentSyntax(arg), arg.description);
  const options = new Map<string, Option>();
  for (const [key, flag] of Object.entries(definition.flags)) {
    const option = cmd.createOption(flag.flags, withDefault(flag));
    if (flag.repeatable)
      option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
    cmd.addOption(option);
    options.set(key, option);
  }
  cmd.addHelpText('after', ({ error }) => formatExamples(definition.examples, helpWidth(cmd, error)));
  return options;
}

/** The raw values commander read, keyed as the command declared its flags. */
export function rawFlagValues(cmd: Command, options: Map<string, Option>): Record<string, RawFlagValue> {
  const values = cmd.opts();
  const raw: Record<string, RawFlagValue> = {};
  for (const [key, option] of options) raw[key] = values[option.attributeName()] as RawFlagValue;
  return raw;
}

function argumentSyntax(arg: ArgumentSpec): string {
  const name = `${arg.name}${arg.variadic ? '...' : ''}`;
  return arg.optional ? `[${name}]` : `<${name}>`;
}

/** Defaults are applied by the flag's parser; commander only shows them. */
function withDefault(flag: Flag<unknown>): string {
  return flag.defaultText === undefined ? flag.description : `${flag.description} (default: ${flag.defaultText})`;
}

/**
 * Adds the commands, but only the part of the tree the command line names: every top-level
 * name (for the top-level help and for suggestions), and below that only the branch of the
 * words given (`molectl migrate cp-secret --help` builds migrate's and cp-secret's children and
 * nothing else). Building all of them cost ~12 ms with forty commands, against a start-up
 * budget of about twenty; the cost now stays flat as commands are added.
 */
function addCommandTree(program: Command, io: ProgramIo, words: string[]): void {
  const nodes = new Map<string, Command>([['', program]]);
  const wanted = (path: string): boolean => path === '' || words.slice(0, path.split(' ').length).join(' ') === path;
  for (const entry of commands) {
    const parts = entry.name.split(' ');
    for (let depth = 1; depth <= parts.length; depth++) {
      const path = parts.slice(0, depth).join(' ');
      const parentPath = parts.slice(0, depth - 1).join(' ');
      if (nodes.has(path)) continue;
      if (!wanted(parentPath)) break;
      const isLeaf = depth === parts.length;
      const cmd = nodes
        .get(parentPath)!
        .command(parts[depth - 1]!)
        .description(isLeaf ? entry.summary : (commandGroups[path] ?? ''));
      inheritSettings(cmd, io);
      nodes.set(path, cmd);
    }
  }
}

/** The non-option words of argv (values of global options skipped), `help` put aside. */
export function commandWords(argv: string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') break;
    if (token.startsWith('-')) {
      if (VALUE_OPTIONS.has(token)) i++;
      continue;
    }
    words.push(token);
  }
  return words[0] === 'help' ? words.slice(1) : words;
}

function inheritSettings(cmd: Command, io: ProgramIo): void {
  cmd
    .exitOverride()
    .configureOutput({
      writeOut: io.writeOut,
      writeErr: io.writeErr,
      outputError: (text) => io.captureUsageError(text),
      // The streams molectl writes help to, not process.stdout (commander's default).
      getOutHelpWidth: () => io.outHelpWidth?.() ?? DEFAULT_HELP_WIDTH,
      getErrHelpWidth: () => io.errHelpWidth?.() ?? DEFAULT_HELP_WIDTH,
    })
    .configureHelp({
      formatItem: (term, termWidth, description, helper) =>
        formatHelpItem(term, termWidth, description, helper.helpWidth ?? DEFAULT_HELP_WIDTH),
      boxWrap: (text, width) => wrapText(text, width),
    });
}

/** Commander's width for help that goes to a pipe or a file. */
const DEFAULT_HELP_WIDTH = 80;

/** The width the help of `cmd` is being laid out for (the terminal's, else 80), as commander decides it. */
function helpWidth(cmd: Command, error: boolean): number {
  const output = cmd.configureOutput();
  return (error ? output.getErrHelpWidth?.() : output.getOutHelpWidth?.()) ?? DEFAULT_HELP_WIDTH;
}

/** The registry entry the command words name, found without parsing: its module is the only one loaded. */
export function findEntry(words: string[]): CommandEntry | undefined {
  let best: CommandEntry | undefined;
  for (const entry of commands) {
    const parts = entry.name.split(' ');
    if (parts.every((p, i) => words[i] === p) && (!best || parts.length > best.name.split(' ').length)) best = entry;
  }
  return best;
}

export function leafCommand(program: Command, name: string): Command {
  let cmd = program;
  for (const word of name.split(' ')) cmd = cmd.commands.find((c) => c.name() === word)!;
  return cmd;
}
