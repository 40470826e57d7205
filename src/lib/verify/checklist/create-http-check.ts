import type { HeaderReader } from '../../http/node-http-fetch.js';
import type { EnvVars } from '../../config/env.js';
import { fail, pass, skip, type CheckDeps, type VerifyCheck } from '../check-types.js';
import type { ChecklistCheckSpec } from './checklist-types.js';
import { evaluateCondition } from './condition.js';
import { interpolate, isSecretVariableName, type InterpolationResult } from './interpolate.js';

/**
 * A checklist file's check as a VerifyCheck: interpolate, send one request through the HTTP door,
 * evaluate every condition. Invariant: every header value and every secret-named variable's value
 * is registered with the redactor before the request is sent, so no report can show it.
 */
export function createHttpCheck(spec: ChecklistCheckSpec): VerifyCheck {
  return {
    id: spec.id,
    title: spec.name ?? `${spec.request.method} ${spec.request.url}`,
    source: 'checklist',
    waits: spec.retry,
    async run(deps) {
      const lookup = createLookup(deps);
      const url = interpolate(spec.request.url, lookup);
      const headerResults = Object.entries(spec.request.headers).map(([name, value]) => [name, interpolate(value, lookup)] as const);
      const body = spec.request.body === undefined ? undefined : interpolate(spec.request.body, lookup);
      const missing = collectMissing([url, body, ...headerResults.map(([, r]) => r)]);
      if (missing.length) {
        return skip(`needs ${missing.map((n) => `\${${n}}`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not set`, `export ${missing.join(', ')} before running verify`);
      }
      const headers: Record<string, string> = {};
      for (const [name, result] of headerResults) {
        const value = (result as { text: string }).text;
        deps.redactor.register(value, 'checklist-header');
        // "Bearer <token>": the token alone may show up elsewhere (an echoing server).
        const credential = /^\s*(?:Bearer|Basic|Token)\s+(\S+)\s*$/i.exec(value)?.[1];
        if (credential) deps.redactor.register(credential, 'checklist-header');
        headers[name] = value;
      }
      let json: unknown;
      if (body) {
        try {
          json = JSON.parse((body as { text: string }).text);
        } catch {
          return fail('the request body is not valid JSON once its variables are filled in', 'check the variables used in the body: a text value needs quotes around ${...}', false);
        }
      }
      const began = performance.now();
      const response = await deps.request({
        method: spec.request.method,
        url: (url as { text: string }).text,
        headers,
        ...(json === undefined ? {} : { json }),
        timeoutMs: spec.request.timeoutMs,
        // One attempt: conditions judge what the service answered, not what a retry hid.
        retries: 0,
        accept: () => true,
      });
      const responseTimeMs = performance.now() - began;
      const observed = { status: response.status, bodyText: response.bodyText, headers: headersToRecord(response.headers), responseTimeMs };
      const failures = spec.conditions
        .map((c) => ({ c, verdict: evaluateCondition(c, observed) }))
        .filter((r) => !r.verdict.pass)
        .map((r) => `${r.c.source} (actual ${r.verdict.actual})`);
      const summary = `HTTP ${response.status} in ${Math.round(responseTimeMs)} ms`;
      if (failures.length === 0) return pass(`${summary}, ${spec.conditions.length} condition${spec.conditions.length === 1 ? '' : 's'} met`);
      return fail(`${summary}; not met: ${failures.join('; ')}`, spec.hint ?? `check the service behind ${spec.request.url}`);
    },
  };
}

function createLookup(deps: CheckDeps): (name: string) => string | undefined {
  const builtIns: Record<string, string | undefined> = {
    CP_URL: deps.settings.cpUrl,
    ENVIRONMENT: deps.settings.environmentName,
    COMMIT: deps.settings.expectCommit,
  };
  return (name) => {
    const value = name in builtIns ? builtIns[name] : (deps.env as Record<string, string | undefined>)[name as keyof EnvVars];
    if (value && isSecretVariableName(name)) deps.redactor.register(value, 'checklist-variable');
    return value;
  };
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
