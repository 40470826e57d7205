import { setTimeout as delay } from 'node:timers/promises';
import { describeCallTimeoutKnob } from '../config/call-timeout.js';
import { ConfigError, ExitCode, HttpError, InterruptedError, MolectlError } from '../errors.js';
import type { Redactor } from '../output/redactor.js';
import { computeBackoffDelay, parseRetryAfter } from './backoff.js';
import { checkHttpUrl, describeUrl } from './check-http-url.js';
import { isCertificateRefusal, UNTRUSTED_CERTIFICATE_HINT } from './certificate-refusal.js';
import { nodeHttpFetch, type HeaderReader } from './node-http-fetch.js';
import { BodyTooLargeError, readCappedBody } from './read-capped-body.js';
import { NoAnswerError } from './no-answer-error.js';
import { extractRemoteError } from './remote-error.js';
import { getUserAgent } from './user-agent.js';

/**
 * The one door to remote HTTP APIs (CP, tenants, Railway, Gitea, Vercel, OCI registries).
 * Invariants: nothing is sent to a plain-http non-loopback host; every attempt has a timeout
 * and honours the caller's AbortSignal; only idempotent calls are retried; a body is never
 * held past the cap; no header value and no raw body ever reaches an error message.
 */

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type FetchFn = typeof globalThis.fetch;
export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryInfo {
  method: HttpMethod;
  /** Origin and path only (no query). */
  url: string;
  /** The attempt about to start, from 2 to maxAttempts. */
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  /** Why: `HTTP 503`, `timeout after 20000 ms`, `network error ECONNRESET`. */
  reason: string;
  /** How long the failed attempt was waited on, when that was the whole timeout. */
  waitedMs?: number;
  status?: number;
}

/** Defaults a client sets once (createHttpClient) and a request may override. */
export interface HttpDoorOptions {
  timeoutMs?: number;
  /** Retries after the first attempt, for idempotent calls only. */
  retries?: number;
  maxBodyBytes?: number;
  /** Cancels in-flight calls and backoff waits (Ctrl-C). */
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
  /** Scrubs the remote `error` field before it enters a message. */
  redactor?: Redactor;
  /** Tests hand in a fetch double; by default requests go over node:http(s) (node-http-fetch.ts). */
  fetch?: FetchFn;
  sleep?: SleepFn;
  random?: () => number;
  now?: () => number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  retryAfterMaxMs?: number;
  /** How the user gives a timed-out call longer; default: MOLECTL_CALL_TIMEOUT (config/call-timeout.ts). */
  timeoutHint?: string;
}

export interface HttpRequest extends HttpDoorOptions {
  method: HttpMethod;
  url: string | URL;
  headers?: Record<string, string | undefined>;
  /** Sent as JSON with Content-Type: application/json. */
  json?: unknown;
  /** Marks a POST/PATCH safe to repeat; GET, HEAD, PUT and DELETE always are. */
  idempotent?: boolean;
  /** Statuses returned instead of thrown; default 2xx. */
  accept?: (status: number) => boolean;
  /** How to find out whether a non-idempotent call that timed out took effect. */
  unknownOutcomeHint?: string;
}

export interface HttpResponse {
  status: number;
  headers: HeaderReader;
  bodyText: string;
  /** Origin and path of the request, for messages. */
  url: string;
  attempts: number;
}

export const DEFAULT_TIMEOUT_MS = 20_000;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** The longest Retry-After the door waits before sending a call again. */
export const RETRY_AFTER_MAX_MS = 30_000;
const RETRY_STATUSES = new Set([429, 502, 503, 504]);
// Failures raised before the request left this machine: the server cannot have acted on it.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const defaultSleep: SleepFn = (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined);

/** Binds defaults (base options, test doubles) once; the result is what clients hold. */
export function createHttpClient(defaults: HttpDoorOptions): (request: HttpRequest) => Promise<HttpResponse> {
  return (request) => httpRequest({ ...defaults, ...request });
}

