import { ANSWER_TOO_LARGE, BROKE_MID_ANSWER, MAX_AWS_ANSWER_BYTES } from './attempt-bounds.js';
import { describeCallTimeoutKnob } from '../config/call-timeout.js';
import { describeDurationMs } from '../config/parse-duration.js';
import { ConfigError, ExitCode, MolectlError, NotFoundError, UsageError } from '../errors.js';
import { isCertificateRefusal, UNTRUSTED_CERTIFICATE_HINT } from '../http/certificate-refusal.js';
import { NoAnswerError } from '../http/no-answer-error.js';
import { cutRemoteLine, remoteText, type RemoteText } from '../output/remote-text.js';
import { NO_REGION_HINT, NO_REGION_MESSAGE, type AwsServiceName } from './aws-clients.js';
import type { ConfiguredEndpoint } from './aws-endpoints.js';

/**
 * The one place SDK errors become molectl errors: a one-line message naming the problem and a
 * hint naming the fix, with the exit code of docs/exit-codes.md. The raw error stays as `cause`
 * (shown only with --debug). AWS messages may be quoted but are cut to one short line.
 */

export interface AwsCallInfo {
  service: AwsServiceName;
  /** API action, e.g. SendCommand. */
  action: string;
  /** What the call was about, for not-found messages: "secret molecule/cp/x". */
  target?: string;
  region?: string | null;
  profile?: string | null;
  /** The endpoint a variable sent this service's calls to; otherwise the public one is named from the region. */
  endpoint?: ConfiguredEndpoint | null;
  /** Attempts made, when the door (not the SDK) did the retrying. */
  attempts?: number;
  /** The call is not idempotent (SendCommand): a lost answer leaves its outcome unknown. */
  notIdempotent?: boolean;
  /** How long each attempt was given (MOLECTL_CALL_TIMEOUT), for a timeout's message. */
  attemptTimeoutMs?: number;
}

/** Network failures that happen before a request leaves: nothing can have acted on it. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** IAM action prefixes (the service's namespace in a policy). */
const IAM_PREFIX: Record<AwsServiceName, string> = {
  ec2: 'ec2',
  ssm: 'ssm',
  secretsmanager: 'secretsmanager',
  sts: 'sts',
};

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'AuthorizationError',
  'AuthorizationErrorException',
]);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired']);
const REJECTED = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'AuthFailure',
  'IncompleteSignature',
  'InvalidSignatureException',
  'MissingAuthenticationToken',
]);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);
const NOT_FOUND = new Set([
  'ResourceNotFoundException',
  'InvalidInstanceID.NotFound',
  'ParameterNotFound',
  'InvocationDoesNotExist',
  'InvalidCommandId',
]);
const MALFORMED = new Set([
  'InvalidInstanceID.Malformed',
  'InvalidParameterValue',
  'ValidationException',
  'InvalidParameterException',
  'InvalidParameterCombination',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'NetworkingError']);

interface SdkLikeError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $retryable?: { throttling?: boolean };
}

