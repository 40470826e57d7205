import { describe, expect, it } from 'vitest';
import { Redactor } from '../../../src/lib/output/redactor.js';

/**
 * The table of secret shapes that leak from this platform's consoles and container logs
 * (../shared/platform.md, "Secrets in SSM and consoles"), run through THE redactor the way
 * `molectl console` and `molectl logs` use it. Each case names the secret material that must not
 * survive and the kind the replacement must carry.
 */

const HEX = 'a3f1c9e07b5d24681357aceb9d0f2468a3f1c9e07b5d24681357aceb9d0f2468';
const ESC = '\u001b';

interface LeakCase {
  name: string;
  input: string;
  /** Substrings that must be gone from the output. */
  secrets: string[];
  /** Values that must not be recoverable by base64-decoding what is left. */
  decodedSecrets?: string[];
  kind: string;
}

const PEM_BODY =
  'MIIEowIBAAKCAQEAx7Zb3mYl0eXampleKeyMaterialLine1\nQ2hlY2tUaGlzSXNOb3RBUmVhbEtleUJ1dEl0TG9va3NMaWtlT25l';

const CASES: LeakCase[] = [
  {
    name: 'set -x docker run -e ADMIN_TOKEN',
    input: `cloud-init[1873]: + docker run -d -e ADMIN_TOKEN=tok-8d1f0c2a77e34b19 ghcr.io/x`,
    secrets: ['tok-8d1f0c2a77e34b19'],
    kind: 'named-secret',
  },
  {
    name: 'shared secret as 64-hex env value',
    input: `+ docker run -e MOLECULE_CP_SHARED_SECRET=${HEX} img`,
    secrets: [HEX],
    kind: 'named-secret',
  },
  {
    name: 'curl Authorization: Bearer',
    input: `+ curl -fsS -H 'Authorization: Bearer mol_tenant_5f2c9a1e88b04d' https://api/cp/tenants/config`,
    secrets: ['mol_tenant_5f2c9a1e88b04d'],
    kind: 'bearer',
  },
  {
    name: 'lower-case bearer in a log field',
    input: 'level=DEBUG msg="auth" header="Bearer abcdefgh12345678"',
    secrets: ['abcdefgh12345678'],
    kind: 'bearer',
  },
  {
    name: '*_API_KEY=',
    input: 'export OPENAI_API_KEY=proj-0a9b8c7d6e5f4a3b',
    secrets: ['proj-0a9b8c7d6e5f4a3b'],
    kind: 'named-secret',
  },
  {
    name: 'PASSWORD: value (yaml)',
    input: '  db_password: s3cr3t-P4ssw0rd!',
    secrets: ['s3cr3t-P4ssw0rd!'],
    kind: 'named-secret',
  },
  {
    name: 'quoted value with spaces',
    input: `export DB_PASSWORD='correct horse battery staple'`,
    secrets: ['correct', 'horse', 'battery', 'staple'],
    kind: 'named-secret',
  },
  {
    name: 'double-quoted value with spaces',
    input: 'SMTP_CREDENTIAL="open sesame 42"',
    secrets: ['open', 'sesame'],
    kind: 'named-secret',
  },
  {
    name: 'JSON "secret": "value"',
    input: '{"client_secret": "cs-77aa88bb99cc"}',
    secrets: ['cs-77aa88bb99cc'],
    kind: 'named-secret',
  },
  {
    name: 'URL with credentials',
    input: 'git clone https://deploy:gh-pass-91827364@git.example.com/x.git',
    secrets: ['gh-pass-91827364'],
    kind: 'url-credential',
  },
  {
    name: 'postgres URL with credentials',
    input: 'DATABASE_URL=postgres://app:pg-Pa55-w0rd@db:5432/molecule',
    secrets: ['pg-Pa55-w0rd'],
    kind: 'url-credential',
  },
  {
    name: 'AWS access key id',
    input: 'aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE',
    secrets: ['AKIAIOSFODNN7EXAMPLE'],
    kind: 'aws-access-key',
  },
  {
    name: 'AWS session key id',
    input: 'creds ASIAZZZZYYYYXXXXWWWW expiring',
    secrets: ['ASIAZZZZYYYYXXXXWWWW'],
    kind: 'aws-access-key',
  },
  {
    name: 'AWS secret access key (named)',
    input: 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    secrets: ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    kind: 'named-secret',
  },
  {
    name: 'ghp_',
    input: 'pulling with ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
    secrets: ['ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789'],
    kind: 'github-token',
  },
  {
    name: 'gho_',
    input: 'gho_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 used',
    secrets: ['gho_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789'],
    kind: 'github-token',
  },
  {
    name: 'ghs_',
    input: 'x ghs_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
    secrets: ['ghs_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789'],
    kind: 'github-token',
  },
  {
    name: 'github_pat_',
    input: 'github_pat_11AAAAAAA0bbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    secrets: ['github_pat_11AAAAAAA0bbbbbbbbbbbbbbbbbbbbbbbbbbbb'],
    kind: 'github-token',
  },
  {
    name: 'sk- key',
    input: 'llm: using sk-live-4f3e2d1c0b9a8f7e6d5c',
    secrets: ['sk-live-4f3e2d1c0b9a8f7e6d5c'],
    kind: 'api-key',
  },
  {
    name: 'mol_pk_',
    input: 'registered mol_pk_9a8b7c6d5e4f3a2b',
    secrets: ['mol_pk_9a8b7c6d5e4f3a2b'],
    kind: 'molecule-key',
  },
  { name: 'bare 64-hex', input: `shared=${HEX.toUpperCase()} done`, secrets: [HEX.toUpperCase()], kind: 'hex64' },
  {
    name: 'PEM private key with CRLF (serial console line ends)',
    input: `-----BEGIN OPENSSH PRIVATE KEY-----\r\n${PEM_BODY.replace('\n', '\r\n')}\r\n-----END OPENSSH PRIVATE KEY-----`,
    secrets: ['MIIEowIBAAKCAQEAx7Zb3mYl0e', 'Q2hlY2tUaGlz'],
    kind: 'pem',
  },
  {
    name: 'ANSI colour inside a named value',
    input: `ADMIN_TOKEN=${ESC}[1mtok-ansi-${ESC}[0m5566778899`,
    secrets: ['5566778899'],
    kind: 'named-secret',
  },
  {
    name: 'ANSI colour inside a ghp_ token',
    input: `token ghp_aBcDeFgHiJ${ESC}[32mkLmNoPqRsTuVwXyZ0123456789${ESC}[0m`,
    secrets: ['kLmNoPqRsTuVwXyZ0123456789'],
    kind: 'github-token',
  },
  {
    name: 'ANSI colour inside a bearer',
    input: `Authorization: Bearer ${ESC}[33mabcd${ESC}[0mefgh1234ijkl`,
    secrets: ['efgh1234ijkl'],
    kind: 'bearer',
  },
  {
    name: 'base64-wrapped env line (user-data echoed as base64)',
    input: `+ echo ${Buffer.from('ADMIN_TOKEN=b64-hidden-7788aa99\nMOLECULE_CP_URL=https://api\n').toString('base64')} | base64 -d`,
    secrets: [Buffer.from('ADMIN_TOKEN=b64-hidden-7788aa99\nMOLECULE_CP_URL=https://api\n').toString('base64')],
    decodedSecrets: ['b64-hidden-7788aa99'],
    kind: 'base64',
  },
  {
    name: 'base64 line-wrapped at 76 columns',
    input: wrap76(
      Buffer.from(
        `#!/bin/bash\nset -x\ndocker run -e ADMIN_TOKEN=wrapped-b64-55aa66bb77cc -e MOLECULE_CP_URL=https://api.moleculesai.app ghcr.io/molecule-ai/platform-tenant:latest\n`,
      ).toString('base64'),
    ),
    secrets: [],
    decodedSecrets: ['wrapped-b64-55aa66bb77cc'],
    kind: 'base64',
  },
  {
    name: 'PEM key cut before its BEGIN (a 64 KB window, docker logs --tail), CRLF',
    input: `${PEM_BODY.replace('\n', '\r\n')}\r\n-----END RSA PRIVATE KEY-----\r\nlogin: `,
    secrets: ['MIIEowIBAAKCAQEAx7Zb3mYl0e', 'Q2hlY2tUaGlz'],
    kind: 'pem',
  },
  {
    name: 'PEM key cut before its BEGIN, docker timestamps',
    input: PEM_BODY.split('\n')
      .map((l) => `2026-12-07T10:00:00.000000000Z ${l}`)
      .concat('2026-12-07T10:00:00.000000000Z -----END PRIVATE KEY-----')
      .join('\n'),
    secrets: ['MIIEowIBAAKCAQEAx7Zb3mYl0e', 'Q2hlY2tUaGlz'],
    kind: 'pem',
  },
  {
    name: 'PEM key cut after its BEGIN (a --follow poll, a log cut short)',
    input: `boot\n-----BEGIN OPENSSH PRIVATE KEY-----\n${PEM_BODY}\n`,
    secrets: ['MIIEowIBAAKCAQEAx7Zb3mYl0e', 'Q2hlY2tUaGlz'],
    kind: 'pem',
  },
  // Shapes a `set -x` trace, a Go service's log or a JSON logger prints that the rules above
  // missed (each leaked its value in clear before).
  {
    name: 'JSON-escaped "admin_token" inside a JSON log message',
    input: String.raw`{"level":"debug","msg":"{\"admin_token\":\"tok-jsonesc-41d2c9a7\",\"org\":\"acme\"}"}`,
    secrets: ['tok-jsonesc-41d2c9a7'],
    kind: 'named-secret',
  },
  {
    name: 'JSON-escaped quoted value with spaces',
    input: String.raw`{"msg":"{\"db_password\":\"open sesame 9911\"}"}`,
    secrets: ['open', 'sesame', '9911'],
    kind: 'named-secret',
  },
  {
    name: String.raw`NAME=\"value\" inside a JSON string`,
    input: String.raw`{"cmd":"docker run -e ADMIN_TOKEN=\"tok-escq-77c1e0a2\" img"}`,
    secrets: ['tok-escq-77c1e0a2'],
    kind: 'named-secret',
  },
  {
    name: 'cloudflared --token <t> (flag and value as two words)',
    input: 'cloud-init[1873]: + cloudflared tunnel --no-autoupdate run --token tunnel-tok-5a6b7c8d9e',
    secrets: ['tunnel-tok-5a6b7c8d9e'],
    kind: 'named-secret',
  },
  {
    name: 'Go flag -token <t>',
    input: '+ /usr/local/bin/agent -cp https://api -token agent-tok-13579bdf -v',
    secrets: ['agent-tok-13579bdf'],
    kind: 'named-secret',
  },
  {
    name: "--password '<p>' (quoted)",
    input: "+ mysql -u app --password 'pw-quoted-2468ace0' -h db",
    secrets: ['pw-quoted-2468ace0'],
    kind: 'named-secret',
  },
  {
    name: 'docker login -p <password>',
    input: '+ docker login -u molecule-bot -p ghcr-pw-0f1e2d3c4b ghcr.io',
    secrets: ['ghcr-pw-0f1e2d3c4b'],
    kind: 'registry-password',
  },
  {
    name: 'cloudflared service install <tunnel token>',
    input: `+ cloudflared service install ${Buffer.from('{"a":"4a7f09c1234567890abcdef012345678","t":"9ba4c2d1-1111-2222-3333-444455556666","s":"NzYyODAxMjM0NTY3ODkxMjM0NTY3ODkwMTIzNDU2Nzg="}').toString('base64')}`,
    secrets: ['eyJhIjoi', 'NzYyODAxMjM0NTY3ODkx'],
    kind: 'tunnel-token',
  },
  {
    name: 'a JWT in a log field',
    input:
      'level=INFO msg="session" jwt=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhY21lIiwiZXhwIjo0MTAwMDAwMDAwfQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ',
    secrets: ['eyJzdWIiOiJhY21l', 'c2lnbmF0dXJlLXNpZ25hdHVyZQ'],
    kind: 'jwt',
  },
  {
    name: 'Go %+v of a config struct',
    input: 'config loaded: &{Slug:acme AdminToken:tok-gostruct-8a9b0c1d CPURL:https://api.moleculesai.app}',
    secrets: ['tok-gostruct-8a9b0c1d'],
    kind: 'named-secret',
  },
  {
    name: 'Go %v of an env map',
    input: 'env: map[ADMIN_TOKEN:tok-gomap-2c3d4e5f MOLECULE_CP_URL:https://api]',
    secrets: ['tok-gomap-2c3d4e5f'],
    kind: 'named-secret',
  },
  {
    name: 'curl -u user:password',
    input: "+ curl -fsS -u ops:curl-pw-27182818 'https://registry.example.com/v2/_catalog'",
    secrets: ['curl-pw-27182818'],
    kind: 'curl-credential',
  },
  {
    name: 'Authorization: Basic',
    input: `+ curl -H 'Authorization: Basic ${Buffer.from('ops:basic-pw-31415926').toString('base64')}' https://x`,
    secrets: [Buffer.from('ops:basic-pw-31415926').toString('base64')],
    kind: 'bearer',
  },
  {
    name: 'URL-encoded NAME%3Dvalue',
    input: 'GET /debug?env=ADMIN_TOKEN%3Dtok-urlenc-6f7a8b9c HTTP/1.1',
    secrets: ['tok-urlenc-6f7a8b9c'],
    kind: 'named-secret',
  },
  // A known secret name (../shared/platform.md) and its value, with separators other than `=`/`: `.
  {
    name: 'a URL-safe base64 blob (an OAuth state, a JWT payload alone)',
    input: `GET /cb?state=${Buffer.from('{"admin_token":"b64url-?>~7c1d9e2f4a8b?>","slug":"acme"}').toString('base64url')} 302`,
    secrets: [],
    decodedSecrets: ['7c1d9e2f4a8b'],
    kind: 'base64',
  },
  {
    name: 'a standard base64 blob behind a name joined by _ or -',
    input: `ENV_B64_${Buffer.from('ADMIN_TOKEN=std-behind-3f2e1d0c9b8a\n').toString('base64')}`,
    secrets: [],
    decodedSecrets: ['3f2e1d0c9b8a'],
    kind: 'base64',
  },
  {
    name: 'a JSON body URL-encoded into a query parameter',
    input:
      'GET /relay?payload=%7B%22admin_token%22%3A%22url-json-5d4c3b2a1f0e%22%2C%22slug%22%3A%22acme%22%7D HTTP/1.1',
    secrets: ['url-json-5d4c3b2a1f0e'],
    kind: 'named-secret',
  },
  {
    name: 'a URL with credentials URL-encoded into another URL',
    input: 'redirect to /login?next=https%3A%2F%2Fbot%3Aurl-cred-8e7f6a5b%40git.example.com%2Frepo',
    secrets: ['url-cred-8e7f6a5b'],
    kind: 'url-credential',
  },
  {
    name: 'an Authorization header form-encoded (+ for spaces)',
    input: 'body: headers=Authorization%3A+Bearer+urlbearer9a8b7c6d5e4f&x=1',
    secrets: ['urlbearer9a8b7c6d5e4f'],
    kind: 'bearer',
  },
  {
    name: 'NAME: value URL-encoded',
    input: 'q=admin_token%3A%20url-colon-2f3e4d5c6b7a',
    secrets: ['url-colon-2f3e4d5c6b7a'],
    kind: 'named-secret',
  },
  {
    name: 'NAME<TAB>value (aws --output text, TSV)',
    input: '+ aws ssm get-parameters --output text\nPARAMETERS\tMOLECULE_CP_SHARED_SECRET\ttab-sep-5e4d3c2b1a0f',
    secrets: ['tab-sep-5e4d3c2b1a0f'],
    kind: 'named-secret',
  },
  {
    name: 'SecretString<TAB>value (get-secret-value --output text)',
    input: 'SecretString\tsm-text-9a8b7c6d5e4f3a2b',
    secrets: ['sm-text-9a8b7c6d5e4f3a2b'],
    kind: 'named-secret',
  },
  {
    name: 'aws --output table cell',
    input: '|  SecretString  |  tbl-cell-7f6e5d4c3b2a  |',
    secrets: ['tbl-cell-7f6e5d4c3b2a'],
    kind: 'named-secret',
  },
  {
    name: 'railway variables box table',
    input: '║ CP_ADMIN_API_TOKEN        │ rw-box-1a2b3c4d5e6f7a8b ║',
    secrets: ['rw-box-1a2b3c4d5e6f7a8b'],
    kind: 'named-secret',
  },
  {
    name: 'aligned columns (two or more spaces)',
    input: 'ADMIN_TOKEN     col-aligned-0f1e2d3c4b',
    secrets: ['col-aligned-0f1e2d3c4b'],
    kind: 'named-secret',
  },
  {
    name: 'known name and value separated by one space (env | tr = " ", a logger\'s fields)',
    input: 'cloud-init[1873]: ADMIN_TOKEN one-space-7c1d9e2f4a set\nlevel=debug CP_ADMIN_API_TOKEN 4q9ZpX2mVw7Lr8Ks',
    secrets: ['one-space-7c1d9e2f4a', '4q9ZpX2mVw7Lr8Ks'],
    kind: 'named-secret',
  },
  {
    name: 'NAME => value (the value was left in clear, `>` redacted instead)',
    input: 'env: ADMIN_TOKEN => arrow-bare-3c2b1a0f9e',
    secrets: ['arrow-bare-3c2b1a0f9e'],
    kind: 'named-secret',
  },
  {
    name: 'Ruby/PHP hash "name" => "value" (any secret name)',
    input: `{"api_key" => "arrow-quoted-8e7d6c5b4a", :db_password => 'arrow-sym-2b3c4d5e6f'}`,
    secrets: ['arrow-quoted-8e7d6c5b4a', 'arrow-sym-2b3c4d5e6f'],
    kind: 'named-secret',
  },
  {
    name: 'JSON string with an escaped quote inside the value',
    input: String.raw`{"admin_token":"esc\"aped-4f5e6d7c8b9a","slug":"acme"}`,
    secrets: ['aped-4f5e6d7c8b9a'],
    kind: 'named-secret',
  },
  {
    name: 'JSON string with a backslash and unicode escape inside the value',
    input: String.raw`{"client_secret": "back\\slash\u0041-6a5b4c3d2e1f"}`,
    secrets: ['slash', '6a5b4c3d2e1f'],
    kind: 'named-secret',
  },
  {
    name: 'ECS/Kubernetes name/value pair (JSON)',
    input: '"environment": [{"name": "MOLECULE_CP_SHARED_SECRET", "value": "nv-json-0a1b2c3d4e5f"}]',
    secrets: ['nv-json-0a1b2c3d4e5f'],
    kind: 'named-secret',
  },
  {
    name: 'JSON inside a JSON string inside a log line (quotes escaped twice)',
    input: String.raw`{"msg":"relay","body":"{\"event\":\"{\\\"admin_token\\\":\\\"dbl-esc-6e5d4c3b2a19\\\"}\"}"}`,
    secrets: ['dbl-esc-6e5d4c3b2a19'],
    kind: 'named-secret',
  },
  {
    name: 'quoted value with spaces, quotes escaped twice',
    input: String.raw`"{\\\"db_password\\\": \\\"two words 8c7b6a\\\"}"`,
    secrets: ['two words 8c7b6a', '8c7b6a'],
    kind: 'named-secret',
  },
  {
    name: 'ECS/Kubernetes name/value pair inside a JSON string (quotes escaped once and twice)',
    input: String.raw`{"msg":"{\"env\":[{\"name\":\"ADMIN_TOKEN\",\"value\":\"nv-esc-1b2c3d4e5f6a\"}]}","raw":"{\\\"name\\\":\\\"CP_ADMIN_API_TOKEN\\\",\\\"value\\\":\\\"nv-dbl-9f8e7d6c5b4a\\\"}"}`,
    secrets: ['nv-esc-1b2c3d4e5f6a', 'nv-dbl-9f8e7d6c5b4a'],
    kind: 'named-secret',
  },
  {
    name: 'ECS/Kubernetes name/value pair (YAML)',
    input: '        - name: ADMIN_TOKEN\n          value: "nv-yaml-5f4e3d2c1b0a"',
    secrets: ['nv-yaml-5f4e3d2c1b0a'],
    kind: 'named-secret',
  },
  {
    name: 'YAML key at a line end, value on the next line, both behind cloud-init prefixes',
    input: 'cloud-init[1873]: admin_token:\ncloud-init[1873]:   yaml-next-7e6d5c4b3a2f',
    secrets: ['yaml-next-7e6d5c4b3a2f'],
    kind: 'named-secret',
  },
  {
    name: 'YAML key at a line end, value on the next line, docker timestamps',
    input: '2026-04-18T09:14:12.000000000Z   client_secret:\n2026-04-18T09:14:12.000000000Z     yaml-ts-1f2e3d4c5b6a',
    secrets: ['yaml-ts-1f2e3d4c5b6a'],
    kind: 'named-secret',
  },
];

