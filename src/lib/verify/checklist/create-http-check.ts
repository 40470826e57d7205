import type { HeaderReader } from '../../http/node-http-fetch.js';
import type { EnvVars } from '../../config/env.js';
import { remoteText } from '../../output/remote-text.js';
import type { Redactor } from '../../output/redactor.js';
import { fail, pass, skip, type VerifyCheck } from '../check-types.js';
import type { VerifySettings } from '../resolve-verify-settings.js';
import { credentialOriginAllowed } from './checklist-secrets.js';
import type { ChecklistCheckSpec } from './checklist-types.js';
import { evaluateCondition } from './condition.js';
import { interpolate, type InterpolationResult } from './interpolate.js';
import { formatCount } from '../../output/format-count.js';

/**
 * A checklist file's check as a VerifyCheck: interpolate, send one request through the HTTP door,
 * evaluate every condition. Invariants (checklist-secrets.ts): interpolation reads only the
 * file's declared variables and the built-ins; no registered secret leaves in the URL, a header
 * or the body (verify refuses the whole run before sending anything, and each check checks
 * again); the only credential is the one `auth:` names, added here, to its own origin.
 */
export function createHttpCheck(spec: ChecklistCheckSpec, vars: readonly string[]): VerifyCheck {
  return {
    id: spec.id,
    title: spec.name ?? `${spec.request.method} ${spec.request.url}`,
    source: 'checklist',
    waits: spec.retry,
    async run(deps) {
      const prepared = prepareRequest(spec, vars, deps);
      if (!prepared.ok) {
        return skip(
          `needs ${prepared.missing.map((n) => `\${${n}}`).join(', ')}, which ${prepared.missing.length === 1 ? 'is' : 'are'} not set`,
          `export ${prepared.missing.join(', ')} before running verify`,
        );
      }
      const leak = findRegisteredValue(prepared, deps.redactor);
      if (leak)
        return fail(
          `not sent: the ${leak} holds a secret molectl holds`,
          'a checklist sends credentials only with auth:',
          false,
        );
      const { url, headers, body } = prepared;
      if (spec.request.auth === 'cp-admin') {
        if (!credentialOriginAllowed(url, deps.settings.cpUrl))
          return fail(
            `not sent: auth: cp-admin goes to ${new URL(deps.settings.cpUrl).origin} over https only`,
            'start the url with ${CP_URL}/',
            false,
          );
        headers.authorization = `Bearer ${await deps.adminToken()}`;
      }
      let json: unknown;
      if (body !== undefined) {
        try {
          json = JSON.parse(body);
        } catch {
          return fail(
            'the request body is not valid JSON once its variables are filled in',
            'check the variables used in the body: a text value needs quotes around ${...}',
            false,
          );
        }
      }
      const began = performance.now();
      const response = await deps.request({
        method: spec.request.method,
        url,
        headers,
        ...(json === undefined ? {} : { json }),
        // Without a timeout of its own a check waits as the built-in checks do: MOLECTL_CALL_TIMEOUT,
        // else 10 s (createCheckDeps), so one setting governs a run whose checks replace built-ins.
        ...(spec.request.timeoutMs === undefined ? {} : { timeoutMs: spec.request.timeoutMs }),
        timeoutHint:
          "raise this check's `timeout:` in the checklist (at most 2m; without one it waits MOLECTL_CALL_TIMEOUT, else 10s) to wait longer",
        // One attempt: conditions judge what the service answered, not what a retry hid.
        retries: 0,
        accept: () => true,
      });
      const responseTimeMs = performance.now() - began;
      const observed = {
        status: response.status,
        bodyText: response.bodyText,
        headers: headersToRecord(response.headers),
        responseTimeMs,
      };
      const failures = spec.conditions
        .map((c) => ({ c, verdict: evaluateCondition(c, observed) }))
        .filter((r) => !r.verdict.pass)
        .map((r) => `${r.c.source} (actual ${remoteText(String(r.verdict.actual))})`);
      const summary = `HTTP ${response.status} in ${Math.round(responseTimeMs)} ms`;
      if (failures.length === 0) return pass(`${summary}, ${formatCount(spec.conditions.length, 'condition')} met`);
      return fail(
        `${summary}; not met: ${failures.join('; ')}`,
        spec.hint ?? `check the service behind ${spec.request.url}`,
      );
    },
  };
}

export interface PreparedRequest {
  ok: true;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** The request with its variables filled in, or the variables that are unset. Reads nothing else. */
export function prepareRequest(
  spec: ChecklistCheckSpec,
  vars: readonly string[],
  deps: { settings: VerifySettings; env: EnvVars },
): PreparedRequest | { ok: false; missing: string[] } {
  const lookup = createLookup(vars, deps);
  const url = interpolate(spec.request.url, lookup);
  const headerResults = Object.entries(spec.request.headers).map(
    ([name, value]) => [name, interpolate(value, lookup)] as const,
  );
  const body = spec.request.body === undefined ? undefined : interpolate(spec.request.body, lookup);
  const missing = collectMissing([url, body, ...headerResults.map(([, r]) => r)]);
  if (missing.length || !url.ok || (body && !body.ok)) return { ok: false, missing };
  const headers: Record<string, string> = {};
  for (const [name, result] of headerResults) if (result.ok) headers[name] = result.text;
  return { ok: true, url: url.text, headers, ...(body ? { body: body.text } : {}) };
}

/** Which part of a request carries a value registered with the redactor, if any. */
export function findRegisteredValue(request: PreparedRequest, redactor: Redactor): string | undefined {
  if (redactor.containsRegistered(request.url)) return 'url';
  for (const [name, value] of Object.entries(request.headers))
    if (redactor.containsRegistered(value)) return `header ${name}`;
  if (request.body !== undefined && redactor.containsRegistered(request.body)) return 'body';
  return undefined;
}

/** Built-ins and the declared variables; nothing else of the environment is visible. */
function createLookup(
  vars: readonly string[],
  deps: { settings: VerifySettings; env: EnvVars },
): (name: string) => string | undefined {
  const builtIns: Record<string, string | undefined> = {
    CP_URL: deps.settings.cpUrl,
    ENVIRONMENT: deps.settings.environmentName,
    COMMIT: deps.settings.expectCommit,
  };
  const declared = new Set(vars);
  return (name) =>
    name in builtIns
      ? builtIns[name]
      : declared.has(name)
        ? (deps.env as Record<string, string | undefined>)[name]
        : undefined;
}

function collectMissing(results: Array<InterpolationResult | undefined>): string[] {
  const names = results.flatMap((r) => (r && !r.ok ? r.missing : []));
  return [...new Set(names)];
}

function headersToRecord(headers: HeaderReader): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
}
