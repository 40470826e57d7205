import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { parseDurationMs } from '../../config/parse-duration.js';
import type { HttpMethod } from '../../http/http-request.js';
import type { Checklist, ChecklistCheckSpec, ChecklistProblem } from './checklist-types.js';
import { parseCondition, type Condition } from './condition.js';
import {
  AUTH_KINDS,
  isAuthKind,
  isCpRelativeUrl,
  isDeclarableVariable,
  refuseVariable,
  type AuthKind,
} from './checklist-secrets.js';
import { findVariables } from './interpolate.js';

/**
 * Parses and validates a checklist file (YAML, or JSON, which is YAML too) in one pass over the
 * document's nodes, so every problem carries the line and column of the node at fault. Pure:
 * text in, checklist or problems out. All problems are collected, not just the first.
 */

const METHODS: HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const MAX_TIMEOUT_MS = 120_000;

export function parseChecklist(
  text: string,
  builtInIds: readonly string[],
): { checklist: Checklist | null; problems: ChecklistProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problems: ChecklistProblem[] = [];
  const report = (offset: number, message: string): void => {
    const { line, col } = lineCounter.linePos(offset);
    problems.push({ line, column: col, message });
  };
  for (const e of doc.errors) report(e.pos[0], e.message.split('\n')[0] ?? 'syntax error');
  if (problems.length) return { checklist: null, problems };

  const root = doc.contents;
  if (!isMap(root)) {
    report(start(root), 'the file must be a mapping with a "checks" list (and optionally "version" and "builtins")');
    return { checklist: null, problems };
  }
  const top = readMap(root, ['version', 'vars', 'builtins', 'checks'], report, 'the top level');
  const vars = readVars(top.get('vars'), report);
  const version = top.get('version');
  if (version && !(isScalar(version) && (version.value === 1 || version.value === '1')))
    report(start(version), 'version must be 1');
  const builtins = readBuiltins(top.get('builtins'), builtInIds, report);
  const checksNode = top.get('checks');
  const checks: ChecklistCheckSpec[] = [];
  if (!checksNode) report(start(root), 'missing "checks": a list of checks (it may be empty: checks: [])');
  else if (!isSeq(checksNode)) report(start(checksNode), '"checks" must be a list');
  else {
    const seen = new Map<string, number>();
    for (const item of checksNode.items) {
      const spec = readCheck(item as Node, report, vars);
      if (!spec) continue;
      if (seen.has(spec.id))
        report(
          spec.idOffset,
          `duplicate check id "${spec.id}" (first used on line ${lineCounter.linePos(seen.get(spec.id)!).line})`,
        );
      else seen.set(spec.id, spec.idOffset);
      checks.push(spec.check);
    }
  }
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return problems.length
    ? { checklist: null, problems }
    : { checklist: { builtins, vars: [...vars], checks }, problems };
}

type Report = (offset: number, message: string) => void;