function wrap76(text: string): string {
  return text.replace(/(.{76})/g, '$1\n').trimEnd();
}

describe('console/log redaction: every planted shape', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const redactor = new Redactor();
    const result = redactor.redactDetailed(c.input);
    for (const secret of c.secrets) expect(result.text).not.toContain(secret);
    for (const secret of c.decodedSecrets ?? []) {
      expect(c.input).not.toContain(secret);
      const left = result.text.replace(/[^A-Za-z0-9+/=]/g, '');
      for (const offset of [0, 1, 2, 3])
        expect(Buffer.from(left.slice(offset), 'base64').toString('latin1')).not.toContain(secret);
    }
    expect(result.text).toContain(`[REDACTED:${c.kind}`);
    expect(result.count).toBeGreaterThan(0);
  });
});

describe('percent-encoded text', () => {
  it('is counted by the kinds of the marks a reader sees in it', () => {
    const result = new Redactor().redactDetailed(
      'q=%7B%22admin_token%22%3A%22url-count-1a2b3c4d%22%2C%22auth%22%3A%22Bearer%20urlcount9f8e7d6c5b%22%7D',
    );
    expect(result.text).toBe(
      'q=%7B%22admin_token%22%3A%22[REDACTED:named-secret]%22%2C%22auth%22%3A%22Bearer%20[REDACTED:bearer]%22%7D',
    );
    expect(result.byKind).toEqual({ 'named-secret': 1, bearer: 1 });
  });
});

