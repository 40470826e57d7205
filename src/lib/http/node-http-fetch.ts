import type { IncomingMessage } from 'node:http';
import { trustDeferredExtraCaCertificates } from './deferred-extra-ca.js';

/**
 * The subset of fetch the HTTP door uses, over node:http and node:https. Node's own fetch is
 * undici, which molectl would load, and whose HTTP parser (WebAssembly) it would compile, on every
 * run's first request: ~100-250 ms of a CLI that otherwise does one request in a few ms (issue
 * 16). node:http is part of Node's startup snapshot, and its agents unref idle keep-alive sockets,
 * so a finished command is not held open by them either.
 *
 * Only what http-request.ts needs: method, headers, a string body, an AbortSignal; the response's
 * status, headers (get, forEach) and body stream (getReader, cancel). Redirects are answers like
 * any other: the door never follows them.
 */

export interface HeaderReader {
  get(name: string): string | null;
  forEach(callback: (value: string, name: string) => void): void;
}

export interface MinimalResponse {
  status: number;
  headers: HeaderReader;
  body: MinimalBody | null;
}

export interface MinimalBody {
  getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> };
  cancel(): Promise<void>;
}

export interface MinimalRequestInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export async function nodeHttpFetch(url: URL, init: MinimalRequestInit): Promise<MinimalResponse> {
  const tls = url.protocol === 'https:';
  if (tls) await trustDeferredExtraCaCertificates();
  const transport = tls ? await import('node:https') : await import('node:http');
  const { signal } = init;
  return new Promise<MinimalResponse>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const req = transport.request(url, { method: init.method, headers: init.headers }, (res) =>
      resolve(wrapResponse(res)),
    );
    // The signal is followed here rather than given to node:http, which would watch it (and the
    // response stream) with its end-of-stream helper: several listeners per request, most of the
    // cold cost of a fresh process's first requests (issue 16). Aborting destroys the request,
    // and with it a response being read.
    if (signal) {
      const onAbort = (): void => {
        req.destroy(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      req.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    req.on('error', reject);
    req.end(init.body);
  });
}

function abortError(signal: AbortSignal): Error {
  const error = new Error('The operation was aborted', { cause: signal.reason });
  error.name = 'AbortError';
  return error;
}

/**
 * The body is read with the stream's own events, paused whenever no read is waiting, so that at
 * most one chunk is held beyond what the reader took (readCappedBody's cap stays a real bound).
 * Not the stream's async iterator, which costs a fresh process ~1 ms per response to set up.
 */
function wrapResponse(res: IncomingMessage): MinimalResponse {
  const headers: HeaderReader = {
    get(name) {
      const value = res.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
    forEach(callback) {
      for (const [name, value] of Object.entries(res.headers))
        if (value !== undefined) callback(Array.isArray(value) ? value.join(', ') : value, name);
    },
  };
  const chunks: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let waiting:
    { resolve: (chunk: { done: boolean; value?: Uint8Array }) => void; reject: (e: Error) => void } | undefined;
  const settle = (): void => {
    if (!waiting) return;
    const { resolve, reject } = waiting;
    if (chunks.length) resolve({ done: false, value: chunks.shift()! });
    else if (failure) reject(failure);
    else if (ended) resolve({ done: true });
    else return;
    waiting = undefined;
  };
  res.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    if (!waiting) res.pause();
    settle();
  });
  res.on('end', () => {
    ended = true;
    settle();
  });
  res.on('error', (error) => {
    failure = error;
    settle();
  });
  res.on('close', () => {
    // Closed before its end: the connection broke or the request was destroyed (an abort).
    if (!ended && !failure) failure = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    settle();
  });
  const cancel = async (): Promise<void> => {
    res.destroy();
  };
  const body: MinimalBody = {
    getReader: () => ({
      read() {
        return new Promise((resolve, reject) => {
          waiting = { resolve, reject };
          settle();
          if (waiting && res.isPaused()) res.resume();
        });
      },
      cancel,
    }),
    cancel,
  };
  return { status: res.statusCode ?? 0, headers, body };
}
