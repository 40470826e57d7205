import type { Styles } from '../output/output.js';
import { remoteText } from '../output/remote-text.js';
import type { Finding } from './diagnose-lines.js';

/** The "likely cause" section printed after console or log output (pure). */
export function renderDiagnosis(findings: Finding[], style: Pick<Styles, 'bold' | 'fail' | 'dim'>): string {
  if (findings.length === 0) return '';
  const blocks = findings.map((f) => {
    const where = `line ${f.firstLine}${f.count > 1 ? `, ${f.count} lines` : ''}`;
    return [
      `  ${style.fail('✖')} ${style.bold(f.title)} ${style.dim(`(${where})`)}`,
      `    ${f.cause}`,
      `    ${style.dim('>')} ${remoteText(f.evidence)}`,
      ...f.next.map((n) => `    next: ${n}`),
    ].join('\n');
  });
  return [style.bold('likely cause'), ...blocks].join('\n');
}