describe('registered session secrets in every encoding', () => {
  const SENTINEL = 'SENTINEL-console-4b7e19d2c0';
  const redactor = new Redactor();
  redactor.register(SENTINEL, 'tenant-admin-token');
  it.each([
    ['raw', `+ export X=${SENTINEL}`],
    ['url-encoded', `https://h/?t=${encodeURIComponent(`${SENTINEL}&`)}`],
    ['base64, offset 0', Buffer.from(SENTINEL).toString('base64')],
    ['base64, offset 1', Buffer.from(`x${SENTINEL}`).toString('base64')],
    ['base64, offset 2', Buffer.from(`xy${SENTINEL}`).toString('base64')],
    ['ANSI-split raw', `${SENTINEL.slice(0, 12)}${ESC}[0m${SENTINEL.slice(12)}`],
  ])('%s', (_form, text) => {
    const out = redactor.redact(text);
    expect(out).not.toContain(SENTINEL);
    expect(out).toContain('[REDACTED:');
  });
});

describe('--no-redact', () => {
  it('stops shape rules but keeps values molectl registered redacted', () => {
    const redactor = new Redactor();
    redactor.register('SENTINEL-held-by-molectl-1234', 'cp-admin-token');
    redactor.disableShapeRules();
    expect(redactor.redact('ADMIN_TOKEN=tok-8d1f0c2a77e34b19 x=SENTINEL-held-by-molectl-1234')).toBe(
      'ADMIN_TOKEN=tok-8d1f0c2a77e34b19 x=[REDACTED:cp-admin-token]',
    );
  });
});

