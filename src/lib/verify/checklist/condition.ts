/**
 * The condition grammar of checklist files, pure:
 *
 *   condition   := placeholder ws operator ws value
 *   placeholder := [STATUS] | [RESPONSE_TIME] | [BODY] path? | [HEADER].<name>
 *   path        := ( "." key | "[" index "]" )+
 *   operator    := == | != | < | <= | > | >= | contains | !contains
 *   value       := the rest of the line, trimmed; "double quotes" keep spaces at the ends
 *
 * `<`, `<=`, `>`, `>=` need a number on the right. `==` and `!=` compare as numbers when both
 * sides are numbers, else as text. A missing body field has no value: `==` fails, `!=` and
 * `!contains` pass.
 */

import { describeSecret } from '../../output/fingerprint.js';
import { cutRemoteLine } from '../../output/remote-text.js';

export type Placeholder =
  | { kind: 'status' }
  | { kind: 'response-time' }
  | { kind: 'body'; path: Array<string | number> }
  | { kind: 'header'; name: string };

export type Operator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | '!contains';

export interface Condition {
  source: string;
  left: Placeholder;
  operator: Operator;
  right: string;
}

export type ParseResult = { ok: true; condition: Condition } | { ok: false; error: string; column: number };

export interface ObservedResponse {
  status: number;
  bodyText: string;
  headers: Record<string, string>;
  responseTimeMs: number;
}

export interface ConditionVerdict {
  pass: boolean;
  /** The observed value as text (cut to 80 characters), for the failure detail. */
  actual: string;
}

const OPERATORS: Operator[] = ['!contains', 'contains', '==', '!=', '<=', '>=', '<', '>'];
const NUMERIC_OPERATORS = new Set<Operator>(['<', '<=', '>', '>=']);

export function parseCondition(text: string): ParseResult {
  const leading = text.length - text.trimStart().length;
  const src = text.trim();
  const err = (error: string, at: number): ParseResult => ({ ok: false, error, column: leading + at + 1 });
  const head = /^\[(STATUS|RESPONSE_TIME|BODY|HEADER)\]/.exec(src);
  if (!head) {
    return err('a condition starts with [STATUS], [BODY], [RESPONSE_TIME] or [HEADER].<name>', 0);
  }
  let pos = head[0].length;
  let left: Placeholder;
  if (head[1] === 'STATUS') left = { kind: 'status' };
  else if (head[1] === 'RESPONSE_TIME') left = { kind: 'response-time' };
  else if (head[1] === 'HEADER') {
    const name = /^\.([A-Za-z0-9!#$%&'*+.^_`|~-]+)/.exec(src.slice(pos));
    if (!name) return err('[HEADER] needs a header name, as in [HEADER].content-type', pos);
    left = { kind: 'header', name: (name[1] ?? '').toLowerCase() };
    pos += name[0].length;
  } else {
    const path: Array<string | number> = [];
    for (;;) {
      const rest = src.slice(pos);
      const key = /^\.([A-Za-z0-9_$@-]+)/.exec(rest);
      const index = /^\[(\d+)\]/.exec(rest);
      if (key) path.push(key[1] ?? '');
      else if (index) path.push(Number(index[1]));
      else if (rest.startsWith('.') || rest.startsWith('['))
        return err('a body path is .key or [index], as in [BODY].orgs[0].slug', pos);
      else break;
      pos += (key ?? index)![0].length;
    }
    left = { kind: 'body', path };
  }
  const afterLeft = src.slice(pos);
  const gap = afterLeft.length - afterLeft.trimStart().length;
  if (gap === 0 && afterLeft.length > 0 && !/^[=!<>]/.test(afterLeft))
    return err('expected a space and an operator after the placeholder', pos);
  pos += gap;
  const operator = OPERATORS.find((op) => src.startsWith(op, pos));
  if (!operator) return err(`expected an operator: ${OPERATORS.join(', ')}`, pos);
  pos += operator.length;
  let right = src.slice(pos).trim();
  if (right === '') return err(`the operator ${operator} needs a value on its right`, src.length);
  if (right.length >= 2 && right.startsWith('"') && right.endsWith('"')) right = right.slice(1, -1);
  if (NUMERIC_OPERATORS.has(operator) && !isNumber(right))
    return err(`${operator} compares numbers; "${right}" is not a number`, pos + 1);
  return { ok: true, condition: { source: src, left, operator, right } };
}

export function evaluateCondition(condition: Condition, response: ObservedResponse): ConditionVerdict {
  const value = readPlaceholder(condition.left, response);
  // A field or header named for a credential is shown as molectl shows secrets (a check written to
  // catch a leak printed the leaked value when it failed); anything else is cut on a word boundary,
  // because a secret in the answer cut in half would match no redaction rule.
  const actual =
    value === undefined
      ? '(absent)'
      : namesSecret(condition.left)
        ? `(withheld, ${describeSecret(value)})`
        : cutRemoteLine(value, 80);
  return { pass: compare(value, condition.operator, condition.right), actual };
}

function compare(value: string | undefined, operator: Operator, right: string): boolean {
  switch (operator) {
    case 'contains':
      return value !== undefined && value.includes(right);
    case '!contains':
      return value === undefined || !value.includes(right);
    case '==':
      return (
        value !== undefined && (isNumber(value) && isNumber(right) ? Number(value) === Number(right) : value === right)
      );
    case '!=':
      return (
        value === undefined || (isNumber(value) && isNumber(right) ? Number(value) !== Number(right) : value !== right)
      );
    default: {
      if (value === undefined || !isNumber(value)) return false;
      const a = Number(value);
      const b = Number(right);
      return operator === '<' ? a < b : operator === '<=' ? a <= b : operator === '>' ? a > b : a >= b;
    }
  }
}

/** Names of fields and headers that hold credentials; names that refer to one (ids, counts) do not. */
const SECRET_NAME = /key|token|secret|passw|credential|authorization|cookie|signature/i;
const REFERENCE_NAME = /(?:id|ids|name|arn|file|path|url|count|type|expiry|expires|ttl|fingerprint)$/i;

function namesSecret(left: Placeholder): boolean {
  const name =
    left.kind === 'header'
      ? left.name
      : left.kind === 'body'
        ? left.path.filter((k) => typeof k === 'string').at(-1)
        : undefined;
  return name !== undefined && SECRET_NAME.test(name) && !REFERENCE_NAME.test(name);
}

function readPlaceholder(left: Placeholder, response: ObservedResponse): string | undefined {
  switch (left.kind) {
    case 'status':
      return String(response.status);
    case 'response-time':
      return String(Math.round(response.responseTimeMs));
    case 'header':
      return response.headers[left.name];
    case 'body': {
      if (left.path.length === 0) return response.bodyText;
      let node: unknown;
      try {
        node = JSON.parse(response.bodyText);
      } catch {
        return undefined;
      }
      for (const key of left.path) {
        if (node === null || typeof node !== 'object') return undefined;
        node = (node as Record<string | number, unknown>)[key];
      }
      if (node === undefined) return undefined;
      return typeof node === 'string' ? node : JSON.stringify(node);
    }
  }
}

function isNumber(text: string): boolean {
  return /^-?\d+(\.\d+)?$/.test(text.trim());
}
