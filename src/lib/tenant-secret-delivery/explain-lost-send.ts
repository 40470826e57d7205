import { NoAnswerError } from '../http/no-answer-error.js';

/**
 * A wave's SendCommand that got no answer (connection reset after SSM acted, a timeout): the
 * script may be running on those hosts, so it is never sent again blind. The ledger already
 * holds each host's dispatch comment (written before the send), so a resume finds the command by
 * that comment, adopts it and collects its results; only a host it never reached is sent the
 * script then. Other errors pass through unchanged.
 */
export function explainLostSend(error: unknown, waveLabel: string, slugs: string[], runId: string): unknown {
  if (!(error instanceof NoAnswerError) || !error.mayHaveActed) return error;
  return new NoAnswerError(
    `${waveLabel}: a SendCommand of the apply script got no answer, so SSM may be running it on ${slugs.join(', ')}; molectl did not send it again (${error.message})`,
    'network',
    true,
    {
      hint: `molectl migrate cp-secret resume ${runId}: it finds the command by its comment and collects its results; a host it never reached gets the script then, once`,
    },
  );
}
