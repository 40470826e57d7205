import { describe, expect, it } from 'vitest';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { findConsoleLeaks, judgeConsole } from '../../../src/lib/audit/judge-console.js';

const SENTINEL = 'c0ffee'.repeat(8) + 'sentinel-value-9f';

function consoleWith(...lines: string[]): string {
  return [...Array.from({ length: 5 }, (_, i) => `[    ${i}.000000] kernel line ${i}`), ...lines, 'login: '].join(
    '\r\n',
  );
}

describe('findConsoleLeaks', () => {
  it('finds a registered secret in a set -x trace by line, redacted, never the value', () => {
    const redactor = new Redactor();
    redactor.register(SENTINEL, 'secret');
    const leaks = findConsoleLeaks(
      consoleWith(`cloud-init[1873]: + docker run -d -e MOLECULE_CP_SHARED_SECRET=${SENTINEL} img`),
      false,
      redactor,
    );
    expect(leaks).toEqual([
      {
        line: 6,
        kinds: ['secret'],
        excerpt: 'cloud-init[1873]: + docker run -d -e MOLECULE_CP_SHARED_SECRET=[REDACTED:secret] img',
      },
    ]);
    expect(JSON.stringify(leaks)).not.toContain(SENTINEL);
  });

  it.each([
    ['a bearer header', "+ curl -H 'Authorization: Bearer abcdefghijklmnop' https://x", 'bearer'],
    ['a *_TOKEN= assignment', '+ export WORKSPACE_TOKEN=mol_pk_abcdefghijkl', 'named-secret'],
    ['an AWS access key', 'key AKIAABCDEFGHIJKLMNOP seen', 'aws-access-key'],
    ['a private key block cut off by the window', '-----BEGIN RSA PRIVATE KEY-----', 'pem'],
  ])('finds %s', (_name, line, kind) => {
    const leaks = findConsoleLeaks(consoleWith(line), false, new Redactor());
    expect(leaks.map((l) => l.kinds)).toEqual([[kind]]);
  });

  it('names a whole private key block once, at its first line', () => {
    const body = Array.from({ length: 4 }, (_, i) => Buffer.alloc(48, i * 37 + 11).toString('base64'));
    const leaks = findConsoleLeaks(
      consoleWith('-----BEGIN OPENSSH PRIVATE KEY-----', ...body, '-----END OPENSSH PRIVATE KEY-----'),
      false,
      new Redactor(),
    );
    expect(leaks).toEqual([{ line: 6, kinds: ['pem'], excerpt: '[REDACTED:pem] (a private key block starts here)' }]);
  });

  it('finds nothing in a clean boot', () => {
    const text = consoleWith(
      'cloud-init[1873]: The key fingerprint is: SHA256:Hn1q4c0p3ZbVg0dZJ3m8Zk1xq7v2nQf0bQy2Yk6cYlE root@localhost',
      'bootstrapping tenant acme',
    );
    expect(findConsoleLeaks(text, false, new Redactor())).toEqual([]);
  });

  it("numbers lines within EC2's window when its first line was cut", () => {
    const text = `partial line\r\n${consoleWith('+ export ADMIN_TOKEN=abcdefghijklmnop')}`;
    expect(findConsoleLeaks(text, true, new Redactor()).map((l) => l.line)).toEqual([7]);
  });

  it('strips control sequences from the excerpt and cuts long lines around the redaction', () => {
    const long = `${'x'.repeat(300)} \u001b[31mADMIN_TOKEN=abcdefghijklmnop\u001b[0m ${'y'.repeat(300)}`;
    const [leak] = findConsoleLeaks(consoleWith(long), false, new Redactor());
    expect(leak!.excerpt).not.toMatch(/\u001b/);
    expect(leak!.excerpt.length).toBeLessThanOrEqual(162);
    expect(leak!.excerpt).toContain('ADMIN_TOKEN=[REDACTED:named-secret]');
  });
});

describe('judgeConsole', () => {
  it('passes a clean console and an empty one; unknown when it could not be read', () => {
    expect(
      judgeConsole({ console: { text: consoleWith('ready'), truncated: false }, redactor: new Redactor() }).status,
    ).toBe('pass');
    expect(judgeConsole({ console: { text: '', truncated: false }, redactor: new Redactor() }).status).toBe('pass');
    expect(judgeConsole({ console: { unavailable: 'InvalidInstanceID.NotFound' }, redactor: new Redactor() })).toEqual({
      status: 'unknown',
      detail: 'InvalidInstanceID.NotFound',
    });
  });

  it('fails with line numbers and points a leaked shared secret at its rotation', () => {
    const redactor = new Redactor();
    redactor.register(SENTINEL, 'secret');
    const j = judgeConsole({
      console: { text: consoleWith(`+ docker run -e MOLECULE_CP_SHARED_SECRET=${SENTINEL} x`), truncated: false },
      redactor,
    });
    expect(j.status).toBe('fail');
    expect(j.evidence).toMatch(/^line 6: \+ docker run -e MOLECULE_CP_SHARED_SECRET=\[REDACTED:secret\] x$/);
    expect(j.fix).toMatch(/^molectl secrets rotate cp-shared-secret; then take set -x out/);
    expect(JSON.stringify(j)).not.toContain(SENTINEL);
  });
});

describe('leaks that no single line shows', () => {
  // Both were judged "pass: no registered secret, no token shape".
  it('a base64 env block the 64 KB window starts inside (its name cut off)', () => {
    const token = 'Rc9SfV1x8RX4yHxd-YK1-nmR3_-bR9wUkKQpSlUZoVAq7';
    const env = `# tenant env written by the bootstrap\nORG_SLUG=acme\nMOLECULE_CP_URL=https://api.moleculesai.app\nADMIN_TOKEN=${token}\n`;
    const block = Buffer.from(env)
      .toString('base64')
      .match(/.{1,76}/g)!;
    const text = `${block[1]!.slice(30)}\r\n${block[2]}\r\n${consoleWith('ready')}`;
    const judged = judgeConsole({ console: { text, truncated: true }, redactor: new Redactor() });
    expect(judged.status).toBe('fail');
    expect(findConsoleLeaks(text, true, new Redactor())).toEqual([
      { line: 2, kinds: ['base64'], excerpt: expect.stringContaining('[REDACTED:base64]') },
    ]);
    expect(JSON.stringify(judged)).not.toContain(block[2]);
  });

  it('a YAML secret whose value is on the next line', () => {
    const text = consoleWith('admin_token:', '  tok-Zq8vX2pLm4Rt7WyK');
    const judged = judgeConsole({ console: { text, truncated: false }, redactor: new Redactor() });
    expect(judged.status).toBe('fail');
    expect(JSON.stringify(judged)).not.toContain('tok-Zq8vX2pLm4Rt7WyK');
    expect(judged).toMatchObject({ evidence: 'line 7: (a secret that spans lines; not quoted)' });
  });
});
