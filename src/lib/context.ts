import { readCallTimeoutMs } from './config/call-timeout.js';
import { setMaxListeners } from 'node:events';
import type { Readable } from 'node:stream';
import { AwsDoor } from './aws/aws-door.js';
import { systemClock, type Clock } from './clock.js';
import { createPrompt, type Prompt } from './prompt/prompt.js';
import { readCpToken } from './config/cp-token.js';
import { readEnv, silenceAwsSdkNodeVersionWarning, type EnvVars } from './config/env.js';
import { DEFAULT_FORMATS, type OutputFormat } from './config/output-format.js';
import { defaultConfigPath, readConfigFile, resolveConfig, type ResolvedConfig } from './config/load-config.js';
import { isSandboxStandIn } from './config/sandbox-stand-ins.js';
import { CpClient } from './cp/cp-client.js';
import { createRetryAnnouncer } from './http/announce-retry.js';
import { execFile, type Exec } from './exec.js';
import { createOutput, type Output, type TerminalStream } from './output/output.js';
import type { Redactor } from './output/redactor.js';
import { RunStore } from './runs/run-store.js';

/**
 * Everything a command touches, in one object: commands receive it instead of reaching for
 * globals, and tests build it pointing at the sandbox or at fakes (through MainDeps.overrides).
 * Remote clients are created on first use, so a command that never calls AWS never loads the SDK.
 */
export interface Context {
  readonly commandName: string;
  readonly config: ResolvedConfig;
  readonly env: EnvVars;
  readonly out: Output;
  readonly redactor: Redactor;
  readonly exec: Exec;
  readonly prompt: Prompt;
  /** Where `--value-file -` and similar read from; tests hand in their own. */
  readonly stdin: Readable & { isTTY?: boolean };
  readonly clock: Clock;
  /** Aborted by Ctrl-C: long work stops dispatching, saves its ledger and ends with exit 130. */
  readonly signal: AbortSignal;
  readonly flags: RunFlags;
  /** A fetch double from tests; undefined in real runs (the HTTP door uses node:http). */
  readonly fetch: typeof fetch | undefined;
  readonly cp: CpClient;
  readonly aws: AwsDoor;
  readonly runs: RunStore;
}

export interface RunFlags {
  yes: boolean;
  debug: boolean;
  verbose: boolean;
  quiet: boolean;
  /** The run's format, one the command declared (src/lib/config/output-format.ts decides it). */
  outputFormat: OutputFormat;
}

export interface BuildContextArgs {
  commandName: string;
  /** The global flags as commander read them (their values are judged here and in resolveConfig). */
  globals: Record<string, unknown>;
  /** The formats the command declared; --output may name only these (default: text and json). */
  formats?: readonly OutputFormat[];
  deps: {
    stdout: TerminalStream;
    stderr: TerminalStream;
    stdin?: Readable & { isTTY?: boolean };
    env?: NodeJS.ProcessEnv;
    signal: AbortSignal;
    redactor: Redactor;
    overrides?: Partial<Pick<Context, 'clock' | 'exec' | 'fetch' | 'prompt' | 'cp' | 'aws' | 'runs'>> &
      Record<string, unknown>;
  };
}

export async function buildContext(args: BuildContextArgs): Promise<Context> {
  const { deps, globals } = args;
  // Every wait, HTTP call and AWS call listens on the one Ctrl-C signal; a fleet operation has
  // hundreds in flight, which is by design, not a leak.
  setMaxListeners(0, deps.signal);
  const env = readEnv(deps.env);
  const redactor = deps.redactor;
  // Every credential in the environment is registered before anything can fail or print.
  for (const name of [
    'CP_ADMIN_API_TOKEN',
    'RAILWAY_TOKEN',
    'GITEA_TOKEN',
    'VERCEL_TOKEN',
    'REGISTRY_TOKEN',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
  ] as const) {
    // The sandbox's stand-in tokens are public values `sandbox up` prints for eval, not secrets.
    if (isSandboxStandIn(name, env[name])) continue;
    redactor.register(env[name], name.toLowerCase().replace(/_/g, '-'));
  }
  // A value MOLECTL_CALL_TIMEOUT refuses stops the run (exit 3) before anything is sent.
  const callTimeoutMs = readCallTimeoutMs(env);
  const configPath = defaultConfigPath(env);
  const config = resolveConfig({
    file: await readConfigFile(configPath),
    configPath,
    env,
    flags: {
      env: globals.env as string | undefined,
      cpUrl: globals.cpUrl as string | undefined,
      profile: globals.profile as string | undefined,
      region: globals.region as string | undefined,
      output: globals.output as string | undefined,
    },
    command: { name: args.commandName, formats: args.formats ?? DEFAULT_FORMATS },
  });
  const flags: RunFlags = {
    yes: Boolean(globals.yes),
    debug: Boolean(globals.debug),
    verbose: Boolean(globals.verbose),
    quiet: Boolean(globals.quiet),
    outputFormat: config.output.value,
  };
  const out = await createOutput({
    // junit and markdown are reports the command renders itself; around them molectl speaks text.
    format: config.output.value === 'json' ? 'json' : 'text',
    quiet: flags.quiet,
    verbose: flags.verbose,
    debug: flags.debug,
    noColor: globals.color === false,
    env,
    redactor,
    stdout: deps.stdout,
    stderr: deps.stderr,
  });
  const overrides = deps.overrides ?? {};
  const exec = overrides.exec ?? execFile;
  const clock = overrides.clock ?? systemClock;
  const fetchImpl = overrides.fetch;
  // process.stdin is a stream Node builds on first use (~1 ms): built only for a command that reads or asks.
  let stdin = deps.stdin;
  let prompt = overrides.prompt;
  // Said once, on the first interrupt: what happens now, and how to leave at once.
  deps.signal.addEventListener(
    'abort',
    () => {
      if (!out.interruptIsTheEnd)
        out.warn(
          'interrupted: stopping at the next safe point (work in flight reports first); interrupt again to exit at once',
        );
    },
    { once: true },
  );

  let cp = overrides.cp;
  let aws = overrides.aws;
  let runs = overrides.runs;
  const ctx: Context = {
    commandName: args.commandName,
    config,
    env,
    out,
    redactor,
    exec,
    get stdin() {
      stdin ??= process.stdin;
      return stdin;
    },
    get prompt() {
      prompt ??= createPrompt(ctx.stdin, deps.stderr, Boolean(env.CI), deps.signal, out.questionLine);
      return prompt;
    },
    clock,
    signal: deps.signal,
    flags,
    fetch: fetchImpl,
    get cp() {
      cp ??= new CpClient({
        baseUrl: config.cpUrl.value,
        getAdminToken: () => readCpToken({ env, environment: config.environment, exec, redactor }),
        redactor,
        ...(fetchImpl ? { fetch: fetchImpl } : {}),
        ...(callTimeoutMs === undefined ? {} : { timeoutMs: callTimeoutMs }),
        signal: deps.signal,
        // Retry waits go through the clock door, so a test can see a long Retry-After without waiting it.
        sleep: (ms, signal) => clock.sleep(ms, signal),
        onRetry: createRetryAnnouncer(out),
      });
      return cp;
    },
    get aws() {
      if (!aws) silenceAwsSdkNodeVersionWarning();
      aws ??= new AwsDoor({ config, env, redactor, signal: deps.signal, out });
      return aws;
    },
    get runs() {
      runs ??= new RunStore({ stateDir: config.stateDir, clock, redactor });
      return runs;
    },
  };
  return ctx;
}
