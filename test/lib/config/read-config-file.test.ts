import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfigFile } from '../../../src/lib/config/load-config.js';
import { readCpToken } from '../../../src/lib/config/cp-token.js';
import { BUILT_IN_ENVIRONMENTS } from '../../../src/lib/config/environments.js';
import { execFile } from '../../../src/lib/exec.js';
import { ExitCode } from '../../../src/lib/errors.js';
import { Redactor } from '../../../src/lib/output/redactor.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'molectl-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the user config file', () => {
  it('is optional', async () => {
    expect(await readConfigFile(join(dir, 'missing.json'))).toBeNull();
  });

  it('names the file, the key and the fix when a value is wrong', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify({ environments: { staging: { awsRegion: 'ohio' } } }));
    await expect(readConfigFile(path)).rejects.toMatchObject({
      code: ExitCode.credentials,
      message: expect.stringMatching(/config\.json: key "environments\.staging\.awsRegion" must be an AWS region/),
      hint: expect.stringContaining('docs/configuration.md'),
    });
  });

  it('rejects unknown keys, which are usually typos', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify({ enviroments: {} }));
    await expect(readConfigFile(path)).rejects.toMatchObject({ message: expect.stringContaining('config.json') });
  });

  it('reports broken JSON with the file name', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, '{ "output": ');
    await expect(readConfigFile(path)).rejects.toMatchObject({
      code: ExitCode.credentials,
      message: expect.stringContaining('is not valid JSON'),
    });
  });
});

describe('a config file that is not JSON: the message quotes none of it', () => {
  // A token pasted into cpTokenCommand without quotes: V8's message quoted the text around the
  // error (`..."%s", tok-Zq8vX2p"...`), the start of the token, as molectl's own words (unredacted).
  const TOKEN = 'tok-Zq8vX2pLm4Rt7WyK-live';
  it.each([
    [
      'an unquoted token',
      `{"environments": {"prod": {"cpTokenCommand": ["printf", "%s", ${TOKEN}]}}}`,
      /Unexpected token 'o'$/,
    ],
    [
      'a trailing comma after it',
      `{"environments": {"prod": {"cpTokenCommand": ["printf", "%s", "${TOKEN}",]}}}`,
      /Unexpected token '\]'$/,
    ],
    ['a bare key on line 2', `{\n  cpTokenCommand: ["${TOKEN}"]}`, /Expected .* at line 2, column 3$/],
  ])('%s', async (_name, text, ending) => {
    const path = join(dir, 'config.json');
    await writeFile(path, text);
    const error = (await readConfigFile(path).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/is not valid JSON: /);
    expect(error.message).toMatch(ending);
    for (let i = 0; i + 6 <= TOKEN.length; i++) expect(error.message).not.toContain(TOKEN.slice(i, i + 6));
  });
});

describe('CP admin token sources', () => {
  const environment = BUILT_IN_ENVIRONMENTS.production!;
  const sentinel = 'cp-token-SENTINEL-5f2c9e';

  it('refuses a token file readable by group or others, with the chmod fix', async () => {
    const path = join(dir, 'token');
    await writeFile(path, sentinel);
    await chmod(path, 0o644);
    const error = await readCpToken({
      env: { MOLECTL_CP_TOKEN_FILE: path },
      environment,
      exec: execFile,
      redactor: new Redactor(),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ExitCode.credentials,
      message: expect.stringContaining('mode 0644'),
      hint: `run: chmod 600 ${path}`,
    });
    expect(String((error as Error).message)).not.toContain(sentinel);
  });

  it('reads a 0600 token file and registers the token with the redactor', async () => {
    const path = join(dir, 'token');
    await writeFile(path, `${sentinel}\n`, { mode: 0o600 });
    const redactor = new Redactor();
    const token = await readCpToken({ env: { MOLECTL_CP_TOKEN_FILE: path }, environment, exec: execFile, redactor });
    expect(token).toBe(sentinel);
    expect(redactor.redact(`token is ${sentinel}`)).toBe('token is [REDACTED:cp-admin-token]');
  });

  it('runs a token command like credential_process', async () => {
    const redactor = new Redactor();
    const token = await readCpToken({
      env: { MOLECTL_CP_TOKEN_COMMAND: `printf %s ${sentinel}` },
      environment,
      exec: execFile,
      redactor,
    });
    expect(token).toBe(sentinel);
  });

  it('says how to provide a token when none is configured', async () => {
    await expect(readCpToken({ env: {}, environment, exec: execFile, redactor: new Redactor() })).rejects.toMatchObject(
      {
        code: ExitCode.credentials,
        hint: expect.stringContaining('CP_ADMIN_API_TOKEN'),
      },
    );
  });
});