/** `vars:`, the only variables the file's requests may read (besides the built-ins). */
function readVars(node: Node | undefined, report: Report): Set<string> {
  const vars = new Set<string>();
  if (!node) return vars;
  if (!isSeq(node)) {
    report(start(node), 'vars must be a list of variable names, such as [VERIFY_CANVAS_URL]');
    return vars;
  }
  for (const item of node.items as Node[]) {
    const name = readString(item);
    if (name === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      report(start(item), 'a variable name is letters, digits and underscores, such as VERIFY_CANVAS_URL');
    else if (!isDeclarableVariable(name))
      report(
        start(item),
        `${name} cannot be declared: checklists may read VERIFY_* variables and molectl's own (src/lib/config/env.ts)`,
      );
    else vars.add(name);
  }
  return vars;
}

function readBuiltins(node: Node | undefined, builtInIds: readonly string[], report: Report): Checklist['builtins'] {
  if (!node) return 'all';
  if (isScalar(node)) {
    if (node.value === true || node.value === 'all') return 'all';
    if (node.value === false || node.value === 'none') return 'none';
  }
  if (isSeq(node)) {
    const ids: string[] = [];
    for (const item of node.items) {
      const id = isScalar(item) ? String(item.value) : '';
      if (!builtInIds.includes(id))
        report(start(item as Node), `"${id}" is not a built-in check (built-ins: ${builtInIds.join(', ')})`);
      else ids.push(id);
    }
    return ids;
  }
  report(start(node), 'builtins must be all, none (or true/false), or a list of built-in check ids');
  return 'all';
}

function readCheck(
  node: Node,
  report: Report,
  vars: ReadonlySet<string>,
): { check: ChecklistCheckSpec; id: string; idOffset: number } | null {
  if (!isMap(node)) {
    report(start(node), 'each check must be a mapping with id, request and conditions');
    return null;
  }
  const fields = readMap(node, ['id', 'name', 'hint', 'retry', 'request', 'conditions'], report, 'a check');
  const idNode = fields.get('id');
  const id = readString(idNode);
  let ok = true;
  if (!idNode) {
    report(start(node), 'the check has no "id"');
    ok = false;
  } else if (id === undefined || !ID_PATTERN.test(id)) {
    report(start(idNode), 'id must be lower-case letters, digits and dashes, as in canvas-home');
    ok = false;
  }
  const name = optionalString(fields.get('name'), 'name', report);
  const hint = optionalString(fields.get('hint'), 'hint', report);
  const retryNode = fields.get('retry');
  if (retryNode && !(isScalar(retryNode) && typeof retryNode.value === 'boolean'))
    report(start(retryNode), 'retry must be true or false');
  const request = readRequest(fields.get('request'), node, report, vars);
  const conditions = readConditions(fields.get('conditions'), node, report);
  if (!ok || !request || !conditions) return null;
  const check: ChecklistCheckSpec = {
    id: id!,
    ...(name === undefined ? {} : { name }),
    ...(hint === undefined ? {} : { hint }),
    retry: isScalar(retryNode) && retryNode.value === true,
    request,
    conditions,
  };
  return { check, id: id!, idOffset: start(idNode!) };
}

function readRequest(
  node: Node | undefined,
  parent: Node,
  report: Report,
  vars: ReadonlySet<string>,
): ChecklistCheckSpec['request'] | null {
  if (!node) {
    report(start(parent), 'the check has no "request" (method, url, headers, body, timeout)');
    return null;
  }
  if (!isMap(node)) {
    report(start(node), 'request must be a mapping with at least url');
    return null;
  }
  const fields = readMap(node, ['method', 'url', 'headers', 'body', 'timeout', 'auth'], report, 'a request');
  const checkVariables = (text: string, at: Node): boolean => checkReferences(text, at, report, vars);
  let ok = true;
  const methodNode = fields.get('method');
  const method = (readString(methodNode) ?? 'GET').toUpperCase() as HttpMethod;
  if (!METHODS.includes(method)) {
    report(start(methodNode!), `method must be one of ${METHODS.join(', ')}`);
    ok = false;
  }
  const urlNode = fields.get('url');
  const url = readString(urlNode);
  if (!urlNode || url === undefined) {
    report(start(urlNode ?? node), 'request needs a url (https://..., or ${VERIFY_...}/path)');
    ok = false;
  } else {
    if (!/^(https?:\/\/|\$\{[A-Za-z_][A-Za-z0-9_]*\})/.test(url)) {
      report(start(urlNode), 'url must start with https:// (http:// only to loopback) or with a ${VARIABLE}');
      ok = false;
    }
    ok = checkVariables(url, urlNode) && ok;
  }
  const authNode = fields.get('auth');
  let auth: AuthKind | undefined;
  if (authNode) {
    const kind = readString(authNode);
    if (kind === undefined || !isAuthKind(kind)) {
      report(
        start(authNode),
        `auth must be one of: ${Object.entries(AUTH_KINDS)
          .map(([k, v]) => `${k} (${v})`)
          .join(', ')}`,
      );
      ok = false;
    } else if (url !== undefined && !isCpRelativeUrl(url)) {
      report(
        start(urlNode ?? authNode),
        `auth: ${kind} goes to the environment's CP only: the url must start with \${CP_URL}/`,
      );
      ok = false;
    } else auth = kind;
  }
  const headers: Record<string, string> = {};
  const headersNode = fields.get('headers');
  if (headersNode && !isMap(headersNode)) {
    report(start(headersNode), 'headers must be a mapping of name: value');
    ok = false;
  } else if (headersNode) {
    for (const pair of (headersNode as YAMLMap).items as Pair<Node, Node>[]) {
      const key = readString(pair.key);
      const value = readString(pair.value ?? undefined);
      if (!key || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) {
        report(start(pair.key), 'a header name is a token such as Authorization or X-Molecule-Org-Id');
        ok = false;
      } else if (value === undefined) {
        report(start(pair.value ?? pair.key), `header ${key} needs a text value`);
        ok = false;
      } else {
        if (key.toLowerCase() === 'authorization' || key.toLowerCase() === 'cookie') {
          report(
            start(pair.key),
            `a checklist does not set ${key}: credentials travel only as auth: (${Object.keys(AUTH_KINDS).join(', ')})`,
          );
          ok = false;
        }
        ok = checkVariables(value, pair.value!) && ok;
        headers[key.toLowerCase()] = value;
      }
    }
  }
  const bodyNode = fields.get('body');
  let body: string | undefined;
  if (bodyNode) {
    body = isScalar(bodyNode) ? String(bodyNode.value) : JSON.stringify(bodyNode.toJSON());
    ok = checkVariables(body, bodyNode) && ok;
    // Bodies are JSON (the HTTP door sends JSON only). A variable stands in as 0, which is valid
    // both inside quotes and as a bare number.
    try {
      JSON.parse(body.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}/g, '0'));
    } catch {
      report(start(bodyNode), 'body must be JSON: a mapping or list, or a JSON text');
      ok = false;
    }
  }
  const timeoutMs = readTimeout(fields.get('timeout'), report);
  if (timeoutMs === null) ok = false;
  return ok
    ? {
        method,
        url: url!,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(typeof timeoutMs === 'number' ? { timeoutMs } : {}),
        ...(auth ? { auth } : {}),
      }
    : null;
}

