import { formatDuration } from '../output/table.js';
import type { ManagedSecret } from './managed-secret.js';
import { acceptsTwoValues, type SecretConsumer } from './secret-consumer.js';

/**
 * What `secrets rotate` and `secrets rollback` will do, shown before the typed confirmation and
 * included in the JSON result. Pure.
 */

export type RotationMode = 'rotate' | 'resume' | 'abort-pending' | 'rollback';

export interface RotationPlan {
  mode: RotationMode;
  secret: string;
  secretId: string;
  steps: string[];
  consumers: string[];
  /** Null when no window exists (a single consumer, or all accept two values). */
  impactWindow: string | null;
  overlap: string;
}

export interface RotationPlanInput {
  mode: RotationMode;
  secret: ManagedSecret;
  from: { versionId: string; fingerprint: string };
  /** The version consumers move to; null for a rotation that has yet to create it. */
  to: { versionId: string; fingerprint: string } | null;
  /** Consumers a resume will skip (already done by the earlier run). */
  done: string[];
  overlapMs: number;
  soakMs: number;
  deployTimeoutMs: number;
  bytes: number;
}

export function planRotation(input: RotationPlanInput): RotationPlan {
  const { secret, mode } = input;
  const to = input.to ? `${input.to.versionId} (${input.to.fingerprint})` : null;
  const from = `${input.from.versionId} (${input.from.fingerprint})`;
  const consumers = secret.consumers.map((c) => c.ref);
  const steps: string[] = [];
  const each = (verb: string): string[] =>
    secret.consumers.map(
      (c, i) =>
        `${i + 1}. ${input.done.includes(c.ref) ? `${c.ref}: done by the earlier run, skipped` : `${verb} ${describeConsumerStep(c)}`}`,
    );
  if (mode === 'rotate' || mode === 'resume') {
    steps.push(
      mode === 'resume'
        ? `create: reuse the AWSPENDING version ${to} (same ClientRequestToken)`
        : `create: a new value (${input.bytes} random bytes as hex) as AWSPENDING, with the run id as ClientRequestToken`,
    );
    steps.push('set and test, in order:', ...each('set to AWSPENDING, then test:'));
    steps.push(`finish: move AWSCURRENT to the new version; ${from} becomes AWSPREVIOUS; AWSPENDING is removed`);
    steps.push(
      'on any failure before finish: every touched consumer is put back on AWSCURRENT (in the configured order) and AWSPENDING is removed',
    );
  } else if (mode === 'abort-pending') {
    steps.push(
      `put the consumers the earlier run touched back on AWSCURRENT ${from}, in the configured order:`,
      ...each('put back:'),
    );
    steps.push(`remove AWSPENDING from ${to}`);
  } else {
    steps.push(`set and test, in order, on AWSPREVIOUS ${to}:`, ...each('set to AWSPREVIOUS, then test:'));
    steps.push(`finish: move AWSCURRENT back to ${to}; ${from} becomes AWSPREVIOUS`);
    steps.push('on any failure before finish: every touched consumer is put back on AWSCURRENT');
  }
  const single = secret.consumers.filter((c) => !acceptsTwoValues(c));
  const impactWindow = mode === 'abort-pending' || single.length < 2 ? null : describeImpact(single, input);
  const overlap = secret.consumers.some(acceptsTwoValues)
    ? `old value retired ${formatDuration(input.overlapMs)} after finish on consumers that accept two values`
    : `--overlap ${formatDuration(input.overlapMs)} does not apply: no consumer accepts two values at once`;
  return { mode, secret: secret.name, secretId: secret.secretId, steps, consumers, impactWindow, overlap };
}

export function renderRotationPlan(plan: RotationPlan): string {
  const lines = [`plan (${plan.mode} ${plan.secret}, ${plan.secretId}):`, ...plan.steps.map((s) => `  ${s}`)];
  if (plan.impactWindow) lines.push(`impact window: ${plan.impactWindow}`);
  lines.push(plan.overlap);
  return lines.join('\n');
}

function describeConsumerStep(c: SecretConsumer): string {
  if (c.kind === 'railway')
    return `${c.ref} (upsert ${c.variable}, redeploy ${c.service} in ${c.environment}, wait for SUCCESS, check the variable's fingerprint and the service's health)`;
  if (c.kind === 'gitea-actions-secret')
    return `${c.ref} (PUT the Actions secret; Gitea cannot read it back, the PUT answer is the check)`;
  return `${c.ref} (migrate engine: canary, soak with the CP authentication check, waves; verified by fingerprint on each host)`;
}

function describeImpact(consumers: SecretConsumer[], input: RotationPlanInput): string {
  const first = consumers[0]!;
  const last = consumers[consumers.length - 1]!;
  const hasRailway = consumers.some((c) => c.kind === 'railway');
  const hasTenants = consumers.some((c) => c.kind === 'tenants-env');
  const parts = [
    `none of ${consumers.map((c) => c.ref).join(', ')} can hold two values, so from the moment ${first.ref} takes the new value until ${last.ref} has it, they disagree`,
  ];
  if (hasRailway && hasTenants)
    parts.push('calls between the CP and tenants not yet changed fail (tenant provisioning calls get 401)');
  const estimates = [
    ...(hasRailway ? [`a Railway redeploy (up to ${formatDuration(input.deployTimeoutMs)})`] : []),
    ...(hasTenants ? [`the tenant canary, its ${formatDuration(input.soakMs)} soak and the waves`] : []),
  ];
  if (estimates.length) parts.push(`expected length: ${estimates.join(' plus ')}`);
  return parts.join('; ');
}
