import { ConfigError, ExitCode, HttpError, MolectlError, NotFoundError, UsageError } from '../errors.js';
import type { Redactor } from '../output/redactor.js';
import { checkHttpUrl } from '../http/check-http-url.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  httpRequest,
  type FetchFn,
  type HttpDoorOptions,
  type HttpMethod,
  type HttpResponse,
  type RetryInfo,
  type SleepFn,
} from '../http/http-request.js';
import { extractRemoteError } from '../http/remote-error.js';
import { parseJsonBody, validateResponse, type ResponseSchema } from '../http/validate-response.js';
import type {
  CpHealth,
  CreatedOrg,
  OrgInstance,
  RedeployFleetResponse,
  TenantConfig,
  WorkspaceStatus,
} from './cp-schemas.js';
import { checkOrgSlug, checkResourceId } from './check-org-slug.js';
import { readMoreSignal } from './read-more-signal.js';
import { readCreatedOrgFields, readOrgRows, type OrgPage } from './read-org-answers.js';
import { createCpError, createTenantCredentialError } from './create-cp-error.js';
import { readPurgeId, TenantPurgeIncompleteError } from './tenant-purge-incomplete-error.js';

export interface CpClientOptions {
  baseUrl: string;
  /** Asked only when a /cp/admin/* call is made, at most once per client. */
  getAdminToken: () => Promise<string>;
  redactor: Redactor;
  timeoutMs?: number;
  retries?: number;
  fetch?: FetchFn;
  sleep?: SleepFn;
  random?: () => number;
  onRetry?: (info: RetryInfo) => void;
  signal?: AbortSignal;
}

export interface RedeployFleetOptions {
  targetTag: string;
  canarySlug?: string;
  soakSeconds?: number;
  batchSize?: number;
  dryRun?: boolean;
  /** The CP may answer only when the rollout ends; default 15 minutes (a guess: not documented). */
  timeoutMs?: number;
}

/** Smaller pages asked for when the CP refuses a `limit` as too large, in order. */
const FALLBACK_ORG_LIMITS = [100, 50];

/**
 * Room per org row in a list answer. The sandbox's rows are a few hundred bytes, but rows may carry
 * any extra fields (the contract lists only four), and a CP whose rows hold settings or metadata
 * of a few KB would otherwise fail every fleet command at the cap: 8 KiB a row (4 MiB for 500).
 */
const ORG_ROW_BYTES = 8 * 1024;

interface CallSpec {
  method: HttpMethod;
  path: string;
  admin?: boolean;
  headers?: Record<string, string>;
  json?: unknown;
  timeoutMs?: number;
  /** Overrides the client's retry count for this call (0: send once). */
  retries?: number;
  unknownOutcomeHint?: string;
  /** A larger answer than the door's default cap is expected (a long org list). */
  maxBodyBytes?: number;
  /** Route-specific translation of an error status; undefined falls through to the defaults. */
  mapStatus?: (status: number, remoteError: string | undefined) => MolectlError | undefined;
}

/**
 * The schemas (and zod with them, ~100 ms) load on the first call, not with this module: the
 * context module imports CpClient for every command, including ones that never call the CP.
 */
const loadSchemas = () => import('./cp-schemas.js');
type CpSchemas = Awaited<ReturnType<typeof loadSchemas>>;

const SECRET_KEY_PATTERN = /key|token|secret|passw|credential/i;

/** Typed client for the control plane routes ops use (../shared/platform.md, "CP HTTP API"). */
export class CpClient {
  readonly baseUrl: string;
  /**
   * True once `GET /cp/orgs/:slug/instance` answered 200 with an instance in this process: the
   * route is mounted, so a 404 from it means "no such org" rather than "no such route".
   */
  edgeRouteAnswered = false;
  /**
   * True once `GET /cp/admin/orgs/:slug/admin-token` answered 200 with a token in this process:
   * that route is mounted, so its 404 means "no such org" rather than "no such route".
   */
  adminTokenRouteAnswered = false;
  /** The org-list page size the CP accepted after refusing a larger one, and that refusal. */
  private orgLimitAccepted: { limit: number; refused: NonNullable<OrgPage['limitRefused']> } | undefined;
  private readonly options: CpClientOptions;
  private adminTokenPromise: Promise<string> | undefined;

  constructor(options: CpClientOptions) {
    // Checked here so a bad CP URL fails before any credential is fetched or anything is sent.
    checkHttpUrl(options.baseUrl, 'CP URL');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.options = options;
  }