describe('ordinary console text is left intact', () => {
  const redactor = new Redactor();
  it.each([
    '[    0.013700] Linux version 6.1.109-118.189.amzn2023.x86_64 (mockbuild@ip-10-0-47-118) (gcc (GCC) 11.4.1 20230605) #1 SMP PREEMPT_DYNAMIC',
    "cloud-init[1873]: Cloud-init v. 22.2.2 running 'modules:final' at Sat, 18 Apr 2026 09:14:12 +0000. Up 15.02 seconds.",
    'cloud-init[1873]: The key fingerprint is: SHA256:Hn1q4c0p3ZbVg0dZJ3m8Zk1xq7v2nQf0bQy2Yk6cYlE root@localhost',
    'cloud-init[1873]: Installing: docker-25.0.6-1.amzn2023.0.2.x86_64  1/25',
    'Digest: sha256:' + 'c'.repeat(64),
    'systemd[1]: Started amazon-ssm-agent.',
    'level=INFO msg="request" method=GET path=/health status=200 duration_ms=3',
    'level=INFO msg="scheduler tick" org=acme queued=3 running=1',
    'ci-info: |   0   | 0.0.0.0     | 10.0.0.1 | 0.0.0.0       | ens5 | UG |',
    'cloud-init[1873]: + aws secretsmanager get-secret-value --secret-id molecule/tenants/acme/admin-token',
    'token_count: 3 ADMIN_TOKEN=<unset> SECRET_ARN=arn:aws:secretsmanager:us-east-2:1:secret:x',
    'ip-10-0-1-23 login: ',
    // A certificate is public, cut or whole.
    'MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJRTES\n-----END CERTIFICATE-----',
    // Flags that say where a secret is, or take no secret, keep their values.
    '+ cloudflared tunnel run --token-file /etc/cloudflared/token',
    '+ echo ****** | docker login --password-stdin -u bot ghcr.io',
    '+ gpg --no-default-keyring --keyring /usr/share/keyrings/docker.gpg --list-keys',
    '+ openssl req -x509 -newkey rsa:2048 -keyout /etc/ssl/private/tenant.pem -days 365',
    '+ docker run -d -p 8080:8080 --name molecule-tenant img',
    'run: gh auth login --with-token < token.txt',
    '+ curl -u "$REGISTRY_USER:$REGISTRY_TOKEN" https://registry.example.com/v2/',
    '+ curl -fsS --user-agent molectl/1 https://example.com',
    'level=INFO msg="org" org={Slug:acme Status:running Workspaces:3}',
    'Basic auth is disabled; Bearer tokens only',
    // Known secret names in prose and tables, with no value after them.
    'The tenant ADMIN_TOKEN is read from Secrets Manager when the container starts.',
    '| tenant ADMIN_TOKEN | Secrets Manager (name pattern unknown), CP DB, tenant env | tenant admin auth |',
    '| `PROVISION_SHARED_SECRET` (32-byte hex) | CP env on Railway | CP gate on `/cp/workspaces/*` |',
    'NAME\tADMIN_TOKEN\tSTATUS',
    'ADMIN_TOKEN\tset\nMOLECULE_CP_SHARED_SECRET\tmissing',
    'ADMIN_TOKEN    required   the tenant admin token',
    // One space after a known name is prose as often as a value: only a credential-like word goes.
    'ADMIN_TOKEN rotated for org acme-2 at 2026-12-08T02:00:00Z',
    'ADMIN_TOKEN 2026-12-08T02:00:00Z rotated',
    'ADMIN_TOKEN arn:aws:secretsmanager:us-east-2:123456789012:secret:molecule/acme-AbC123',
    'ADMIN_TOKEN sha256:3fa9c1d2 (64 chars)',
    'MOLECULE_CP_SHARED_SECRET https://api.moleculesai.app mismatch',
    '- name: ADMIN_TOKEN\n  valueFrom:\n    secretKeyRef: {name: tenant-secrets}',
    '{"name": "ADMIN_TOKEN", "value": "$ADMIN_TOKEN"}',
    // A key at a line end followed by a line that is not its (indented) value.
    'secrets:\nnothing more to say here',
    'cloud-init[1873]: api_key:\ncloud-init[1873]: other: value',
    // Code in a Node crash report: an arrow function is not an assignment.
    '    keys.map(key => key.trim()).filter((token) => token.length > 0)',
    // Runs of the URL-safe alphabet that are names and ids, not blobs.
    'pod molecule-tenant-acme-7f9c4d8b6-x2kq9 container molecule_platform_main_worker_0 ready',
    'request 0c6f1d2e-4b3a-4f5e-9d8c-7b6a5f4e3d2c trace 4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7',
    '-----------------------------------------------------------------------------',
    // Percent escapes that decode to nothing secret stay as they were written.
    'GET /search?q=molecule%20ai%2Btenants&page=2 200',
    'disk 97%25 full; https://example.com/a%2Fb%3Fc',
    // A long base64 run that decodes to nothing secret (a public cert chunk) stays.
    Buffer.from('This is an ordinary block of text with nothing secret inside of it at all.').toString('base64'),
  ])('%s', (text) => {
    expect(redactor.redact(text)).toBe(text);
  });
});