function readConditions(node: Node | undefined, parent: Node, report: Report): Condition[] | null {
  if (!node) {
    report(start(parent), 'the check has no "conditions", e.g. ["[STATUS] == 200"]');
    return null;
  }
  if (!isSeq(node) || node.items.length === 0) {
    report(start(node), 'conditions must be a non-empty list, e.g. ["[STATUS] == 200"]');
    return null;
  }
  const conditions: Condition[] = [];
  let ok = true;
  for (const item of node.items as Node[]) {
    const text = isScalar(item) && typeof item.value === 'string' ? item.value : undefined;
    if (text === undefined) {
      report(start(item), 'a condition is a string such as "[STATUS] == 200" (quote it in YAML)');
      ok = false;
      continue;
    }
    const parsed = parseCondition(text);
    if (parsed.ok) conditions.push(parsed.condition);
    else {
      const quoted = isScalar(item) && (item.type === 'QUOTE_DOUBLE' || item.type === 'QUOTE_SINGLE') ? 1 : 0;
      report(start(item) + quoted + parsed.column - 1, `condition "${text}": ${parsed.error}`);
      ok = false;
    }
  }
  return ok ? conditions : null;
}

function readTimeout(node: Node | undefined, report: Report): number | undefined | null {
  if (!node) return undefined;
  const raw = isScalar(node) ? node.value : undefined;
  const ms = typeof raw === 'number' ? raw * 1000 : typeof raw === 'string' ? parseDurationMs(raw) : null;
  if (ms === null || ms <= 0 || ms > MAX_TIMEOUT_MS) {
    report(start(node), 'timeout must be a duration from 1ms to 2m, such as 5s or 500ms (a bare number is seconds)');
    return null;
  }
  return ms;
}

/**
 * Each refused reference, at its own line and column: inside a one-line scalar the `${` sits
 * at the node's start (plus its opening quote) plus its index in the text.
 */
function checkReferences(text: string, node: Node, report: Report, vars: ReadonlySet<string>): boolean {
  let ok = true;
  const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') ? 1 : 0;
  const exact = isScalar(node) && typeof node.source === 'string' && !text.includes('\n');
  for (const ref of findVariables(text)) {
    const refusal = refuseVariable(ref.name, vars);
    if (refusal === undefined) continue;
    report(exact ? start(node) + quoted + ref.index : start(node), refusal);
    ok = false;
  }
  return ok;
}

/** The map's values by key; unknown keys are reported at the key. */
function readMap(map: YAMLMap, allowed: string[], report: Report, what: string): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const pair of map.items as Pair<Node, Node>[]) {
    const key = readString(pair.key);
    if (key === undefined || !allowed.includes(key)) {
      report(start(pair.key), `unknown key "${key ?? '?'}" in ${what} (allowed: ${allowed.join(', ')})`);
      continue;
    }
    if (pair.value) out.set(key, pair.value);
  }
  return out;
}

function optionalString(node: Node | undefined, key: string, report: Report): string | undefined {
  if (!node) return undefined;
  const value = readString(node);
  if (value === undefined) report(start(node), `${key} must be text`);
  return value;
}

function readString(node: Node | null | undefined): string | undefined {
  if (!node || !isScalar(node)) return undefined;
  const v = node.value;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function start(node: Node | null | undefined): number {
  return node?.range?.[0] ?? 0;
}
