import { describe, expect, it } from 'vitest';
import { buildHistogram, imageMatches, judgeImage } from '../../../src/lib/audit/judge-image.js';

const REPO = 'ghcr.io/molecule-ai/platform-tenant';
const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('imageMatches', () => {
  it.each([
    [`${REPO}:2026.05.28-8be41d0`, '2026.05.28-8be41d0', true],
    [`${REPO}:2026.04.02-3f9c1ab`, '2026.05.28-8be41d0', false],
    [`${REPO}:2026.05.28-8be41d0`, `${REPO}:2026.05.28-8be41d0`, true],
    [`other/repo:2026.05.28-8be41d0`, `${REPO}:2026.05.28-8be41d0`, false],
    [REPO, 'latest', true],
    [`${REPO}@${DIGEST}`, DIGEST, true],
    [`${REPO}@${DIGEST}`, `${REPO}@${DIGEST}`, true],
    [`${REPO}:2026.05.28-8be41d0`, DIGEST, false],
    ['localhost:5000/tenant:1', '1', true],
  ])('%s against %s -> %s', (running, expected, match) => {
    expect(imageMatches(running, expected)).toBe(match);
  });
});

describe('judgeImage', () => {
  it('is unknown without an expected image, and says which key to set', () => {
    const j = judgeImage({ image: `${REPO}:1`, expected: null, slug: 'acme' });
    expect(j.status).toBe('unknown');
    expect(j.detail).toContain('audit.expectedImage or --expected-image');
  });

  it('fails drift with the CP fleet redeploy for the expected tag, canary the tenant', () => {
    const j = judgeImage({ image: `${REPO}:old`, expected: `${REPO}:new`, slug: 'acme' });
    expect(j.status).toBe('fail');
    expect(j.fix).toContain('/cp/admin/tenants/redeploy-fleet');
    expect(j.fix).toContain('"target_tag":"new","canary_slug":"acme"');
    expect(j.fix).toContain('$CP_ADMIN_API_TOKEN');
  });

  it('is unknown when the image was not observed', () => {
    expect(judgeImage({ image: { unavailable: 'SSM agent ConnectionLost' }, expected: 'x', slug: 'acme' }).status).toBe(
      'unknown',
    );
  });
});

describe('buildHistogram', () => {
  it('counts, most common first, unknowns under (unknown)', () => {
    expect(buildHistogram(['a', 'b', 'a', null, 'a', 'b'])).toEqual([
      { value: 'a', count: 3 },
      { value: 'b', count: 2 },
      { value: '(unknown)', count: 1 },
    ]);
  });
});
