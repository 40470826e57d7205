import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTenantCommands } from '../../../src/lib/tenant-secret-delivery/tenant-script.js';
import { fingerprintOf } from '../../../src/lib/output/fingerprint.js';
import { createSecret } from '../../../src/sandbox/aws/secrets-store.js';
import { simulateTenantProvisionCall } from '../../../src/sandbox/cp/simulate-tenant.js';
import { getModelledHost } from '../../../src/sandbox/hosts/modelled-hosts.js';
import type { SandboxState, SimInstance } from '../../../src/sandbox/state.js';
import { startSandboxFixture } from '../../helpers/sandbox-fixture.js';

/**
 * The sandbox's modelled mode (benchmarks only) answers SSM with what scripts/tenant-cp-secret.sh
 * would print, without bash. It is only worth its figures if it agrees with the real script: the
 * same fleet, planned and applied in both modes, must give the same plan, the same per-tenant
 * outcomes and the same ledger (ids, times and the per-sandbox secret aside). A change to the
 * script that the model (src/sandbox/hosts/model-cp-secret-script.ts) does not follow fails here.
 */

const APPLY = [
  '--env',
  'sandbox',
  'migrate',
  'cp-secret',
  'apply',
  '--yes',
  '--soak',
  '0',
  '--health-timeout',
  '5s',
  '--max-errors',
  '3',
  '--waves',
  '2,100%',
];

function tenantOf(state: SandboxState, slug: string): SimInstance {
  return state.instances.get(state.orgs.get(slug)!.tenantInstanceId!)!;
}

