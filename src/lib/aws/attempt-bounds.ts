import { Transform, type Readable } from 'node:stream';

/**
 * Bounds on each attempt of an AWS call, in time and in bytes, as middleware in every client's
 * stack. The SDK has neither: its requestTimeout stops at the response headers, and it reads an
 * answer whole into memory whatever its size. An endpoint (AWS_ENDPOINT_URL, or a proxy on the
 * way) that stalls or drips its body would hold a call for ever; one that answers without end
 * would fill memory (4 GB before the SDK gave up on a 2 GB answer).
 */

/**
 * The largest answer molectl reads from AWS. The largest it asks for is a DescribeInstances page
 * of 1,000 instances, ~8 MB of XML; nothing else comes near it.
 */
export const MAX_AWS_ANSWER_BYTES = 32 * 1024 * 1024;

/** What an attempt's failure carries, for translate-aws-error.ts. */
export const ANSWER_TOO_LARGE = 'AnswerTooLargeError';
/** Set on an error raised while the body was being read, after the status and headers came. */
export const BROKE_MID_ANSWER = 'molectlBrokeMidAnswer';

/** An attempt that ran out of time: which call, which attempt of how many (from the SDK's header). */
export interface AttemptTimeout {
  command: string;
  attempt: number | undefined;
  maxAttempts: number | undefined;
  timeoutMs: number;
}

export function boundEachAttempt(
  client: unknown,
  bounds: { timeoutMs: number; maxAnswerBytes: number; onTimeout?: (info: AttemptTimeout) => void },
): void {
  const stack = (client as { middlewareStack: MiddlewareStackLike }).middlewareStack;
  // Outermost in the deserialize step, inside the retry middleware: the deadline covers sending,
  // the headers and reading and parsing the body, and a timed-out attempt is a TimeoutError the
  // SDK retries like its own (SendCommand's send-once client does not). What was in flight is
  // left to the socket's end.
  stack.add(
    (next, context) => (args) =>
      withDeadline(next(args), bounds.timeoutMs, () =>
        bounds.onTimeout?.(describeAttempt(args, context, bounds.timeoutMs)),
      ),
    {
      step: 'deserialize',
      name: 'molectlAttemptDeadline',
      priority: 'high',
    },
  );
  // Innermost, next to the HTTP handler: the raw body passes through a counter before the SDK's
  // deserializer collects it.
  stack.add(
    (next) => async (args) => {
      const result = (await next(args)) as { response?: { headers?: Record<string, string>; body?: unknown } };
      const response = result.response;
      if (response && isReadable(response.body))
        response.body = capBody(response.body, response.headers, bounds.maxAnswerBytes);
      return result;
    },
    { step: 'deserialize', name: 'molectlAnswerCap', priority: 'low' },
  );
}

function withDeadline<T>(attempt: Promise<T>, timeoutMs: number, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(
        Object.assign(new Error(`no complete answer within ${timeoutMs} ms`), {
          name: 'TimeoutError',
          code: 'ETIMEDOUT',
          $metadata: {},
        }),
      );
    }, timeoutMs);
    attempt.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error as Error);
      },
    );
  });
}

/** The retry middleware writes `amz-sdk-request: attempt=2; max=5` on each attempt's request. */
function describeAttempt(args: unknown, context: unknown, timeoutMs: number): AttemptTimeout {
  const headers = (args as { request?: { headers?: Record<string, string> } }).request?.headers ?? {};
  const m = /attempt=(\d+);\s*max=(\d+)/.exec(headers['amz-sdk-request'] ?? '');
  const command = String((context as { commandName?: unknown } | undefined)?.commandName ?? 'a call').replace(
    /Command$/,
    '',
  );
  return {
    command,
    attempt: m ? Number(m[1]) : undefined,
    maxAttempts: m ? Number(m[2]) : undefined,
    timeoutMs,
  };
}

function capBody(body: Readable, headers: Record<string, string> | undefined, maxBytes: number): Readable {
  const tooLarge = (): Error =>
    Object.assign(new Error(`the answer is larger than ${maxBytes} bytes`), { name: ANSWER_TOO_LARGE, maxBytes });
  const declared = Number(headers?.['content-length'] ?? headers?.['Content-Length'] ?? '');
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > maxBytes) {
        body.destroy();
        done(tooLarge());
      } else done(null, chunk);
    },
  });
  // The headers are in: a failure now broke the answer, not the connection (said as such).
  body.on('error', (error) => counter.destroy(Object.assign(error, { [BROKE_MID_ANSWER]: true })));
  if (Number.isFinite(declared) && declared > maxBytes) {
    body.destroy();
    process.nextTick(() => counter.destroy(tooLarge()));
    return counter;
  }
  return body.pipe(counter);
}

function isReadable(body: unknown): body is Readable {
  return typeof body === 'object' && body !== null && typeof (body as Readable).pipe === 'function';
}

interface MiddlewareStackLike {
  add(
    middleware: (next: (args: unknown) => Promise<unknown>, context: unknown) => (args: unknown) => Promise<unknown>,
    options: { step: 'deserialize'; name: string; priority: 'high' | 'low' },
  ): void;
}
