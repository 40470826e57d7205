import { describe, expect, it } from 'vitest';
import { parseScriptResult } from '../../../src/lib/tenant-secret-delivery/parse-script-result.js';

describe('parseScriptResult', () => {
  it.each([
    [
      'one result line',
      'MOLECTL_RESULT {"status":"migrated","fingerprint":"sha256:9f86d081884c"}\n',
      { status: 'migrated', fingerprint: 'sha256:9f86d081884c' },
    ],
    ['human lines around it', 'molectl: working\nMOLECTL_RESULT {"status":"current"}\nbye\n', { status: 'current' }],
    [
      'the last result line wins',
      'MOLECTL_RESULT {"status":"probed"}\nMOLECTL_RESULT {"status":"migrated"}\n',
      { status: 'migrated' },
    ],
    ['surrounding whitespace and CRLF', '  MOLECTL_RESULT {"status":"current"}  \r\n', { status: 'current' }],
    [
      'escaped characters in values',
      'MOLECTL_RESULT {"status":"failed","reason":"a \\"quoted\\" word\\nand a line"}',
      { status: 'failed', reason: 'a "quoted" word\nand a line' },
    ],
    [
      'booleans and extra fields',
      'MOLECTL_RESULT {"molectl":"cp-secret","mode":"probe","status":"probed","container":true,"python3":false}',
      { molectl: 'cp-secret', mode: 'probe', status: 'probed', container: true, python3: false },
    ],
  ])('%s', (_name, stdout, expected) => {
    expect(parseScriptResult(stdout)).toEqual(expected);
  });

  it.each([
    ['empty output', ''],
    ['no result line', 'molectl: done\n'],
    ['garbage after the prefix', 'MOLECTL_RESULT not json\n'],
    ['a cut line (SSM output preview)', 'MOLECTL_RESULT {"status":"migrated","finger'],
    ['no status', 'MOLECTL_RESULT {"fingerprint":"sha256:9f86d081884c"}'],
    ['a status that is not a string', 'MOLECTL_RESULT {"status":1}'],
    ['a JSON array', 'MOLECTL_RESULT ["status"]'],
    ['JSON null', 'MOLECTL_RESULT null'],
    ['the prefix without its space', 'MOLECTL_RESULT{"status":"migrated"}'],
    ['the prefix in the middle of a line', 'echo MOLECTL_RESULT {"status":"migrated"}'],
    // The last line decides: a valid line before a broken one does not count.
    ['a broken last line after a valid one', 'MOLECTL_RESULT {"status":"migrated"}\nMOLECTL_RESULT {broken'],
  ])('%s → null', (_name, stdout) => {
    expect(parseScriptResult(stdout)).toBeNull();
  });
});
