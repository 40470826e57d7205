import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

/**
 * The one confirmation rule for destructive and fleet-wide commands:
 *  - a person at a terminal types the environment's name (or, for `org delete`, the org's slug);
 *  - without a terminal, the confirmation is on the command line: `--env <name> --yes` (the
 *    environment named right there: an exported MOLECTL_ENV or the config's default is too easy
 *    to be wrong about), or for a delete `--env <name> --confirm <slug>`;
 *  - without either, exit 2 before any remote call (checkConfirmable runs before the command).
 */
export type ConfirmHow = { kind: 'environment' } | { kind: 'slug'; slug: string; confirmFlag: string | undefined };

/** Before any remote call: the run can be confirmed, on the command line or at a terminal. Exit 2 otherwise. */
export function checkConfirmable(ctx: Pick<Context, 'config' | 'flags' | 'prompt'>, how: ConfirmHow): void {
  const name = ctx.config.envName.value;
  const onLine = how.kind === 'slug' ? `--env ${name} --confirm ${how.slug}` : `--env ${name} --yes`;
  if (how.kind === 'slug' && how.confirmFlag !== undefined && how.confirmFlag !== how.slug) {
    throw new UsageError(
      `--confirm "${how.confirmFlag}" does not match the org slug "${how.slug}"; nothing was changed`,
      `pass --confirm ${how.slug} to delete org ${how.slug}`,
    );
  }
  if (confirmedOnCommandLine(ctx, how)) return;
  const given = how.kind === 'slug' ? how.confirmFlag !== undefined : ctx.flags.yes;
  if (given) {
    throw new UsageError(
      `${how.kind === 'slug' ? '--confirm' : '--yes'} needs the environment named on the command line (it came from ${ctx.config.envName.origin}); nothing was changed`,
      `add --env ${name}: ${onLine}`,
    );
  }
  if (ctx.prompt.canAsk) return;
  const why = how.kind === 'slug' && ctx.flags.yes ? ' (--yes is not enough for a delete)' : '';
  throw new UsageError(
    `this changes ${how.kind === 'slug' ? `org "${how.slug}"` : `environment "${name}"`} and needs a confirmation, and there is no terminal to type it on${why}; nothing was changed`,
    `pass ${onLine}`,
  );
}

/** After the preview: asks for the typed confirmation unless the command line gave it. */
export async function confirmChange(
  ctx: Pick<Context, 'config' | 'flags' | 'prompt'>,
  how: ConfirmHow,
  action: string,
): Promise<void> {
  checkConfirmable(ctx, how);
  if (confirmedOnCommandLine(ctx, how)) return;
  const expected = how.kind === 'slug' ? how.slug : ctx.config.envName.value;
  const what = how.kind === 'slug' ? 'the org slug' : 'the environment name';
  const typed = await ctx.prompt.ask(`Type ${what} (${expected}) to ${action}: `, `confirming: ${action}`);
  if (typed !== expected)
    throw new UsageError(
      `"${typed}" does not match "${expected}"; nothing was changed`,
      `run the command again and type ${what} exactly`,
    );
}

/**
 * What a destructive command shows before acting (the target, the plan). When a person is about
 * to be asked to type the confirmation, it is part of the question: shown even under --quiet.
 * When the command line already confirmed it, it is a notice like any other: --quiet hides it.
 */
export function showBeforeConfirming(
  ctx: Pick<Context, 'config' | 'flags' | 'out'>,
  how: ConfirmHow,
  text: string,
): void {
  if (confirmedOnCommandLine(ctx, how)) ctx.out.info(text);
  else ctx.out.error(text);
}

function confirmedOnCommandLine(ctx: Pick<Context, 'config' | 'flags'>, how: ConfirmHow): boolean {
  if (ctx.config.envName.source !== 'flag') return false;
  return how.kind === 'slug' ? how.confirmFlag === how.slug : ctx.flags.yes;
}