export function translateAwsError(error: unknown, call: AwsCallInfo): MolectlError {
  if (error instanceof MolectlError) return error;
  const e = (error && typeof error === 'object' ? error : { message: String(error) }) as SdkLikeError;
  const name = e.name && e.name !== 'Error' ? e.name : (e.Code ?? e.code ?? 'Error');
  const message = e.message ?? '';
  const api = `${IAM_PREFIX[call.service]}:${call.action}`;
  const attempts = call.attempts ?? e.$metadata?.attempts ?? 1;
  const cause = { cause: error };

  if (ACCESS_DENIED.has(name) || /not authorized to perform/i.test(message)) {
    const permission = /not authorized to perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)/i.exec(message)?.[1] ?? api;
    const principal = /User:\s+(arn:aws[\w-]*:[^\s]+)/.exec(message)?.[1];
    return new MolectlError(`AWS denied ${permission}${principal ? ` to ${principal}` : ''} (calling ${api})`, {
      code: ExitCode.credentials,
      hint: `grant ${permission} to that identity; docs/iam/molectl-operator-policy.json lists every permission molectl needs`,
      ...cause,
    });
  }
  if (EXPIRED.has(name) || isExpiredSso(name, message)) {
    return new ConfigError('the AWS credentials have expired', ssoHint(call.profile), error);
  }
  if (name === 'RequestExpired') {
    // EC2's word for an expired session token as well as for a stale request time. The SDK
    // corrects its clock from the server's Date and retries on this error, so one that survives
    // it is most likely the credentials: say both, credentials first.
    return new ConfigError(
      `AWS refused the request as expired (RequestExpired calling ${api}): the AWS credentials have most likely expired`,
      `${ssoHint(call.profile)}; if they are fresh, the clock of this machine is off: sync it (timedatectl / ntp)`,
      error,
    );
  }
  if (name === 'RequestTimeTooSkewed') {
    return new ConfigError(
      `AWS rejected the request signature as out of date (${name})`,
      'the clock of this machine is off: sync it (timedatectl / ntp) and retry',
      error,
    );
  }
  if (REJECTED.has(name)) {
    return new ConfigError(
      `AWS rejected the credentials (${name} calling ${api})`,
      `check the keys or profile in use${call.profile ? ` (profile ${call.profile})` : ''}: \`aws sts get-caller-identity${call.profile ? ` --profile ${call.profile}` : ''}\` shows who they are`,
      error,
    );
  }
  if (
    /could not be found or parsed in shared/i.test(message) ||
    (name === 'CredentialsProviderError' && /profile .* (not found|could not be found)/i.test(message))
  ) {
    return new ConfigError(
      `AWS profile "${call.profile ?? 'default'}" was not found`,
      'check ~/.aws/config (or AWS_CONFIG_FILE), or create it with `aws configure sso`',
      error,
    );
  }
  if (
    name === 'CredentialsProviderError' ||
    name === 'TokenProviderError' ||
    /could not load credentials/i.test(message)
  ) {
    return new ConfigError(
      'no AWS credentials found',
      `pass --profile <name> (after \`aws sso login --profile <name>\`), export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run on an instance with a role${call.profile ? ` (profile ${call.profile} gave none: run \`aws sso login --profile ${call.profile}\`)` : ''}`,
      error,
    );
  }
  if (/region is missing|invalid region/i.test(message)) {
    return new ConfigError(NO_REGION_MESSAGE, NO_REGION_HINT, error);
  }
  if (isThrottle(e, name)) {
    const said = GENERIC_NAMES.has(name) || /^\d+$/.test(name) ? `HTTP ${e.$metadata?.httpStatusCode ?? '?'}` : name;
    return new MolectlError(`AWS throttled ${api} (${said}, gave up after ${attempts} attempts)`, {
      code: ExitCode.failed,
      hint: 'wait a minute and run again; lower the batch size or concurrency if the command has one',
      ...cause,
    });
  }
  if (name === 'InvalidInstanceId' && call.service === 'ssm') {
    // SSM's word for "exists maybe, but I cannot run anything there".
    return new MolectlError(
      `SSM cannot run commands on ${call.target ?? 'some of the instances'}: not managed by SSM, agent offline, or not running (InvalidInstanceId)`,
      {
        code: ExitCode.failed,
        hint: 'check the agents with `aws ssm describe-instance-information`; send to the Online instances only',
        ...cause,
      },
    );
  }
  if (NOT_FOUND.has(name)) {
    // EC2 names exactly which ids are missing; that beats repeating every id asked for.
    const missing = name === 'InvalidInstanceID.NotFound' ? message.match(/i-[0-9a-f]{8,17}/g) : null;
    const what = missing
      ? `instance ${[...new Set(missing)].join(', ')}`
      : (call.target ?? `the ${call.action} target`);
    return new NotFoundError(
      `${what} was not found${call.region ? ` in ${call.region}` : ''} (${name})`,
      'check the name or id, and the region and account (molectl doctor shows both)',
    );
  }
  if (isCertificateRefusal(e.code ?? name)) {
    return new MolectlError(
      `AWS ${call.service}${call.endpoint ? ` at ${call.endpoint.url}` : ''} presented a TLS certificate molectl does not trust (${e.code ?? name})`,
      { code: ExitCode.failed, hint: UNTRUSTED_CERTIFICATE_HINT, ...cause },
    );
  }
  if (isNetworkError(e, name)) {
    const endpoint =
      call.endpoint?.url ??
      (call.region
        ? `https://${call.service === 'secretsmanager' ? 'secretsmanager' : call.service}.${call.region}.amazonaws.com`
        : `the ${call.service} endpoint`);
    const code = e.code ?? name;
    const timedOut = isTimeout(e, name);
    const waited =
      timedOut && call.attemptTimeoutMs !== undefined
        ? ` within ${describeDurationMs(call.attemptTimeoutMs)}${attempts > 1 ? ` (${attempts} attempts)` : ''}`
        : '';
    if (call.notIdempotent && !NEVER_SENT.has(code))
      return new NoAnswerError(
        `${api} to ${endpoint} got no answer${waited} (${timedOut ? 'timeout' : code}); AWS may have acted on it: molectl does not send it again blind`,
        'network',
        true,
        { hint: 'check the remote state (for SSM: `aws ssm list-commands`) before repeating this call' },
      );
    if ((error as Record<string, unknown>)[BROKE_MID_ANSWER] === true)
      return new MolectlError(
        `the connection to AWS ${call.service} at ${endpoint} broke while it was sending its answer to ${call.action} (${code}${attempts > 1 ? `, ${attempts} attempts` : ''})`,
        {
          code: ExitCode.failed,
          hint: 'a proxy, firewall or load balancer on the way cut the answer short; try again, and check what sits between you and AWS if it persists',
          ...cause,
        },
      );
    if (timedOut)
      return new MolectlError(
        `AWS ${api} at ${endpoint} did not answer ${waited ? waited.trim() : 'in time (timeout)'}`,
        {
          code: ExitCode.failed,
          hint: `AWS, or the network or a proxy on the way, is slow or holds the connection open${call.attemptTimeoutMs !== undefined ? `; ${describeCallTimeoutKnob(call.attemptTimeoutMs)}` : ''}`,
          ...cause,
        },
      );
    return new MolectlError(`cannot reach AWS ${call.service} at ${endpoint} (${code})`, {
      code: ExitCode.failed,
      hint: `check network access to it (VPN, proxy, firewall)${call.endpoint ? `, or ${call.endpoint.variable}, which sends the calls there` : ''}`,
      ...cause,
    });
  }
  if (name === ANSWER_TOO_LARGE) {
    const where = call.endpoint ? ` at ${call.endpoint.url} (${call.endpoint.variable})` : '';
    return new MolectlError(
      `AWS ${api}${where} answered more than ${MAX_AWS_ANSWER_BYTES / (1024 * 1024)} MiB; molectl stopped reading it`,
      {
        code: ExitCode.failed,
        hint: call.endpoint
          ? `no AWS answer molectl asks for comes near that size: check what answers at ${call.endpoint.variable}`
          : "no AWS answer molectl asks for comes near that size: a proxy may be answering in AWS's place; check HTTPS_PROXY",
        ...cause,
      },
    );
  }
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 300 && status < 400) {
    // The SDK follows no redirect (a signed request must not travel elsewhere): say so, not "Unknown".
    return new MolectlError(
      `AWS ${api}${call.endpoint ? ` at ${call.endpoint.url}` : ''} answered HTTP ${status}, a redirect (not followed)`,
      {
        code: ExitCode.failed,
        hint: call.endpoint
          ? `AWS APIs do not redirect: check ${call.endpoint.variable} (scheme, host, port), or a proxy answering in its place`
          : "AWS APIs do not redirect: a proxy or captive portal may be answering in AWS's place; check HTTPS_PROXY and network access to AWS",
        ...cause,
      },
    );
  }
  if (isNotAnAwsAnswer(e, name)) {
    const answered = `HTTP ${status ?? '?'}${name === 'SyntaxError' ? ', a body that is not an AWS response' : GENERIC_NAMES.has(name) ? '' : `, ${name}`}`;
    // Not "AWS is down": whatever answered does not serve this API. Said where it is, and why it is there.
    if (call.endpoint)
      return new ConfigError(
        `the endpoint ${call.endpoint.url} (${call.endpoint.variable}) does not serve ${api} (${answered})`,
        `${call.endpoint.variable} sends ${call.endpoint.variable === 'AWS_ENDPOINT_URL' ? 'every AWS call' : `${call.service}'s calls`} there: point it at an endpoint that implements ${call.service} (\`molectl sandbox up\` serves EC2, SSM, Secrets Manager and STS), or unset it to reach AWS itself`,
        error,
      );
    return new MolectlError(`something other than AWS answered ${api} (${answered})`, {
      code: ExitCode.failed,
      hint: "a proxy, captive portal or firewall may be answering in AWS's place: check HTTPS_PROXY / HTTP_PROXY and network access to AWS",
      ...cause,
    });
  }
  if (MALFORMED.has(name) && e.$fault !== 'server') {
    return new UsageError(
      `AWS refused ${api}: ${oneLine(message) || name}`,
      'check the ids and values given; nothing was changed',
    );
  }
  if (e.$fault === 'server' || (e.$metadata?.httpStatusCode ?? 0) >= 500) {
    return new MolectlError(
      // A bare 503 (an HTML page, a gateway) has no error code: the SDK calls it Unknown, which says nothing.
      `AWS ${api} failed on the AWS side (${GENERIC_NAMES.has(name) || /^\d+$/.test(name) ? `HTTP ${e.$metadata?.httpStatusCode ?? '?'}` : name}${attempts > 1 ? `, after ${attempts} attempts` : ''})`,
      {
        code: ExitCode.failed,
        hint: 'try again in a few minutes; check https://health.aws.amazon.com if it persists',
        ...cause,
      },
    );
  }
  return new MolectlError(`AWS ${api} failed: ${name}${message ? `: ${oneLine(message)}` : ''}`, {
    code: ExitCode.failed,
    hint: 'run again with --debug for details',
    ...cause,
  });
}

