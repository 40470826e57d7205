import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { commandGroups, commands } from './commands/index.js';
import type { CommandEntry, CommandInput } from './lib/cli/command-definition.js';
import { installInterruptHandler } from './lib/cli/interrupts.js';
import { GLOBAL_OPTIONS, PROGRAM_DESCRIPTION, PROGRAM_HELP_AFTER, renderTopLevelHelp, VERSION_OPTION } from './lib/cli/top-level-help.js';
import { ExitCode, isMolectlError } from './lib/errors.js';
import type { TerminalStream } from './lib/output/output.js';
import type { Redactor } from './lib/output/redactor.js';

/**
 * Entry point: argv in, exit code out. Builds the commander program from the registry, loads
 * only the module of the command being run, builds the context, runs, and maps every error to
 * the exit-code table in docs/exit-codes.md. The only place that prints errors. `molectl --help`
 * and `--version` are answered before commander is even loaded (top-level-help.ts).
 */

export interface MainDeps {
  stdout?: TerminalStream;
  stderr?: TerminalStream;
  stdin?: Readable & { isTTY?: boolean };
  /** Process environment; defaults to the real one (read through src/lib/config/env.ts). */
  env?: NodeJS.ProcessEnv;
  /** Aborting it is what Ctrl-C (or SIGTERM, SIGHUP) does. When given, no signal handler is installed. */
  signal?: AbortSignal;
  /** Overrides for the context (tests point clock, exec or fetch at fakes). */
  overrides?: Record<string, unknown>;
}

/** Global options that take a value: their value is not a command word. */
const VALUE_OPTIONS = new Set(['--env', '--cp-url', '--profile', '--region', '-o', '--output']);

const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function main(argv: string[], deps: MainDeps = {}): Promise<number> {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  // The top-level help and the version: nothing to redact, nothing to interrupt.
  const quick = answerWithoutCommander(argv);
  if (quick !== null) {
    await new Promise<void>((resolve) => stdout.write(quick, () => resolve()));
    return ExitCode.ok;
  }
  const interrupt = deps.signal ? null : installInterruptHandler((text) => stderr.write(text));
  const signal = deps.signal ?? interrupt!.signal;
  const jsonRequested = wantsJson(argv);
  const [{ Redactor }, { Command }] = await Promise.all([import('./lib/output/redactor.js'), import('commander')]);
  // One redactor per run, made before anything can fail, so every error is redacted too.
  const redactor = new Redactor();
  let usageMessage = '';
  let exitCode: number = ExitCode.ok;

  const words = commandWords(argv);
  const program = buildProgram(Command, words, {
    writeOut: (text) => stdout.write(text),
    writeErr: (text) => stderr.write(text),
    captureUsageError: (text) => {
      usageMessage = text.trim();
    },
  });

  const entry = findEntry(words);
  if (entry) {
    const leaf = leafCommand(program, entry.name);
    const definition = await entry.load();
    definition.declare(leaf);
    leaf.action(async () => {
      const input: CommandInput = { args: leaf.args, options: leaf.opts() };
      const globals = leaf.optsWithGlobals();
      const { buildContext } = await import('./lib/context.js');
      const ctx = await buildContext({ globals, deps: { ...deps, stdout, stderr, signal, redactor }, commandName: entry.name });
      try {
        // Before the command reads or changes anything remote: is this where it should act, and
        // can its change be confirmed at all (exit 2 otherwise, nothing sent)?
        const { checkTargetOverrides } = await import('./lib/cli/check-target-overrides.js');
        checkTargetOverrides({ config: ctx.config, env: ctx.env, safety: entry.safety, warn: (text) => ctx.out.warn(text) });
        const how = definition.confirmation?.(input);
        if (how) (await import('./lib/cli/confirm-change.js')).checkConfirmable(ctx, how);
        exitCode = await definition.run(ctx, input);
      } finally {
        await ctx.out.flush();
      }
    });
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    exitCode = await reportError(error, {
      stderr,
      json: jsonRequested,
      debug: argv.includes('--debug'),
      usageMessage,
      signal,
      redactor,
    });
  } finally {
    interrupt?.dispose();
  }
  return exitCode;
}

export interface ProgramIo {
  writeOut(text: string): void;
  writeErr(text: string): void;
  captureUsageError(text: string): void;
}

/**
 * `molectl --help` (or `-h`, `help`) and `--version`: the text, without loading commander; null
 * for anything else. The help's width follows commander's rule (the terminal's, else 80).
 */
function answerWithoutCommander(argv: string[]): string | null {
  if (argv.length !== 1) return null;
  if (argv[0] === '--version') return `${VERSION}\n`;
  if (argv[0] !== '--help' && argv[0] !== '-h' && argv[0] !== 'help') return null;
  return renderTopLevelHelp({ commands, commandGroups }, (process.stdout.isTTY ? process.stdout.columns : undefined) ?? 80);
}

