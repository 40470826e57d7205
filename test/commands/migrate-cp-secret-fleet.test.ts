import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateTenantProvisionCall } from '../../src/sandbox/cp/simulate-tenant.js';
import type { SandboxState, SimCommand } from '../../src/sandbox/state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

/**
 * --max-concurrency above 50 against the sandbox, real script under bash on every host: more than
 * 50 hosts work at once (two SSM commands in flight), SSM's rate limits are met (the sandbox
 * answers ThrottlingException past them) and survived, the canary is still first and alone, and
 * the error budget still stops the run before the next wave.
 */

const TENANTS = 55;

function applyCommands(state: SandboxState): SimCommand[] {
  return [...state.commands.values()].filter((c) => c.commands.some((line) => line.includes("MOLECTL_MODE='apply'")));
}

/** Most apply invocations running at one instant. */
function maxRunning(commands: SimCommand[]): number {
  const edges = commands.flatMap((c) =>
    c.invocations
      .filter((i) => i.startedAt)
      .flatMap(
        (i) =>
          [
            [i.startedAt!.getTime(), 1],
            [(i.finishedAt ?? new Date()).getTime(), -1],
          ] as const,
      ),
  );
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (running += d));
  return max;
}

describe('a fleet wave wider than one SSM command', { timeout: 240_000 }, () => {
  let f: SandboxFixture;
  let slugs: string[];
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: TENANTS, preCutover: TENANTS, seed: 3 });
    slugs = [...f.sandbox.state.orgs.keys()];
  });
  afterAll(() => f.stop());

  it('runs more than 50 hosts at once within SSM rate limits, canary first, and stops at the budget', async () => {
    const { state } = f.sandbox;
    const planFile = join(f.stateDir, 'plan.json');
    expect((await f.molectl(['migrate', 'cp-secret', 'plan', '--out', planFile, '-q'])).code).toBe(0);
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as { targets: Array<{ slug: string; instanceId: string }> };
    const order = plan.targets.map((t) => t.slug);
    // Canary order[0]; wave 1 = the next 52 (two of them with a broken docker); wave 2 = the last 2.
    const broken = [order[10]!, order[20]!];
    const lastWave = order.slice(53);
    // Slow enough that the wave's hosts overlap; rate limits low enough that they are met.
    state.faults = {
      ...state.faults,
      hostWorkMs: 1500,
      dockerFailHosts: broken,
      apiRates: { SendCommand: { perSecond: 5, burst: 5 }, ListCommandInvocations: { perSecond: 1, burst: 1 } },
    };
    const since = state.requests.length;

    const r = await f.molectl([
      '--env',
      'sandbox',
      'migrate',
      'cp-secret',
      'apply',
      '--plan',
      planFile,
      '--yes',
      '--soak',
      '0',
      '--health-timeout',
      '10s',
      '--waves',
      '52,100%',
      '--max-errors',
      '1',
      '--max-concurrency',
      '60',
      '-o',
      'json',
    ]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { status: string; targets: Array<{ slug: string; action: string }> };
    expect(doc.status).toBe('aborted');
    const action = Object.fromEntries(doc.targets.map((t) => [t.slug, t.action]));

    // More than 50 hosts at once: the wave went out as two commands in flight together.
    const commands = applyCommands(state);
    expect(commands[0]!.invocations.map((i) => i.instanceId)).toEqual([plan.targets[0]!.instanceId]);
    expect(commands.slice(1).map((c) => c.invocations.length)).toEqual([50, 2]);
    expect(maxRunning(commands.slice(1))).toBeGreaterThan(50);

    // SSM's rate limits were met, and throttled calls were retried, not counted as failures.
    const throttled = state.requests
      .slice(since)
      .filter((q) => q.status === 400 && ['SendCommand', 'ListCommandInvocations'].includes(q.action));
    expect(throttled.length).toBeGreaterThan(0);

    // The canary went alone and finished before any wave was sent.
    const canaryDone = commands[0]!.invocations[0]!.finishedAt!.getTime();
    expect(commands.slice(1).every((c) => c.requestedAt.getTime() >= canaryDone)).toBe(true);
    expect(action[order[0]!]).toBe('migrated');

    // The budget: two failures > --max-errors 1 after wave 1; wave 2 never started.
    expect(broken.map((s) => action[s])).toEqual(['rolled-back', 'rolled-back']);
    expect(
      order
        .slice(1, 53)
        .filter((s) => !broken.includes(s))
        .every((s) => action[s] === 'migrated'),
    ).toBe(true);
    expect(lastWave.map((s) => action[s])).toEqual(lastWave.map(() => 'untouched'));
    for (const slug of lastWave) expect(await simulateTenantProvisionCall(state, slug)).toBe(401);
    expect(await simulateTenantProvisionCall(state, order[1]!)).toBe(201);
    expect(slugs).toHaveLength(TENANTS);
  });
});
