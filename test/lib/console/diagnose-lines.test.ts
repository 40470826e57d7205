import { describe, expect, it } from 'vitest';
import { Diagnosis, diagnoseLines } from '../../../src/lib/console/diagnose-lines.js';
import { FAILURE_SIGNATURES } from '../../../src/lib/console/failure-signatures.js';
import { renderDiagnosis } from '../../../src/lib/console/render-diagnosis.js';
import { splitConsoleLines } from '../../../src/lib/console/split-console-lines.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { renderBootConsole } from '../../../src/sandbox/cp/render-boot-console.js';

const context = { target: 'acme', orgSlug: 'acme', source: 'console' as const };
const plain = { bold: (t: string) => t, fail: (t: string) => t, dim: (t: string) => t };

/** Lines as real systems print them, one or more per signature. */
const PLANTED: Array<[id: string, line: string]> = [
  [
    'image-pull-denied',
    'cloud-init[1873]: docker: Error response from daemon: Head "https://ghcr.io/v2/molecule-ai/platform-tenant/manifests/2026.04.02": denied: denied.',
  ],
  [
    'image-pull-denied',
    "Error response from daemon: pull access denied for ghcr.io/molecule-ai/platform-tenant, repository does not exist or may require 'docker login'",
  ],
  [
    'image-pull-denied',
    'Error response from daemon: manifest for ghcr.io/molecule-ai/platform-tenant:nope not found: manifest unknown',
  ],
  [
    'boot-unauthorized',
    'time=2026-11-22T10:00:00Z level=ERROR msg="workspace provision failed" org=acme cp_status=401 error="unauthorized"',
  ],
  ['boot-unauthorized', 'cloud-init[1873]: curl: (22) The requested URL returned error: 401'],
  ['out-of-memory', '[ 4021.118] Out of memory: Killed process 2231 (platform) total-vm:4012345kB, anon-rss:3900000kB'],
  [
    'out-of-memory',
    '[ 4021.117] platform invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0',
  ],
  ['disk-full', 'docker: write /var/lib/docker/tmp/GetImageBlob123: no space left on device.'],
  ['disk-full', 'Error: ENOSPC: no space left on device, write'],
  [
    'package-install-failed',
    "cloud-init[1873]: Error: Failed to download metadata for repo 'amazonlinux': Cannot download repomd.xml",
  ],
  ['package-install-failed', 'cloud-init[1873]: No match for argument: docker-ce'],
  [
    'cloud-init-module-failed',
    '2026-04-18 09:16:41,118 - cc_scripts_user.py[WARNING]: Failed to run module scripts-user (scripts in /var/lib/cloud/instance/scripts)',
  ],
  [
    'cloud-init-module-failed',
    "2026-04-18 09:16:41,119 - util.py[WARNING]: Running module scripts-user (<module 'cloudinit.config.cc_scripts_user'>) failed",
  ],
  ['runtime-crashed', 'panic: runtime error: invalid memory address or nil pointer dereference'],
  [
    'runtime-crashed',
    'systemd[1]: molecule-tenant.service: Main process exited, code=exited, status=2/INVALIDARGUMENT',
  ],
  ['runtime-crashed', 'Traceback (most recent call last):'],
  [
    'health-never-passing',
    'cloud-init[1873]: timed out waiting for http://127.0.0.1:8080/health to become ready after 300s',
  ],
  ['health-never-passing', 'curl: (7) Failed to connect to localhost port 8080 after 0 ms: Connection refused'],
];

describe('diagnosis', () => {
  it.each(PLANTED)('finds %s in: %s', (id, line) => {
    const findings = diagnoseLines(['ordinary line', line, 'another'], context);
    expect(findings.map((f) => f.id)).toContain(id);
    const finding = findings.find((f) => f.id === id)!;
    expect(finding.firstLine).toBe(2);
    expect(finding.evidence).toBe(line);
    expect(finding.next.length).toBeGreaterThan(0);
  });

  it('covers every signature in the table with a planted case', () => {
    expect(new Set(PLANTED.map(([id]) => id))).toEqual(new Set(FAILURE_SIGNATURES.map((s) => s.id)));
  });

  it('finds nothing in a clean tenant or workspace boot log', () => {
    for (const kind of ['tenant', 'workspace'] as const) {
      const text = renderBootConsole({
        kind,
        slug: 'acme',
        hostname: 'ip-10-0-1-2.us-east-2.compute.internal',
        userData:
          '#!/bin/bash\nset -x\ndocker pull ghcr.io/molecule-ai/platform-tenant:1\ndocker run -e ADMIN_TOKEN=abc123456 x\n',
        bearerToken: 'tok-123456789',
        cpUrl: 'https://api.moleculesai.app',
        failed: false,
      });
      const lines = splitConsoleLines(new Redactor().redact(text)).lines;
      expect(lines.length).toBeGreaterThan(150);
      expect(diagnoseLines(lines, context)).toEqual([]);
    }
  });

  it('finds the pull denial and the cloud-init failure in a failed boot, root cause first', () => {
    const text = renderBootConsole({
      kind: 'tenant',
      slug: 'acme',
      hostname: 'ip-10-0-1-2',
      userData: 'docker run ghcr.io/molecule-ai/platform-tenant:bad\n',
      bearerToken: 'tok-123456789',
      cpUrl: 'https://api',
      failed: true,
    });
    const ids = diagnoseLines(splitConsoleLines(text).lines, context).map((f) => f.id);
    expect(ids).toEqual(['image-pull-denied', 'cloud-init-module-failed']);
  });

  it("finds nothing in healthy container logs and the 401 in a pre-cutover tenant's", () => {
    const healthy = [
      'time=2026-11-22T10:00:00Z level=INFO msg="request" method=GET path=/health status=200 duration_ms=3',
      'time=2026-11-22T10:00:02Z level=INFO msg="workspace provisioned" org=acme cp_status=201',
      'time=2026-11-22T10:00:04Z level=DEBUG msg="canvas asset served" path=/assets/app-4.js bytes=1404',
      'time=2026-11-22T10:00:06Z level=INFO msg="scheduler tick" org=acme queued=3 running=1',
    ];
    expect(diagnoseLines(healthy, { ...context, source: 'logs' })).toEqual([]);
    const findings = diagnoseLines([...healthy, PLANTED[3]![1], PLANTED[3]![1]], { ...context, source: 'logs' });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ id: 'boot-unauthorized', count: 2, firstLine: 5 });
    expect(findings[0]!.next).toContain('molectl migrate cp-secret plan --orgs acme');
  });

  it('accumulates across batches with line numbers that continue', () => {
    const d = new Diagnosis(context);
    d.add(['a', 'b']);
    d.add(['c', PLANTED[0]![1]]);
    expect(d.findings()[0]).toMatchObject({ id: 'image-pull-denied', firstLine: 4 });
  });

  it('renders a short likely-cause section with the next command', () => {
    const text = renderDiagnosis(diagnoseLines([PLANTED[5]![1]], context), plain);
    expect(text).toMatch(/^likely cause\n {2}✖ out of memory \(line 1\)\n/);
    expect(text).toMatch(/next: molectl console acme --grep /);
    expect(renderDiagnosis([], plain)).toBe('');
  });
});
