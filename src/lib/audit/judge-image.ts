import { fail, pass, unknown, type Judgement } from './audit-verdict.js';

/**
 * image-drift: the image the tenant's container runs against the expected one. Pure. The
 * expected image is a tag (`2026.05.28-8be41d0`), a full reference (`ghcr.io/...:tag`), or a
 * digest (`sha256:...`, `repo@sha256:...`), which matches a container started by that digest.
 */

export function imageMatches(running: string, expected: string): boolean {
  const digest = /(?:^|@)(sha256:[0-9a-f]{64})$/.exec(expected)?.[1];
  if (digest) return running.endsWith(`@${digest}`) || running === digest;
  const slash = expected.lastIndexOf('/');
  const isReference = expected.includes('/') || expected.slice(slash + 1).includes(':');
  if (isReference) return running === expected;
  const tag = /:([^/:@]+)$/.exec(running)?.[1] ?? (running.includes('@') ? null : 'latest');
  return tag === expected;
}

export function judgeImage(input: {
  image: string | { unavailable: string };
  expected: string | null;
  slug: string;
}): Judgement {
  if (typeof input.image !== 'string') return unknown(input.image.unavailable);
  if (input.expected === null)
    return unknown(`runs ${input.image}; no expected image is configured (audit.expectedImage or --expected-image)`);
  if (imageMatches(input.image, input.expected)) return pass(`runs ${input.image}`);
  const tag =
    /:([^/:@]+)$/.exec(input.expected)?.[1] ??
    (input.expected.includes('/') || input.expected.includes('sha256:') ? '<tag>' : input.expected);
  return fail(
    `runs ${input.image}, expected ${input.expected}`,
    `probe: the container's image is ${input.image}`,
    `curl -fsS -X POST -H "Authorization: Bearer $CP_ADMIN_API_TOKEN" -H 'Content-Type: application/json' "$MOLECTL_CP_URL/cp/admin/tenants/redeploy-fleet" -d '{"target_tag":"${tag}","canary_slug":"${input.slug}","batch_size":1,"soak_seconds":60,"dry_run":false}'  # the CP's fleet redeploy, canary ${input.slug}`,
  );
}

export interface HistogramBar {
  value: string;
  count: number;
}

/** Counts per value, most common first; null values count under `(unknown)`. */
export function buildHistogram(values: Array<string | null>): HistogramBar[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v ?? '(unknown)', (counts.get(v ?? '(unknown)') ?? 0) + 1);
  return [...counts.entries()]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}
