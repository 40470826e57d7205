import type { AttemptTimeout } from './attempt-bounds.js';
import { describeDurationMs } from '../config/parse-duration.js';
import { LONG_RETRY_WAIT_MS } from '../http/announce-retry.js';
import { CALL_TIMEOUT_DEFAULTS, readCallTimeoutMs } from '../config/call-timeout.js';
import type { EnvVars } from '../config/env.js';
import type { ResolvedConfig } from '../config/load-config.js';
import type { Output } from '../output/output.js';
import type { Redactor } from '../output/redactor.js';
import { AwsClients, type AwsServiceName } from './aws-clients.js';
import { configuredEndpoints, type ConfiguredEndpoints } from './aws-endpoints.js';
import type { AwsCallScope, AwsInvoker, InvokeOptions } from './aws-invoker.js';
import type {
  AwsApi,
  CallerIdentity,
  ConsoleOutput,
  InstanceQuery,
  InstanceSummary,
  InvocationOutput,
  InvocationSummary,
  SentCommand,
  ManagedInstance,
  SecretDescription,
  SecretValue,
  SecurityGroupSummary,
  SendShellCommandInput,
} from './aws-types.js';
import { getConsoleOutput, getUserData, listInstances } from './ec2-calls.js';
import { deleteParameter, getParameter, putParameter } from './parameter-calls.js';
import {
  createSecret,
  describeSecret,
  getSecretValue,
  listSecrets,
  putSecretValue,
  updateSecretVersionStage,
} from './secrets-calls.js';
import { describeSecurityGroups } from './security-group-calls.js';
import {
  cancelCommand,
  describeManagedInstances,
  getInvocationOutput,
  listCommandsSince,
  listInvocations,
  sampleManagedInstances,
  sendShellCommand,
} from './ssm-calls.js';
import { awsErrorName, isThrottlingError, translateAwsError } from './translate-aws-error.js';

/**
 * The one door to AWS (docs/architecture.md). Constructing it is free: no SDK module is loaded
 * and no credential is read until the first call. Every call goes through `invoke`, which
 * creates the client, passes Ctrl-C's abort signal, and translates failures into MolectlErrors.
 */
export interface AwsDoorOptions {
  config: ResolvedConfig;
  env: EnvVars;
  redactor: Redactor;
  signal: AbortSignal;
  out: Output;
  /** Total attempts per call (first included); SDK standard retry mode backs off between them. */
  maxAttempts?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 5;

export class AwsDoor implements AwsApi, AwsInvoker {
  readonly redactor: Redactor;
  private readonly clients: AwsClients;
  private readonly profile: string | null;
  private readonly endpoints: ConfiguredEndpoints;
  private readonly attemptTimeoutMs: number;

  constructor(readonly options: AwsDoorOptions) {
    const { config, env, redactor } = options;
    this.attemptTimeoutMs = readCallTimeoutMs(env) ?? CALL_TIMEOUT_DEFAULTS.aws;
    this.redactor = redactor;
    // The secret key and session token are registered the moment molectl holds them.
    redactor.register(env.AWS_SECRET_ACCESS_KEY, 'aws-secret-access-key');
    redactor.register(env.AWS_SESSION_TOKEN, 'aws-session-token');
    this.profile = config.profile?.value ?? null;
    this.endpoints = configuredEndpoints(env);
    const credentials =
      env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          }
        : null;
    this.clients = new AwsClients({
      region: config.region?.value ?? null,
      profile: this.profile,
      endpoints: this.endpoints,
      credentials,
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      attemptTimeoutMs: this.attemptTimeoutMs,
      onAttemptTimeout: (info) => announceAttemptTimeout(options.out, info),
    });
  }

  async invoke<S extends AwsServiceName, T>(
    service: S,
    action: string,
    fn: (scope: AwsCallScope<S>) => Promise<T>,
    options: InvokeOptions<T> = {},
  ): Promise<T> {
    const { signal, out } = this.options;
    signal.throwIfAborted();
    let region: string | null = null;
    const started = Date.now();
    const throttlingOnly = options.retry === 'throttling-only';
    const maxAttempts = this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    let attempt = 1;
    try {
      region = await this.clients.region();
      const { client, sdk } = await this.clients.get(service, { retries: !throttlingOnly });
      out.debug(`aws ${service}:${action}${options.target ? ` (${options.target})` : ''} in ${region}`);
      for (; ; attempt++) {
        try {
          const result = await fn({ client, sdk, sendOptions: { abortSignal: signal } });
          out.debug(`aws ${service}:${action} answered in ${Date.now() - started} ms`);
          return result;
        } catch (error) {
          if (!throttlingOnly || attempt >= maxAttempts || !isThrottlingError(error) || signal.aborted) throw error;
          options.onThrottled?.();
          out.verbose(`aws ${service}:${action} throttled; retrying (${attempt + 1}/${maxAttempts})`);
          await sleepWithJitter(attempt, signal);
        }
      }
    } catch (error) {
      // Ctrl-C: the command ends with exit 130, not with an AWS error.
      if (signal.aborted) throw signal.reason;
      const name = awsErrorName(error);
      const expected = name ? options.expected?.[name] : undefined;
      if (expected) return expected();
      out.debug(`aws ${service}:${action} failed after ${Date.now() - started} ms: ${name ?? 'error'}`);
      throw translateAwsError(error, {
        service,
        action,
        target: options.target,
        region,
        profile: this.profile,
        endpoint: this.endpoints[service],
        attemptTimeoutMs: this.attemptTimeoutMs,
        // With SDK retries the error carries its own count; with the door's, this loop's is it.
        ...(throttlingOnly ? { attempts: attempt } : {}),
        ...(throttlingOnly ? { notIdempotent: true } : {}),
      });
    }
  }

