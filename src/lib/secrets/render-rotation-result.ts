import type { Styles } from '../output/output.js';
import { ownCell, renderTable } from '../output/table.js';
import type { ConsumerReport, RotationResult } from './run-rotation.js';

/** The table `secrets rotate` and `secrets rollback` end with. Pure; ids and fingerprints only. */
export function renderRotationResult(r: RotationResult, style: Styles): string {
  const verb =
    r.mode === 'rollback' ? 'rolled back' : r.mode === 'abort-pending' ? 'aborted the pending rotation of' : 'rotated';
  const head =
    r.status === 'failed' || (r.mode === 'abort-pending' && r.status === 'partial')
      ? `${style.fail('✖')} ${r.secret} — ${r.failure ?? 'failed'}`
      : r.mode === 'abort-pending'
        ? `${style.ok('✔')} ${verb} ${r.secret} — AWSPENDING ${r.to?.versionId ?? ''} removed`
        : `${style.ok('✔')} ${verb} ${r.secret} — AWSCURRENT is ${r.to?.versionId} (${r.to?.fingerprint}), AWSPREVIOUS ${r.from.versionId} (${r.from.fingerprint})`;
  const lines = [
    head,
    ...(r.mode === 'abort-pending' ? abortSummary(r) : []),
    '',
    renderTable(
      [
        { header: 'consumer', value: (c: ConsumerReport) => ownCell(c.consumer) },
        {
          header: 'state',
          value: (c) => ownCell(c.state),
          style: (cell, c) =>
            c.state === 'set' || c.state === 'done-before' || c.state === 'put-back' || c.state === 'unchanged'
              ? style.ok(cell)
              : style.fail(cell),
        },
        { header: 'detail', value: (c) => ownCell(c.detail), shrink: true },
      ],
      r.consumers,
      style,
    ),
  ];
  if (r.leftBehind.length)
    lines.push(
      '',
      style.warn(`tenants left behind (unreachable; they still hold another value): ${r.leftBehind.join(', ')}`),
    );
  lines.push('', `run ${r.run}`);
  return lines.join('\n');
}

/** What an abort restored, what the rotation never changed, and what is still on the pending value. */
function abortSummary(r: RotationResult): string[] {
  const named = (state: string): string[] => r.consumers.filter((c) => c.state === state).map((c) => c.consumer);
  const notBack = r.consumers
    .filter((c) => c.state === 'put-back-failed')
    .map((c) => c.consumer)
    .concat(r.leftBehind.length && !r.consumers.some((c) => c.state === 'put-back-failed') ? ['tenants'] : []);
  const lines: string[] = [];
  if (named('put-back').length)
    lines.push(`put back on AWSCURRENT ${r.from.versionId} (${r.from.fingerprint}): ${named('put-back').join(', ')}`);
  if (named('unchanged').length) lines.push(`never changed by the rotation: ${named('unchanged').join(', ')}`);
  if (notBack.length)
    lines.push(`not put back: ${notBack.join(', ')}${r.leftBehind.length ? ` (${r.leftBehind.join(', ')})` : ''}`);
  return lines;
}
