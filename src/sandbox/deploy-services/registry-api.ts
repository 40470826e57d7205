import type { CpRequest, CpResponse } from '../cp/cp-http.js';
import { jsonResponse } from '../cp/cp-http.js';
import type { SandboxState } from '../state.js';
import { getDeployServices, issueRegistryToken, SANDBOX_REGISTRY_TOKEN } from './deploy-services-state.js';

/**
 * An OCI distribution registry with the anonymous token flow, as ghcr.io does it: /v2/ routes
 * answer 401 with `WWW-Authenticate: Bearer realm=<sandbox>/_registry/token,service=...,scope=...`
 * until the client brings a token from that realm.
 */

const SERVICE = 'sandbox-registry';

export function handleRegistryTokenRequest(state: SandboxState, req: CpRequest): CpResponse {
  if (req.method !== 'GET') return jsonResponse(405, { errors: [{ code: 'UNSUPPORTED' }] });
  if (req.query.get('service') !== SERVICE)
    return jsonResponse(400, { errors: [{ code: 'DENIED', message: 'unknown service' }] });
  const token = issueRegistryToken(getDeployServices(state));
  return jsonResponse(200, { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() });
}

export function handleRegistryRequest(state: SandboxState, req: CpRequest): CpResponse {
  const services = getDeployServices(state);
  const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.path);
  const name = manifest?.[1] ?? '';
  const bearer = /^Bearer (.+)$/.exec(req.headers['authorization'] ?? '')?.[1];
  if (!bearer || !(services.registryTokens.has(bearer) || bearer === SANDBOX_REGISTRY_TOKEN)) {
    const scope = manifest ? `repository:${name}:pull` : '';
    return {
      status: 401,
      headers: {
        'content-type': 'application/json',
        'www-authenticate': `Bearer realm="${state.url}/_registry/token",service="${SERVICE}"${scope ? `,scope="${scope}"` : ''}`,
      },
      body:
        req.method === 'HEAD'
          ? ''
          : JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
    };
  }
  if (req.path === '/v2/' || req.path === '/v2') return jsonResponse(200, {});
  if (!manifest || (req.method !== 'HEAD' && req.method !== 'GET'))
    return jsonResponse(404, { errors: [{ code: 'NAME_UNKNOWN' }] });
  const tag = decodeURIComponent(manifest[2] ?? '');
  const tags = services.registry.get(name);
  const missing = state.faults.flags['registryImageMissing'] && tag !== 'latest';
  const digest = missing ? undefined : tags?.get(tag);
  if (!digest) {
    const code = tags ? 'MANIFEST_UNKNOWN' : 'NAME_UNKNOWN';
    return {
      status: 404,
      headers: { 'content-type': 'application/json' },
      body: req.method === 'HEAD' ? '' : JSON.stringify({ errors: [{ code, message: 'manifest unknown' }] }),
    };
  }
  const manifestBody = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [],
  });
  return {
    status: 200,
    headers: { 'content-type': 'application/vnd.oci.image.index.v1+json', 'docker-content-digest': digest },
    body: req.method === 'HEAD' ? '' : manifestBody,
  };
}
