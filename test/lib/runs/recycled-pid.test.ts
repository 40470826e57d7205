import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { acquireFleetLock } from '../../../src/lib/runs/fleet-lock.js';
import { localLockPath } from '../../../src/lib/runs/local-lock.js';
import { lockRun } from '../../../src/lib/runs/lock-run.js';
import { readProcessStart } from '../../../src/lib/runs/process-owner.js';
import { RunStore } from '../../../src/lib/runs/run-store.js';
import { createFakeParameterStore } from './fake-parameter-store.js';
import { createManualClock } from './manual-clock.js';
import { testEnvironment } from '../../helpers/environment.js';

// A run killed outright, then the machine restarted (a laptop, a CI runner's container): the pid
// its ledger and locks name is soon another process's. Before, that process read as the owner,
// alive: resume was refused ("still running") and its locks held, with no way out but editing
// files. The owner's start (boot id + start time) now tells the two apart, where /proc can.

const OPERATION = 'migrate cp-secret';
const PREFIX = '/molectl/staging';
const linux = existsSync('/proc/sys/kernel/random/boot_id');

let stateDir: string;
let store: RunStore;
let other: ChildProcess;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'molectl-recycled-'));
  store = new RunStore({ stateDir, clock: createManualClock(), redactor: new Redactor() });
  // Alive, on this host, with the pid the dead owner had: what a recycled pid looks like.
  other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  await new Promise((resolve) => other.once('spawn', resolve));
});
afterEach(async () => {
  other.kill('SIGKILL');
  await rm(stateDir, { recursive: true, force: true });
});

/** The start a process that had this pid before would have had: same boot, another time. */
function earlierStart(pid: number): string {
  const [boot] = readProcessStart(pid)!.split('/');
  return `${boot}/1`;
}

async function ledgerOwnedBy(owner: Record<string, unknown>): Promise<string> {
  const ledger = await store.create({
    command: 'migrate cp-secret apply',
    environment: testEnvironment({ name: 'staging' }),
    targets: ['acme'],
  });
  const doc = JSON.parse(await readFile(ledger.path, 'utf8'));
  doc.owner = { ...doc.owner, ...owner };
  await writeFile(ledger.path, JSON.stringify(doc));
  return ledger.id;
}

describe.skipIf(!linux)('an owner whose pid now belongs to another process', () => {
  it('resume claims the run: the owner is dead, whatever holds its pid now', async () => {
    const pid = other.pid!;
    const id = await ledgerOwnedBy({ pid, hostname: hostname(), processStart: earlierStart(pid) });
    const ledger = await store.load(id);
    await ledger.claim();
    expect(ledger.document.owner.pid).toBe(process.pid);
    expect(ledger.document.events.at(-1)?.message).toMatch(new RegExp(`\\(was running, owner .* pid ${pid}\\)$`));
  });

  it('the process that really owns it still counts as alive', async () => {
    const pid = other.pid!;
    const id = await ledgerOwnedBy({ pid, hostname: hostname(), processStart: readProcessStart(pid)! });
    await expect((await store.load(id)).claim()).rejects.toThrow(`is still running (pid ${pid} on ${hostname()}`);
  });

  it("its local and fleet locks are taken over with a notice, as a dead holder's are", async () => {
    const pid = other.pid!;
    const processStart = earlierStart(pid);
    await mkdir(store.lockDir, { recursive: true });
    await writeFile(
      localLockPath({ lockDir: store.lockDir, environment: 'staging', operation: OPERATION }),
      JSON.stringify({ pid, hostname: hostname(), runId: 'run-killed', user: 'alice', acquiredAt: 'x', processStart }),
    );
    const params = createFakeParameterStore();
    const clock = createManualClock();
    await acquireFleetLock({
      store: params,
      parameterPrefix: PREFIX,
      operation: OPERATION,
      runId: 'run-killed',
      clock,
      identity: { pid, hostname: hostname(), user: 'alice', processStart },
    });
    const ledger = await store.create({
      command: 'migrate cp-secret apply',
      environment: testEnvironment({ name: 'staging' }),
      targets: ['acme'],
    });
    const warnings: string[] = [];
    const locks = await lockRun({
      runs: store,
      ledger,
      environment: 'staging',
      operation: OPERATION,
      fleet: { store: params, parameterPrefix: PREFIX, clock },
      breakLock: false,
      onWarning: (m) => warnings.push(m),
    });
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^took over the local lock .* from run run-killed \\(pid ${pid} on .*\\), which is no longer running$`,
        ),
      ),
      expect.stringMatching(
        /^took over the fleet lock .* from run run-killed .*which is no longer running on this host$/,
      ),
    ]);
    await locks.release();
  });
});
