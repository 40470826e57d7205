import type { Writable } from 'node:stream';
import type { EnvVars } from '../config/env.js';
import { resolveColorLevel, type ColorLevel } from './color.js';
import type { Redactor } from './redactor.js';
import { renderOutputText, type RemoteText, type RenderMode } from './remote-text.js';
import type { TableTerminal } from './table.js';

/**
 * The output contract (docs/architecture.md): results to stdout, everything else to stderr;
 * `--output json` prints exactly one JSON document carrying `schemaVersion`; spinners only on an
 * interactive stderr; every byte passes through the redactor before it reaches a stream: known
 * values everywhere, token shapes and control escaping only in text marked as remote
 * (remote-text.ts), so molectl's own messages, hints, scripts and key names print intact.
 */

export const SCHEMA_VERSION = 1;

export type OutputFormat = 'text' | 'json';

export interface TerminalStream extends Writable {
  isTTY?: boolean;
  /** Width of the terminal, when it is one (may be 0 or missing on terminals that do not say). */
  columns?: number;
}

export interface OutputOptions {
  format: OutputFormat;
  quiet: boolean;
  verbose: boolean;
  debug: boolean;
  noColor: boolean;
  env: EnvVars;
  redactor: Redactor;
  stdout: TerminalStream;
  stderr: TerminalStream;
  /** Minimum gap between repeated plain progress lines (non-interactive runs). */
  plainProgressIntervalMs?: number;
}

export interface Styles {
  ok(text: string): string;
  fail(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
  accent(text: string): string;
  /**
   * The terminal this text is shown on, when the stream is one that says its width: tables fit
   * it (table.ts). Absent for a pipe, a file or a report: scripts parse those, unchanged.
   */
  readonly terminal?: TableTerminal;
}

/** A unit of work shown as a spinner on a terminal, or as plain lines elsewhere. */
export interface Step {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  warn(text?: string): void;
}

interface Spinner {
  text: string;
  start(): Spinner;
  stopAndPersist(options: { symbol: string; text?: string }): Spinner;
  stop(): Spinner;
}

/**
 * The marks a finished step ends with, coloured by the run's own styles. Not ora's succeed/fail:
 * those colour their marks by the environment alone (NO_COLOR), so `--no-color` left a green ✔.
 */
const STEP_MARKS = { succeed: '✔', fail: '✖', warn: '⚠' } as const;
const STEP_MARK_STYLE = { succeed: 'ok', fail: 'fail', warn: 'warn' } as const;

export class Output {
  readonly format: OutputFormat;
  /** Colour for what goes to stderr (progress, notices, warnings, errors): on when stderr is a terminal. */
  readonly style: Styles;
  /**
   * Colour for results on stdout, judged by stdout itself: `molectl org list | less`, `> report.txt`
   * or `| awk` from a terminal got escape codes when stdout followed stderr's terminal.
   */
  readonly resultStyle: Styles;
  /** stderr is a terminal a person watches: spinners and prompts make sense. */
  readonly interactive: boolean;
  readonly stdoutIsTTY: boolean;
  /**
   * The spinners of the steps not yet ended, outermost first. Only the last one spins: a step
   * started inside another (a rotation's tenant consumer runs a whole migration, with its own
   * steps) pauses the outer spinner until it ends. Two spinning at once took turns drawing over
   * one line, and ora said so on the terminal ("Multiple concurrent spinners detected").
   */
  private readonly spinners: Spinner[] = [];
  /**
   * A question is on stderr's last line, waiting for its answer (src/lib/prompt/prompt.ts): a
   * line molectl writes meanwhile (the notice a Ctrl-C there prints) starts below it, not after
   * what was typed so far.
   */
  private questionOpen = false;
  private interruptEnds = false;
  private pendingWrites: Promise<void>[] = [];

  constructor(
    private readonly options: OutputOptions,
    style: Styles,
    private readonly createSpinner: ((text: string) => Spinner) | null,
    resultStyle: Styles = style,
  ) {
    this.format = options.format;
    this.style = style;
    this.resultStyle = resultStyle;
    this.interactive = createSpinner !== null;
    this.stdoutIsTTY = Boolean(options.stdout.isTTY);
  }

