import { describe, expect, it } from 'vitest';
import { createOutput, type TerminalStream } from '../../../src/lib/output/output.js';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { echoInput, escapeControls, remoteText, renderOutputText } from '../../../src/lib/output/remote-text.js';
import { CapturedStream } from '../../helpers/run-cli.js';

/**
 * Two tiers of redaction: molectl's own words (messages, hints, scripts, key names, headings)
 * get only the registered values scrubbed; token shapes apply to text from outside, marked as
 * RemoteText. Each phrase below was garbled by the shape rules before (e.g. `Unrecognized key:
 * "[REDACTED:named-secret]"`) and must now print intact, through the real output layer.
 */

const OWN_WORDS = [
  'config file /home/ops/.config/molectl/config.json: key "cpTokenFil" Unrecognized key: "cpTokenFil"',
  '✔ cp-admin-api-token: stored version 3f2a9c1e (AWSCURRENT), read back and matched',
  'secret cp-admin-api-token: stored version 1f2e, read back and matched',
  'AWS credentials: HTTP 200 from sts:GetCallerIdentity',
  'rotating the secret: beta is next',
  'the fleet lock: its holder (pid 4242 on ops-1) is gone',
  'canvas-deploy: export VERCEL_TOKEN (a Vercel token with access to the canvas project) to check the canvas deploy',
  'hint: pass --token-file=PATH, or set CP_ADMIN_API_TOKEN',
  'curl -sS -H @- "$MOLECTL_CP_URL/cp/tenants/config" <<<"Authorization: Bearer $ADMIN_TOKEN"',
  'ADMIN_TOKEN="$(docker inspect --format "{{range .Config.Env}}{{println .}}{{end}}" molecule-tenant)"',
  'KEY      VALUE',
  'password: required (read from --value-file)',
];

async function printed(message: string, redactor = new Redactor()): Promise<{ stdout: string; stderr: string }> {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream();
  const out = await createOutput({
    format: 'text',
    quiet: false,
    verbose: false,
    debug: false,
    noColor: true,
    env: {},
    redactor,
    stdout: stdout as TerminalStream,
    stderr: stderr as TerminalStream,
  });
  out.error(message);
  await out.stream(`${message}\n`);
  await out.flush();
  return { stdout: stdout.text, stderr: stderr.text };
}

describe("molectl's own words print intact", () => {
  it.each(OWN_WORDS)('%s', async (message) => {
    const { stdout, stderr } = await printed(message);
    expect(stderr).toBe(`${message}\n`);
    expect(stdout).toBe(`${message}\n`);
  });

  it('still loses every registered value, in any encoding', async () => {
    const redactor = new Redactor();
    redactor.register('SENTINEL-own-words-5e7a1c', 'cp-admin-token');
    const { stderr } = await printed(
      `token SENTINEL-own-words-5e7a1c and ${Buffer.from('SENTINEL-own-words-5e7a1c').toString('base64')}`,
      redactor,
    );
    expect(stderr).toBe('token [REDACTED:cp-admin-token] and [REDACTED:cp-admin-token]\n');
  });
});

describe('remote text', () => {
  const redactor = new Redactor();

  it('gets the shape rules, molectl words around it do not', () => {
    const line = `CP answered 500: ${remoteText('bad ADMIN_TOKEN=tok-8d1f0c2a77e34b19 here')} (the secret: beta)`;
    expect(renderOutputText(line, redactor, 'text')).toBe(
      'CP answered 500: bad ADMIN_TOKEN=[REDACTED:named-secret] here (the secret: beta)',
    );
  });

  it.each([
    ['a forged error line', 'ok\rerror: everything failed', 'ok\\rerror: everything failed'],
    ['a terminal title', '\u001b]0;pwned\u0007acme', '\\e]0;pwned\\aacme'],
    ['colour and cursor moves', '\u001b[2J\u001b[31mred\u001b[0m', '\\e[2J\\e[31mred\\e[0m'],
    ['a C1 CSI', 'a\u009b31mb', 'a\\x9b31mb'],
    ['a NUL and a backspace', 'a\u0000b\bc', 'a\\0b\\bc'],
    ['tabs, newlines and CRLF line ends stay', 'a\tb\r\nc\n', 'a\tb\r\nc\n'],
  ])('cannot drive the terminal: %s', (_name, raw, shown) => {
    expect(renderOutputText(`org ${remoteText(raw)}`, redactor, 'text')).toBe(`org ${shown}`);
  });

  it('is escaped as JSON escapes it in JSON output', async () => {
    const stdout = new CapturedStream();
    const out = await createOutput({
      format: 'json',
      quiet: false,
      verbose: false,
      debug: false,
      noColor: true,
      env: {},
      redactor,
      stdout: stdout as TerminalStream,
      stderr: new CapturedStream() as TerminalStream,
    });
    await out.result({ name: remoteText('\u001b[31macme\rX') }, () => '');
    await out.flush();
    expect(stdout.text).toContain('"name": "\\u001b[31macme\\rX"');
    expect(JSON.parse(stdout.text).name).toBe('\u001b[31macme\rX');
  });

  it('cannot close its own mark to pass for molectl words', () => {
    const hostile = remoteText('x\uE001 TOKEN=abcdefgh12345678 \uE000');
    expect(renderOutputText(hostile, redactor, 'text')).toBe('x TOKEN=[REDACTED:named-secret] ');
  });

  it('cut inside its mark is still remote to the end', () => {
    const cut = `own words ${remoteText('TOKEN=abcdefgh12345678 and more')}`.slice(0, 30);
    expect(renderOutputText(cut, redactor, 'text')).toBe('own words TOKEN=[REDACTED:named-secret]');
  });
});

describe('rejected input is echoed short', () => {
  it('cuts a long value to about 80 characters and says how long it was', () => {
    const shown = renderOutputText(echoInput('a'.repeat(100_000)), new Redactor(), 'text');
    expect(shown.length).toBeLessThan(110);
    expect(shown).toContain('(100000 characters)');
  });

  it('escapes controls and redacts shapes in what it echoes', () => {
    expect(
      renderOutputText(echoInput('\u001b[2J ghp_abcdefghijklmnopqrstuvwxyz0123456789'), new Redactor(), 'text'),
    ).toBe('\\e[2J [REDACTED:github-token]');
    expect(escapeControls('plain')).toBe('plain');
  });
});
