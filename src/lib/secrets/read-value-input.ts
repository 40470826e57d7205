import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';

/**
 * A secret value comes only from a file or stdin, never from argv (visible in `ps`, shell
 * history and CI logs). Exactly one trailing newline (LF or CRLF) is dropped, because editors
 * and `echo` add one that is not part of the secret; anything else, inner newlines included,
 * is kept byte for byte. Empty values are refused. Pure apart from the read.
 */

export interface ValueInput {
  value: string;
  /** True when one trailing newline was dropped: the caller says so. */
  strippedNewline: boolean;
  /** Where it came from, for messages: a path or "stdin". */
  source: string;
}

/** Caps what is read: a secret is small, and an accidental `--value-file /dev/zero` must end. */
export const MAX_VALUE_BYTES = 64 * 1024;

export async function readValueInput(path: string, stdin: Readable & { isTTY?: boolean }): Promise<Buffer> {
  if (path === '-') {
    // Typed at a terminal, the value would be echoed on screen (and kept in its scrollback), and
    // the Ctrl-D that ends it would end the input the confirmation is then asked on.
    if (stdin.isTTY)
      throw new UsageError(
        '--value-file - reads stdin, which is this terminal: what you type there is shown on screen; nothing was changed',
        'pipe the value in (`pass show ... | molectl secrets put NAME --value-file -`), or give a file',
      );
    return readStream(stdin);
  }
  try {
    const handle = await open(path, 'r');
    try {
      const stat = await handle.stat();
      if (stat.isFile() && stat.size > MAX_VALUE_BYTES) throw tooLarge(path);
      const buffer = Buffer.alloc(MAX_VALUE_BYTES + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > MAX_VALUE_BYTES) throw tooLarge(path);
      }
      return buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `cannot read --value-file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'give a readable file, or - to read the value from stdin',
    );
  }
}

export function normalizeValue(raw: Buffer, source: string): ValueInput {
  let text = raw.toString('utf8');
  if (Buffer.compare(Buffer.from(text, 'utf8'), raw) !== 0) {
    throw new UsageError(
      `the value in ${source} is not valid UTF-8; nothing was changed`,
      'Secrets Manager string secrets are UTF-8: store binary data base64-encoded',
    );
  }
  let strippedNewline = false;
  if (text.endsWith('\r\n')) {
    text = text.slice(0, -2);
    strippedNewline = true;
  } else if (text.endsWith('\n')) {
    text = text.slice(0, -1);
    strippedNewline = true;
  }
  if (text.length === 0)
    throw new UsageError(
      `the value in ${source} is empty${strippedNewline ? ' (only a newline)' : ''}; nothing was changed`,
      'write the value into the file (or pipe it to stdin with --value-file -)',
    );
  return { value: text, strippedNewline, source };
}

async function readStream(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    length += buffer.length;
    if (length > MAX_VALUE_BYTES) throw tooLarge('stdin');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(source: string): UsageError {
  return new UsageError(
    `the value in ${source} is larger than ${MAX_VALUE_BYTES} bytes; nothing was changed`,
    'Secrets Manager secrets hold at most 64 KiB',
  );
}