/** True for the errors AWS answers before acting on a request: safe to retry any call. */
export function isThrottlingError(error: unknown): boolean {
  const name = awsErrorName(error);
  return name !== undefined && isThrottle(error as SdkLikeError, name);
}

/**
 * A throttle by its name, or by HTTP 429 whatever the name: a gateway or an emulator in front of
 * an API may answer `429 {"message":"Rate exceeded"}` with no error code, which the SDK names
 * `Unknown` (or the status) and itself retries as a throttle. The SDK's own mark counts too.
 */
function isThrottle(e: SdkLikeError, name: string): boolean {
  return THROTTLED.has(name) || e.$metadata?.httpStatusCode === 429 || e.$retryable?.throttling === true;
}

/** The error name AWS gave, whatever the SDK or a fake put it in. */
export function awsErrorName(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as SdkLikeError;
  return e.name && e.name !== 'Error' ? e.name : (e.Code ?? e.code);
}

function isExpiredSso(name: string, message: string): boolean {
  if (name !== 'CredentialsProviderError' && name !== 'TokenProviderError' && !/sso/i.test(name)) return false;
  return (
    /expired|refresh|re-?authenticate|sso session/i.test(message) && (/sso/i.test(message) || /token/i.test(message))
  );
}

function ssoHint(profile: string | null | undefined): string {
  return profile
    ? `run \`aws sso login --profile ${profile}\` (or refresh that profile's credentials) and try again`
    : 'run `aws sso login --profile <name>` and pass --profile <name>, or export fresh AWS_* keys';
}