describe('hostile console text stays linear', () => {
  // Each of these took seconds to minutes per 100 KB before the patterns were bounded.
  it.each([
    ['dotted run', 'x.'.repeat(50_000)],
    ['dashed run', 'a-'.repeat(50_000)],
    ['--flag run', '--a'.repeat(40_000)],
    ['BEGIN lines without END', '-----BEGIN X-----\n'.repeat(10_000)],
    ['a Go struct of secret-named fields', `{${'a key b '.repeat(12_000)}`],
    ['secret flags without values', '--token -'.repeat(11_000)],
    // Thousands of trigger hits on one long line (a minified blob): each hit's window was
    // found by scanning to its line's ends, quadratic in the line's length.
    ['a map[ then key:key:key...', `map[${'key:'.repeat(25_000)}`],
    ['sk- runs on one line', 'sk-.'.repeat(25_000)],
    ['eyJ runs on one line', 'eyJ.'.repeat(25_000)],
    ['curl then -u runs', `curl ${' -u a:'.repeat(25_000)}`],
    ['curl runs on one line', 'curl '.repeat(25_000)],
    ['docker login then -p runs', `docker login ${' -p'.repeat(30_000)}`],
    ['known names and tabs on one line', 'a_b_ADMIN_TOKEN\t|'.repeat(20_000)],
    ['YAML keys at line ends behind prefixes', 'cloud-init[1873]: key:\n'.repeat(20_000)],
    ['JSON name/value pairs without values', '{"name":"key","value":'.repeat(10_000)],
    ['JSON strings of backslashes', `{"token":"${'\\'.repeat(100_000)}`],
    ['escaped quotes after a secret name', `token=${'\\"'.repeat(50_000)}`],
    ['escaped name/value pairs without values', '{\\"name\\":\\"key\\",\\"value\\":'.repeat(10_000)],
    ['percent escapes on one line', '%41'.repeat(60_000)],
    ['a long run with one escape', `${'a'.repeat(200_000)}%41${'b'.repeat(200_000)}`],
    ['escapes between runs', 'ab%4='.repeat(50_000)],
    ['backslash runs after known names', `ADMIN_TOKEN ${'\\'.repeat(100_000)}`],
  ])('%s', (_name, text) => {
    const start = performance.now();
    new Redactor().redact(text);
    expect(performance.now() - start).toBeLessThan(2_000);
  });
});
