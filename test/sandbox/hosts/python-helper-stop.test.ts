import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startPythonHelper } from '../../../src/sandbox/hosts/start-python-helper.js';

/**
 * The warm python3 helper announces its port a moment after the sandbox starts. A sandbox stopped
 * in that moment removed its directory, and the announcement read afterwards was written into it:
 * an uncaught ENOENT in the process running the sandbox (about 1 stop in 150 at 40-80 ms after
 * start). Made certain here: a stand-in interpreter announces at once, the event loop is held
 * while it does, and stop() comes before the announcement is read.
 */

const dir = mkdtempSync(join(tmpdir(), 'molectl-pyhelper-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the python helper after stop()', () => {
  it('an announcement still in the pipe when the sandbox stops is never acted on', async () => {
    const fake = join(dir, 'python3');
    writeFileSync(fake, '#!/bin/sh\necho 41234\nexec sleep 5\n');
    chmodSync(fake, 0o755);
    const announcements: number[] = [];
    const helper = startPythonHelper(fake, (port) => announcements.push(port));
    // Holds the event loop while the stand-in writes its port: the data waits in the pipe.
    execFileSync('sleep', ['0.5']);
    helper.stop();
    await sleep(200);
    expect(announcements).toEqual([]);
  });

  it('a helper not stopped is announced (the stand-in works)', async () => {
    const fake = join(dir, 'python3-ok');
    writeFileSync(fake, '#!/bin/sh\necho 41235\nexec sleep 5\n');
    chmodSync(fake, 0o755);
    const announcements: number[] = [];
    const helper = startPythonHelper(fake, (port) => announcements.push(port));
    for (let i = 0; i < 100 && announcements.length === 0; i++) await sleep(20);
    helper.stop();
    expect(announcements).toEqual([41235]);
  });
});
