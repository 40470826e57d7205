import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import { ConfigError } from '../errors.js';
import { boundEachAttempt, MAX_AWS_ANSWER_BYTES, type AttemptTimeout } from './attempt-bounds.js';
import { trustDeferredExtraCaCertificates } from '../http/deferred-extra-ca.js';
import type { ConfiguredEndpoints } from './aws-endpoints.js';

/**
 * SDK v3 clients, created on first use. Every import of `@aws-sdk/*` in molectl is either
 * `import type` (erased at build) or in ./sdk/, whose modules only an `await import()` here
 * loads: loading the SDK costs ~200 ms, and `molectl --help`, `--version` and commands that never
 * call AWS must not pay it (test/e2e/lazy-sdk.test.ts holds this).
 */

/**
 * How long an idle keep-alive connection to AWS is kept: under the 5 s after which Node's HTTP
 * servers (the sandbox among them) close one, and far under the minute of AWS's load balancers.
 */
export const IDLE_SOCKET_MS = 4_000;

export type AwsServiceName = 'ec2' | 'ssm' | 'secretsmanager' | 'sts';

/** Each client with the commands molectl sends, not the whole package (sdk/ec2.ts says why). */
export interface AwsSdkModules {
  ec2: typeof import('./sdk/ec2.js');
  ssm: typeof import('./sdk/ssm.js');
  secretsmanager: typeof import('./sdk/secrets-manager.js');
  sts: typeof import('./sdk/sts.js');
}

export interface AwsSdkClients {
  ec2: EC2Client;
  ssm: SSMClient;
  secretsmanager: SecretsManagerClient;
  sts: STSClient;
}

export interface AwsClientSettings {
  /** Resolved by molectl's config (flag, MOLECTL_REGION, environment, AWS_REGION...), or null. */
  region: string | null;
  /** Passed to the SDK so its chain reads that profile (static keys, SSO, role, credential_process). */
  profile: string | null;
  /** Per service: AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL (the sandbox, LocalStack), else null. */
  endpoints: ConfiguredEndpoints;
  /** Static keys from ctx.env, used only when no profile is selected (the SDK's own order). */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | null;
  /** Total attempts per call, first included. */
  maxAttempts: number;
  /** How long one attempt may take, answer body included (MOLECTL_CALL_TIMEOUT). */
  attemptTimeoutMs: number;
  /** Told of each attempt that ran out of time (the SDK's retries are otherwise silent). */
  onAttemptTimeout?: (info: AttemptTimeout) => void;
}

export const NO_REGION_MESSAGE = 'no AWS region';
export const NO_REGION_HINT = 'pass --region, set MOLECTL_REGION or AWS_REGION, or set region in your AWS profile';

const loaders: { [S in AwsServiceName]: () => Promise<AwsSdkModules[S]> } = {
  ec2: () => import('./sdk/ec2.js'),
  ssm: () => import('./sdk/ssm.js'),
  secretsmanager: () => import('./sdk/secrets-manager.js'),
  sts: () => import('./sdk/sts.js'),
};

export class AwsClients {
  /** Keyed by service, plus `:once` for the clients that never retry on their own. */
  private readonly clients = new Map<string, Promise<{ client: unknown; sdk: unknown }>>();
  private regionPromise: Promise<string> | undefined;

  constructor(private readonly settings: AwsClientSettings) {}

  /**
   * The region every call goes to. molectl's own resolution first; failing that the SDK's
   * (which reads the selected profile's `region`). Never a silent us-east-1: nothing resolved
   * is a ConfigError (exit 3).
   */
  region(): Promise<string> {
    this.regionPromise ??= this.resolveRegion();
    return this.regionPromise;
  }

  /**
   * `retries: false` gives a client that sends each request once: for calls that are not
   * idempotent (SendCommand), where the SDK retrying a timed-out request could run it twice.
   */
  async get<S extends AwsServiceName>(
    service: S,
    options: { retries?: boolean } = {},
  ): Promise<{ client: AwsSdkClients[S]; sdk: AwsSdkModules[S] }> {
    const once = options.retries === false;
    const key = once ? `${service}:once` : service;
    let entry = this.clients.get(key);
    if (!entry) {
      entry = this.create(service, once ? 1 : this.settings.maxAttempts);
      this.clients.set(key, entry);
      // A failed creation (no region) must not be cached as a rejected promise forever.
      entry.catch(() => this.clients.delete(key));
    }
    return (await entry) as { client: AwsSdkClients[S]; sdk: AwsSdkModules[S] };
  }

  /** Closes the clients' sockets so the process can end promptly. */
  async destroy(): Promise<void> {
    for (const entry of this.clients.values()) {
      try {
        const { client } = await entry;
        (client as { destroy(): void }).destroy();
      } catch {
        // a client that never came to be has nothing to close
      }
    }
    this.clients.clear();
  }

