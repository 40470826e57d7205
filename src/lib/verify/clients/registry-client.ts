import { ConfigError, MolectlError } from '../../errors.js';
import type { HttpRequest, HttpResponse } from '../../http/http-request.js';
import type { Redactor } from '../../output/redactor.js';

/**
 * Does a tag exist in an OCI registry? `HEAD /v2/<name>/manifests/<tag>` (distribution spec).
 * Without a configured token, a 401 carrying `WWW-Authenticate: Bearer realm=...,service=...,scope=...`
 * is answered with the registry's anonymous token flow (GET realm?service=&scope=), then the HEAD is
 * repeated once with that token. A configured REGISTRY_TOKEN is sent to the registry only, never to
 * a realm on another host.
 */

export interface ManifestQuery {
  registryUrl: string;
  imageName: string;
  tag: string;
  token?: string;
}

export interface ManifestAnswer {
  found: boolean;
  digest?: string;
}

/** Every manifest type a published tag can have: OCI index/manifest, Docker list/v2. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

type Request = (request: HttpRequest) => Promise<HttpResponse>;

export async function headManifest(
  request: Request,
  query: ManifestQuery,
  redactor: Redactor,
): Promise<ManifestAnswer> {
  const url = `${query.registryUrl}/v2/${query.imageName}/manifests/${encodeURIComponent(query.tag)}`;
  const head = (token: string | undefined): Promise<HttpResponse> =>
    request({
      method: 'HEAD',
      url,
      headers: { accept: MANIFEST_ACCEPT, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      accept: (status) => status === 200 || status === 401 || status === 403 || status === 404,
    });
  let response = await head(query.token);
  if (response.status === 401 && !query.token) {
    const challenge = parseBearerChallenge(response.headers.get('www-authenticate'));
    if (!challenge) {
      throw new ConfigError(
        `the registry at ${query.registryUrl} requires credentials and offers no anonymous token flow`,
        'set REGISTRY_TOKEN to a token that can pull the image',
      );
    }
    const token = await fetchAnonymousToken(request, challenge, query.imageName);
    redactor.register(token, 'registry-token');
    response = await head(token);
  }
  if (response.status === 200) {
    const digest = response.headers.get('docker-content-digest') ?? undefined;
    return { found: true, ...(digest ? { digest } : {}) };
  }
  if (response.status === 404) return { found: false };
  throw new ConfigError(
    `the registry at ${query.registryUrl} refused to show ${query.imageName} (HTTP ${response.status})`,
    query.token
      ? 'REGISTRY_TOKEN was rejected or cannot pull this image; check its scope'
      : 'the image is private: set REGISTRY_TOKEN to a token that can pull it',
  );
}

export interface BearerChallenge {
  realm: string;
  service?: string;
  scope?: string;
}

/** Parses `Bearer realm="...",service="...",scope="..."`; null for any other scheme. Pure. */
export function parseBearerChallenge(header: string | null | undefined): BearerChallenge | null {
  if (!header) return null;
  const match = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!match) return null;
  const params: Record<string, string> = {};
  for (const m of (match[1] ?? '').matchAll(/([a-zA-Z_]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) {
    params[(m[1] ?? '').toLowerCase()] = m[2] ?? m[3] ?? '';
  }
  if (!params.realm) return null;
  return {
    realm: params.realm,
    ...(params.service ? { service: params.service } : {}),
    ...(params.scope ? { scope: params.scope } : {}),
  };
}

async function fetchAnonymousToken(request: Request, challenge: BearerChallenge, imageName: string): Promise<string> {
  const url = new URL(challenge.realm);
  if (challenge.service) url.searchParams.set('service', challenge.service);
  url.searchParams.set('scope', challenge.scope ?? `repository:${imageName}:pull`);
  const response = await request({
    method: 'GET',
    url,
    accept: (status) => status === 200 || status === 401 || status === 403,
  });
  if (response.status !== 200) {
    throw new ConfigError(
      `the registry's token service at ${url.host} refused an anonymous pull token for ${imageName} (HTTP ${response.status})`,
      'the image is private: set REGISTRY_TOKEN to a token that can pull it',
    );
  }
  let token: unknown;
  try {
    const body = JSON.parse(response.bodyText) as { token?: unknown; access_token?: unknown };
    token = body.token ?? body.access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') {
    throw new MolectlError(`the registry's token service at ${url.host} answered without a token`, {
      hint: 'check verify.registryUrl: it should be the registry itself, e.g. https://ghcr.io',
    });
  }
  return token;
}
