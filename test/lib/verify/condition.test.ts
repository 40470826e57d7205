import { describe, expect, it } from 'vitest';
import { evaluateCondition, parseCondition, type Condition } from '../../../src/lib/verify/checklist/condition.js';

function parse(text: string): Condition {
  const result = parseCondition(text);
  if (!result.ok) throw new Error(`${text}: ${result.error}`);
  return result.condition;
}

const response = {
  status: 200,
  bodyText: JSON.stringify({
    status: 'ok',
    service: 'molecule-cp',
    count: 3,
    orgs: [{ slug: 'acme' }],
    nested: { a: 1 },
  }),
  headers: { 'content-type': 'application/json' },
  responseTimeMs: 42.4,
};

describe('parseCondition', () => {
  it.each([
    ['[STATUS] == 200', { left: { kind: 'status' }, operator: '==', right: '200' }],
    ['[BODY].status == ok', { left: { kind: 'body', path: ['status'] }, operator: '==', right: 'ok' }],
    ['[BODY] !contains admin_token', { left: { kind: 'body', path: [] }, operator: '!contains', right: 'admin_token' }],
    ['[RESPONSE_TIME] < 500', { left: { kind: 'response-time' }, operator: '<', right: '500' }],
    [
      '[BODY].orgs[0].slug == acme',
      { left: { kind: 'body', path: ['orgs', 0, 'slug'] }, operator: '==', right: 'acme' },
    ],
    [
      '[HEADER].Content-Type contains json',
      { left: { kind: 'header', name: 'content-type' }, operator: 'contains', right: 'json' },
    ],
    ['[STATUS]>=200', { left: { kind: 'status' }, operator: '>=', right: '200' }],
    ['  [BODY].status == " spaced "  ', { operator: '==', right: ' spaced ' }],
  ])('parses %s', (text, expected) => {
    expect(parse(text)).toMatchObject(expected);
  });

  it.each([
    ['STATUS == 200', 1, 'starts with'],
    ['[STATUS] = 200', 10, 'expected an operator'],
    ['[STATUS] ==', 12, 'needs a value'],
    ['[HEADER] == x', 9, '[HEADER] needs a header name'],
    ['[BODY]..x == 1', 7, 'a body path is'],
    ['[RESPONSE_TIME] < fast', 19, 'compares numbers'],
    ['[STATUS]x == 1', 9, 'expected a space'],
  ])('rejects %s at column %i', (text, column, message) => {
    const result = parseCondition(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.column).toBe(column);
      expect(result.error).toContain(message);
    }
  });
});

describe('evaluateCondition', () => {
  it.each([
    ['[STATUS] == 200', true, '200'],
    ['[STATUS] != 200', false, '200'],
    ['[STATUS] == 200.0', true, '200'],
    ['[BODY].status == ok', true, 'ok'],
    ['[BODY].service == molecule', false, 'molecule-cp'],
    ['[BODY].count > 2', true, '3'],
    ['[BODY].count <= 2', false, '3'],
    ['[BODY].orgs[0].slug == acme', true, 'acme'],
    ['[BODY].nested == {"a":1}', true, '{"a":1}'],
    ['[BODY].missing == x', false, '(absent)'],
    ['[BODY].missing != x', true, '(absent)'],
    ['[BODY] !contains admin_token', true, undefined],
    ['[BODY] contains molecule-cp', true, undefined],
    ['[RESPONSE_TIME] < 500', true, '42'],
    ['[RESPONSE_TIME] < 10', false, '42'],
    ['[HEADER].content-type contains json', true, 'application/json'],
    ['[HEADER].x-missing contains a', false, '(absent)'],
  ])('%s -> %s', (text, pass, actual) => {
    const verdict = evaluateCondition(parse(text), response);
    expect(verdict.pass).toBe(pass);
    if (actual !== undefined) expect(verdict.actual).toBe(actual);
  });

  it('treats a non-JSON body as having no fields, but [BODY] still reads it', () => {
    const text = { ...response, bodyText: '<html>oops</html>' };
    expect(evaluateCondition(parse('[BODY].status == ok'), text)).toEqual({ pass: false, actual: '(absent)' });
    expect(evaluateCondition(parse('[BODY] contains oops'), text).pass).toBe(true);
  });

  it('withholds the value of a field or header named for a credential, and only those', () => {
    const body = { ...response, bodyText: JSON.stringify({ admin_token: 'tok-Zq8vX2pLm4Rt7WyK', token_count: 3 }) };
    expect(evaluateCondition(parse('[BODY].admin_token == x'), body).actual).toMatch(
      /^\(withheld, len=20 sha256:[0-9a-f]{12}\)$/,
    );
    expect(evaluateCondition(parse('[BODY].token_count == 4'), body).actual).toBe('3');
    const header = { ...response, headers: { authorization: 'Bearer abc', 'content-type': 'text/plain' } };
    expect(evaluateCondition(parse('[HEADER].authorization == x'), header).actual).toMatch(/^\(withheld, /);
    expect(evaluateCondition(parse('[HEADER].content-type == x'), header).actual).toBe('text/plain');
  });

  it('cuts a compact JSON body at a field boundary, not inside a value', () => {
    const body = {
      ...response,
      bodyText: JSON.stringify({ slug: 'acme', note: 'n'.repeat(50), value: 'v'.repeat(40) }),
    };
    expect(evaluateCondition(parse('[BODY] == y'), body).actual).toBe(`{"slug":"acme","note":"${'n'.repeat(50)}","…`);
  });

  it('cuts long observed values to 80 characters, never inside a word', () => {
    const long = { ...response, bodyText: 'word '.repeat(100) };
    expect(evaluateCondition(parse('[BODY] == y'), long).actual).toBe(`${'word '.repeat(16).trimEnd()}…`);
    // One unbroken value (a token in the answer) is not shown in part.
    const token = { ...response, bodyText: 'x'.repeat(500) };
    expect(evaluateCondition(parse('[BODY] == y'), token).actual).toBe('…');
  });
});
