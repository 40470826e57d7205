import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/lib/clock.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { RunStore } from '../../../src/lib/runs/run-store.js';
import { summarizeRun } from '../../../src/lib/runs/summarize-run.js';

// The child runs the built store from dist/ (`npm test` builds first), as molectl itself would.
const DIST_STORE = new URL('../../../dist/lib/runs/run-store.js', import.meta.url).href;

let stateDir: string;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'molectl-killed-'));
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

/** Starts a run in another process that records some progress, then waits to be killed. */
function startRunInChild(): Promise<{ id: string; kill(): Promise<void> }> {
  const script = `
    const { RunStore } = await import(${JSON.stringify(DIST_STORE)});
    const { systemClock } = await import(${JSON.stringify(DIST_STORE.replace('runs/run-store.js', 'clock.js'))});
    const { Redactor } = await import(${JSON.stringify(DIST_STORE.replace('runs/run-store.js', 'output/redactor.js'))});
    const store = new RunStore({ stateDir: ${JSON.stringify(stateDir)}, clock: systemClock, redactor: new Redactor() });
    const keys = Array.from({ length: 50 }, (_, i) => 'org-' + i);
    const ledger = await store.create({ command: 'migrate cp-secret apply', environment: { name: 'sandbox' }, targets: keys });
    await Promise.all(keys.slice(0, 20).map((k) => ledger.updateTarget(k, { state: 'succeeded', outcome: 'migrated' })));
    await ledger.updateTarget('org-20', { state: 'in-progress', remoteIds: { ssmCommandId: 'cmd-20' } });
    process.stdout.write(ledger.id + '\\n');
    setInterval(() => { void ledger.recordEvent('still working'); }, 1);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) =>
      resolve({
        id: chunk.toString().trim(),
        kill: async () => {
          child.kill('SIGKILL');
          await exited;
        },
      }),
    );
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
}

describe('a run killed with SIGKILL mid-write', () => {
  it('leaves a readable ledger that shows as "running, owner dead" and can be resumed from where it was', async () => {
    const child = await startRunInChild();
    // It is killed while rewriting its ledger in a tight loop: the file must still be whole.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await child.kill();

    const store = new RunStore({ stateDir, clock: systemClock, redactor: new Redactor() });
    const listing = await store.list();
    expect(listing.skipped).toEqual([]);
    expect(summarizeRun(listing.runs[0]!, new Date())).toMatchObject({
      id: child.id,
      displayStatus: 'running, owner dead',
      resumable: true,
    });

    const ledger = await store.load(child.id);
    expect(ledger.unfinishedTargets()).toHaveLength(30);
    expect(ledger.target('org-20')).toMatchObject({ state: 'in-progress', remoteIds: { ssmCommandId: 'cmd-20' } });
    await ledger.claim();
    expect((await store.list()).runs[0]!.owner.pid).toBe(process.pid);
  });
});
