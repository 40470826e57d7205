import { Command } from 'commander';
import type { MainDeps } from '../cli.js';
import { findEntry, buildProgram, commandWords, declareCommand, leafCommand, rawFlagValues } from './build-program.js';
import { EXIT_CLOSED_STDOUT, type ClosedOutputWatch } from './closed-output.js';
import { installInterruptHandler } from './interrupts.js';
import { isHelpOrVersion, reportError } from './report-error.js';
import { checkGlobalValues, parseArguments, parseFlags } from '../lib/cli/flag-declaration.js';
import { checkTargetOverrides } from '../lib/config/check-target-overrides.js';
import { readEnv } from '../lib/config/env.js';
import { checkStatePreconditions } from '../lib/runs/run-preconditions.js';
import { defaultConfigPath, readConfigFile } from '../lib/config/load-config.js';
import { DEFAULT_FORMATS, errorsAsJson as formatErrorsAsJson } from '../lib/config/output-format.js';
import { buildContext } from '../lib/context.js';
import { ExitCode } from '../lib/errors.js';
import { Redactor } from '../lib/output/redactor.js';
import type { TerminalStream } from '../lib/output/output.js';

/**
 * A command line past the top-level help: builds the commander program from the registry, loads
 * only the module of the command being run, parses its flags and arguments by their
 * declarations before anything else happens, builds the context, runs, and hands every error
 * to the one printer (report-error.ts). src/cli.ts imports this module only when it has a
 * command to run, so that `molectl --help` loads none of it; what every command needs is
 * imported here statically, as one piece (the bundle keeps it in few chunks).
 */
export async function runCommandLine(
  argv: string[],
  deps: MainDeps,
  stdout: TerminalStream,
  stderr: TerminalStream,
  version: string,
  output: ClosedOutputWatch,
): Promise<number> {
  // What a second interrupt says before leaving: raw until the run's output exists, then through
  // it (an open question's line or a spinner is on the terminal's last line).
  let sayLastWords = (text: string): void => void stderr.write(text);
  const interrupt = deps.signal ? null : installInterruptHandler((text) => sayLastWords(text));
  const signal = deps.signal ?? interrupt!.signal;
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
      outHelpWidth: () => terminalWidth(stdout),
      errHelpWidth: () => terminalWidth(stderr),
    },
    version,
  );

  const entry = findEntry(commandWords(argv));
  if (entry) {
    const leaf = leafCommand(program, entry.name);
    const definition = await entry.load();
    const options = declareCommand(leaf, definition);
    leaf.action(async () => {
      // Every flag and argument is judged before the context exists: a bad value is exit 2
      // before any file is read or any remote call is made.
      checkGlobalValues(program.opts(), GLOBAL_VALUE_SPELLINGS);
      const input = {
        args: parseArguments(definition.args ?? [], leaf.processedArgs),
        options: parseFlags(definition.flags, rawFlagValues(leaf, options)),
      };
      const ctx = await buildContext({
        globals: program.opts(),
        formats: definition.formats ?? DEFAULT_FORMATS,
        deps: { ...deps, stdout, stderr, signal, redactor },
        commandName: entry.name,
      });
      sayLastWords = (text) => ctx.out.lastWords(text.trimEnd());
      try {
        // Before the command reads or changes anything remote: is this where it should act, and
        // can its change be confirmed at all (exit 2 otherwise, nothing sent)?
        checkTargetOverrides({
          config: ctx.config,
          env: ctx.env,
          destructive: entry.safety === 'destructive',
          warn: (text) => ctx.out.warn(text),
        });
        const how = definition.confirmation?.(input);
        if (how) (await import('../lib/prompt/confirm-change.js')).checkConfirmable(ctx, how);
        const writes = definition.writesState?.(input);
        if (writes) checkStatePreconditions(writes, ctx.config.stateDir, ctx.env);
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
      readOnlyCommand: entry?.safety === 'read-only' ? entry.name : undefined,
    });
  } finally {
    interrupt?.dispose();
  }
  return exitCode;
}

/** The global options that take a value, by their commander key: none of them may be empty. */
const GLOBAL_VALUE_SPELLINGS = {
  env: '--env',
  cpUrl: '--cp-url',
  profile: '--profile',
  region: '--region',
  output: '--output',
};

/**
 * Errors come out as JSON when the run's output would: --output, else MOLECTL_OUTPUT, else the
 * config file (read here only when neither is set; a config file that cannot be read is the
 * error being reported, so it counts as unset).
 */
async function errorsAsJson(flag: string | undefined, processEnv: NodeJS.ProcessEnv): Promise<boolean> {
  if (flag !== undefined || processEnv.MOLECTL_OUTPUT)
    return formatErrorsAsJson({ flag, env: processEnv.MOLECTL_OUTPUT });
  const file = await readConfigFile(defaultConfigPath(readEnv(processEnv))).catch(() => null);
  return formatErrorsAsJson({ file: file?.output });
}

/** A terminal's width, for laying out help; undefined for a pipe or a terminal that says 0 (commander then uses 80). */
function terminalWidth(stream: TerminalStream): number | undefined {
  return stream.isTTY && stream.columns ? stream.columns : undefined;
}