async function runScenario(hostMode: 'real' | 'modelled') {
  // acme..epsilon pre-cutover; zeta, eta, theta post-cutover: beta offline, gamma's docker broken,
  // delta without a container, zeta holding an older value; epsilon started with settings of its
  // own, acme with compose's --mount entries (carried), theta sharing the host's PID namespace (not carried).
  const f = await startSandboxFixture({
    tenants: 8,
    preCutover: 5,
    seed: 5,
    hostMode,
    faults: 'offline=beta,docker-fail=gamma,container-config=epsilon,compose-mounts=acme,container-pid-host=theta',
  });
  try {
    const { state } = f.sandbox;
    if (hostMode === 'real') {
      await f.sandbox.hosts.runScript(tenantOf(state, 'delta'), 'docker rm -f molecule-tenant', {
        timeoutSeconds: 30,
        commandId: 'setup-delta',
      });
    } else {
      getModelledHost(state, tenantOf(state, 'delta')).containers.delete('molecule-tenant');
    }
    const old = createSecret(state, 'molecule/cp/previous-shared-secret', 'an-older-shared-secret-value-0000');
    const stale = renderTenantCommands({
      mode: 'apply',
      containerName: 'molecule-tenant',
      cpUrl: f.sandbox.url,
      expectedFingerprint: fingerprintOf(old.versions[0]!.value),
      delivery: 'secrets-manager',
      secretArn: old.arn,
      secretVersionId: old.versions[0]!.versionId,
      runId: 'setup',
      healthTimeoutSeconds: 5,
    });
    expect(
      (
        await f.sandbox.hosts.runScript(tenantOf(state, 'zeta'), stale.join('\n'), {
          timeoutSeconds: 60,
          commandId: 'setup-zeta',
        })
      ).exitCode,
    ).toBe(0);

    const planFile = join(f.stateDir, 'plan.json');
    const plan = await f.molectl(['migrate', 'cp-secret', 'plan', '--out', planFile, '-o', 'json']);
    const apply = await f.molectl([...APPLY, '--plan', planFile, '-o', 'json']);
    const soak = await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json']);
    const runId = (JSON.parse(apply.stdout) as { run: string }).run;
    const rollback = await f.molectl([
      '--env',
      'sandbox',
      'migrate',
      'cp-secret',
      'rollback',
      runId,
      '--orgs',
      'acme,zeta',
      '--yes',
      '-o',
      'json',
    ]);
    const afterRollback = await f.molectl(['migrate', 'cp-secret', 'plan', '-o', 'json']);
    const fingerprints: Record<string, string> = {
      [JSON.parse(plan.stdout).secret.fingerprint as string]: '<current>',
      [fingerprintOf(old.versions[0]!.value)]: '<older>',
    };
    const normal = (text: string): unknown =>
      JSON.parse(
        text
          .replace(/sha256:[0-9a-f]{12}/g, (fp) => fingerprints[fp] ?? '<other>')
          .replaceAll(f.sandbox.url, '<sandbox>')
          .replace(/\d{8}T\d{6}Z-[a-z-]+-[0-9a-f]{4}/g, '<run>')
          .replace(/ #[0-9a-f]{6}"/g, ' #<batch>"'),
      );
    const runs = join(f.stateDir, 'runs');
    const ledger = normal(readFileSync(join(runs, `${runId}.json`), 'utf8')) as {
      status: string;
      targets: Record<string, Record<string, unknown>>;
      events: Array<{ level: string; target?: string; message: string }>;
    };
    const provision: Record<string, number> = {};
    for (const slug of state.orgs.keys()) provision[slug] = await simulateTenantProvisionCall(state, slug);
    return {
      codes: [plan.code, apply.code, soak.code, rollback.code, afterRollback.code],
      plan: (normal(plan.stdout) as { targets: Array<Record<string, unknown>> }).targets.map(
        ({ slug, class: cls, reason, probe }) => ({ slug, cls, reason, probe }),
      ),
      apply: (normal(apply.stdout) as { status: string; targets: Array<Record<string, unknown>> }).targets.map(
        ({ slug, action, state: s, class: cls }) => ({ slug, action, state: s, cls }),
      ),
      ledger: {
        status: ledger.status,
        targets: Object.fromEntries(
          Object.entries(ledger.targets).map(([slug, t]) => {
            const {
              containerId: _c,
              instanceId: _i,
              dispatchedAt: _d,
              ...detail
            } = t['detail'] as Record<string, unknown>;
            return [
              slug,
              {
                state: t['state'],
                outcome: t['outcome'],
                attempts: t['attempts'],
                error: (t['error'] as { message?: string } | undefined)?.message,
                detail,
              },
            ];
          }),
        ),
        events: ledger.events.map(
          (e) =>
            `${e.level} ${e.target ?? ''} ${e.message.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').replace(/\/molectl\/[^ ]+/g, '<param>')}`,
        ),
      },
      replan: (normal(soak.stdout) as { targets: Array<Record<string, unknown>> }).targets.map(
        ({ slug, class: cls }) => ({ slug, cls }),
      ),
      rollback: (normal(rollback.stdout) as { targets?: Array<Record<string, unknown>> }).targets?.map(
        ({ slug, action, state: s }) => ({ slug, action, state: s }),
      ),
      afterRollback: (normal(afterRollback.stdout) as { targets: Array<Record<string, unknown>> }).targets.map(
        ({ slug, class: cls, probe }) => ({ slug, cls, probe }),
      ),
      provision,
    };
  } finally {
    await f.stop();
  }
}

describe('modelled hosts', { timeout: 180_000 }, () => {
  it('give the same plan, per-tenant outcomes and ledger as the real script under bash', async () => {
    const real = await runScenario('real');
    const modelled = await runScenario('modelled');
    // The scenario means something: apply was partial (gamma rolled back), the rest migrated;
    // the plans are partial too (exit 5: beta cannot be probed), the rollback whole.
    expect(real.codes).toEqual([5, 5, 5, 0, 5]);
    expect(real.apply.find((t) => t.slug === 'gamma')).toMatchObject({ action: 'rolled-back' });
    expect(real.apply.filter((t) => t.action === 'migrated').map((t) => t.slug)).toEqual(['acme', 'epsilon', 'zeta']);
    expect(modelled).toEqual(real);
  });
});
