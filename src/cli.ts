import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { commandGroups, commands } from './commands/index.js';
import {
  buildProgram,
  commandWords,
  declareCommand,
  findEntry,
  leafCommand,
  rawFlagValues,
} from './cli/build-program.js';
import { EXIT_CLOSED_STDOUT, watchForClosedOutput } from './cli/closed-output.js';
import { isHelpOrVersion, reportError } from './cli/report-error.js';
import { installInterruptHandler } from './cli/interrupts.js';
export { outliveTheTerminal } from './cli/lost-terminal.js';
import { renderTopLevelHelp } from './lib/cli/top-level-help.js';
import { DEFAULT_FORMATS } from './lib/config/output-format.js';
import { ExitCode } from './lib/errors.js';
import type { TerminalStream } from './lib/output/output.js';

/**
 * Entry point: argv in, exit code out. Builds the commander program from the registry, loads
 * only the module of the command being run, parses its flags and arguments by their
 * declarations before anything else happens, builds the context, runs, and hands every error
 * to the one printer (src/cli/report-error.ts). `molectl --help` and `--version` are answered
 * before commander is even loaded (top-level-help.ts).
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

const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The global options that take a value, by their commander key: none of them may be empty. */
const GLOBAL_VALUE_SPELLINGS = {
  env: '--env',
  cpUrl: '--cp-url',
  profile: '--profile',
  region: '--region',
  output: '--output',
};

export async function main(argv: string[], deps: MainDeps = {}): Promise<number> {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const output = watchForClosedOutput(stdout, stderr);
  // The top-level help and the version: nothing to redact, nothing to interrupt.
  const quick = answerWithoutCommander(argv);
  if (quick !== null) {
    await new Promise<void>((resolve) => stdout.write(quick, () => resolve()));
    return ExitCode.ok;
  }
  const interrupt = deps.signal ? null : installInterruptHandler((text) => stderr.write(text));
  const signal = deps.signal ?? interrupt!.signal;
  const [{ Redactor }, { Command }] = await Promise.all([import('./lib/output/redactor.js'), import('commander')]);
  // One redactor per run, made before anything can fail, so every error is redacted too.
  const redactor = new Redactor();
  let usageMessage = '';
  let exitCode: number = ExitCode.ok;

  const program = buildProgram(
    Command,
    commandWords(argv),
    {
      writeOut: (text) => stdout.write(text),
      writeErr: (text) => stderr.write(text),
      captureUsageError: (text) => {
        usageMessage = text.trim();
      },
    },
    VERSION,
  );

  const entry = findEntry(commandWords(argv));
  if (entry) {
    const leaf = leafCommand(program, entry.name);
    const definition = await entry.load();
    const options = declareCommand(leaf, definition);
    leaf.action(async () => {
      // Every flag and argument is judged before the context exists: a bad value is exit 2
      // before any file is read or any remote call is made.
      const { checkGlobalValues, parseArguments, parseFlags } = await import('./lib/cli/flag-declaration.js');
      checkGlobalValues(program.opts(), GLOBAL_VALUE_SPELLINGS);
      const input = {
        args: parseArguments(definition.args ?? [], leaf.processedArgs),
        options: parseFlags(definition.flags, rawFlagValues(leaf, options)),
      };
      const { buildContext } = await import('./lib/context.js');
      const ctx = await buildContext({
        globals: program.opts(),
        formats: definition.formats ?? DEFAULT_FORMATS,
        deps: { ...deps, stdout, stderr, signal, redactor },
        commandName: entry.name,
      });
      try {
        // Before the command reads or changes anything remote: is this where it should act, and
        // can its change be confirmed at all (exit 2 otherwise, nothing sent)?
        const { checkTargetOverrides } = await import('./lib/config/check-target-overrides.js');
        checkTargetOverrides({
          config: ctx.config,
          env: ctx.env,
          destructive: entry.safety === 'destructive',
          warn: (text) => ctx.out.warn(text),
        });
        const how = definition.confirmation?.(input);
        if (how) (await import('./lib/prompt/confirm-change.js')).checkConfirmable(ctx, how);
        exitCode = await definition.run(ctx, input);
      } finally {
        await ctx.out.flush();
      }
    });
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    // The reader of stdout went away (`| head`): the write that failed ended the command; end quietly.
    if (output.stdoutClosed && !isHelpOrVersion(error)) return EXIT_CLOSED_STDOUT;
    const globals = program.opts<{ output?: string; debug?: boolean }>();
    exitCode = await reportError(error, {
      stderr,
      json: await errorsAsJson(globals.output, deps.env ?? process.env),
      debug: Boolean(globals.debug),
      usageMessage,
      signal,
      redactor,
    });
  } finally {
    interrupt?.dispose();
  }
  return exitCode;
}

/**
 * Errors come out as JSON when the run's output would: --output, else MOLECTL_OUTPUT, else the
 * config file (read here only when neither is set; a config file that cannot be read is the
 * error being reported, so it counts as unset).
 */
async function errorsAsJson(flag: string | undefined, processEnv: NodeJS.ProcessEnv): Promise<boolean> {
  const format = await import('./lib/config/output-format.js');
  if (flag !== undefined || processEnv.MOLECTL_OUTPUT)
    return format.errorsAsJson({ flag, env: processEnv.MOLECTL_OUTPUT });
  const { readEnv } = await import('./lib/config/env.js');
  const { defaultConfigPath, readConfigFile } = await import('./lib/config/load-config.js');
  const file = await readConfigFile(defaultConfigPath(readEnv(processEnv))).catch(() => null);
  return format.errorsAsJson({ file: file?.output });
}

/**
 * `molectl --help` (or `-h`, `help`) and `--version`: the text, without loading commander; null
 * for anything else. The help's width follows commander's rule (the terminal's, else 80).
 */
function answerWithoutCommander(argv: string[]): string | null {
  if (argv.length !== 1) return null;
  if (argv[0] === '--version') return `${VERSION}\n`;
  if (argv[0] !== '--help' && argv[0] !== '-h' && argv[0] !== 'help') return null;
  return renderTopLevelHelp(
    { commands, commandGroups },
    (process.stdout.isTTY ? process.stdout.columns : undefined) ?? 80,
  );
}
