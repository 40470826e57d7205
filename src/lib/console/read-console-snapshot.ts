import type { AwsApi, ConsoleOutput } from '../aws/aws-types.js';
import type { CpClient } from '../cp/cp-client.js';
import { isMolectlError, NotFoundError } from '../errors.js';
import type { ResolvedConsoleTarget } from './resolve-console-target.js';
import { TARGET_FORMS_HINT } from './resolve-console-target.js';

/**
 * One read of a target's console: EC2 GetConsoleOutput for an instance (the last 64 KB), or the
 * CP's copy for a workspace that has no instance molectl can see. `--latest` asks EC2 for the live
 * buffer, which only Nitro instances have: elsewhere the buffered output is read instead, with a
 * note, rather than failing the responder's first command.
 */

export interface ConsoleSnapshot {
  text: string;
  /** When EC2 last updated the output; null when the source does not say (the CP). */
  timestamp: Date | null;
  /** EC2's 64 KB window is full: older output was dropped, and the text starts mid-line. */
  truncated: boolean;
  latest: boolean;
  source: 'ec2' | 'cp';
  notes: string[];
}

export interface ReadConsoleDeps {
  aws: Pick<AwsApi, 'getConsoleOutput'>;
  cp: Pick<CpClient, 'getWorkspaceConsole'>;
}

export const LATEST_UNSUPPORTED_NOTE =
  '--latest needs a Nitro instance; this one keeps only the buffered console output, shown instead';

export async function readConsoleSnapshot(
  deps: ReadConsoleDeps,
  target: ResolvedConsoleTarget,
  options: { latest: boolean },
): Promise<ConsoleSnapshot> {
  if (target.source === 'cp' || target.instanceId === null)
    return readCpConsole(deps, target.workspaceId ?? target.input);
  const notes: string[] = [];
  let output: ConsoleOutput;
  try {
    output = await deps.aws.getConsoleOutput(target.instanceId, { latest: options.latest });
  } catch (error) {
    if (!options.latest || !isLatestUnsupported(error)) throw error;
    notes.push(LATEST_UNSUPPORTED_NOTE);
    output = await deps.aws.getConsoleOutput(target.instanceId, { latest: false });
  }
  if (options.latest && !output.latest && notes.length === 0) notes.push(LATEST_UNSUPPORTED_NOTE);
  return {
    text: output.text,
    timestamp: output.timestamp,
    truncated: output.truncated,
    latest: output.latest,
    source: 'ec2',
    notes,
  };
}

async function readCpConsole(deps: ReadConsoleDeps, workspaceId: string): Promise<ConsoleSnapshot> {
  try {
    const text = await deps.cp.getWorkspaceConsole(workspaceId);
    return { text, timestamp: null, truncated: false, latest: false, source: 'cp', notes: [] };
  } catch (error) {
    if (isMolectlError(error) && error.code === 4) {
      throw new NotFoundError(
        `no instance is tagged with workspace ${workspaceId}, and the CP knows no console for it`,
        TARGET_FORMS_HINT,
      );
    }
    throw error;
  }
}

/**
 * EC2 does not document how it refuses Latest on an instance that is not Nitro: UnsupportedOperation
 * is what it is seen to answer, but a parameter error worded another way ("The Latest parameter is
 * only supported on ... Nitro") is as plausible, and failing there would cost the responder the
 * buffered output that is available.
 */
function isLatestUnsupported(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const text = `${error.name} ${error.message} ${(error as { awsCode?: string }).awsCode ?? ''}`;
  return (
    /UnsupportedOperation|does not support retrieving the latest|latest console/i.test(text) ||
    (/\blatest\b/i.test(text) && /nitro|not supported|only supported|unsupported|not available/i.test(text))
  );
}
