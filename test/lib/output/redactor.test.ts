import { describe, expect, it } from 'vitest';
import { describeSecret, fingerprintOf } from '../../../src/lib/output/fingerprint.js';
import { Redactor } from '../../../src/lib/output/redactor.js';

const SENTINEL = 'SENTINEL-9c1e7f2ab3d4-value';

describe('registered secrets', () => {
  const redactor = new Redactor();
  redactor.register(SENTINEL, 'cp-shared-secret');

  it.each([
    ['raw', `value=${SENTINEL}`],
    ['url-encoded', `q=${encodeURIComponent(`${SENTINEL}/x`)}`],
    ['base64 alone', Buffer.from(SENTINEL).toString('base64')],
    ['base64 at offset 1', Buffer.from(`a${SENTINEL}`).toString('base64')],
    ['base64 at offset 2', Buffer.from(`ab${SENTINEL} tail`).toString('base64')],
    ['base64 inside a larger blob', Buffer.from(`#!/bin/bash\nexport S=${SENTINEL}\nrun\n`).toString('base64')],
  ])('are replaced in %s form', (_form, text) => {
    const out = redactor.redact(text);
    expect(out).toContain('[REDACTED:');
    const decodedLeak = Buffer.from(out.replace(/\[REDACTED:[a-z-]+\]/g, ''), 'base64').toString('latin1');
    expect(out).not.toContain(SENTINEL);
    expect(decodedLeak).not.toContain(SENTINEL);
  });

  describe('a value with characters other programs escape (a random password, a JSON secret)', () => {
    const PASSWORD = `pw&<SENTINEL>"q/\\'x y`;
    const JSON_SECRET = JSON.stringify({ username: 'bot', password: 'p&<SENTINEL-json' });
    const r = new Redactor();
    r.register(PASSWORD, 'secret');
    r.register(JSON_SECRET, 'secret');
    const json = (v: string): string => JSON.stringify(v).slice(1, -1);
    const goJson = (v: string): string =>
      json(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
    it.each([
      ['URL-encoded', `q=${encodeURIComponent(PASSWORD)}`],
      ['form-encoded (+ for a space)', `body=${encodeURIComponent(PASSWORD).replace(/%20/g, '+')}`],
      ['inside a JSON string', `{"msg":"${json(PASSWORD)}"}`],
      ['inside a JSON string inside another', `{"body":"${json(`{"p":"${json(PASSWORD)}"}`)}"}`],
      ["as Go's encoder writes it", `{"p":"${goJson(PASSWORD)}"}`],
      ["with / escaped (PHP's encoder)", `{"p":"${json(PASSWORD).replace(/\//g, '\\/')}"}`],
      ["single-quoted by a shell's set -x", `+ export P='${PASSWORD.replace(/'/g, "'\\''")}'`],
      ['a JSON secret inside a JSON log line', `{"msg":"loaded ${json(JSON_SECRET)}"}`],
      ["a JSON secret as Go's encoder writes it", `{"secret":"${goJson(JSON_SECRET)}"}`],
    ])('%s', (_form, text) => {
      const out = r.redact(text);
      expect(out).not.toContain('SENTINEL');
      expect(out).toContain('[REDACTED:secret]');
    });
  });

  it('ignores values too short to be secrets, which would redact ordinary words', () => {
    const r = new Redactor();
    r.register('abc');
    expect(r.redact('abc def')).toBe('abc def');
  });

  it('changes its generation exactly when what it replaces changes (caches of redacted text key on it)', () => {
    const r = new Redactor();
    const start = r.generation;
    r.register('abc');
    expect(r.generation).toBe(start);
    r.register(SENTINEL);
    const registered = r.generation;
    expect(registered).not.toBe(start);
    r.register(SENTINEL);
    r.redact(`a ${SENTINEL}`);
    expect(r.generation).toBe(registered);
    r.disableShapeRules();
    expect(r.generation).not.toBe(registered);
  });

  it('counts what it replaced, by kind', () => {
    const r = new Redactor();
    r.register(SENTINEL, 'tenant-admin-token');
    const result = r.redactDetailed(`a ${SENTINEL} b ${SENTINEL} Authorization: Bearer abcdefghijklmnopqrstuv`);
    expect(result.count).toBe(3);
    expect(result.byKind).toEqual({ 'tenant-admin-token': 2, bearer: 1 });
    expect(r.redactedCount).toBe(3);
  });
});

describe('token shapes from ../shared/platform.md', () => {
  const redactor = new Redactor();
  it.each([
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def', 'Authorization: Bearer [REDACTED:bearer]'],
    ['ADMIN_TOKEN=0123abcd0123abcd', 'ADMIN_TOKEN=[REDACTED:named-secret]'],
    ['token: abcdefgh1234', 'token: [REDACTED:named-secret]'],
    ['password=hunter2hunter2', 'password=[REDACTED:named-secret]'],
    ['--client-secret=abcdefgh1234', '--client-secret=[REDACTED:named-secret]'],
    ['-e MOLECULE_CP_SHARED_SECRET=deadbeefcafe1234', '-e MOLECULE_CP_SHARED_SECRET=[REDACTED:named-secret]'],
    ['OPENAI_API_KEY="sk-proj-abcdefghijklmnopqrstu"', 'OPENAI_API_KEY="[REDACTED:named-secret]"'],
    ['{"admin_token":"mol_abcdefgh12345"}', '{"admin_token":"[REDACTED:named-secret]"}'],
    ['key AKIAIOSFODNN7EXAMPLE here', 'key [REDACTED:aws-access-key] here'],
    ['ASIAIOSFODNN7EXAMPLE', '[REDACTED:aws-access-key]'],
    ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', '[REDACTED:github-token]'],
    ['github_pat_11ABCDEFG0abcdefghijklmnopqrstuvwxyz', '[REDACTED:github-token]'],
    ['use sk-abcdefghijklmnopqrstuvwx now', 'use [REDACTED:api-key] now'],
    ['mol_pk_live_abcdefgh1234', '[REDACTED:molecule-key]'],
    [`secret ${'a1'.repeat(32)}`, 'secret [REDACTED:hex64]'],
    [
      'https://x-access-token:hunter2hunter2@github.com/x.git',
      'https://x-access-token:[REDACTED:url-credential]@github.com/x.git',
    ],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', '[REDACTED:pem]'],
  ])('%s', (input, expected) => {
    expect(redactor.redact(input)).toBe(expected);
  });

  it.each([
    'Cloud-init v. 23.1 finished at Sat, 18 Apr 2026 10:00:00 +0000',
    'image ghcr.io/molecule-ai/platform-tenant@sha256:' + 'f'.repeat(64),
    'secretId: molecule/cp/provision-shared-secret',
    'SECRET_ID=molecule/cp/provision-shared-secret',
    'token_count: 12',
    'run 20261122T210012Z-migrate-cp-secret-apply-dfaa: ledger /tmp/x.json',
    'consumer gitea-actions-secret:molecule-ai/molecule-core/CP_ADMIN_API_TOKEN',
    'clone https://x-access-token:${GITEA_TOKEN}@git.moleculesai.app/molecule-ai/x.git',
    '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    'fingerprint len=64 sha256:9f86d081884c',
  ])('leaves ordinary text alone: %s', (text) => {
    expect(redactor.redact(text)).toBe(text);
  });

  it('finds a token split by ANSI colour codes and returns the plain text', () => {
    const r = new Redactor();
    r.register(SENTINEL);
    const coloured = `x \u001b[31m${SENTINEL.slice(0, 10)}\u001b[0m${SENTINEL.slice(10)} y`;
    const out = r.redact(coloured);
    expect(out).toBe('x [REDACTED:secret] y');
  });
});

describe('showing a secret', () => {
  it('is only ever length and a sha256 prefix', () => {
    expect(describeSecret('test')).toBe('len=4 sha256:9f86d081884c');
    expect(fingerprintOf('test')).toBe('sha256:9f86d081884c');
  });
});