  /** The region calls go to; ConfigError (exit 3) when nothing resolves it. */
  resolvedRegion(): Promise<string> {
    return this.clients.region();
  }

  async callerIdentity(): Promise<CallerIdentity> {
    return this.invoke('sts', 'GetCallerIdentity', async ({ client, sdk, sendOptions }) => {
      const answer = await client.send(new sdk.GetCallerIdentityCommand({}), sendOptions);
      return {
        account: answer.Account ?? '',
        arn: answer.Arn ?? '',
        userId: answer.UserId ?? '',
        region: await this.clients.region(),
      };
    });
  }

  /** Closes idle sockets; commands need not call it (the process ends), long-lived hosts should. */
  async destroy(): Promise<void> {
    await this.clients.destroy();
  }

  listInstances(query: InstanceQuery): Promise<InstanceSummary[]> {
    return listInstances(this, query);
  }

  getConsoleOutput(instanceId: string, options?: { latest?: boolean }): Promise<ConsoleOutput> {
    return getConsoleOutput(this, instanceId, options);
  }

  getUserData(instanceId: string): Promise<string | null> {
    return getUserData(this, instanceId);
  }

  describeSecurityGroups(groupIds: string[]): Promise<SecurityGroupSummary[]> {
    return describeSecurityGroups(this, groupIds);
  }

  describeManagedInstances(instanceIds?: string[]): Promise<ManagedInstance[]> {
    return describeManagedInstances(this, instanceIds);
  }

  sampleManagedInstances(limit?: number): Promise<{ instances: ManagedInstance[]; more: boolean }> {
    return sampleManagedInstances(this, limit);
  }

  sendShellCommand(input: SendShellCommandInput): Promise<{ commandId: string }> {
    return sendShellCommand(this, input);
  }

  listInvocations(commandId: string): Promise<InvocationSummary[]> {
    return listInvocations(this, commandId);
  }

  getInvocationOutput(commandId: string, instanceId: string): Promise<InvocationOutput | null> {
    return getInvocationOutput(this, commandId, instanceId);
  }

  listCommandsSince(since: Date): Promise<SentCommand[]> {
    return listCommandsSince(this, since);
  }

  cancelCommand(commandId: string, instanceIds?: string[]): Promise<void> {
    return cancelCommand(this, commandId, instanceIds);
  }

  putParameter(input: {
    name: string;
    value: string;
    secure: boolean;
    overwrite: boolean;
    description?: string;
  }): Promise<boolean> {
    return putParameter(this, input);
  }

  getParameter(
    name: string,
    options?: { decrypt?: boolean },
  ): Promise<{ value: string; version: number; lastModified: Date | null } | null> {
    return getParameter(this, name, options);
  }

  deleteParameter(name: string): Promise<boolean> {
    return deleteParameter(this, name);
  }

  describeSecret(secretId: string): Promise<SecretDescription | null> {
    return describeSecret(this, secretId);
  }

  getSecretValue(secretId: string, options?: { versionId?: string; stage?: string }): Promise<SecretValue> {
    return getSecretValue(this, secretId, options);
  }

  putSecretValue(input: {
    secretId: string;
    value: string;
    clientRequestToken?: string;
    stages?: string[];
  }): Promise<{ versionId: string | null; stages: string[] }> {
    return putSecretValue(this, input);
  }

  updateSecretVersionStage(input: {
    secretId: string;
    stage: string;
    moveToVersionId?: string;
    removeFromVersionId?: string;
  }): Promise<void> {
    return updateSecretVersionStage(this, input);
  }

  listSecrets(filter?: { namePrefix?: string }): Promise<SecretDescription[]> {
    return listSecrets(this, filter);
  }

  createSecret(input: {
    name: string;
    value: string;
    description?: string;
    clientRequestToken?: string;
  }): Promise<{ arn: string; versionId: string | null }> {
    return createSecret(this, input);
  }
}

/**
 * The SDK retries a timed-out attempt without a word: after a long silence that is said on stderr
 * (as the HTTP door says its retries), a short one only with --verbose.
 */
function announceAttemptTimeout(out: Output, info: AttemptTimeout): void {
  const of =
    info.attempt !== undefined && info.maxAttempts !== undefined
      ? ` (attempt ${info.attempt}/${info.maxAttempts})`
      : '';
  const again =
    info.attempt !== undefined && info.maxAttempts !== undefined && info.attempt < info.maxAttempts
      ? '; trying again'
      : '';
  const text = `AWS ${info.command}: no complete answer within ${describeDurationMs(info.timeoutMs)}${of}${again}`;
  if (info.timeoutMs >= LONG_RETRY_WAIT_MS) out.warn(text);
  else out.verbose(text);
}

/** Full-jitter exponential backoff (500 ms base, 20 s cap), as the SDK does for throttling. */
function sleepWithJitter(attempt: number, signal: AbortSignal): Promise<void> {
  const ms = Math.random() * Math.min(20_000, 500 * 2 ** (attempt - 1));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