  get redactor(): Redactor {
    return this.options.redactor;
  }

  get quiet(): boolean {
    return this.options.quiet;
  }

  /**
   * Prints the command's result: the JSON document under `--output json`, else the text the
   * renderer produces. Strings are redacted value by value in JSON, so the document stays valid.
   */
  async result<T extends object>(data: T, renderText: (data: T, style: Styles) => string): Promise<void> {
    if (this.format === 'json') {
      const doc = { schemaVersion: SCHEMA_VERSION, ...renderDeep(data, this.options.redactor, 'json') };
      await this.writeRaw(this.options.stdout, `${JSON.stringify(doc, null, 2)}\n`);
      return;
    }
    const text = renderText(data, this.resultStyle);
    this.abandonOpenSteps();
    if (text.length > 0) await this.writeRaw(this.options.stdout, `${this.render(text)}\n`);
  }

  /**
   * The result comes once the work is done: a step still open then was left by an error its
   * caller handled (secrets status shows a consumer it could not read as unknown). Its spinner is
   * cleared for good, or it would go on drawing `⠦ discovering tenants` below the result, and
   * again after every later line, until the process ended.
   */
  private abandonOpenSteps(): void {
    this.spinners.at(-1)?.stop();
    this.spinners.length = 0;
  }

  /** Streams a chunk of result text to stdout, redacted; remote spans in it are rendered as remote. */
  async stream(text: string): Promise<void> {
    await this.writeRaw(this.options.stdout, this.render(text));
  }

  /**
   * Streams result text that stands for bytes, one char per byte (latin1), to stdout as those
   * bytes, redacted: a diff of a file in no known encoding must carry the file's own bytes, or
   * `git apply` finds no match for them.
   */
  async streamBytes(latin1Text: string): Promise<void> {
    await this.writeRaw(this.options.stdout, Buffer.from(this.render(latin1Text), 'latin1'));
  }

  /** Streams text from outside (console lines, logs, a remote body) to stdout: shapes redacted, controls escaped. */
  async streamRemote(text: RemoteText): Promise<void> {
    await this.writeRaw(this.options.stdout, this.render(text));
  }

  /** What a string becomes on a text stream: the output contract's rendering, exposed for files written as text. */
  render(text: string): string {
    return renderOutputText(text, this.options.redactor, 'text');
  }

  info(message: string): void {
    if (!this.options.quiet) this.line(message);
  }

  warn(message: string): void {
    this.line(`${this.style.warn('warning:')} ${message}`);
  }

  verbose(message: string): void {
    if (this.options.verbose || this.options.debug) this.line(this.style.dim(message));
  }

  debug(message: string): void {
    if (this.options.debug) this.line(this.style.dim(`debug: ${message}`));
  }

  /** Writes a line to stderr regardless of --quiet (errors, prompts). */
  error(message: string): void {
    this.line(message);
  }

  /**
   * Ctrl-C is how this run ends (`--follow`, a foreground sandbox): says how to stop it, and the
   * notice a first interrupt otherwise prints ("stopping at the next safe point ... interrupt again
   * to exit at once") is not printed: a normal stop is not a warning.
   */
  untilInterrupted(message: string): void {
    this.interruptEnds = true;
    this.info(message);
  }

  /** Whether a Ctrl-C is this run's normal end (untilInterrupted). */
  get interruptIsTheEnd(): boolean {
    return this.interruptEnds;
  }

  /** The question line the prompt is on: `opened` as it asks; `closed` says whether that line is still unended. */
  readonly questionLine = {
    opened: (): void => {
      this.questionOpen = true;
    },
    closed: (): boolean => {
      const open = this.questionOpen;
      this.questionOpen = false;
      return open;
    },
  };

  /**
   * The last line before the process ends by a signal (a second Ctrl-C): below an open question
   * rather than after it, with the spinner cleared and not drawn again, so the shell's prompt
   * comes back on a clean line.
   */
  lastWords(message: string): void {
    this.spinners.at(-1)?.stop();
    this.spinners.length = 0;
    this.options.stderr.write(`${this.questionLine.closed() ? '\n' : ''}${this.render(message)}\n`);
  }

