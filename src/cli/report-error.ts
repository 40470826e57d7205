import { ExitCode, isMolectlError } from '../lib/errors.js';
import type { TerminalStream } from '../lib/output/output.js';
import type { Redactor } from '../lib/output/redactor.js';

/**
 * The only place that prints errors: every error of a run, from commander's usage errors to a
 * remote call's failure, is mapped to the exit-code table (docs/exit-codes.md) and printed
 * once, redacted, in the run's format (JSON when the run's output is JSON).
 */

export interface ReportOptions {
  stderr: TerminalStream;
  json: boolean;
  debug: boolean;
  usageMessage: string;
  signal: AbortSignal;
  redactor: Redactor;
  /** The command that ran, when it only reads: an interrupt of it changed nothing, and says so. */
  readOnlyCommand?: string | undefined;
}

export async function reportError(error: unknown, options: ReportOptions): Promise<number> {
  if (isCommanderError(error)) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
    // `molectl help org` is asked-for help (commander exits 0); `molectl org` alone shows the same
    // help as an error (commander exits 1), which is a usage error below.
    if (error.code === 'commander.help' && error.exitCode === 0) return ExitCode.ok;
    // A group named without a subcommand: commander showed its help; that is a usage error.
    // Commander quotes the word it refused: echo it short and escaped (a 100 KB argument, or a
    // secret pasted in the wrong place, is not printed back whole).
    const { echoInput } = await import('../lib/output/remote-text.js');
    const message = (options.usageMessage.replace(/^error:\s*/, '') || error.message.replace(/^error:\s*/, '')).replace(
      /'([^']*)'/g,
      (_m, word: string) => `'${echoInput(word)}'`,
    );
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
    await writeError(options, { code: ExitCode.interrupted, ...describeInterrupt(error, options) });
    return ExitCode.interrupted;
  }
  if (isMolectlError(error)) {
    await writeError(options, { code: error.code, message: error.message, hint: error.hint, stack: error.stack });
    return error.code;
  }
  const message = error instanceof Error ? error.message : String(error);
  const { remoteText } = await import('../lib/output/remote-text.js');
  await writeError(options, {
    code: ExitCode.failed,
    // Not molectl's words: a runtime or library message, which can quote the data it failed on
    // (JSON.parse quotes the text around the error): shapes are redacted in it, controls escaped.
    message: `unexpected error: ${remoteText(message)}`,
    hint: 'run again with --debug for the stack trace; if it persists, report it with that output',
    stack: error instanceof Error ? error.stack : undefined,
  });
  return ExitCode.failed;
}

/**
 * What an interrupt ended. A command that only reads is said to have changed nothing, under the
 * signal that stopped it: the request it happened to be waiting on (`GET .../instance was
 * cancelled`) is no news to the person who pressed Ctrl-C. Any other command's error says what it
 * stopped (its ledger, a call whose outcome is unknown) and is printed as it is.
 */
function describeInterrupt(error: unknown, options: ReportOptions): { message: string; hint: string | undefined } {
  const message = isMolectlError(error) ? error.message : 'interrupted';
  const hint = isMolectlError(error) ? error.hint : undefined;
  if (options.readOnlyCommand === undefined) return { message, hint };
  const reason: unknown = options.signal.reason;
  return {
    message: reason instanceof Error && options.signal.aborted ? reason.message : message,
    hint: hint ?? `nothing was changed: ${options.readOnlyCommand} only reads; run it again for the whole answer`,
  };
}

async function writeError(
  options: ReportOptions,
  err: { code: number; message: string; hint?: string | undefined; stack?: string | undefined },
): Promise<void> {
  // Errors are molectl's words and may quote remote text (marked where it was quoted): they
  // pass the same rendering as all other output. A stack trace repeats the message unmarked,
  // so it is rendered as remote text entirely.
  const mode = options.json ? 'json' : 'text';
  const { remoteText, renderOutputText } = await import('../lib/output/remote-text.js');
  const render = (text: string): string => renderOutputText(text, options.redactor, mode);
  let text: string;
  if (options.json) {
    const doc = {
      error: { code: err.code, message: render(err.message), hint: err.hint ? render(err.hint) : undefined },
    };
    text = `${JSON.stringify(doc)}\n`;
  } else {
    text = `error: ${render(err.message)}\n${err.hint ? `hint: ${render(err.hint)}\n` : ''}`;
  }
  if (options.debug && err.stack) text += `${renderOutputText(remoteText(err.stack), options.redactor, 'text')}\n`;
  await new Promise<void>((resolve) => options.stderr.write(text, () => resolve()));
}

/** Help or the version was shown (asked for, or a group named without a subcommand): not a failure of the run. */
export function isHelpOrVersion(error: unknown): boolean {
  return (
    isCommanderError(error) &&
    ['commander.helpDisplayed', 'commander.version', 'commander.help', 'commander.executeSubCommandAsync'].includes(
      error.code,
    )
  );
}

/** Commander's own errors (its module is loaded lazily, so no instanceof): `code` is `commander.*`. */
function isCommanderError(error: unknown): error is Error & { code: string; exitCode: number } {
  const e = error as { code?: unknown; exitCode?: unknown } | null;
  return (
    error instanceof Error &&
    typeof e?.code === 'string' &&
    e.code.startsWith('commander.') &&
    typeof e.exitCode === 'number'
  );
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR');
}