type Attempt =
  | { kind: 'response'; status: number; headers: HeaderReader; bodyText: string }
  | { kind: 'timeout' }
  | { kind: 'network'; code: string; midAnswer: boolean }
  | { kind: 'cancelled' }
  | { kind: 'too-large'; limitBytes: number };

export async function httpRequest(request: HttpRequest): Promise<HttpResponse> {
  const url = checkHttpUrl(request.url);
  const shown = describeUrl(url);
  const method = request.method;
  const headers = buildHeaders(request, url);
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const repeatable = method !== 'POST' && method !== 'PATCH' ? true : request.idempotent === true;
  // A call that is not repeatable may still be sent again after a 429 that says when: the
  // server refused it without processing it. Timeouts and failed connections never repeat it.
  const maxAttempts = Math.max(0, request.retries ?? DEFAULT_RETRIES) + 1;
  const sleep = request.sleep ?? defaultSleep;
  const now = request.now ?? Date.now;
  const accept = request.accept ?? ((status: number) => status >= 200 && status < 300);
  const label = `${method} ${shown}`;

  for (let attempt = 1; ; attempt += 1) {
    if (request.signal?.aborted) throw cancelledError(label, repeatable, request.unknownOutcomeHint, false);
    const result = await attemptOnce(request, url, headers, timeoutMs);
    const gaveUp = attempt > 1 ? ` (gave up after ${attempt} attempts)` : '';
    const canRetry = attempt < maxAttempts;

    if (result.kind === 'cancelled') throw cancelledError(label, repeatable, request.unknownOutcomeHint, true);
    if (result.kind === 'too-large') {
      throw new MolectlError(
        `${label}: the response body is larger than the ${formatBytes(result.limitBytes)} cap; molectl stopped reading it`,
        {
          hint: 'this endpoint should answer a small JSON document; check that the URL points at the right service',
        },
      );
    }

    let reason: string;
    let status: number | undefined;
    let retryAfterMs: number | undefined;
    let waitedMs: number | undefined;
    if (result.kind === 'response') {
      retryAfterMs = parseRetryAfter(result.headers.get('retry-after'), now());
      const mayRepeat = repeatable || (result.status === 429 && retryAfterMs !== undefined);
      // A server that asks for more than molectl would wait (an outage page's `Retry-After:
      // 7200`) is not asked again sooner: the answer is final, and the hint says when to come back.
      const waitsTooLong = retryAfterMs !== undefined && retryAfterMs > (request.retryAfterMaxMs ?? RETRY_AFTER_MAX_MS);
      if (!(RETRY_STATUSES.has(result.status) && canRetry && mayRepeat && !waitsTooLong)) {
        if (accept(result.status))
          return {
            status: result.status,
            headers: result.headers,
            bodyText: result.bodyText,
            url: shown,
            attempts: attempt,
          };
        throw statusError(method, shown, result, request.redactor, gaveUp);
      }
      status = result.status;
      reason = `HTTP ${result.status}`;
    } else if (result.kind === 'timeout') {
      if (!repeatable) {
        throw new NoAnswerError(
          `${label} timed out after ${timeoutMs} ms; the outcome is unknown: the server may or may not have acted on it`,
          'timeout',
          true,
          {
            hint: request.unknownOutcomeHint ?? 'check the remote state before repeating this call',
          },
        );
      }
      if (!canRetry) {
        throw new NoAnswerError(`${label} timed out after ${timeoutMs} ms${gaveUp}`, 'timeout', true, {
          hint:
            request.unknownOutcomeHint ??
            `${url.host} is slow, overloaded or unreachable; ${request.timeoutHint ?? describeCallTimeoutKnob(timeoutMs)}`,
        });
      }
      reason = `timeout after ${timeoutMs} ms`;
      waitedMs = timeoutMs;
    } else {
      if (isCertificateRefusal(result.code)) throw certificateError(url, result.code);
      if (!canRetry || !repeatable)
        throw networkError(label, url, result, repeatable, request.unknownOutcomeHint, gaveUp);
      reason = result.midAnswer ? `connection broken mid-answer (${result.code})` : `network error ${result.code}`;
    }

    const delayMs =
      retryAfterMs !== undefined
        ? Math.min(retryAfterMs, request.retryAfterMaxMs ?? RETRY_AFTER_MAX_MS)
        : computeBackoffDelay(attempt - 1, {
            baseMs: request.backoffBaseMs ?? 250,
            maxMs: request.backoffMaxMs ?? 8_000,
            random: request.random ?? Math.random,
          });
    request.onRetry?.({
      method,
      url: shown,
      attempt: attempt + 1,
      maxAttempts,
      delayMs,
      reason,
      ...(status === undefined ? {} : { status }),
      ...(waitedMs === undefined ? {} : { waitedMs }),
    });
    try {
      await sleep(delayMs, request.signal);
    } catch (error) {
      if (request.signal?.aborted) throw cancelledError(label, repeatable, request.unknownOutcomeHint, false);
      throw error;
    }
  }
}

