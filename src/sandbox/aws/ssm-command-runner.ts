import { setMaxListeners } from 'node:events';
import { hostMatches, type SandboxState, type SimCommand, type SimInstance, type SimInvocation } from '../state.js';
import { AwsApiError } from './aws-api-error.js';
import type { HostRunner } from './host-runner.js';
import { generateUuid } from './seeded-random.js';
import { aggregateCommandStatus, countsAsError, isTerminalStatus, resolveLimit } from './ssm-status.js';

/**
 * SSM Run Command's dispatcher: one background loop per command that starts at most
 * MaxConcurrency invocations at a time and stops dispatching once the errors exceed MaxErrors.
 * As in SSM, invocations already running finish; those never started end as `Terminated`;
 * Undeliverable and DeliveryTimedOut do not count toward MaxErrors.
 */

export interface SendCommandInput {
  documentName: string;
  commands: string[];
  parameters: Record<string, string[]>;
  comment: string;
  instances: SimInstance[];
  targets: { Key: string; Values: string[] }[];
  maxConcurrency: string;
  maxErrors: string;
  /** Delivery timeout (SendCommand TimeoutSeconds). */
  timeoutSeconds: number;
  /** Execution timeout (the document's executionTimeout parameter). */
  executionTimeoutSeconds: number;
}

interface CommandRuntime {
  abort: AbortController;
  cancelled: boolean;
  executionTimeoutSeconds: number;
}

const runtimes = new WeakMap<SimCommand, CommandRuntime>();

/** Milliseconds the simulated service takes for each step, per sandbox speed. */
export function getSsmTimings(state: SandboxState): {
  invisibleMs: number;
  deliverMs: number;
  undeliverableMs: number;
  deliveryTimeoutScale: number;
} {
  return state.speed === 'fast'
    ? { invisibleMs: 100, deliverMs: 10, undeliverableMs: 300, deliveryTimeoutScale: 10 }
    : { invisibleMs: 500, deliverMs: 800, undeliverableMs: 8000, deliveryTimeoutScale: 1000 };
}

/** Records the command and starts dispatching in the background; returns at once, like SendCommand. */
export function startCommand(state: SandboxState, hosts: HostRunner, input: SendCommandInput): SimCommand {
  const requestedAt = new Date();
  const command: SimCommand = {
    commandId: generateUuid(state),
    documentName: input.documentName,
    commands: input.commands,
    parameters: input.parameters,
    comment: input.comment,
    instanceIds: input.targets.length > 0 ? [] : input.instances.map((i) => i.instanceId),
    targets: input.targets,
    maxConcurrency: input.maxConcurrency,
    maxErrors: input.maxErrors,
    timeoutSeconds: input.timeoutSeconds,
    requestedAt,
    status: 'Pending',
    invocations: input.instances.map((i) => ({
      commandId: '',
      instanceId: i.instanceId,
      status: 'Pending',
      responseCode: -1,
      stdout: '',
      stderr: '',
      requestedAt,
      startedAt: null,
      finishedAt: null,
    })),
  };
  for (const inv of command.invocations) inv.commandId = command.commandId;
  state.commands.set(command.commandId, command);
  const runtime: CommandRuntime = {
    abort: new AbortController(),
    cancelled: false,
    executionTimeoutSeconds: input.executionTimeoutSeconds,
  };
  // One listener per invocation waiting on CancelCommand: up to 50 per command, by design.
  setMaxListeners(0, runtime.abort.signal);
  runtimes.set(command, runtime);
  dispatchCommand(state, hosts, command, runtime).catch(() => failOpenInvocations(command));
  return command;
}

/** CancelCommand: invocations not yet finished become Cancelled; running scripts are signalled. */
export function cancelCommand(state: SandboxState, commandId: string, instanceIds: string[]): void {
  const command = state.commands.get(commandId);
  if (!command) throw new AwsApiError('InvalidCommandId', '');
  const runtime = runtimes.get(command);
  const selected = new Set(instanceIds.length > 0 ? instanceIds : command.invocations.map((i) => i.instanceId));
  for (const inv of command.invocations) {
    if (!selected.has(inv.instanceId) || isTerminalStatus(inv.status)) continue;
    inv.status = 'Cancelled';
    inv.finishedAt = new Date();
  }
  if (runtime && instanceIds.length === 0) {
    runtime.cancelled = true;
    runtime.abort.abort();
  }
  command.status = aggregateCommandStatus(command);
}

/** Last resort if the dispatcher itself breaks: nothing may stay InProgress forever. */
function failOpenInvocations(command: SimCommand): void {
  for (const inv of command.invocations) {
    if (isTerminalStatus(inv.status)) continue;
    inv.status = 'Failed';
    inv.stderr = 'sandbox: the simulated SSM dispatcher failed\n';
    inv.finishedAt = new Date();
  }
  command.status = aggregateCommandStatus(command);
}