  /**
   * The same CP through another admin token: how a rotation proves the CP accepts the new one
   * (the token is registered with the redactor on first use, as every admin token is).
   */
  withAdminToken(token: string): CpClient {
    return new CpClient({ ...this.options, getAdminToken: async () => token });
  }

  async health(): Promise<CpHealth> {
    return this.callJson((schemas) => schemas.cpHealthSchema(), { method: 'GET', path: '/health' });
  }

  /**
   * POST /cp/admin/orgs. Any 2xx means the CP accepted it (the contract); the body is read
   * leniently, since only `id` is promised and a CP may send none: the caller then finds the
   * org by slug. `createdAt` lets the caller tell a CP that answers 200 with an org that
   * existed before from one that just created it.
   */
  async createOrg(input: { slug: string; name: string; ownerUserId: string }): Promise<CreatedOrg> {
    const slug = checkOrgSlug(input.slug);
    const response = await this.call({
      method: 'POST',
      path: '/cp/admin/orgs',
      admin: true,
      json: { slug, name: input.name, owner_user_id: input.ownerUserId },
      unknownOutcomeHint: `run \`molectl org list\` to see whether org "${slug}" was created before trying again`,
      mapStatus: (status, remoteError) => {
        const url = `${this.baseUrl}/cp/admin/orgs`;
        if (status === 409)
          return new HttpError({
            method: 'POST',
            url,
            status,
            // Issue 4: a taken slug is an operation that failed (exit 1), not malformed input.
            code: ExitCode.failed,
            message: `org slug "${slug}" is already taken`,
            hint: 'pick another slug, or run `molectl org list` to see the existing org',
          });
        // The CP's own rules for slug, name and owner go beyond what molectl checks locally
        // (reserved words, an unknown owner): a rejected input, nothing created (exit 2).
        if (status === 400 || status === 422)
          return new HttpError({
            method: 'POST',
            url,
            status,
            ...(remoteError === undefined ? {} : { remoteError }),
            code: ExitCode.usage,
            message: `the CP rejected org "${slug}" (HTTP ${status}${remoteError ? `: ${remoteError}` : ''}); nothing was created`,
            hint: 'change the slug, --name or --owner as the CP says, then run org create again',
          });
        return undefined;
      },
    });
    let body: unknown;
    try {
      body = parseJsonBody(response, 'POST');
    } catch {
      body = undefined; // a 2xx whose body is not JSON still means created; the org is found by slug
    }
    const fields = readCreatedOrgFields((await loadSchemas()).createdOrgSchema(), body, slug);
    const date = Date.parse(response.headers.get('date') ?? '');
    return {
      httpStatus: response.status,
      id: fields.id ?? null,
      createdAt: fields.created_at ?? null,
      answeredAt: Number.isNaN(date) ? null : new Date(date),
    };
  }

  /**
   * One page of orgs. The contract says nothing of paging: a CP may cap the page below `limit`
   * or ignore `limit`, so absence from the page never proves an org is gone (see OrgDirectory).
   * Rows are validated one by one: an odd row is reported in `unreadable`, never fatal.
   */
  async listOrgs(options: { limit?: number } = {}): Promise<OrgPage> {
    const asked = options.limit ?? 500;
    if (!Number.isInteger(asked) || asked < 1)
      throw new UsageError(`--limit must be a whole number of at least 1, not ${asked}`, 'for example --limit 500');
    // A CP with a maximum page size may refuse a larger `limit` (400/422) instead of capping it:
    // smaller pages are asked for, and the page says which limit was refused. What is beyond the
    // page is confirmed slug by slug (OrgDirectory), as for a capped page.
    // A limit the CP refused once is not asked for again in this process (a create's wait asks
    // every few seconds): later pages start at the size it accepted, and still say what it refused.
    const cap = this.orgLimitAccepted;
    const first = cap && cap.limit < asked ? cap.limit : asked;
    let refused: OrgPage['limitRefused'] = first < asked ? cap!.refused : null;
    for (const limit of [first, ...FALLBACK_ORG_LIMITS.filter((l) => l < first)]) {
      try {
        const page = await this.readOrgPage(limit);
        if (refused && limit !== first) this.orgLimitAccepted = { limit, refused };
        return { ...page, limitRefused: refused };
      } catch (error) {
        // The smallest fallback refused too: that refusal is the answer.
        if (!(error instanceof HttpError && (error.status === 400 || error.status === 422))) throw error;
        if (limit <= FALLBACK_ORG_LIMITS.at(-1)!) throw error;
        refused ??= { limit, answer: `HTTP ${error.status}${error.remoteError ? `: ${error.remoteError}` : ''}` };
      }
    }
    throw new Error('unreachable: the last page size asked for is the smallest fallback, whose refusal is thrown');
  }

