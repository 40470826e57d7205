import type { CpRequest, CpResponse } from '../cp/cp-http.js';
import { jsonResponse, parseJsonObject } from '../cp/cp-http.js';
import type { SandboxState } from '../state.js';
import { getDeployServices, SANDBOX_GITEA_TOKEN } from './deploy-services-state.js';

/**
 * Gitea's Actions secrets API (1.22), reduced to what secret rotation sends, under /_gitea:
 *   PUT /api/v1/repos/{owner}/{repo}/actions/secrets/{name}  body {"data": value}: 201 created, 204 updated
 *   GET /api/v1/repos/{owner}/{repo}/actions/secrets          names and creation dates, never values,
 *                                                             by page (?page, ?limit: 30, at most 50; X-Total-Count)
 * Auth is `Authorization: token <GITEA_TOKEN>` (or Bearer). Every repository exists; the fault flag
 * `giteaSecretsFail` answers the PUT with 500 (always, or the next n times), so a CI-mirror consumer can fail mid-rotation.
 */
/** Gitea's page sizes for API listings: setting.API.DefaultPagingNum and MaxResponseItems. */
const GITEA_DEFAULT_PAGE = 30;
const GITEA_MAX_PAGE = 50;

export function handleGiteaRequest(state: SandboxState, req: CpRequest, path: string): CpResponse {
  const auth = req.headers['authorization'] ?? '';
  if (auth !== `token ${SANDBOX_GITEA_TOKEN}` && auth !== `Bearer ${SANDBOX_GITEA_TOKEN}`)
    return jsonResponse(401, { message: 'token is required' });
  const secrets = getDeployServices(state).giteaActionsSecrets;
  const one = /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/actions\/secrets\/([A-Za-z0-9_]+)$/.exec(path);
  if (one && req.method === 'PUT') {
    const fault = state.faults.flags['giteaSecretsFail'];
    if (fault) {
      // true: every PUT fails; a number n: the next n PUTs fail.
      if (typeof fault === 'number') {
        if (fault <= 1) delete state.faults.flags['giteaSecretsFail'];
        else state.faults.flags['giteaSecretsFail'] = fault - 1;
      }
      return jsonResponse(500, { message: 'simulated Gitea failure' });
    }
    const body = parseJsonObject(req.body);
    if (typeof body?.data !== 'string' || body.data.length === 0)
      return jsonResponse(422, { message: 'data is required' });
    const key = `${one[1]!.toLowerCase()}/${one[2]}/${one[3]!.toUpperCase()}`;
    const existed = secrets.has(key);
    secrets.set(key, { value: body.data, createdAt: new Date().toISOString() });
    return existed ? { status: 204, headers: {}, body: '' } : jsonResponse(201, {});
  }
  const list = /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/actions\/secrets$/.exec(path);
  if (list && req.method === 'GET') {
    const prefix = `${list[1]!.toLowerCase()}/${list[2]}/`;
    const rows = [...secrets.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => ({ name: k.slice(prefix.length), created_at: v.createdAt }));
    // Gitea's paging: ?page (from 1) and ?limit (30 by default, at most 50), the total in a header.
    const page = Math.max(1, Number.parseInt(req.query.get('page') ?? '', 10) || 1);
    const asked = Number.parseInt(req.query.get('limit') ?? '', 10);
    const limit = asked > 0 ? Math.min(asked, GITEA_MAX_PAGE) : GITEA_DEFAULT_PAGE;
    const response = jsonResponse(200, rows.slice((page - 1) * limit, page * limit));
    return { ...response, headers: { ...response.headers, 'x-total-count': String(rows.length) } };
  }
  return jsonResponse(404, { message: 'the sandbox simulates only the Actions secrets routes of Gitea' });
}
