import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/lib/clock.js';
import { systemClock } from '../../src/lib/clock.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { startSandboxFixture, type SandboxFixture } from '../helpers/sandbox-fixture.js';

// A resume that finds a command of the interrupted run still running on a host, and waits for it
// in vain, must not send that host the script a second time: its outcome is unknown (exit 5),
// and a later resume collects it.

const APPLY = ['--env', 'sandbox', 'migrate', 'cp-secret', 'apply', '--yes', '--soak', '0', '--health-timeout', '5s'];

interface LedgerDoc {
  status: string;
  targets: Record<string, { state: string; outcome?: string; remoteIds: Record<string, string> }>;
}

function readLedger(stateDir: string): LedgerDoc | undefined {
  const dir = join(stateDir, 'runs');
  let name: string | undefined;
  try {
    name = readdirSync(dir).find((n) => n.endsWith('.json'));
  } catch {
    return undefined; // not created yet
  }
  return name ? (JSON.parse(readFileSync(join(dir, name), 'utf8')) as LedgerDoc) : undefined;
}

function applyDispatches(state: SandboxState, slug: string): number {
  const instanceId = state.orgs.get(slug)!.tenantInstanceId!;
  return state.requests.filter(
    (r) => r.action === 'SendCommand' && r.body.includes("MOLECTL_MODE='apply'") && r.body.includes(instanceId),
  ).length;
}

/** Real time, but every wait passes at once: a resume's wait for the host timeout + 60 s takes a blink. */
function hurriedClock(): Clock {
  let ahead = 0;
  return {
    now: () => new Date(Date.now() + ahead),
    sleep: async (ms, signal) => {
      ahead += ms;
      await systemClock.sleep(5, signal);
    },
  };
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a resume whose wait for an earlier command runs out', { timeout: 120_000 }, () => {
  let f: SandboxFixture;
  beforeAll(async () => {
    f = await startSandboxFixture({ tenants: 3, preCutover: 3, faults: 'host-work=200ms,slow=gamma:12s' });
  });
  afterAll(() => f.stop());

  it('does not send that host the script again: outcome unknown (exit 5), collected by the next resume', async () => {
    const { state } = f.sandbox;
    const controller = new AbortController();
    const stopped = waitFor(() => {
      const t = readLedger(f.stateDir)?.targets;
      return t?.beta?.state === 'succeeded' && t.gamma?.state === 'in-progress' && !!t.gamma.remoteIds.commandId;
    }, 'the wave to reach gamma').then(() => controller.abort());
    const interrupted = await f.molectl([...APPLY, '--waves', '100%'], { signal: controller.signal });
    await stopped;
    expect(interrupted.code).toBe(130);
    const runId = /cp-secret resume (\S+)/.exec(interrupted.stderr)![1]!;
    const commandId = readLedger(f.stateDir)!.targets.gamma!.remoteIds.commandId;

    const resumed = await f.molectl(['--env', 'sandbox', 'migrate', 'cp-secret', 'resume', runId, '--yes'], {
      overrides: { clock: hurriedClock() },
    });
    expect(resumed.code, resumed.stderr).toBe(5);
    expect(resumed.stderr).toMatch(/outcome unknown: gamma was still running the command sent before the resume/);
    expect(applyDispatches(state, 'gamma')).toBe(1);
    const after = readLedger(f.stateDir)!;
    expect(after.status).toBe('partial');
    expect(after.targets.gamma).toMatchObject({ state: 'in-progress', outcome: 'unknown', remoteIds: { commandId } });

    // Once gamma's command has ended, the next resume records its result and sends nothing.
    await waitFor(
      () => !!state.commands.get(commandId!)?.invocations.every((i) => !['Pending', 'InProgress'].includes(i.status)),
      "gamma's first command to end",
    );
    const again = await f.molectl(['--env', 'sandbox', 'migrate', 'cp-secret', 'resume', runId, '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(applyDispatches(state, 'gamma')).toBe(1);
    expect(readLedger(f.stateDir)!.targets.gamma).toMatchObject({ state: 'succeeded', outcome: 'migrated' });
  });
});