  private async readOrgPage(limit: number): Promise<OrgPage> {
    const response = await this.call({
      method: 'GET',
      path: `/cp/admin/orgs?limit=${encodeURIComponent(String(limit))}`,
      admin: true,
      // A page of hundreds of orgs can pass 1 MiB: the cap grows with what was asked for.
      maxBodyBytes: Math.max(DEFAULT_MAX_BODY_BYTES, limit * ORG_ROW_BYTES),
    });
    const schemas = await loadSchemas();
    const body = this.validate(schemas.orgListSchema(), parseJsonBody(response, 'GET'), response, 'GET');
    const more = readMoreSignal(body, body.orgs.length, response.headers.get('link'));
    return { ...readOrgRows(schemas.orgRowSchema(), body.orgs), limit, more, limitRefused: null };
  }

  /**
   * Invariant: the token is registered with the redactor before this returns and before any
   * validation error could be built, so nothing downstream can print it.
   */
  async getOrgAdminToken(slug: string): Promise<string> {
    const checked = checkOrgSlug(slug);
    const response = await this.call({
      method: 'GET',
      path: `/cp/admin/orgs/${checked}/admin-token`,
      admin: true,
      mapStatus: this.orgNotFound(checked),
    });
    const parsed = parseJsonBody(response, 'GET');
    const raw = (parsed as { admin_token?: unknown } | undefined)?.admin_token;
    if (typeof raw === 'string') this.options.redactor.register(raw, 'tenant-admin-token');
    const token = this.validate((await loadSchemas()).adminTokenSchema(), parsed, response, 'GET').admin_token;
    this.adminTokenRouteAnswered = true;
    return token;
  }

  /**
   * One DELETE of the cascade, sent exactly once: the HTTP door does not repeat it, because a
   * cascade can outlast the call's timeout and a repeat would run beside the first. Resolves
   * when the CP answers 2xx; throws TenantPurgeIncompleteError when it stopped part way (500
   * with purge_id: repeat the call), NotFoundError on 404 (the CP does not know the slug, after
   * a finished cascade too), NoAnswerError when no answer came (the cascade may be running).
   */
  async deleteTenant(
    slug: string,
    options: { timeoutMs?: number } = {},
  ): Promise<{ status: 'deleted'; httpStatus: number }> {
    const checked = checkOrgSlug(slug);
    const response = await this.call(
      {
        method: 'DELETE',
        path: `/cp/admin/tenants/${checked}`,
        admin: true,
        json: { confirm: checked },
        retries: 0,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        mapStatus: this.orgNotFound(checked),
      },
      (status, bodyText) => {
        if (status !== 500) return undefined;
        const purgeId = readPurgeId(bodyText);
        return purgeId === undefined
          ? undefined
          : new TenantPurgeIncompleteError(checked, purgeId, extractRemoteError(bodyText, this.options.redactor));
      },
    );
    return { status: 'deleted', httpStatus: response.status };
  }

  async redeployFleet(options: RedeployFleetOptions): Promise<RedeployFleetResponse> {
    return this.callJson((schemas) => schemas.redeployFleetSchema(), {
      method: 'POST',
      path: '/cp/admin/tenants/redeploy-fleet',
      admin: true,
      timeoutMs: options.timeoutMs ?? 15 * 60_000,
      json: {
        target_tag: options.targetTag,
        canary_slug: options.canarySlug ?? '',
        soak_seconds: options.soakSeconds ?? 0,
        batch_size: options.batchSize ?? 0,
        dry_run: options.dryRun ?? false,
      },
      unknownOutcomeHint:
        "a fleet redeploy may be running: check the tenants' image tags (`molectl fleet audit --checks image-drift`) before starting another",
    });
  }

