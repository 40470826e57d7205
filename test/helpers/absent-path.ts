import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Paths and ports tests use as "nothing there", made fresh instead of assumed: a machine may
 * well have a /nonexistent, and a fixed port may be taken.
 */

let emptyDir: string | undefined;

/** A path inside a directory this test process made and never writes to: certainly absent. */
export function absentPath(name = 'absent'): string {
  emptyDir ??= mkdtempSync(join(tmpdir(), 'molectl-absent-'));
  return join(emptyDir, name);
}

/** A loopback port nothing listened on a moment ago (the OS picked it, then it was closed). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}
