import type { Styles } from '../output/output.js';
import { ownCell, renderTable } from '../output/table.js';
import type { ConsumerReport, RotationResult } from './run-rotation.js';

/** The table `secrets rotate` and `secrets rollback` end with. Pure; ids and fingerprints only. */
export function renderRotationResult(r: RotationResult, style: Styles): string {
  const verb =
    r.mode === 'rollback' ? 'rolled back' : r.mode === 'abort-pending' ? 'aborted the pending rotation of' : 'rotated';
  const head =
    r.status === 'failed'
      ? `${style.fail('✖')} ${r.secret} — ${r.failure ?? 'failed'}`
      : r.mode === 'abort-pending'
        ? `${style.ok('✔')} ${verb} ${r.secret} — consumers on AWSCURRENT ${r.from.versionId} (${r.from.fingerprint}), AWSPENDING ${r.to?.versionId ?? ''} removed`
        : `${style.ok('✔')} ${verb} ${r.secret} — AWSCURRENT is ${r.to?.versionId} (${r.to?.fingerprint}), AWSPREVIOUS ${r.from.versionId} (${r.from.fingerprint})`;
  const lines = [
    head,
    '',
    renderTable(
      [
        { header: 'consumer', value: (c: ConsumerReport) => ownCell(c.consumer) },
        {
          header: 'state',
          value: (c) => ownCell(c.state),
          style: (cell, c) =>
            c.state === 'set' || c.state === 'done-before' || c.state === 'put-back'
              ? style.ok(cell)
              : style.fail(cell),
        },
        { header: 'detail', value: (c) => ownCell(c.detail) },
      ],
      r.consumers,
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
