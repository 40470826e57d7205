import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

/**
 * Fleet-wide changes ask for the environment's name to be typed. `--yes` answers instead only
 * when the environment was named on this command line (`--env production`): a default or an
 * exported MOLECTL_ENV is too easy to be wrong about. Without a terminal and without that, the
 * command stops with exit 2 before changing anything; it never hangs waiting for input.
 */
export async function confirmEnvironment(ctx: Context, action: string): Promise<void> {
  const name = ctx.config.envName.value;
  if (ctx.flags.yes) {
    if (ctx.config.envName.source === 'flag') return;
    throw new UsageError(`--yes needs the environment named on the command line (it came from ${ctx.config.envName.origin}); nothing was changed`, `add --env ${name} to confirm ${action} in ${name}`);
  }
  if (!ctx.prompt.canAsk) {
    throw new UsageError(`${action} needs the environment name typed as confirmation, and there is no terminal; nothing was changed`, `pass --env ${name} --yes`);
  }
  const typed = await ctx.prompt.ask(`Type the environment name (${name}) to ${action}: `, `confirming ${action}`);
  if (typed !== name) throw new UsageError(`"${typed}" does not match "${name}"; nothing was changed`, 'run the command again and type the environment name exactly');
}
