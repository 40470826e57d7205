import { defineCommand } from '../lib/cli/command-definition.js';
import { describeCpTokenSource } from '../lib/config/cp-token.js';
import type { Context } from '../lib/context.js';
import { ExitCode, isMolectlError } from '../lib/errors.js';
import { formatDuration, ownCell, renderTable } from '../lib/output/table.js';
import { formatCount } from '../lib/output/format-count.js';

/**
 * `molectl doctor`: can molectl work against this environment? Five read-only checks, each
 * pass, fail or skip with a detail and, on failure, the fix. The CP lane (health, then the
 * token) and the AWS lane (identity, then SSM) run concurrently; within a lane the second
 * check is skipped when the first shows it cannot succeed, so one cause is reported once.
 * Exit 1 when any check fails.
 */

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
  durationMs: number;
  /** The failure's exit code (3 credentials/config, 1 other), to decide what a later check can skip. */
  errorCode?: number;
}

interface CheckOutcome {
  status: CheckStatus;
  detail: string;
  hint?: string;
}

export const doctorCommand = defineCommand({
  description:
    'Check that molectl can work against the target environment: configuration, CP reachable and healthy, CP admin token accepted, AWS identity (account, region), SSM reachable. Read-only. Exit 1 if any check fails.',
  flags: {},
  examples: [
    ['molectl doctor', 'check production (the default environment)'],
    ['molectl --env staging --profile molecule-staging doctor', 'check staging with an SSO profile'],
    ['molectl doctor -o json | jq \'.checks[] | select(.status=="fail")\'', 'only the failures, for scripts'],
  ],

  async run(ctx) {
    const step = ctx.out.step('running 5 checks');
    let finished = 0;
    const track = async (name: string, check: () => Promise<CheckOutcome>): Promise<CheckResult> => {
      const result = await runCheck(ctx, name, check);
      step.update(`${++finished}/5 checks done`);
      return result;
    };

    const config = await track('config', async () => checkConfig(ctx));
    const [cpChecks, awsChecks] = await Promise.all([
      (async () => {
        const health = await track('cp health', () => checkCpHealth(ctx));
        const token =
          health.status === 'fail'
            ? skipped('cp token', 'the CP did not answer /health as expected (see cp health)')
            : await track('cp token', () => checkCpToken(ctx));
        return [health, token];
      })(),
      (async () => {
        const identity = await track('aws identity', () => checkAwsIdentity(ctx));
        const ssm =
          identity.status === 'fail' && identity.errorCode === ExitCode.credentials
            ? skipped('ssm', 'AWS is not usable as configured: see aws identity')
            : await track('ssm', () => checkSsm(ctx));
        return [identity, ssm];
      })(),
    ]);
    // Ctrl-C: end with exit 130, not with a table of "failed" checks.
    if (ctx.signal.aborted) throw ctx.signal.reason;

    const checks = [config, ...cpChecks, ...awsChecks];
    const failed = checks.filter((c) => c.status === 'fail').length;
    if (failed > 0) step.fail(`${failed} of ${formatCount(checks.length, 'check')} failed`);
    else step.succeed('all checks passed');

    const data = {
      environment: ctx.config.envName.value,
      cpUrl: ctx.config.cpUrl.value,
      ok: failed === 0,
      checks: checks.map(({ errorCode: _code, ...check }) => check),
    };
    await ctx.out.result(data, (d, style) => {
      const table = renderTable<CheckResult>(
        [
          { header: 'check', value: (c) => ownCell(c.name) },
          {
            header: 'status',
            value: (c) => ownCell(c.status),
            style: (cell, c) =>
              c.status === 'pass' ? style.ok(cell) : c.status === 'fail' ? style.fail(cell) : style.dim(cell),
          },
          { header: 'time', value: (c) => formatDuration(c.durationMs), align: 'right' },
          // molectl's sentence; what it quotes from outside is marked where it was read.
          { header: 'detail', value: (c) => ownCell(c.detail), shrink: true },
        ],
        d.checks,
        style,
      );
      const summary = `${d.checks.filter((c) => c.status === 'pass').length} passed, ${failed} failed, ${d.checks.filter((c) => c.status === 'skip').length} skipped`;
      return [`environment ${d.environment}   CP ${d.cpUrl}`, '', table, '', summary].join('\n');
    });
    // The fix for each failed check goes with it, like an error's hint: stderr, even under -q.
    for (const check of data.checks) if (check.hint) ctx.out.error(`hint (${check.name}): ${check.hint}`);
    return failed > 0 ? ExitCode.failed : ExitCode.ok;
  },
});

