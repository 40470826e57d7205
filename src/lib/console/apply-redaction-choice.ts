import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

/**
 * `--no-redact` for console and logs. Redaction is on by default; turning it off warns on stderr
 * every time, and is refused (exit 2) when the clear text would go somewhere other than a person's
 * terminal (a pipe, a file, CI logs) unless `--yes` says that is intended.
 */
export function applyRedactionChoice(
  ctx: Pick<Context, 'out' | 'flags' | 'redactor'>,
  choice: { redact: boolean; outFile?: string | undefined },
): void {
  if (choice.redact) return;
  const destination = choice.outFile
    ? `the file ${choice.outFile}`
    : ctx.out.stdoutIsTTY
      ? null
      : 'a pipe or file (stdout is not a terminal)';
  if (destination && !ctx.flags.yes) {
    throw new UsageError(
      `--no-redact refused: secrets would be written in clear to ${destination}`,
      'drop --no-redact, or add --yes if writing secrets there is intended',
    );
  }
  ctx.out.warn(
    '--no-redact: secrets leaked into this output are shown in clear (values molectl itself holds stay redacted); do not paste it anywhere',
  );
  ctx.redactor.disableShapeRules();
}