  /** Serial console text. It can contain secrets (user-data, set -x traces): redact before showing. */
  async getWorkspaceConsole(workspaceId: string): Promise<string> {
    const id = checkResourceId(workspaceId, 'workspace id');
    const body = await this.callJson((schemas) => schemas.workspaceConsoleSchema(), {
      method: 'GET',
      path: `/cp/admin/workspaces/${id}/console`,
      admin: true,
    });
    return body.output;
  }

  /**
   * The edge's unauthenticated view of an org. `keys` is the raw top-level key list, so verify
   * can assert `admin_token` is absent; if it is present its value is registered with the
   * redactor at once (a leak must not be made worse by printing it).
   */
  async getOrgInstance(slug: string): Promise<{ instance: OrgInstance; keys: string[] }> {
    const checked = checkOrgSlug(slug);
    const response = await this.call({
      method: 'GET',
      path: `/cp/orgs/${checked}/instance`,
      mapStatus: this.orgNotFound(checked),
    });
    const parsed = parseJsonBody(response, 'GET');
    const keys = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? Object.keys(parsed) : [];
    const leaked = (parsed as { admin_token?: unknown } | undefined)?.admin_token;
    if (typeof leaked === 'string') this.options.redactor.register(leaked, 'tenant-admin-token');
    const instance = this.validate((await loadSchemas()).orgInstanceSchema(), parsed, response, 'GET');
    this.edgeRouteAnswered = true;
    return { instance, keys };
  }

  /**
   * POST /cp/workspaces/provision and report only the status: without a bearer the CP must
   * answer 401; 404 means the routes did not mount (PROVISION_SHARED_SECRET unset on the CP).
   */
  async probeProvisionRoute(
    options: { bearer?: string; adminToken?: string } = {},
  ): Promise<{ status: number; remoteError?: string }> {
    const headers = this.tenantHeaders(options.bearer, { 'x-molecule-admin-token': options.adminToken });
    const response = await httpRequest({
      ...this.doorOptions(),
      method: 'POST',
      url: `${this.baseUrl}/cp/workspaces/provision`,
      headers,
      json: {},
      accept: () => true,
    });
    const remoteError = extractRemoteError(response.bodyText, this.options.redactor);
    return { status: response.status, ...(remoteError === undefined ? {} : { remoteError }) };
  }

  /** Read-only proof of a tenant's CP credentials: 401 means the pair was rejected (exit 3). */
  async getWorkspaceStatus(input: {
    workspaceId: string;
    instanceId: string;
    sharedSecret: string;
    adminToken: string;
  }): Promise<WorkspaceStatus> {
    const id = checkResourceId(input.workspaceId, 'workspace id');
    const instanceId = checkResourceId(input.instanceId, 'instance id');
    return this.callJson((schemas) => schemas.workspaceStatusSchema(), {
      method: 'GET',
      path: `/cp/workspaces/${id}/status?instance_id=${encodeURIComponent(instanceId)}`,
      headers: this.tenantHeaders(input.sharedSecret, { 'x-molecule-admin-token': input.adminToken }),
      mapStatus: (status) =>
        status === 401 || status === 403
          ? createTenantCredentialError({
              baseUrl: this.baseUrl,
              method: 'GET',
              path: `/cp/workspaces/${id}/status`,
              status,
              what: 'the shared secret (PROVISION_SHARED_SECRET) or the tenant admin token',
            })
          : undefined,
    });
  }

  /** The tenant's env as the CP hands it out. Values under secret-looking keys are registered with the redactor. */
  async getTenantConfig(input: { adminToken: string; orgId: string }): Promise<TenantConfig> {
    const config = await this.callJson((schemas) => schemas.tenantConfigSchema(), {
      method: 'GET',
      path: '/cp/tenants/config',
      headers: this.tenantHeaders(input.adminToken, { 'x-molecule-org-id': input.orgId }),
      mapStatus: (status) =>
        status === 401 || status === 403
          ? createTenantCredentialError({
              baseUrl: this.baseUrl,
              method: 'GET',
              path: '/cp/tenants/config',
              status,
              what: 'the tenant admin token or org id',
            })
          : undefined,
    });
    for (const [key, value] of Object.entries(config)) {
      if (typeof value === 'string' && SECRET_KEY_PATTERN.test(key))
        this.options.redactor.register(value, 'tenant-config-secret');
    }
    return config;
  }

