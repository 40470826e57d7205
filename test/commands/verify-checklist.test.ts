import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployServicesEnv } from '../../src/sandbox/deploy-services/deploy-services-state.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { runCli } from '../helpers/run-cli.js';

let sandbox: Sandbox;
let echo: Server;
let echoUrl: string;
let tmp: string;

const SENTINEL = 'sentinel-Zq8vX2pLm4Rt7WyK';
const LITERAL = 'literal-header-Hk3Jd9Qw2Vn6';

beforeAll(async () => {
  sandbox = await startSandbox({ tenants: 1, speed: 'fast' });
  tmp = mkdtempSync(join(tmpdir(), 'molectl-verify-checklist-'));
  // A service that echoes the credentials it was sent: the worst case for a report.
  echo = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'down', auth: req.headers['authorization'], key: req.headers['x-api-key'] }));
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await sandbox.stop();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

function verify(args: string[], extraEnv: Record<string, string> = {}) {
  return runCli(['verify', ...args], {
    env: { ...sandbox.env, ...deployServicesEnv(), MOLECTL_STATE_DIR: tmp, ...extraEnv },
  });
}

describe('molectl verify --checklist', () => {
  it('adds file checks to the built-ins and replaces a built-in of the same id', async () => {
    const file = write(
      'add.yaml',
      [
        'version: 1',
        'checks:',
        '  - id: cp-health',
        "    name: CP health, the file's way",
        '    request: { url: "${CP_URL}/health", timeout: 2s }',
        '    conditions: ["[STATUS] == 200", "[BODY].service == molecule-cp", "[RESPONSE_TIME] < 2000"]',
        '  - id: tenant-acme',
        '    request:',
        '      url: ${CP_URL}/_tenants/acme/health',
        '    conditions:',
        '      - "[STATUS] == 200"',
        '      - "[BODY].status == ok"',
        '      - "[BODY] !contains admin_token"',
        '',
      ].join('\n'),
    );
    const run = await verify(['--checklist', file, '-o', 'json']);
    const doc = JSON.parse(run.stdout);
    const ids = doc.checks.map((c: { id: string }) => c.id);
    expect(ids).toEqual([
      'cp-deploy',
      'cp-health',
      'cp-provision-gated',
      'cp-admin-gated',
      'cp-instance-no-secret',
      'image-published',
      'canvas-deploy',
      'tenant-health',
      'tenant-acme',
    ]);
    expect(doc.checks.find((c: { id: string }) => c.id === 'cp-health')).toMatchObject({
      status: 'pass',
      source: 'checklist',
      title: "CP health, the file's way",
    });
    expect(doc.checks.find((c: { id: string }) => c.id === 'tenant-acme')).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('3 conditions met'),
    });
    expect(run.code).toBe(0);
  });

  it("runs only the file's checks with builtins: none, and skips a check whose variable is unset", async () => {
    const file = write(
      'only.json',
      JSON.stringify(
        {
          builtins: 'none',
          vars: ['VERIFY_CANVAS_URL'],
          checks: [{ id: 'canvas-home', request: { url: '${VERIFY_CANVAS_URL}/' }, conditions: ['[STATUS] == 200'] }],
        },
        null,
        2,
      ),
    );
    const run = await verify(['--checklist', file, '-o', 'json']);
    const doc = JSON.parse(run.stdout);
    expect(doc.checks).toHaveLength(1);
    expect(doc.checks[0]).toMatchObject({
      id: 'canvas-home',
      status: 'skip',
      detail: 'needs ${VERIFY_CANVAS_URL}, which is not set',
    });
    expect(run.code).toBe(0);
    const strict = await verify(['--checklist', file, '--strict']);
    expect(strict.code).toBe(1);
  });

  it('reports failed conditions with the observed value', async () => {
    const file = write(
      'fail.yaml',
      `builtins: none\nchecks:\n  - id: wrong-status\n    hint: the CP should answer 418 here\n    request: { url: "\${CP_URL}/health" }\n    conditions: ["[STATUS] == 418", "[BODY].status == ok"]\n`,
    );
    const run = await verify(['--checklist', file, '-o', 'json']);
    const check = JSON.parse(run.stdout).checks[0];
    expect(check).toMatchObject({ status: 'fail', hint: 'the CP should answer 418 here' });
    expect(check.detail).toContain('not met: [STATUS] == 418 (actual 200)');
    expect(check.detail).not.toContain('[BODY].status');
    expect(run.code).toBe(1);
  });

  it('a check without its own timeout waits MOLECTL_CALL_TIMEOUT, as the built-in checks do; its own timeout wins', async () => {
    // A service that answers after 1.5 s.
    const slow = createServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"ok"}');
      }, 1500);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', () => resolve()));
    try {
      const file = write(
        'slow.yaml',
        [
          'builtins: none',
          'vars: [VERIFY_SLOW_URL]',
          'checks:',
          '  - id: slow-default',
          '    request: { url: "${VERIFY_SLOW_URL}/" }',
          '    conditions: ["[STATUS] == 200"]',
          '  - id: slow-own-timeout',
          '    request: { url: "${VERIFY_SLOW_URL}/", timeout: 5s }',
          '    conditions: ["[STATUS] == 200"]',
          '',
        ].join('\n'),
      );
      const run = await verify(['--checklist', file, '-o', 'json'], {
        VERIFY_SLOW_URL: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`,
        MOLECTL_CALL_TIMEOUT: '500ms',
      });
      const byId = (id: string) => JSON.parse(run.stdout).checks.find((c: { id: string }) => c.id === id);
      expect(byId('slow-default')).toMatchObject({ status: 'fail' });
      expect(byId('slow-default').detail).toContain('timed out after 500 ms');
      expect(byId('slow-own-timeout')).toMatchObject({ status: 'pass' });
      expect(run.code).toBe(1);
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it('keeps every header value out of every report, even when the service echoes it', async () => {
    const file = write(
      'secret.yaml',
      [
        'builtins: [cp-health]',
        'checks:',
        '  - id: echo',
        `    request:`,
        `      url: ${echoUrl}/status`,
        '      headers:',
        `        X-Api-Key: ${LITERAL}`,
        '    conditions: ["[BODY].status == ok", "[BODY] contains nothing-like-this"]',
        '',
      ].join('\n'),
    );
    const files = ['json', 'junit', 'markdown', 'text'].map((f) => `${f}:${join(tmp, `report.${f}`)}`);
    const outputs: string[] = [];
    for (const format of ['text', 'json', 'junit', 'markdown']) {
      const run = await verify([
        '--checklist',
        file,
        '-o',
        format,
        '--verbose',
        ...files.flatMap((f) => ['--report-file', f]),
      ]);
      expect(run.code).toBe(1);
      outputs.push(run.stdout, run.stderr, ...files.map((f) => readFileSync(f.slice(f.indexOf(':') + 1), 'utf8')));
    }
    const all = outputs.join('\n');
    expect(all).toContain('[REDACTED:');
    expect(all).toContain('(actual down)');
    expect(all).not.toContain(SENTINEL);
    expect(all).not.toContain(LITERAL);
  });
});

describe('molectl verify --validate', () => {
  it('accepts a good file', async () => {
    const file = write(
      'good.yaml',
      'checks:\n  - id: a\n    request: { url: "https://example.com/health" }\n    conditions: ["[STATUS] == 200"]\n',
    );
    const run = await verify(['--validate', file]);
    expect(run.stdout).toContain('good.yaml: valid, 1 check (built-in checks kept: all)');
    expect(run.code).toBe(0);
  });

  it('reports every problem of a malformed file with its line and column, exit 2', async () => {
    const file = write(
      'bad.yaml',
      [
        'version: 1', // 1
        'builtins: [cp-health, cp-healthz]', // 2
        'checks:', // 3
        '  - id: Bad_Id', // 4
        '    request:', // 5
        '      method: FETCH', // 6
        '      url: ${CANVAS_URL}/', // 7
        '    conditions:', // 8
        '      - "[STATUS] = 200"', // 9
        '      - "[BODY].x < many"', // 10
        '    colour: blue', // 11
        '',
      ].join('\n'),
    );
    const run = await verify(['--validate', file]);
    expect(run.code).toBe(2);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toEqual([
      `${file}:2:23: "cp-healthz" is not a built-in check (built-ins: cp-deploy, cp-health, cp-provision-gated, cp-admin-gated, cp-instance-no-secret, image-published, canvas-deploy, tenant-health)`,
      `${file}:4:9: id must be lower-case letters, digits and dashes, as in canvas-home`,
      `${file}:6:15: method must be one of GET, HEAD, POST, PUT, PATCH, DELETE`,
      expect.stringMatching(new RegExp(`^${file}:7:12: \\$\\{CANVAS_URL\\} is not declared: list it under vars:`)),
      expect.stringMatching(new RegExp(`^${file}:9:19: condition "\\[STATUS\\] = 200": expected an operator`)),
      expect.stringMatching(new RegExp(`^${file}:10:21: condition "\\[BODY\\]\\.x < many": < compares numbers`)),
      `${file}:11:5: unknown key "colour" in a check (allowed: id, name, hint, retry, request, conditions)`,
      `7 problems in ${file}`,
    ]);
  });

  it('reports YAML syntax errors with a line, and -o json lists problems', async () => {
    const file = write('syntax.yaml', 'checks:\n  - id: a\n    request: { url: "https://x" \n    conditions: [\n');
    const run = await verify(['--validate', file, '-o', 'json']);
    expect(run.code).toBe(2);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, valid: false });
    expect(doc.problems[0].line).toBeGreaterThanOrEqual(3);
  });

  it('refuses to run a malformed checklist, naming the first problem (exit 2)', async () => {
    const file = write('bad-run.yaml', 'checks:\n  - id: a\n    request: { url: "https://x" }\n');
    const run = await verify(['--checklist', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}:2:5: the check has no "conditions"`);
    expect(run.stderr).toContain('--validate');
  });
});