  private async create<S extends AwsServiceName>(
    service: S,
    maxAttempts: number,
  ): Promise<{ client: unknown; sdk: unknown }> {
    const [sdk, region] = await Promise.all([
      loaders[service](),
      this.region(),
      this.mayOpenTls(service) ? trustDeferredExtraCaCertificates() : undefined,
    ]);
    const Client = clientClass(service, sdk as AwsSdkModules[S]);
    const client = new Client(this.clientConfig(service, region, maxAttempts)) as SdkClientStack;
    // molectl gives the SDK no logger, yet the SDK's logger middleware still builds a redacted
    // copy of every answer for a no-op logger: ~5 % of an apply's CPU at 10,000 tenants, spent
    // walking DescribeInstances pages. Nothing molectl reads comes from that middleware.
    client.middlewareStack.remove(SDK_LOGGER_MIDDLEWARE);
    boundEachAttempt(client, {
      timeoutMs: this.settings.attemptTimeoutMs,
      maxAnswerBytes: MAX_AWS_ANSWER_BYTES,
      ...(this.settings.onAttemptTimeout ? { onTimeout: this.settings.onAttemptTimeout } : {}),
    });
    return { client, sdk };
  }

  private clientConfig(
    service: AwsServiceName,
    region: string | null,
    maxAttempts = this.settings.maxAttempts,
  ): Record<string, unknown> {
    const { profile, credentials } = this.settings;
    const endpoint = this.settings.endpoints[service]?.url;
    return {
      ...(region ? { region } : {}),
      ...(profile ? { profile } : {}),
      // The SDK reads the endpoint variables from process.env itself; passing them from ctx.env
      // keeps one source of truth (tests hand main() their own env).
      ...(endpoint ? { endpoint } : {}),
      ...(credentials && !profile ? { credentials } : {}),
      maxAttempts,
      retryMode: 'standard',
      requestHandler: {
        connectionTimeout: Math.min(5_000, this.settings.attemptTimeoutMs),
        // Without throwOnRequestTimeout the SDK only logs a warning (on stderr) and waits on: a
        // server that accepts the connection and never answers held molectl for ever. A second
        // after molectl's own deadline (attempt-bounds.ts), which speaks first: this one frees the
        // socket of an attempt that deadline gave up on.
        requestTimeout: this.settings.attemptTimeoutMs + 1_000,
        throwOnRequestTimeout: true,
        // Idle keep-alive sockets are closed by molectl before a server closes them: a request
        // written to a socket the server is closing at that moment is reset unanswered, and a
        // reset SendCommand cannot be sent again blind (it may have run).
        httpAgent: { timeout: IDLE_SOCKET_MS },
        httpsAgent: { timeout: IDLE_SOCKET_MS },
      },
    };
  }

  /**
   * Whether the client, or a credential provider the SDK starts for it (SSO, STS, a container
   * endpoint), may open a TLS connection: always, except against a plain-http endpoint (the
   * sandbox) with static keys.
   */
  private mayOpenTls(service: AwsServiceName): boolean {
    const { endpoints, credentials, profile } = this.settings;
    return !(endpoints[service]?.url.startsWith('http:') && credentials && !profile);
  }

  private async resolveRegion(): Promise<string> {
    if (this.settings.region) return this.settings.region;
    const sts = await loaders.sts();
    // A client built without a region resolves it the SDK's way: AWS_REGION, then the profile.
    const probe = new sts.STSClient(this.clientConfig('sts', null));
    try {
      const region = await probe.config.region();
      if (region) return region;
    } catch {
      // "Region is missing": answered below with molectl's message.
    } finally {
      probe.destroy();
    }
    throw new ConfigError(NO_REGION_MESSAGE, NO_REGION_HINT);
  }
}

/** The name under which every SDK v3 client registers its logging middleware. */
const SDK_LOGGER_MIDDLEWARE = 'loggerMiddleware';

interface SdkClientStack {
  middlewareStack: { remove(name: string): boolean };
}

function clientClass<S extends AwsServiceName>(
  service: S,
  sdk: AwsSdkModules[S],
): new (config: Record<string, unknown>) => unknown {
  switch (service) {
    case 'ec2':
      return (sdk as AwsSdkModules['ec2']).EC2Client as never;
    case 'ssm':
      return (sdk as AwsSdkModules['ssm']).SSMClient as never;
    case 'secretsmanager':
      return (sdk as AwsSdkModules['secretsmanager']).SecretsManagerClient as never;
    default:
      return (sdk as AwsSdkModules['sts']).STSClient as never;
  }
}