  step(label: string): Step {
    if (this.createSpinner && !this.options.quiet) return this.spinnerStep(label);
    return this.plainStep(label);
  }

  /** Resolves once everything written so far has been handed to the OS (pipes included). */
  async flush(): Promise<void> {
    this.spinners.at(-1)?.stop();
    await Promise.all(this.pendingWrites);
    this.pendingWrites = [];
  }

  private spinnerStep(label: string): Step {
    const redact = (text: string): string => this.render(text);
    this.spinners.at(-1)?.stop();
    const spinner = this.createSpinner!(redact(label)).start();
    this.spinners.push(spinner);
    const end = (how: 'succeed' | 'fail' | 'warn', text?: string): void => {
      const symbol = this.style[STEP_MARK_STYLE[how]](STEP_MARKS[how]);
      // A step ending under a nested one that still runs: clear the nested one's line first.
      const running = this.spinners.at(-1);
      if (running !== spinner) running?.stop();
      spinner.stopAndPersist(text === undefined ? { symbol } : { symbol, text: redact(text) });
      const at = this.spinners.indexOf(spinner);
      if (at !== -1) this.spinners.splice(at, 1);
      // The step that was paused (or the nested one cleared above) spins again.
      this.spinners.at(-1)?.start();
    };
    return {
      update: (text) => {
        spinner.text = redact(text);
      },
      succeed: (text) => end('succeed', text),
      fail: (text) => end('fail', text),
      warn: (text) => end('warn', text),
    };
  }

  private plainStep(label: string): Step {
    const interval = this.options.plainProgressIntervalMs ?? 5000;
    let lastText = '';
    let lastAt = 0;
    this.info(`${label}...`);
    return {
      update: (text) => {
        const now = Date.now();
        if (text === lastText || now - lastAt < interval) return;
        lastText = text;
        lastAt = now;
        this.info(`  ${text}`);
      },
      succeed: (text) => this.info(`${this.style.ok('✔')} ${text ?? label}`),
      fail: (text) => this.error(`${this.style.fail('✖')} ${text ?? label}`),
      warn: (text) => this.warn(text ?? label),
    };
  }

  private line(message: string): void {
    const text = `${this.questionLine.closed() ? '\n' : ''}${this.render(message)}\n`;
    const spinner = this.spinners.at(-1);
    if (spinner) {
      // Clear the spinner line, print, redraw: interleaving would garble the terminal.
      spinner.stop();
      void this.writeRaw(this.options.stderr, text);
      spinner.start();
      return;
    }
    void this.writeRaw(this.options.stderr, text);
  }

  private writeRaw(stream: TerminalStream, text: string | Uint8Array): Promise<void> {
    // Waiting for the write callback is what makes >64 KiB through a pipe arrive whole:
    // the process must not finish while the pipe still holds a backlog.
    const done = new Promise<void>((resolve, reject) => {
      stream.write(text, (error) => (error ? reject(error) : resolve()));
    });
    this.pendingWrites.push(done.catch(() => undefined));
    return done;
  }
}

/**
 * Both tiers inside every string of a JSON-able value, for records whose strings mix molectl's
 * words and unmarked remote text (ledgers, plan files): the safe default. Remote marks are removed.
 */
export function redactDeep<T>(value: T, redactor: Redactor): T {
  if (typeof value === 'string') return redactor.redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redactor)) as T;
  if (value instanceof Date) return value.toISOString() as T;
  if (value && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) copy[k] = redactDeep(v, redactor);
    return copy as T;
  }
  return value;
}

/**
 * The output contract inside every string of a JSON-able value: registered values everywhere,
 * shapes (and, in text mode, control escaping) in remote spans only. For documents molectl
 * prints or writes as its result (JSON output, reports).
 */