describe('a checklist condition on a credential', () => {
  // A check written to catch the instance answer's admin_token leak (platform.md: "a past leak")
  // printed the leaked token in its failure detail when the leak came back.
  it('shows a failing secret field as length and fingerprint, never its value', async () => {
    const token = [...sandbox.state.orgs.values()][0]!.adminToken;
    const slug = [...sandbox.state.orgs.values()][0]!.slug;
    const file = write(
      'leak.yaml',
      [
        'version: 1',
        'builtins: none',
        'checks:',
        '  - id: instance-no-token',
        `    request: { url: "\${CP_URL}/cp/orgs/${slug}/instance" }`,
        '    conditions: ["[STATUS] == 200", "[BODY].admin_token == (none)"]',
        '',
      ].join('\n'),
    );
    sandbox.state.faults.flags['instanceLeaksToken'] = true;
    try {
      for (const format of ['text', 'json']) {
        const run = await verify(['--checklist', file, '-o', format]);
        expect(run.code).toBe(1);
        expect(run.stdout + run.stderr).not.toContain(token.slice(0, 12));
        expect(run.stdout + run.stderr).not.toContain(token.slice(-12));
        expect(run.stdout).toMatch(
          /\[BODY\]\.admin_token == \(none\) \(actual \(withheld, len=\d+ sha256:[0-9a-f]{12}\)\)/,
        );
      }
    } finally {
      delete sandbox.state.faults.flags['instanceLeaksToken'];
    }
  });
});