async function attemptOnce(
  request: HttpRequest,
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Attempt> {
  const controller = new AbortController();
  let timedOut = false;
  // One timer covers the whole attempt, body included: a server that trickles bytes times out too.
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onCallerAbort = (): void => controller.abort();
  // Set once the status line and headers are in: a failure after it broke the answer, not the call.
  let answered = false;
  request.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    const body = request.json === undefined ? undefined : JSON.stringify(request.json);
    const init = {
      method: request.method,
      headers,
      signal: controller.signal,
      ...(body === undefined ? {} : { body }),
    };
    // Redirects are never followed: one could carry credential headers to another host.
    const response = request.fetch
      ? await request.fetch(url, { ...init, redirect: 'manual' })
      : await nodeHttpFetch(url, {
          ...init,
          headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        });
    answered = true;
    const bodyText = await readCappedBody(response, request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    return { kind: 'response', status: response.status, headers: response.headers, bodyText };
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      controller.abort();
      return { kind: 'too-large', limitBytes: error.limitBytes };
    }
    if (request.signal?.aborted) return { kind: 'cancelled' };
    if (timedOut) return { kind: 'timeout' };
    return { kind: 'network', code: networkCode(error), midAnswer: answered };
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onCallerAbort);
  }
}

/** Plain lowercase names: building a `Headers` would load undici (see node-http-fetch.ts). */
function buildHeaders(request: HttpRequest, url: URL): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': getUserAgent(), accept: 'application/json' };
  if (request.json !== undefined) headers['content-type'] = 'application/json';
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (value === undefined) continue;
    // fetch's own complaint about a bad header value quotes the value, which is often a token.
    if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(value)) {
      throw new ConfigError(
        `the ${name} header for ${url.hostname} contains a line break or a character HTTP headers cannot carry`,
        'check the token source for a stray newline or non-ASCII character (the value is not shown)',
      );
    }
    headers[name.toLowerCase()] = value;
  }
  return headers;
}

function statusError(
  method: HttpMethod,
  shown: string,
  result: { status: number; headers: HeaderReader; bodyText: string },
  redactor: Redactor | undefined,
  gaveUp: string,
): HttpError {
  const remoteError = extractRemoteError(result.bodyText, redactor);
  const detail = remoteError ? `: ${remoteError}` : '';
  const host = new URL(shown).host;
  let hint: string;
  let redirect = '';
  if (result.status >= 300 && result.status < 400) {
    redirect = `, ${describeRedirect(result.headers, shown)} (not followed)`;
    hint =
      'molectl does not follow redirects (they could carry credentials to another host); check the URL (scheme, host, path)';
  } else if (result.status === 401 || result.status === 403)
    hint = `the credentials were rejected; check the token molectl uses for ${host}`;
  else if (result.status === 404) hint = 'check the URL and the name of the target';
  else if (result.status === 429) hint = rateLimitHint(host, result.headers);
  else if (result.status >= 500) hint = serverFailureHint(host, result.headers);
  else hint = 'the request was rejected; check the inputs';
  return new HttpError({
    method,
    url: shown,
    status: result.status,
    ...(remoteError === undefined ? {} : { remoteError }),
    message: `${method} ${shown} answered HTTP ${result.status}${redirect}${detail}${gaveUp}`,
    hint,
  });
}

