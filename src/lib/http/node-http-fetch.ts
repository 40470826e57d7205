import type { IncomingMessage, RequestOptions } from 'node:http';
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
  const options: RequestOptions = {
    method: init.method,
    headers: init.headers,
    ...(init.signal ? { signal: init.signal } : {}),
  };
  return new Promise<MinimalResponse>((resolve, reject) => {
    const req = transport.request(url, options, (res) => resolve(wrapResponse(res)));
    req.on('error', reject);
    req.end(init.body);
  });
}

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
  const chunks = res[Symbol.asyncIterator]();
  const cancel = async (): Promise<void> => {
    res.destroy();
  };
  const body: MinimalBody = {
    getReader: () => ({
      async read() {
        const next = await chunks.next();
        return next.done ? { done: true } : { done: false, value: next.value as Buffer };
      },
      cancel,
    }),
    cancel,
  };
  return { status: res.statusCode ?? 0, headers, body };
}