  /**
   * `pick` names the answer's schema. The schemas (and zod, ~3 ms to load) are loaded once the
   * request is on its way (setImmediate: after the request's own synchronous steps), so that
   * loading them overlaps the wait for the answer instead of delaying the request.
   */
  private async callJson<T>(pick: (schemas: CpSchemas) => ResponseSchema<T>, spec: CallSpec): Promise<T> {
    const [response, schemas] = await Promise.all([
      this.call(spec),
      new Promise<void>((resolve) => setImmediate(resolve)).then(loadSchemas),
    ]);
    return this.validate(pick(schemas), parseJsonBody(response, spec.method), response, spec.method);
  }

  private validate<T>(schema: ResponseSchema<T>, value: unknown, response: HttpResponse, method: string): T {
    return validateResponse(schema, value, { method, url: response.url, redactor: this.options.redactor });
  }

  /**
   * One CP call through the HTTP door. `inspect` sees every non-2xx body before the generic
   * mapping (deleteTenant reads purge_id there); it must return an error, never the body.
   */
  private async call(
    spec: CallSpec,
    inspect?: (status: number, bodyText: string) => MolectlError | undefined,
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.admin) headers.authorization = `Bearer ${await this.adminToken()}`;
    const response = await httpRequest({
      ...this.doorOptions(),
      method: spec.method,
      url: `${this.baseUrl}${spec.path}`,
      headers,
      ...(spec.json === undefined ? {} : { json: spec.json }),
      ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
      ...(spec.retries === undefined ? {} : { retries: spec.retries }),
      ...(spec.unknownOutcomeHint === undefined ? {} : { unknownOutcomeHint: spec.unknownOutcomeHint }),
      ...(spec.maxBodyBytes === undefined ? {} : { maxBodyBytes: spec.maxBodyBytes }),
      // Non-2xx comes back here (after the door's retries) so the CP's meaning can be applied.
      accept: () => true,
    });
    if (response.status >= 200 && response.status < 300) return response;
    const inspected = inspect?.(response.status, response.bodyText);
    if (inspected) throw inspected;
    const remoteError = extractRemoteError(response.bodyText, this.options.redactor);
    const mapped = spec.mapStatus?.(response.status, remoteError);
    if (mapped) throw mapped;
    throw createCpError({
      baseUrl: this.baseUrl,
      method: spec.method,
      url: response.url,
      status: response.status,
      remoteError,
      admin: spec.admin === true,
      attempts: response.attempts,
      headers: response.headers,
      ...(spec.unknownOutcomeHint === undefined ? {} : { unknownOutcomeHint: spec.unknownOutcomeHint }),
    });
  }

  /** The door options this client passes on every call (undefined means the door's default). */
  private doorOptions(): HttpDoorOptions {
    const { redactor, timeoutMs, retries, fetch, sleep, random, onRetry, signal } = this.options;
    return { redactor, timeoutMs, retries, fetch, sleep, random, onRetry, signal };
  }

  /** Lazy and cached: only admin calls need the token, and a credential command runs once. */
  private adminToken(): Promise<string> {
    this.adminTokenPromise ??= this.options.getAdminToken().then(
      (token) => {
        const trimmed = token.trim();
        this.options.redactor.register(trimmed, 'cp-admin-token');
        if (!trimmed)
          throw new ConfigError(
            `no CP admin token for ${this.baseUrl}`,
            'set CP_ADMIN_API_TOKEN, or cpTokenFile / cpTokenCommand in the config',
          );
        return trimmed;
      },
      (error: unknown) => {
        this.adminTokenPromise = undefined; // a failed lookup is not cached: the next call asks again
        throw error;
      },
    );
    return this.adminTokenPromise;
  }

  private tenantHeaders(bearer: string | undefined, extra: Record<string, string | undefined>): Record<string, string> {
    const headers: Record<string, string> = {};
    if (bearer !== undefined) {
      this.options.redactor.register(bearer, 'tenant-credential');
      headers.authorization = `Bearer ${bearer}`;
    }
    for (const [name, value] of Object.entries(extra)) {
      if (value === undefined) continue;
      if (name === 'x-molecule-admin-token') this.options.redactor.register(value, 'tenant-admin-token');
      headers[name] = value;
    }
    return headers;
  }

  private orgNotFound(slug: string): (status: number) => MolectlError | undefined {
    return (status) =>
      status === 404
        ? new NotFoundError(
            `org "${slug}" not found on the CP at ${this.baseUrl}`,
            'run `molectl org list` to see the org slugs; if every slug gives this, check the CP URL',
          )
        : undefined;
  }
}
