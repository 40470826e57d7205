import type { MinimalBody } from './node-http-fetch.js';

/** Thrown when a response body passes the cap; the door turns it into a MolectlError. */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`response body larger than ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads a body as UTF-8 text, never holding more than `limitBytes` of it: a declared
 * Content-Length over the cap is refused before reading, and a stream that grows past it is
 * cancelled at that point, so a runaway or hostile server cannot fill memory.
 */
export async function readCappedBody(
  response: { headers: { get(name: string): string | null }; body: MinimalBody | ReadableStream<Uint8Array> | null },
  limitBytes: number,
): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '');
  if (Number.isFinite(declared) && declared > limitBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new BodyTooLargeError(limitBytes);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  let total = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done || !value) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError(limitBytes);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