async function dispatchCommand(
  state: SandboxState,
  hosts: HostRunner,
  command: SimCommand,
  runtime: CommandRuntime,
): Promise<void> {
  const concurrency = resolveLimit(command.maxConcurrency, command.invocations.length, 1);
  const maxErrors = resolveLimit(command.maxErrors, command.invocations.length, 0);
  // Nothing is delivered while the command is still invisible to GetCommandInvocation, so a
  // caller never sees a finished command whose invocations "do not exist".
  await sleep(getSsmTimings(state).invisibleMs, runtime.abort.signal);
  const queue = [...command.invocations];
  let errors = 0;
  let stopped = false;

  const worker = async (): Promise<void> => {
    for (;;) {
      if (stopped || runtime.cancelled) return;
      const inv = queue.shift();
      if (!inv) return;
      if (inv.status !== 'Pending') continue; // cancelled per instance before dispatch
      await runInvocation(state, hosts, command, runtime, inv);
      if (countsAsError(inv.status)) errors++;
      if (errors > maxErrors) stopped = true;
      command.status = aggregateCommandStatus(command);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, () => worker()));
  for (const inv of queue) {
    if (inv.status !== 'Pending') continue;
    inv.status = runtime.cancelled ? 'Cancelled' : 'Terminated';
    inv.finishedAt = new Date();
  }
  command.status = aggregateCommandStatus(command);
}

async function runInvocation(
  state: SandboxState,
  hosts: HostRunner,
  command: SimCommand,
  runtime: CommandRuntime,
  inv: SimInvocation,
): Promise<void> {
  const timings = getSsmTimings(state);
  const instance = state.instances.get(inv.instanceId);
  if (!instance || isAgentOffline(state, instance)) {
    // An unreachable agent never starts the script: the invocation waits, then gives up.
    const deliveryTimedOut = state.faults.flags['ssmOfflineOutcome'] === 'DeliveryTimedOut';
    await sleep(
      deliveryTimedOut ? command.timeoutSeconds * timings.deliveryTimeoutScale : timings.undeliverableMs,
      runtime.abort.signal,
    );
    if (inv.status === 'Pending') {
      inv.status = deliveryTimedOut ? 'DeliveryTimedOut' : 'Undeliverable';
      inv.finishedAt = new Date();
    }
    return;
  }
  await sleep(timings.deliverMs, runtime.abort.signal);
  if (inv.status !== 'Pending') return;
  inv.status = 'InProgress';
  inv.startedAt = new Date();
  command.status = aggregateCommandStatus(command);
  if (hostMatches(instance, state.faults.ssmTimeoutHosts)) {
    // The ssm-timeout fault: the script ran past its executionTimeout (without the wait).
    Object.assign(inv, { status: 'TimedOut', responseCode: -1, stdout: '', stderr: '', finishedAt: new Date() });
    command.status = aggregateCommandStatus(command);
    return;
  }
  const script = command.commands.join('\n');
  const timeoutSeconds = runtime.executionTimeoutSeconds;
  let result: { exitCode: number; stdout: string; stderr: string; timedOut: boolean };
  try {
    result = await withDeadline(
      hosts.runScript(instance, script, { timeoutSeconds, commandId: command.commandId, signal: runtime.abort.signal }),
      // A backstop only: the host runner enforces the timeout; this keeps a stuck runner from
      // leaving the invocation InProgress forever.
      timeoutSeconds * 1000 + 5000,
    );
  } catch (error) {
    result = {
      exitCode: 1,
      stdout: '',
      stderr: `failed to run commands: ${error instanceof Error ? error.message : String(error)}`,
      timedOut: false,
    };
  }
  if (inv.status !== 'InProgress') return; // cancelled while running: the late result is dropped
  // flag=ssmEmptyOutput[:slug|i-id]: the agent reports Success and exit 0 with no output at all
  // (a lost output stream): a caller must not take that for a result.
  const emptyOutput = state.faults.flags['ssmEmptyOutput'];
  if (emptyOutput === true || (typeof emptyOutput === 'string' && hostMatches(instance, [emptyOutput])))
    result = { exitCode: 0, stdout: '', stderr: '', timedOut: false };
  inv.stdout = result.stdout;
  inv.stderr = result.stderr;
  inv.finishedAt = new Date();
  if (result.timedOut) {
    inv.status = 'TimedOut';
    inv.responseCode = -1;
  } else {
    inv.status = result.exitCode === 0 ? 'Success' : 'Failed';
    inv.responseCode = result.exitCode;
  }
}

/** Agent offline per fault, agent not Online, or instance not running. */
export function isAgentOffline(state: SandboxState, instance: SimInstance): boolean {
  return (
    hostMatches(instance, state.faults.offlineHosts) ||
    instance.ssm?.pingStatus !== 'Online' ||
    instance.state !== 'running'
  );
}

function withDeadline<T extends { timedOut: boolean; exitCode: number; stdout: string; stderr: string }>(
  promise: Promise<T>,
  ms: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => resolve({ exitCode: -1, stdout: '', stderr: '', timedOut: true } as T), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