/**
 * The SDK's requestTimeout and molectl's per-attempt deadline (code ETIMEDOUT), or a socket's idle
 * timeout (TimeoutError without a code). Not every TimeoutError: the SDK renames a reset
 * connection (ECONNRESET, EPIPE) TimeoutError too, and that is no timeout.
 */
function isTimeout(e: SdkLikeError, name: string): boolean {
  return e.code === 'ETIMEDOUT' || ((name === 'TimeoutError' || name === 'RequestTimeout') && !e.code);
}

function isNetworkError(e: SdkLikeError, name: string): boolean {
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  if (NETWORK_NAMES.has(name)) return true;
  return (
    e.$metadata?.httpStatusCode === undefined &&
    /socket hang up|ECONNREFUSED|ENOTFOUND|getaddrinfo|connect ETIMEDOUT/i.test(e.message ?? '')
  );
}

/** The names the SDK gives an error response that carried no AWS error code. */
const GENERIC_NAMES = new Set(['NotFound', 'Unknown', 'UnknownError', 'Error', 'MethodNotAllowed', 'NotImplemented']);

/**
 * An answer no AWS API gives: a body the SDK cannot parse (HTML, a web server's page), or a
 * 404/405/501 with no AWS error code (a server that has no such route or method).
 */
function isNotAnAwsAnswer(e: SdkLikeError, name: string): boolean {
  if (name === 'SyntaxError' || /Deserialization error/i.test(e.message ?? '')) return true;
  const status = e.$metadata?.httpStatusCode;
  return (status === 404 || status === 405 || status === 501) && GENERIC_NAMES.has(name);
}

/**
 * AWS's message, as remote text (a ValidationException quotes the value it refused), its first
 * line cut on a word boundary: a secret cut in half would match no redaction rule.
 */
function oneLine(text: string): RemoteText | '' {
  const line = text.split(/\r?\n/)[0]!.trim();
  return line === '' ? '' : remoteText(cutRemoteLine(line, 200));
}
