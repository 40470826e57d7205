import type { Context } from '../context.js';
import type { OutputFormat } from '../config/output-format.js';
import type { ConfirmHow } from '../prompt/confirm-change.js';
import type { StateWrites } from '../runs/run-preconditions.js';
import type { ArgumentSpec, FlagSpecs, ParsedFlags } from './flag-declaration.js';

/**
 * What a command file exports: a declaration, not code that drives commander. Its flags are
 * declared once (spelling, help, default, parser, in ./flags.ts); src/cli.ts, the only module
 * that knows commander, turns the declaration into the commander command, parses every flag
 * and argument before the command runs and hands `run` typed options. Command files are loaded
 * lazily by src/cli.ts, so what they import never slows `molectl --help`.
 */
export interface CommandDefinition<F extends FlagSpecs = FlagSpecs> {
  /** The help's description: what the command does, in a sentence or three. */
  readonly description: string;
  /** Positional arguments in order; each may check its value (a problem is exit 2 naming it). */
  readonly args?: readonly ArgumentSpec[];
  readonly flags: F;
  /** Shown under "Examples:" in --help; every command has some (a registry test holds it to that). */
  readonly examples: ReadonlyArray<readonly [command: string, explanation: string]>;
  /**
   * The formats --output may name for this command; text and json unless it says otherwise
   * (verify and fleet audit add junit and markdown). Any other is exit 2 before the command runs.
   */
  readonly formats?: readonly OutputFormat[];
  /**
   * Destructive and fleet-wide commands: how this invocation is confirmed, or null when it
   * changes nothing (a dry run). src/cli.ts checks that it can be confirmed before the command
   * runs, so a run that could never be confirmed stops with exit 2 before any remote call.
   */
  confirmation?(input: CommandInput<ParsedFlags<F>>): ConfirmHow | null;
  /**
   * What this invocation writes under the state directory, or false: a run ledger and locks, or
   * the sandbox's files. src/cli.ts checks that the directory can take them before the command
   * runs: a state directory that is a file or read-only is exit 3 before any remote call, not an
   * unexpected error after the fleet was probed and the change confirmed.
   */
  writesState?(input: CommandInput<ParsedFlags<F>>): StateWrites | false;
  /** Does the work through ctx and prints the result; returns the exit code. */
  run(ctx: Context, input: CommandInput<ParsedFlags<F>>): Promise<number>;
}

export interface CommandInput<Options = Record<string, unknown>> {
  /** The positional arguments, checked by their ArgumentSpec. */
  args: string[];
  /** The command's own flags, parsed and typed by their declarations. */
  options: Options;
}

/** Declares a command, inferring its options' types from its flags. */
export function defineCommand<F extends FlagSpecs>(definition: CommandDefinition<F>): CommandDefinition<F> {
  return definition;
}

/**
 * What a command does to the world. `destructive`: changes or removes what exists, or acts
 * fleet-wide; it must declare `confirmation` (a registry test holds every such command to the
 * confirmation rule). `additive`: creates something new and names it (org create). `local`:
 * changes files or processes on this machine only. `read-only`: changes nothing.
 */
export type CommandSafety = 'read-only' | 'local' | 'additive' | 'destructive';

/** An entry of the registry in src/commands/index.ts: enough for the top-level help, nothing more. */
export interface CommandEntry {
  /** Space-separated path, e.g. 'org create'. */
  name: string;
  summary: string;
  safety: CommandSafety;
  // The registry holds commands of every flag shape; each is type-checked where it is defined.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  load(): Promise<CommandDefinition<any>>;
}
