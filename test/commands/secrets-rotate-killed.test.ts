import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { readTenantContainer } from '../../src/sandbox/hosts/tenant-container.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { absentPath } from '../helpers/absent-path.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';
import { BIN } from '../helpers/spawn-cli.js';

// A rotation killed (SIGKILL) while its tenant step's apply run has commands on hosts: the
// rotation's --resume must take that apply run over (collect what it sent, close it), not leave it
// "running, owner dead" for ever, and not send its hosts the script a second time.

const SHARED_ID = 'molecule/cp/provision-shared-secret';
const ROTATE = ['--env', 'sandbox', '--yes', 'secrets', 'rotate', 'cp-shared-secret', '--soak', '0'];

interface LedgerDoc {
  id: string;
  command: string;
  status: string;
  targets: Record<string, { state: string; remoteIds: Record<string, string> }>;
}

function readLedgers(stateDir: string): LedgerDoc[] {
  const dir = join(stateDir, 'runs');
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as LedgerDoc);
  } catch {
    return []; // not created yet, or caught mid-rename
  }
}

function applyDispatches(state: SandboxState, slug: string): number {
  const instanceId = state.orgs.get(slug)!.tenantInstanceId!;
  return state.requests.filter(
    (r) => r.action === 'SendCommand' && r.body.includes("MOLECTL_MODE='apply'") && r.body.includes(instanceId),
  ).length;
}

/** Starts the rotation in a process of its own and SIGKILLs it once its tenant wave's commands are out. */
async function killInTenantWave(f: SandboxFixture): Promise<void> {
  // bin/molectl.js runs dist/: `npm test` builds first.
  const child = spawn(process.execPath, [BIN, ...ROTATE], {
    env: { ...f.env, ...deployServicesEnv(), PATH: process.env.PATH, MOLECTL_CONFIG: absentPath() },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let childStderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (childStderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 120_000;
  // Killed once the canary is done and the wave's commands are out, their ids on disk.
  for (;;) {
    const apply = readLedgers(f.stateDir).find((l) => l.command === 'migrate cp-secret apply');
    const wave = Object.values(apply?.targets ?? {}).filter((t) => t.state === 'in-progress');
    if (wave.length > 0 && wave.every((t) => t.remoteIds.commandId)) break;
    if (Date.now() > deadline)
      throw new Error(`the rotation never reached its tenant wave; its stderr:\n${childStderr}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  await exited;
}

describe('a rotation killed in its tenant step', { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 3, preCutover: 0, faults: 'host-work=1500ms' });
  });
  afterAll(() => f.stop());

  it('is resumed: the tenant apply run is collected and closed, no host gets the script twice', async () => {
    const { state } = f.sandbox;
    await killInTenantWave(f);
    const killed = readLedgers(f.stateDir).find((l) => l.command === 'migrate cp-secret apply')!;
    expect(killed.status).toBe('running');

    // A power cut cut the rotation's ledger short: it is not taken for absent (a resume would set
    // every consumer again without collecting the tenant step first). Exit 1, nothing changed.
    const rotation = readLedgers(f.stateDir).find((l) => l.command === 'secrets rotate')!;
    const mark = state.requests.length;
    // The tenant step is the rotation's to continue: not resumed on its own, nor shown as resumable.
    const alone = await f.molectl(['--env', 'sandbox', '--yes', 'migrate', 'cp-secret', 'resume', killed.id]);
    expect(alone.code, alone.stderr).toBe(2);
    expect(alone.stderr).toContain(
      `error: run ${killed.id} is the tenant step of run ${rotation.id}, which continues it; nothing was changed\n` +
        'hint: continue with `molectl secrets rotate cp-shared-secret --resume`',
    );
    const shown = await f.molectl(['runs', 'show', killed.id, '-o', 'json']);
    expect((JSON.parse(shown.stdout) as { summary: { resumable: boolean } }).summary.resumable).toBe(false);

    const rotationPath = join(f.stateDir, 'runs', `${rotation.id}.json`);
    const whole = readFileSync(rotationPath, 'utf8');
    writeFileSync(rotationPath, whole.slice(0, Math.floor(whole.length / 2)));
    for (const how of ['--resume', '--abort-pending']) {
      const refused = await f.molectl([...ROTATE, how], { env: deployServicesEnv() });
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr).toContain(`error: run ledger ${rotationPath} is unreadable: not valid JSON (`);
      expect(refused.stderr).toMatch(/nothing was changed\nhint: to go on without it, move it aside/);
    }
    const changes = state.requests
      .slice(mark)
      .filter(
        (q) =>
          /SendCommand|PutSecretValue|UpdateSecretVersionStage/.test(q.action) ||
          (q.service === 'railway' && /\bmutation\b/.test(q.body)),
      );
    expect(changes).toEqual([]);
    writeFileSync(rotationPath, whole);

    const resumed = await f.molectl([...ROTATE, '--resume'], { env: deployServicesEnv() });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/collect(ing|ed) .*interrupted run/);
    // No run is left running with its owner dead: `runs list` would show it for ever.
    const listed = await f.molectl(['runs', 'list', '-o', 'json']);
    const runs = (JSON.parse(listed.stdout) as { runs: Array<{ id: string; status: string }> }).runs;
    expect(runs.filter((r) => r.status === 'running')).toEqual([]);
    expect(runs.find((r) => r.id === killed.id)!.status).not.toBe('running');
    const fresh = state.secrets.get(SHARED_ID)!.versions.find((v) => v.stages.includes('AWSCURRENT'))!.value;
    for (const slug of ['acme', 'beta', 'gamma']) {
      const instance = state.instances.get(state.orgs.get(slug)!.tenantInstanceId!)!;
      expect(readTenantContainer(state, instance)?.env.MOLECULE_CP_SHARED_SECRET, slug).toBe(fresh);
      // Sent once: by the killed rotation's apply run, or by the resume's.
      expect(applyDispatches(state, slug), slug).toBe(1);
    }
  });
});

describe("a rotation killed before it recorded its tenant step's run id", { timeout: 180_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 3, preCutover: 0, faults: 'host-work=1500ms' });
  });
  afterAll(() => f.stop());

  it('finds that run by the rotation it names, and collects and closes it before going on', async () => {
    const { state } = f.sandbox;
    await killInTenantWave(f);
    // On disk as a kill between creating the apply run and recording its id leaves it.
    const rotation = readLedgers(f.stateDir).find((l) => l.command === 'secrets rotate')!;
    const path = join(f.stateDir, 'runs', `${rotation.id}.json`);
    const doc = JSON.parse(readFileSync(path, 'utf8')) as LedgerDoc;
    for (const target of Object.values(doc.targets)) delete target.remoteIds.applyRun;
    writeFileSync(path, JSON.stringify(doc));
    const killed = readLedgers(f.stateDir).find((l) => l.command === 'migrate cp-secret apply')!;

    const resumed = await f.molectl([...ROTATE, '--resume'], { env: deployServicesEnv() });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readLedgers(f.stateDir).find((l) => l.id === killed.id)!.status).not.toBe('running');
    for (const slug of ['acme', 'beta', 'gamma']) expect(applyDispatches(state, slug), slug).toBe(1);
  });
});
