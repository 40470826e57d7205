import { SANDBOX_TAGS } from '../state.js';
import { runCascadeDelete } from './cascade-delete.js';
import { getSimulatedDelayMs, type CpRuntime } from './cp-runtime.js';
import { emptyResponse, jsonResponse, parseJsonObject, type CpRequest, type CpResponse } from './cp-http.js';
import { parseDurationMs } from '../faults-spec.js';
import type { SandboxState } from '../state.js';
import { completeOrgProvisioning, createOrgRow } from './launch-org.js';
import { runRedeployFleet } from './redeploy-fleet.js';

/** The /cp/admin/* routes (the caller has already passed the CP admin token gate). */

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Workspaces each org created through the API gets (seeded orgs take the sandbox option). */
export const DEFAULT_WORKSPACES_PER_ORG = 1;

export async function handleAdminRoute(runtime: CpRuntime, req: CpRequest): Promise<CpResponse | null> {
  const { state } = runtime;
  const { method, path } = req;

  if (path === '/cp/admin/orgs' && method === 'POST') {
    const body = parseJsonObject(req.body);
    const slug = typeof body?.['slug'] === 'string' ? body['slug'] : '';
    if (!SLUG.test(slug))
      return jsonResponse(400, { error: 'slug must be lowercase letters, digits and dashes (1-63)' });
    // A CP with rules of its own for slugs (a reserved word, a blocklist): flag=createRejects:<slug>.
    if (state.faults.flags['createRejects'] === slug) return jsonResponse(422, { error: `slug "${slug}" is reserved` });
    const existing = state.orgs.get(slug);
    // An idempotent-create CP hands back the existing org instead of 409.
    if (existing && state.faults.flags['createReturnsExisting']) return jsonResponse(200, viewOrg(existing));
    if (existing) return jsonResponse(409, { error: 'slug already taken' });
    const name = typeof body?.['name'] === 'string' && body['name'] !== '' ? body['name'] : slug;
    const owner = typeof body?.['owner_user_id'] === 'string' ? body['owner_user_id'] : '';
    const org = createOrgRow(state, { slug, name, ownerUserId: owner, preCutover: false });
    runtime.scheduler.schedule(getSimulatedDelayMs(state, 'provision'), () => {
      // The org may have been deleted while it was provisioning.
      if (state.orgs.get(slug) === org && org.instanceStatus === 'provisioning')
        completeOrgProvisioning(state, org, DEFAULT_WORKSPACES_PER_ORG);
    });
    // The contract promises only that any 2xx means created; a CP may send no body at all.
    // A gateway that gave up waiting while the CP created the org.
    if (state.faults.flags['createGateway502'])
      return { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>502 Bad Gateway</html>\n' };
    if (state.faults.flags['createEmptyBody']) return emptyResponse(201);
    // A CP that wraps its answers in an envelope.
    if (state.faults.flags['createEnvelope']) return jsonResponse(201, { org: viewOrg(org) });
    // A CP that answers every create 200, new orgs included (the contract: any 2xx means created).
    if (state.faults.flags['createAnswers200']) return jsonResponse(200, viewOrg(org));
    return jsonResponse(201, viewOrg(org));
  }

  if (path === '/cp/admin/orgs' && method === 'GET') return listOrgs(state, req);

  const token = /^\/cp\/admin\/orgs\/([^/]+)\/admin-token$/.exec(path);
  if (token && method === 'GET') {
    const org = state.orgs.get(decodeURIComponent(token[1] ?? ''));
    if (!org) return jsonResponse(404, { error: 'org not found' });
    return jsonResponse(200, { admin_token: org.adminToken });
  }

  const del = /^\/cp\/admin\/tenants\/([^/]+)$/.exec(path);
  if (del && method === 'DELETE' && del[1] !== 'redeploy-fleet') {
    const slug = decodeURIComponent(del[1] ?? '');
    const body = parseJsonObject(req.body);
    if (body?.['confirm'] !== slug) return jsonResponse(400, { error: 'confirm must equal the slug in the path' });
    // A CP whose delete route keys orgs differently from its lists: 404, nothing removed.
    if (state.faults.flags['delete404Kept']) return jsonResponse(404, { error: 'org not found' });
    const org = state.orgs.get(slug);
    if (!org) return jsonResponse(404, { error: 'org not found' });
    // Another caller's delete of the same tenant is running: 409 now, its cascade ends a moment later.
    if (state.faults.flags['deleteConflict']) {
      runtime.scheduler.schedule(300, () => {
        if (state.orgs.get(slug) === org) runCascadeDelete(state, org);
      });
      return jsonResponse(409, { error: 'a delete of this tenant is already in progress' });
    }
    // A cascade that takes longer than a client's timeout: the work finishes, the answer is late.
    const delayMs = readDurationFlag(state.faults.flags['cascadeDelay']);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const outcome = runCascadeDelete(state, org);
    if (!outcome.ok) return jsonResponse(500, { error: outcome.error, purge_id: outcome.purgeId });
    // A CP that removes the row first and then reports the slug as unknown.
    if (state.faults.flags['delete404']) return jsonResponse(404, { error: 'org not found' });
    return jsonResponse(200, { ok: true, purge_id: outcome.purgeId, steps: outcome.steps });
  }

  if (path === '/cp/admin/tenants/redeploy-fleet' && method === 'POST') {
    const body = parseJsonObject(req.body) ?? {};
    const targetTag = body['target_tag'];
    if (typeof targetTag !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(targetTag))
      return jsonResponse(400, { error: 'target_tag is required' });
    const result = await runRedeployFleet(runtime, {
      targetTag,
      canarySlug: typeof body['canary_slug'] === 'string' && body['canary_slug'] !== '' ? body['canary_slug'] : null,
      soakSeconds: typeof body['soak_seconds'] === 'number' ? body['soak_seconds'] : 0,
      batchSize:
        typeof body['batch_size'] === 'number' && body['batch_size'] >= 1 ? Math.floor(body['batch_size']) : 10,
      dryRun: body['dry_run'] === true,
    });
    return jsonResponse(200, result);
  }

  const consoleRoute = /^\/cp\/admin\/workspaces\/([^/]+)\/console$/.exec(path);
  if (consoleRoute && method === 'GET') {
    const workspaceId = decodeURIComponent(consoleRoute[1] ?? '');
    for (const instance of state.instances.values()) {
      if (instance.tags.some((t) => t.Key === SANDBOX_TAGS.workspaceIdKey && t.Value === workspaceId)) {
        return jsonResponse(200, { output: instance.console });
      }
    }
    return jsonResponse(404, { error: 'workspace not found' });
  }

  return null;
}

/**
 * GET /cp/admin/orgs?limit=n. The contract leaves paging open, so faults rehearse the answers a
 * real CP may give: a page capped below `limit` (orgPageCap:n), `limit` ignored (orgLimitIgnored),
 * a `limit` above n refused with 400 (orgLimitMax:n),
 * odd rows (orgRowBroken:<slug> sends id null and no instance_status; orgRowNoCreatedAt:<slug>
 * sends created_at null; orgCreatedAtEpoch sends every created_at as epoch seconds; orgCreatedAtNoZone
 * as `2026-12-07 20:00:00`, UTC without saying so), rows with extra fields of n bytes (orgRowExtraBytes:n), and a cursor
 * on a page that stops short (orgNextCursor).
 */
function listOrgs(state: SandboxState, req: CpRequest): CpResponse {
  const flags = state.faults.flags;
  const max = flags['orgLimitMax'];
  if (typeof max === 'number' && Number(req.query.get('limit')) > max)
    return jsonResponse(400, { error: `limit must be at most ${max}` });
  let limit = flags['orgLimitIgnored'] ? 10_000 : clampInt(req.query.get('limit'), 100, 1, 10_000);
  if (typeof flags['orgPageCap'] === 'number') limit = Math.min(limit, flags['orgPageCap']);
  const orgs = [...state.orgs.values()].slice(0, limit).map((org): Record<string, unknown> => {
    const row: Record<string, unknown> = viewOrg(org);
    if (flags['orgRowBroken'] === org.slug) {
      row['id'] = null;
      delete row['instance_status'];
    }
    if (flags['orgRowNoCreatedAt'] === org.slug) row['created_at'] = null;
    if (flags['orgCreatedAtEpoch']) row['created_at'] = Math.floor(org.createdAt.getTime() / 1000);
    // A timestamp column printed as text: UTC, but nothing in it says so.
    if (flags['orgCreatedAtNoZone'])
      row['created_at'] = org.createdAt
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, '');
    if (typeof flags['orgRowExtraBytes'] === 'number') row['settings'] = 'x'.repeat(flags['orgRowExtraBytes']);
    return row;
  });
  // A CP that pages with a cursor says so when the page stops short of its orgs.
  if (flags['orgNextCursor'] && orgs.length < state.orgs.size)
    return jsonResponse(200, { orgs, next_cursor: `c${orgs.length}` });
  return jsonResponse(200, { orgs });
}

function readDurationFlag(value: boolean | string | number | undefined): number {
  if (typeof value === 'number') return value;
  return typeof value === 'string' ? (parseDurationMs(value) ?? 0) : 0;
}

function viewOrg(org: {
  id: string;
  slug: string;
  name: string;
  instanceStatus: string;
  createdAt: Date;
  ownerUserId: string;
}): Record<string, string> {
  return {
    id: org.id,
    slug: org.slug,
    name: org.name,
    instance_status: org.instanceStatus,
    created_at: org.createdAt.toISOString(),
    owner_user_id: org.ownerUserId,
  };
}

function clampInt(text: string | null, fallback: number, min: number, max: number): number {
  const n = text === null ? NaN : Number.parseInt(text, 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
}