export function buildProgram(CommandClass: typeof Command, words: string[], io: ProgramIo): Command {
  const program = new CommandClass('molectl').description(PROGRAM_DESCRIPTION).version(VERSION, VERSION_OPTION.flags, VERSION_OPTION.description);
  for (const option of GLOBAL_OPTIONS) program.option(option.flags, option.description);
  program
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: io.writeOut,
      writeErr: io.writeErr,
      outputError: (text) => io.captureUsageError(text),
    })
    .addHelpText('after', PROGRAM_HELP_AFTER);

  addCommandTree(program, io, words);
  return program;
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
      const cmd = nodes.get(parentPath)!.command(parts[depth - 1]!).description(isLeaf ? entry.summary : (commandGroups[path] ?? ''));
      inheritSettings(cmd, io);
      nodes.set(path, cmd);
    }
  }
}

/** The non-option words of argv (values of global options skipped), `help` put aside. */
function commandWords(argv: string[]): string[] {
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
    .configureOutput({ writeOut: io.writeOut, writeErr: io.writeErr, outputError: (text) => io.captureUsageError(text) });
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

function leafCommand(program: Command, name: string): Command {
  let cmd = program;
  for (const word of name.split(' ')) cmd = cmd.commands.find((c) => c.name() === word)!;
  return cmd;
}

function wantsJson(argv: string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if ((token === '-o' || token === '--output') && argv[i + 1] === 'json') return true;
    if (token === '--output=json' || token === '-ojson') return true;
  }
  return false;
}

interface ReportOptions {
  stderr: TerminalStream;
  json: boolean;
  debug: boolean;
  usageMessage: string;
  signal: AbortSignal;
  redactor: Redactor;
}

async function reportError(error: unknown, options: ReportOptions): Promise<number> {
  if (isCommanderError(error)) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
    // `molectl help org` is asked-for help (commander exits 0); `molectl org` alone shows the same
    // help as an error (commander exits 1), which is a usage error below.
    if (error.code === 'commander.help' && error.exitCode === 0) return ExitCode.ok;
    // A group named without a subcommand: commander showed its help; that is a usage error.
    // Commander quotes the word it refused: echo it short and escaped (a 100 KB argument, or a
    // secret pasted in the wrong place, is not printed back whole).
    const { echoInput } = await import('./lib/output/remote-text.js');
    const message = (options.usageMessage.replace(/^error:\s*/, '') || error.message.replace(/^error:\s*/, '')).replace(/'([^']*)'/g, (_m, word: string) => `'${echoInput(word)}'`);
    if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync') {
      if (!message || message === '(outputHelp)') return ExitCode.usage;
    }
    await writeError(options, { code: ExitCode.usage, message, hint: 'run with --help for usage' });
    return ExitCode.usage;
  }
  const interrupted =
    (options.signal.aborted && (isAbortError(error) || error === options.signal.reason)) ||
    (isMolectlError(error) && error.code === ExitCode.interrupted);
  if (interrupted) {
    const hint = isMolectlError(error) ? error.hint : undefined;
    await writeError(options, { code: ExitCode.interrupted, message: isMolectlError(error) ? error.message : 'interrupted', hint });
    return ExitCode.interrupted;
  }
  if (isMolectlError(error)) {
    await writeError(options, { code: error.code, message: error.message, hint: error.hint, stack: error.stack });
    return error.code;
  }
  const message = error instanceof Error ? error.message : String(error);
  await writeError(options, {
    code: ExitCode.failed,
    message: `unexpected error: ${message}`,
    hint: 'run again with --debug for the stack trace; if it persists, report it with that output',
    stack: error instanceof Error ? error.stack : undefined,
  });
  return ExitCode.failed;
}

async function writeError(
  options: ReportOptions,
  err: { code: number; message: string; hint?: string | undefined; stack?: string | undefined },
): Promise<void> {
  // Errors are molectl's words and may quote remote text (marked where it was quoted): they
  // pass the same rendering as all other output. A stack trace repeats the message unmarked,
  // so it is rendered as remote text entirely.
  const mode = options.json ? 'json' : 'text';
  const { remoteText, renderOutputText } = await import('./lib/output/remote-text.js');
  const render = (text: string): string => renderOutputText(text, options.redactor, mode);
  let text: string;
  if (options.json) {
    const doc = { error: { code: err.code, message: render(err.message), hint: err.hint ? render(err.hint) : undefined } };
    text = `${JSON.stringify(doc)}\n`;
  } else {
    text = `error: ${render(err.message)}\n${err.hint ? `hint: ${render(err.hint)}\n` : ''}`;
  }
  if (options.debug && err.stack) text += `${renderOutputText(remoteText(err.stack), options.redactor, 'text')}\n`;
  await new Promise<void>((resolve) => options.stderr.write(text, () => resolve()));
}

/** Commander's own errors (its module is loaded lazily, so no instanceof): `code` is `commander.*`. */
function isCommanderError(error: unknown): error is Error & { code: string; exitCode: number } {
  const e = error as { code?: unknown; exitCode?: unknown } | null;
  return error instanceof Error && typeof e?.code === 'string' && e.code.startsWith('commander.') && typeof e.exitCode === 'number';
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR');
}
