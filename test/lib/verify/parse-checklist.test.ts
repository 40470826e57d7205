import { describe, expect, it } from 'vitest';
import { parseChecklist } from '../../../src/lib/verify/checklist/parse-checklist.js';

const BUILT_INS = ['cp-health', 'cp-deploy'];

describe('parseChecklist', () => {
  it('reads a YAML checklist with defaults filled in', () => {
    const { checklist, problems } = parseChecklist(
      [
        'vars: [VERIFY_X, VERIFY_TRACE]',
        'checks:',
        '  - id: canvas',
        '    retry: true',
        '    request:',
        '      url: https://canvas.example/api',
        '      method: post',
        '      body: { ping: "${VERIFY_X}" }',
        '      timeout: 1.5',
        '      headers: { X-Trace: "${VERIFY_TRACE}" }',
        '    conditions: ["[STATUS] == 200"]',
      ].join('\n'),
      BUILT_INS,
    );
    expect(problems).toEqual([]);
    expect(checklist).toMatchObject({
      builtins: 'all',
      vars: ['VERIFY_X', 'VERIFY_TRACE'],
      checks: [
        {
          id: 'canvas',
          retry: true,
          request: {
            method: 'POST',
            url: 'https://canvas.example/api',
            body: '{"ping":"${VERIFY_X}"}',
            timeoutMs: 1500,
            headers: { 'x-trace': '${VERIFY_TRACE}' },
          },
        },
      ],
    });
  });

  it('reads JSON with line numbers too', () => {
    const text =
      '{\n  "checks": [\n    { "id": "a", "request": { "url": "https://x" }, "conditions": ["[STATUS] == 200"], "extra": 1 }\n  ]\n}\n';
    const { checklist, problems } = parseChecklist(text, BUILT_INS);
    expect(checklist).toBeNull();
    expect(problems).toEqual([{ line: 3, column: 88, message: expect.stringContaining('unknown key "extra"') }]);
  });

  it.each([
    ['[]', 'the file must be a mapping'],
    ['version: 2\nchecks: []', 'version must be 1'],
    ['builtins: some\nchecks: []', 'builtins must be all, none'],
    ['checks: {}', '"checks" must be a list'],
    ['version: 1', 'missing "checks"'],
    [
      'checks:\n  - id: a\n    request: { url: "ftp://x" }\n    conditions: ["[STATUS] == 200"]',
      'url must start with https://',
    ],
    [
      'checks:\n  - id: a\n    request: { url: "https://x", timeout: 10m }\n    conditions: ["[STATUS] == 200"]',
      'timeout must be a duration',
    ],
    [
      'checks:\n  - id: a\n    request: { url: "https://x", body: "not json" }\n    conditions: ["[STATUS] == 200"]',
      'body must be JSON',
    ],
    [
      'checks:\n  - id: a\n    request: { url: "https://x" }\n    conditions: []',
      'conditions must be a non-empty list',
    ],
    ['checks:\n  - id: a\n    request: { url: "https://x" }\n    conditions: [200]', 'a condition is a string'],
    [
      'vars: [HOME]\nchecks:\n  - id: a\n    request: { url: "https://x", headers: { A: "${HOME}" } }\n    conditions: ["[STATUS] == 200"]',
      '',
    ],
    [
      'checks:\n  - id: a\n    request: { url: "https://x", headers: { A: "${HOME}" } }\n    conditions: ["[STATUS] == 200"]',
      '${HOME} is not declared',
    ],
    ['vars: [PATH]\nchecks: []', 'PATH cannot be declared'],
    [
      'checks:\n  - id: a\n    request: { url: "https://x", headers: { A: "${SECRET_THING}" } }\n    conditions: ["[STATUS] == 200"]',
      '${SECRET_THING} is a secret by its name',
    ],
    ['checks:\n  - request: { url: "https://x" }\n    conditions: ["[STATUS] == 200"]', 'the check has no "id"'],
    ['checks:\n  - id: a\n    conditions: ["[STATUS] == 200"]', 'the check has no "request"'],
    [
      'checks:\n  - id: a\n    request: { url: "https://x" }\n    conditions: ["[STATUS] == 200"]\n    retry: sometimes',
      'retry must be true or false',
    ],
    [
      'checks:\n  - id: a\n    id: b\n    request: { url: "https://x" }\n    conditions: ["[STATUS] == 200"]',
      'Map keys must be unique',
    ],
  ])('%j -> %s', (text, message) => {
    const { checklist, problems } = parseChecklist(text, BUILT_INS);
    if (message === '') {
      expect(problems).toEqual([]);
      return;
    }
    expect(checklist).toBeNull();
    expect(problems.map((p) => p.message).join('\n')).toContain(message);
    for (const p of problems) expect(p.line).toBeGreaterThanOrEqual(1);
  });

  it('names both lines of a duplicate id', () => {
    const text =
      'checks:\n  - id: a\n    request: { url: "https://x" }\n    conditions: ["[STATUS] == 200"]\n  - id: a\n    request: { url: "https://y" }\n    conditions: ["[STATUS] == 200"]\n';
    const { problems } = parseChecklist(text, BUILT_INS);
    expect(problems).toEqual([{ line: 5, column: 9, message: 'duplicate check id "a" (first used on line 2)' }]);
  });

  it('keeps the listed built-ins, or none', () => {
    expect(parseChecklist('builtins: [cp-health]\nchecks: []', BUILT_INS).checklist?.builtins).toEqual(['cp-health']);
    expect(parseChecklist('builtins: false\nchecks: []', BUILT_INS).checklist?.builtins).toBe('none');
  });
});