function networkError(
  label: string,
  url: URL,
  failure: { code: string; midAnswer: boolean },
  repeatable: boolean,
  outcomeHint: string | undefined,
  gaveUp: string,
): NoAnswerError {
  const { code, midAnswer } = failure;
  const notSent = !midAnswer && NOT_SENT_CODES.has(code);
  const broke = midAnswer
    ? `the connection broke while ${url.host} was sending its answer (${code})`
    : `the connection to ${url.host} failed (${code})`;
  if (!repeatable && !notSent) {
    return new NoAnswerError(
      `${label}: ${broke}; the outcome is unknown: the server may or may not have acted on it`,
      'network',
      true,
      {
        hint: outcomeHint ?? 'check the remote state before repeating this call',
      },
    );
  }
  if (midAnswer)
    return new NoAnswerError(`${label}: ${broke}${gaveUp}`, 'network', true, {
      code: ExitCode.failed,
      hint: `${url.host}, or a proxy or load balancer in front of it, cut the answer short (an answer shorter than its Content-Length, or a reset); try again, and check what sits in between if it persists`,
    });
  return new NoAnswerError(`could not reach ${url.host} (${code})${gaveUp}`, 'network', !notSent, {
    code: ExitCode.failed,
    hint: `check the URL, DNS, your network or VPN, and that ${url.host} is up`,
  });
}

function certificateError(url: URL, code: string): NoAnswerError {
  return new NoAnswerError(
    `${url.host} presented a TLS certificate molectl does not trust (${code})`,
    'network',
    false,
    {
      code: ExitCode.failed,
      hint: UNTRUSTED_CERTIFICATE_HINT,
    },
  );
}

function cancelledError(
  label: string,
  repeatable: boolean,
  outcomeHint: string | undefined,
  inFlight: boolean,
): InterruptedError {
  if (inFlight && !repeatable) {
    return new InterruptedError(
      `${label} was cancelled in flight; its outcome is unknown`,
      outcomeHint ?? 'check the remote state before repeating this call',
    );
  }
  return new InterruptedError(`${label} was cancelled`);
}

function networkCode(error: unknown): string {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
    const inner = (current as { errors?: unknown[] }).errors?.[0];
    current = (current as { cause?: unknown }).cause ?? inner;
  }
  return 'no error code';
}

/** The hint after a 429 (after the door's own retries): it is about rate limits, nothing else. */
export function rateLimitHint(host: string, headers: HeaderReader): string {
  const after = headers.get('retry-after');
  return `${host} is rate limiting molectl (HTTP 429${after ? `, Retry-After ${after}` : ''}): wait and try again, and lower the concurrency if the command has such a flag`;
}

/** The hint after a 5xx: try again later, and when, if the server said (Retry-After). */
export function serverFailureHint(who: string, headers: HeaderReader): string {
  const after = headers.get('retry-after');
  const ms = parseRetryAfter(after, Date.now());
  const when = ms === undefined ? 'later' : `in ${describeWait(ms)} or later, as it asked (Retry-After: ${after})`;
  return `${who} failed or is overloaded; try again ${when}`;
}

function describeWait(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  if (ms < 60_000) return `${Math.ceil(ms / 1000)}s`;
  if (minutes < 120) return `${minutes} min`;
  return `${Math.round(minutes / 60)} h`;
}

/** Where a 3xx points, origin and path only (never a query that could carry a token). */
export function describeRedirect(headers: HeaderReader, base: string): string {
  const location = headers.get('location');
  return location ? `redirected to ${safeLocation(location, base)}` : 'redirected without a Location';
}

function safeLocation(location: string, base: string): string {
  try {
    return describeUrl(new URL(location, base));
  } catch {
    return 'an unreadable location';
  }
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MiB`
    : bytes % 1024 === 0
      ? `${bytes / 1024} KiB`
      : `${bytes} bytes`;
}
