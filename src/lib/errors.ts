/**
 * molectl's error vocabulary. Library code throws these; only src/cli.ts prints them and
 * turns them into exit codes (docs/exit-codes.md). A message is one line that names the
 * problem; the hint names the fix. Neither ever carries a raw HTTP body or a secret value.
 */

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  credentials: 3,
  notFound: 4,
  partial: 5,
  changesFound: 8,
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface MolectlErrorOptions {
  code?: ExitCodeValue;
  hint?: string;
  cause?: unknown;
}

export class MolectlError extends Error {
  readonly code: ExitCodeValue;
  readonly hint: string | undefined;

  constructor(message: string, options: MolectlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MolectlError';
    this.code = options.code ?? ExitCode.failed;
    this.hint = options.hint;
  }
}

/** Bad flags, arguments or input files. Thrown before anything is changed. Exit 2. */
export class UsageError extends MolectlError {
  constructor(message: string, hint?: string) {
    super(message, { code: ExitCode.usage, hint });
    this.name = 'UsageError';
  }
}

/** Credentials or configuration missing or rejected. Exit 3. */
export class ConfigError extends MolectlError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { code: ExitCode.credentials, hint, cause });
    this.name = 'ConfigError';
  }
}

/** The named target (org, instance, run, secret) does not exist. Exit 4. */
export class NotFoundError extends MolectlError {
  constructor(message: string, hint?: string) {
    super(message, { code: ExitCode.notFound, hint });
    this.name = 'NotFoundError';
  }
}

/** Ctrl-C: the command stopped cleanly and saved what it had. Exit 130. */
export class InterruptedError extends MolectlError {
  /** The signal that interrupted the run, when one did (SIGINT is a person at the terminal). */
  readonly signal: string | undefined;

  constructor(message = 'interrupted', hint?: string, signal?: string) {
    super(message, { code: ExitCode.interrupted, hint });
    this.name = 'InterruptedError';
    this.signal = signal;
  }
}

/** A remote HTTP API answered with an error. Carries status and the structured error field only. */
export class HttpError extends MolectlError {
  readonly status: number;
  readonly remoteError: string | undefined;
  readonly method: string;
  readonly url: string;

  constructor(args: {
    method: string;
    url: string;
    status: number;
    remoteError?: string;
    message?: string;
    hint?: string;
    code?: ExitCodeValue;
  }) {
    const detail = args.remoteError ? `: ${args.remoteError}` : '';
    super(args.message ?? `${args.method} ${args.url} answered HTTP ${args.status}${detail}`, {
      code:
        args.code ??
        (args.status === 401 || args.status === 403
          ? ExitCode.credentials
          : args.status === 404
            ? ExitCode.notFound
            : ExitCode.failed),
      hint: args.hint,
    });
    this.name = 'HttpError';
    this.status = args.status;
    this.remoteError = args.remoteError;
    this.method = args.method;
    this.url = args.url;
  }
}

export function isMolectlError(error: unknown): error is MolectlError {
  return error instanceof MolectlError;
}
