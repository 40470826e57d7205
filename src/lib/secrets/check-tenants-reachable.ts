import type { Context } from '../context.js';
import { whyUnmanaged } from '../cp-secret-migration/classify-tenant.js';
import { discoverTenants } from '../cp-secret-migration/plan-migration.js';
import { MolectlError } from '../errors.js';
import type { SecretConsumer } from './secret-consumer.js';
import { formatCount } from '../output/format-count.js';

/**
 * Before anything changes: the tenants that SSM already shows out of reach (agent not Online, not
 * registered, or an org with two running tenant instances). The tenants step cannot set or see
 * them, and more of them than `--accept-unreachable` fails it; found only there, it failed after
 * the consumers before it were changed (the CP's Railway variable, a redeploy of the CP) and had
 * to put them back, with tenant provisioning failing meanwhile. A read finds them now. A probe
 * that fails on a host that is Online can only be found by probing: that still fails the step later.
 */
export async function checkTenantsReachable(
  ctx: Context,
  consumers: SecretConsumer[],
  acceptUnreachable: number,
): Promise<void> {
  if (!consumers.some((c) => c.kind === 'tenants-env')) return;
  const step = ctx.out.step("checking the tenants' SSM agents");
  let fleet: Awaited<ReturnType<typeof discoverTenants>>;
  let agents: Awaited<ReturnType<Context['aws']['describeManagedInstances']>>;
  try {
    fleet = await discoverTenants(ctx);
    agents = await ctx.aws.describeManagedInstances(fleet.tenants.map((t) => t.instanceId));
  } catch (error) {
    step.fail("could not check the tenants' SSM agents");
    throw error;
  }
  const managed = new Map(agents.map((m) => [m.instanceId, m]));
  const unreachable = [
    ...fleet.tenants.flatMap((t) => {
      const why = whyUnmanaged(managed.get(t.instanceId));
      return why === null ? [] : [`${t.slug} (${why})`];
    }),
    ...fleet.duplicateInstances.map((d) => `${d.slug} (${d.instanceIds.length} running tenant instances)`),
  ];
  const n = unreachable.length;
  const counted = formatCount(fleet.tenants.length, 'tenant');
  if (n <= acceptUnreachable) {
    step.succeed(
      `${counted}: ${n === 0 ? 'every SSM agent online' : `${n} out of reach, accepted (--accept-unreachable)`}`,
    );
    return;
  }
  step.fail(`${counted}: ${n} out of reach`);
  throw new MolectlError(
    `${formatCount(n, 'tenant')} cannot be reached: ${unreachable.join(', ')}; accepted up front: ${acceptUnreachable} (--accept-unreachable); nothing was changed`,
    {
      hint: `bring them back (\`molectl fleet audit --checks agent-offline\`), or pass --accept-unreachable ${n} to leave them behind: they keep the old value, and their provisioning calls fail until \`molectl migrate cp-secret apply\` gives them the new one`,
    },
  );
}