async function runCheck(ctx: Context, name: string, check: () => Promise<CheckOutcome>): Promise<CheckResult> {
  const started = ctx.clock.now().getTime();
  try {
    const outcome = await check();
    return { name, ...outcome, durationMs: ctx.clock.now().getTime() - started };
  } catch (error) {
    const durationMs = ctx.clock.now().getTime() - started;
    if (isMolectlError(error))
      return {
        name,
        status: 'fail',
        detail: error.message,
        ...(error.hint ? { hint: error.hint } : {}),
        durationMs,
        errorCode: error.code,
      };
    const message = error instanceof Error ? error.message : String(error);
    return {
      name,
      status: 'fail',
      detail: `unexpected error: ${message}`,
      hint: 'run again with --debug; if it persists, report it with that output',
      durationMs,
      errorCode: ExitCode.failed,
    };
  }
}

function skipped(name: string, detail: string): CheckResult {
  return { name, status: 'skip', detail, durationMs: 0 };
}

/** The context could only be built from a valid config file and a known environment: say which. */
function checkConfig(ctx: Context): CheckOutcome {
  const { config } = ctx;
  const file = config.configFileFound
    ? `config file ${config.configPath}`
    : `no config file at ${config.configPath} (built-in defaults)`;
  return { status: 'pass', detail: `environment ${config.envName.value} (from ${config.envName.origin}); ${file}` };
}

async function checkCpHealth(ctx: Context): Promise<CheckOutcome> {
  const health = await ctx.cp.health();
  const service = health.service ?? '(none)';
  if (service === 'molecule-cp' && health.status === 'ok')
    return { status: 'pass', detail: `${ctx.config.cpUrl.value}/health: service molecule-cp, status ok` };
  return {
    status: 'fail',
    detail: `${ctx.config.cpUrl.value}/health answered service ${clip(service)}, status ${clip(health.status)} (expected molecule-cp, ok)`,
    hint: 'if the service is not molecule-cp, the CP URL points elsewhere: check --cp-url / MOLECTL_CP_URL; if the status is not ok, the CP is degraded',
  };
}

async function checkCpToken(ctx: Context): Promise<CheckOutcome> {
  const source = describeCpTokenSource(ctx.env, ctx.config.environment);
  if (!source) {
    return {
      status: 'fail',
      detail: `no CP admin token for environment ${ctx.config.envName.value}`,
      hint: 'export CP_ADMIN_API_TOKEN, or set cpTokenFile / cpTokenCommand for the environment in the config file (docs/configuration.md)',
    };
  }
  // The cheapest admin call: one org. 401/403 arrive as a credentials error with the fix.
  await ctx.cp.listOrgs({ limit: 1 });
  return {
    status: 'pass',
    detail: `accepted by the CP (token from ${source.kind === 'env' ? source.origin : `${source.kind} ${source.origin}`})`,
  };
}

async function checkAwsIdentity(ctx: Context): Promise<CheckOutcome> {
  const identity = await ctx.aws.callerIdentity();
  const regionOrigin = ctx.config.region ? ctx.config.region.origin : 'the AWS profile';
  return {
    status: 'pass',
    detail: `account ${identity.account}, ${identity.arn}, region ${identity.region} (from ${regionOrigin})`,
  };
}

async function checkSsm(ctx: Context): Promise<CheckOutcome> {
  const { instances, more } = await ctx.aws.sampleManagedInstances(5);
  const online = instances.filter((i) => i.pingStatus === 'Online').length;
  const count = more
    ? `${instances.length}+ managed instances (first page: ${online} online)`
    : `${formatCount(instances.length, 'managed instance')} (${online} online)`;
  return { status: 'pass', detail: `DescribeInstanceInformation answered: ${count}` };
}

/** Remote strings in a detail line stay short. */
function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