export function renderDeep<T>(value: T, redactor: Redactor, mode: RenderMode): T {
  if (typeof value === 'string') return renderOutputText(value, redactor, mode) as T;
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, redactor, mode)) as T;
  if (value instanceof Date) return value.toISOString() as T;
  if (value && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      if (v !== undefined) copy[renderOutputText(k, redactor, mode)] = renderDeep(v, redactor, mode);
    return copy as T;
  }
  return value;
}

/**
 * Builds the output for one run. chalk is loaded only when there is colour to show (not for a
 * pipe, a file or NO_COLOR); ora (~100 ms) only when a spinner can be shown: stderr is a
 * terminal, not CI, not JSON, not --quiet, TERM not dumb.
 */
export async function createOutput(options: OutputOptions): Promise<Output> {
  const level: ColorLevel = resolveColorLevel({
    noColorFlag: options.noColor,
    json: false,
    env: options.env,
    isTTY: Boolean(options.stderr.isTTY),
  });
  const colours = level === 0 ? PLAIN_STYLES : await colorStyles(level);
  const resultLevel: ColorLevel = resolveColorLevel({
    noColorFlag: options.noColor,
    json: false,
    env: options.env,
    isTTY: Boolean(options.stdout.isTTY),
  });
  const resultColours =
    resultLevel === level ? colours : resultLevel === 0 ? PLAIN_STYLES : await colorStyles(resultLevel);
  const style = withTerminal(colours, options.stderr, options.redactor);
  const resultStyle = withTerminal(resultColours, options.stdout, options.redactor);
  const spinnersAllowed =
    Boolean(options.stderr.isTTY) &&
    !options.env.CI &&
    options.format !== 'json' &&
    !options.quiet &&
    terminalCanRedraw(options);
  let createSpinner: ((text: string) => Spinner) | null = null;
  if (spinnersAllowed) {
    const { default: ora } = await import('ora');
    // discardStdin: false. Discarding puts stdin in raw mode, where Ctrl-C is a byte that a
    // library must turn back into a signal; the terminal's own line discipline does it better.
    createSpinner = (text) =>
      ora({ text, stream: options.stderr, color: level > 0 ? 'cyan' : false, isEnabled: true, discardStdin: false });
  }
  return new Output(options, style, createSpinner, resultStyle);
}

/**
 * The styles of a stream plus, when it is a terminal, its width read at the moment a table is
 * drawn (a window resized during a long run gets a table that fits it at the end).
 */
function withTerminal(styles: Styles, stream: TerminalStream, redactor: Redactor): Styles {
  if (!stream.isTTY) return styles;
  const terminal: TableTerminal = {
    get columns() {
      const columns = stream.columns;
      return typeof columns === 'number' && Number.isFinite(columns) ? columns : 0;
    },
    render: (text) => renderOutputText(text, redactor, 'text'),
  };
  return { ...styles, terminal };
}

const plain = (text: string): string => text;
const PLAIN_STYLES: Styles = { ok: plain, fail: plain, warn: plain, dim: plain, bold: plain, accent: plain };

async function colorStyles(level: ColorLevel): Promise<Styles> {
  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level });
  return {
    ok: (t) => chalk.green(t),
    fail: (t) => chalk.red(t),
    warn: (t) => chalk.yellow(t),
    dim: (t) => chalk.dim(t),
    bold: (t) => chalk.bold(t),
    accent: (t) => chalk.cyan(t),
  };
}

/** Narrower than this, a spinner line wraps on every frame; 0 (some `docker exec -t`, `script`) made redraws divide by zero. */
const MIN_SPINNER_COLUMNS = 20;

/**
 * Whether stderr is a terminal that can redraw a line in place: TERM set and not `dumb`, and a
 * width that a status line fits in. A terminal that lies about its size (0 or 1 columns) gets
 * plain lines: a spinner computing how many rows to clear from 0 columns loops forever.
 */
export function terminalCanRedraw(options: { env: Pick<EnvVars, 'TERM'>; stderr: TerminalStream }): boolean {
  const term = options.env.TERM;
  if (!term || term === 'dumb') return false;
  const columns = options.stderr.columns;
  return typeof columns === 'number' && Number.isFinite(columns) && columns >= MIN_SPINNER_COLUMNS;
}
