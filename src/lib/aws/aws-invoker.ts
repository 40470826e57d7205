import type { Redactor } from '../output/redactor.js';
import type { AwsSdkClients, AwsSdkModules, AwsServiceName } from './aws-clients.js';

/** What one AWS call gets to work with: the client, the SDK module (for Command classes), send options. */
export interface AwsCallScope<S extends AwsServiceName> {
  client: AwsSdkClients[S];
  sdk: AwsSdkModules[S];
  /** Pass to every `client.send(command, sendOptions)`: Ctrl-C aborts the request in flight. */
  sendOptions: { abortSignal: AbortSignal };
}

export interface InvokeOptions<T> {
  /** Named in not-found messages: "secret molecule/cp/x". */
  target?: string;
  /** AWS error names that are an answer, not a failure (ParameterNotFound → null). */
  expected?: Record<string, () => T>;
  /**
   * 'throttling-only' for calls that are not idempotent: the SDK does not retry them (a retried
   * timeout could act twice); the door retries only throttling, which AWS answers before acting.
   */
  retry?: 'sdk' | 'throttling-only';
  /** Told of every throttled attempt the door retries ('throttling-only'), so callers can slow down. */
  onThrottled?(): void;
}

/**
 * The door's calling convention, shared by the per-service call modules: it creates the client
 * lazily, passes the abort signal, and translates any failure in `fn` (pages included).
 */
export interface AwsInvoker {
  readonly redactor: Redactor;
  invoke<S extends AwsServiceName, T>(
    service: S,
    action: string,
    fn: (scope: AwsCallScope<S>) => Promise<T>,
    options?: InvokeOptions<T>,
  ): Promise<T>;
}
