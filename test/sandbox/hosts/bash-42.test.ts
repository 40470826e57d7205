import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderAuditProbeCommands } from '../../../src/lib/audit/audit-probe.js';

// The platform contract does not say which OS tenants run; Amazon Linux 2 ships bash 4.2. The
// sandbox's old-bash fault refuses the builtin options bash 4.2 lacks (mapfile/readarray -d),
// but syntax added later cannot be stood in for by a function, so the scripts sent to hosts are
// read for it here. Each pattern is a construct bash 4.2 rejects or reads differently.

const NEWER_THAN_BASH_42: Array<[RegExp, string]> = [
  [/\b(?:mapfile|readarray)\b[^\n]*\s-[a-zA-Z]*d/, 'mapfile/readarray -d (bash 4.4)'],
  [/\bwait\b[^\n]*\s-[a-zA-Z]*[nfp]\b/, 'wait -n/-f/-p (bash 4.3+)'],
  [/\b(?:local|declare|typeset)\s+-[a-zA-Z]*n\b/, 'namerefs: local/declare -n (bash 4.3)'],
  [/\$\{[^}]*@[QEPAaKkUuL]\}/, '${var@op} transformations (bash 4.4+)'],
  [/\bEPOCH(?:REAL)?(?:SECONDS|TIME)\b/, '$EPOCHSECONDS / $EPOCHREALTIME (bash 5.0)'],
  [/\bBASH_ARGV0\b/, 'BASH_ARGV0 (bash 5.0)'],
  [/\[\[\s+-v\s+\w+\[/, '[[ -v array[i] ]] (bash 4.3)'],
  [/\$\{\w+\[-\d+\]\}/, 'negative array subscripts (bash 4.3)'],
];

function offences(text: string): string[] {
  const found: string[] = [];
  for (const [pattern, what] of NEWER_THAN_BASH_42) {
    for (const line of text.split('\n')) {
      if (line.trimStart().startsWith('#')) continue;
      if (pattern.test(line)) found.push(`${what}: ${line.trim()}`);
    }
  }
  return found;
}

describe('scripts that run on tenant hosts use nothing newer than bash 4.2', () => {
  it('the cp-secret script (and the helper it builds from its own functions)', () => {
    const script = readFileSync(new URL('../../../scripts/tenant-cp-secret.sh', import.meta.url), 'utf8');
    expect(offences(script)).toEqual([]);
  });

  it("the fleet audit's probe", () => {
    expect(offences(renderAuditProbeCommands('molecule-tenant').join('\n'))).toEqual([]);
  });

  it('the reader catches what it is for', () => {
    expect(offences("  mapfile -d '' args < <(x)")).toHaveLength(1);
    expect(offences('  local -n ref=$1')).toHaveLength(1);
    expect(offences('  printf %s "${v@Q}"')).toHaveLength(1);
    expect(offences('  mapfile -t lines < f')).toEqual([]);
  });
});
