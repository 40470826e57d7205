import { charClass, findHits, findRuns, mergeWindows, windowAround, type Window } from './scan-windows.js';

/**
 * Token shapes known to leak from this platform's hosts (../shared/platform.md), replaced even
 * when molectl never held the value. They apply to text that came from outside (consoles, logs,
 * SSM output, HTTP bodies, files read, remote error messages), never to molectl's own words.
 * shapeWindows finds the few places where any rule can match (scan-windows.ts), so 10 MB of logs is not
 * scanned by eleven patterns position by position.
 */

export interface ShapeRule {
  kind: string;
  pattern: RegExp;
  /** Builds the replacement from the match; by default the whole match is replaced. */
  replace?: (match: string, ...groups: string[]) => string;
  /**
   * The replacement holds the marks of other rules (it redacted a decoded form of the match):
   * those kinds are counted, one per mark, as the reader sees them, instead of this rule's kind.
   */
  countsInnerMarks?: true;
}

export const mark = (kind: string): string => `[REDACTED:${kind}]`;
/** Every mark in a text, its kind captured. */
const MARKS = /\[REDACTED:([a-z0-9-]+)\]/g;

/**
 * Variable names whose values are secrets: contain KEY, TOKEN, SECRET, PASSWORD or CREDENTIAL.
 * The parts around the keyword are bounded: unbounded, every start allowed in a long run such as
 * `--a--a--a...` scans to the end of the run, which is quadratic (100 KB took seconds).
 * No real variable name is longer than 64 characters on either side.
 */
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]{0,64}(?:key|token|secret|passw(?:or)?d|credential)[A-Za-z0-9_.-]{0,64}`;

/**
 * The platform's secret names (../shared/platform.md, "Secrets"; `admin_token` is also the CP's
 * JSON field) and Secrets Manager's field for a value: a value after one of these is a secret
 * whatever separates them.
 */
const KNOWN_SECRET_NAMES = String.raw`(?:PROVISION_SHARED_SECRET|MOLECULE_CP_SHARED_SECRET|CP_ADMIN_API_TOKEN|ADMIN_TOKEN|SecretString)`;

/**
 * The backslashes before a quote in JSON inside a JSON string (`\"`), inside another (`\\\"`),
 * and so on: a log line that carries a JSON body that carries a JSON config. Bounded, as no real
 * nesting is deeper, so that a run of backslashes is never scanned quadratically.
 */
const ESCAPES = String.raw`\\{0,7}`;

/**
 * The end of a line whose secret's value comes on the next one: a YAML key at the line's end
 * (`admin_token:`, behind any prefix) or the name of a YAML name/value pair (`- name:
 * ADMIN_TOKEN`, then `value: …`).
 */
const AWAITS_VALUE = new RegExp(
  String.raw`(?:(?<![A-Za-z0-9_.-])(?=[A-Za-z_])${SECRET_NAME}:|\b(?:name|key):[^\S\r\n]*["']?${SECRET_NAME}["']?)[^\S\r\n]*\r?$`,
  'i',
);
/** Enough of a line's end to hold any AWAITS_VALUE match: a long minified line is not scanned whole. */
const AWAITS_VALUE_REACH = 256;

/**
 * True when the line names a secret whose value is printed on the next line. Text redacted a
 * piece at a time (a --follow poll) must hold such a line until the next one arrives: redacted
 * alone, the value line has no name before it and shows in clear.
 */
export function awaitsValueOnNextLine(line: string): boolean {
  return AWAITS_VALUE.test(line.slice(-AWAITS_VALUE_REACH));
}

/**
 * What every match of some rule contains, and so where it can match: a secret-name word (spelled
 * out case by case, twice as fast as the `i` flag), a literal (`://`, `Bearer`, a key prefix, a
 * PEM header), or a run of at least 32 base64 characters (a base64 blob, a 64-hex value).
 */
const NAME_WORDS =
  /[kK][eE][yY]|[tT][oO][kK][eE][nN]|[sS][eE][cC][rR][eE][tT]|[pP][aA][sS][sS][wW]|[cC][rR][eE][dD][eE][nN][tT][iI][aA][lL]/g;
const LITERALS =
  /:\/\/|Bearer|Basic|AKIA|ASIA|gh[opsur]_|github_pat_|sk-|mol_pk_|-----BEGIN |-----END |eyJ| login |curl /g;
/** The rules a literal hit can start, by the literal's first two characters. */
const LITERAL_KINDS: Record<string, string[]> = {
  ':/': ['url-credential'],
  Be: ['bearer'],
  Ba: ['bearer'],
  AK: ['aws-access-key'],
  AS: ['aws-access-key'],
  gh: ['github-token'],
  gi: ['github-token'],
  sk: ['api-key'],
  mo: ['molecule-key'],
  '--': ['pem'],
  ey: ['jwt', 'tunnel-token'],
  ' l': ['registry-password'],
  cu: ['curl-credential'],
};
/**
 * `://` percent-encoded: the one trigger whose characters encoding changes. Every other trigger
 * (a secret-name word, `Bearer`, a key prefix) is letters, digits and `_`, which stay as they are
 * when encoded, so their windows also take the url-encoded rule.
 */
const ENCODED_SCHEME = /%3[Aa]%2[Ff]%2[Ff]/g;
/** Both base64 alphabets: the standard one and the URL-safe one (`-` and `_`, as JWTs and URLs carry). */
const BASE64_CHARS = charClass('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_');
/**
 * One whole line of a key block's body: base64 or an encrypted key's `Proc-Type:`/`DEK-Info:`
 * header, after an optional prefix (a docker timestamp, `cloud-init[1873]:`).
 */
const PEM_LINE = String.raw`[^\S\r\n]*(?:[^\s]{1,64}[^\S\r\n]+)?(?:[A-Za-z0-9+/=]{16,}|Proc-Type: [^\r\n]*|DEK-Info: [^\r\n]*)[^\S\r\n]*(?=\r?\n|$)`;
/** The PEM rule's bound on a block's length, plus room for its END line. */
const PEM_REACH = 20_100;

/** The bit set of the rules of these kinds (bit i = SHAPE_RULES[i]). */
function bitsOf(...kinds: string[]): number {
  return SHAPE_RULES.reduce((bits, rule, i) => (kinds.includes(rule.kind) ? bits | (1 << i) : bits), 0);
}

/** Where any shape rule can match, each window tagged with the rules that can: merged, sorted. */
export function shapeWindows(text: string): Window[] {
  const windows: Window[] = [];
  const encoded = bitsOf('url-encoded');
  const names = bitsOf('named-secret') | encoded;
  const sameLine = sameLineWindows(text, windows);
  for (const hit of findHits(text, NAME_WORDS)) sameLine(hit, names);
  const sameLineEncoded = sameLineWindows(text, windows);
  for (const hit of findHits(text, ENCODED_SCHEME)) sameLineEncoded(hit, encoded);
  for (const hit of findHits(text, LITERALS)) {
    const kinds = LITERAL_KINDS[text.slice(hit[0], hit[0] + 2)]!;
    if (kinds[0] !== 'pem') sameLine(hit, bitsOf(...kinds) | encoded);
    else if (text[hit[0] + 5] === 'B')
      windows.push(windowAround(text, [hit[0], Math.min(text.length, hit[1] + PEM_REACH)], bitsOf(...kinds)));
    // An END line: the body lines before it, when its BEGIN was cut off.
    else windows.push(windowAround(text, [Math.max(0, hit[0] - PEM_REACH), hit[1]], bitsOf(...kinds)));
  }
  const blobs = bitsOf('base64', 'hex64');
  for (const run of findRuns(text, 32, BASE64_CHARS))
    if (holdsLongPiece(text, run)) windows.push(windowAround(text, run, blobs));
  return mergeWindows(windows);
}

/** Shortest stretch without `-` or `_` that makes a run of base64 characters worth decoding. */
const MIN_BLOB_PIECE = 16;

/**
 * Whether a run of base64 characters can be a blob: it has MIN_BLOB_PIECE characters in a row
 * without `-` or `_`. Names and ids that those join (`molecule-tenant-acme-7f9c4d8b6-x2kq9`, a
 * UUID) do not, and a log full of them would otherwise be decoded piece by piece.
 */
function holdsLongPiece(text: string, [start, end]: Window): boolean {
  let piece = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    piece = c === 45 || c === 95 ? 0 : piece + 1; // '-' or '_'
    if (piece >= MIN_BLOB_PIECE) return true;
  }
  return false;
}

/**
 * Adds the window of each hit (given in text order, none spanning a line end) to `windows`, but a
 * hit on the line of the previous one only adds its rules to that window, which is the same: a
 * window is found by scanning to the line's ends, and thousands of hits on one long line (a
 * minified blob, `key:` repeated) made that quadratic.
 */
function sameLineWindows(text: string, windows: Window[]): (hit: Window, rules: number) => void {
  let last: Window | null = null;
  let lastLineEnd = -1;
  return (hit, rules) => {
    if (last && hit[0] >= last[0] && hit[1] <= lastLineEnd) {
      last[2] = (last[2] ?? 0) | rules;
      return;
    }
    last = windowAround(text, hit, rules);
    windows.push(last);
    const end = text.indexOf('\n', hit[1]);
    lastLineEnd = end < 0 ? text.length : end;
  };
}

/**
 * Order matters: multi-line and structured shapes first, so that a PEM block is one redaction
 * and `TOKEN=Bearer x` is not counted twice.
 */
export const SHAPE_RULES: ShapeRule[] = [
  {
    kind: 'pem',
    // A block ends before the next BEGIN and within 20,000 characters (a 4096-bit RSA key is
    // ~3,300): unbounded, text full of BEGIN lines without END made this rule quadratic.
    pattern: /-----BEGIN ([A-Z0-9 ]*)-----(?:(?!-----BEGIN )[\s\S]){0,20000}?-----END \1-----/g,
    // Certificates are public; keys are not. Only key blocks are redacted.
    replace: (match, label: string) => (/PRIVATE KEY|ENCRYPTED/.test(label) ? mark('pem') : match),
  },
  {
    kind: 'pem',
    // A private key block whose END is missing: the text was cut after its BEGIN (a console read
    // while the key was being printed, a --follow poll, a log cut short). Its BEGIN line and the
    // key lines that follow go; a key line may carry a line prefix (a docker timestamp).
    pattern: new RegExp(String.raw`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[^\r\n]*(?:\r?\n${PEM_LINE})*`, 'g'),
  },
  {
    kind: 'pem',
    // A private key block whose BEGIN is missing: EC2's 64 KB window, `docker logs --tail` or
    // --max-bytes started inside it. The key lines before the END line go (the END line says
    // what was there).
    pattern: new RegExp(
      String.raw`(?:^|(?<=\n))(?:${PEM_LINE}\r?\n)+(?=[^\r\n]{0,64}?-----END [A-Z0-9 ]*PRIVATE KEY-----)`,
      'g',
    ),
    replace: () => `${mark('pem')}\n`,
  },
  {
    kind: 'url-encoded',
    // Text percent-encoded into a URL's parameter or a form body (`payload=%7B%22admin_token%22%3A
    // %22…`, `u=https%3A%2F%2Fbot%3A<pass>%40github.com`): the escapes hide every shape from the
    // rules. A run holding escapes is decoded and redacted; when that replaces something, the run
    // is encoded again around the replacements, which stay readable. Bounded (8,000 characters
    // around an escape) so that a long run is scanned once.
    pattern: /(?<![A-Za-z0-9%._~!*'()+-])[A-Za-z0-9%._~!*'()+-]{0,4000}%[0-9A-Fa-f]{2}[A-Za-z0-9%._~!*'()+-]{0,4000}/g,
    replace: (match) => redactPercentEncoded(match),
    countsInnerMarks: true,
  },
  {
    kind: 'url-credential',
    // The scheme is bounded: unbounded, each "." of a long dotted run restarts a scan to its end.
    pattern: /\b([a-z][a-z0-9+.-]{0,31}:\/\/)([^\s/:@'"]+):([^\s/@'"]+)@/gi,
    replace: (match, scheme: string, user: string, pass: string) =>
      pass.startsWith('[REDACTED:') || /^\$\{?[A-Z_]+\}?$/.test(pass)
        ? match
        : `${scheme}${user}:${mark('url-credential')}@`,
  },
  {
    kind: 'bearer',
    // `Basic` only after an Authorization header: in prose ("Basic auth") the next word is no secret.
    pattern: /\b(Bearer|(?<=Authorization\\?["']?\s*[:=]\s*\\?["']?)Basic)(\s+)([A-Za-z0-9\-._~+/]{8,}=*)/g,
    replace: (_m, word: string, space: string) => `${word}${space}${mark('bearer')}`,
  },
  {
    kind: 'base64',
    // A base64 blob (one run, or lines wrapped at 60+ columns as `base64` and PEM tools wrap)
    // whose decoded text carries a known shape: set -x traces echo user-data and env files this
    // way. The whole blob is replaced: any piece of it would decode to part of the secret. Either
    // alphabet: a URL-safe blob (a `state` parameter, a JWT's payload alone) was split at each
    // `-` or `_` into pieces that decoded to nothing; a standard blob behind `-` or `_` (`ENV_B64_…`)
    // is still judged on its own, at its own alignment.
    pattern:
      /(?<![A-Za-z0-9+/_-])(?:(?:[A-Za-z0-9+/_-]{60,}\r?\n)+[A-Za-z0-9+/_-]*={0,2}|[A-Za-z0-9+/_-]{32,}={0,2})(?![A-Za-z0-9+/_-])/g,
    replace: (match) => (blobHoldsShape(match) ? mark('base64') : match),
  },
  {
    kind: 'named-secret',
    // A JSON string value, escapes and all (`"admin_token":"a\"b…"`): the unquoted rule below
    // stops at the first `\"` and left the rest of the value in the output.
    pattern: new RegExp(String.raw`((?<=")(?=[A-Za-z_])${SECRET_NAME})("\s*:\s*")((?:[^"\\\r\n]|\\.)*)(")`, 'gi'),
    replace: (match, name: string, sep: string, value: string, close: string) =>
      isReferenceName(name) || value.startsWith('[REDACTED:') || value.startsWith('$') || isHarmlessValue(value)
        ? match
        : `${name}${sep}${mark('named-secret')}${close}`,
  },
  {
    kind: 'named-secret',
    // A name/value pair whose name is a secret's: ECS task definitions and Kubernetes env lists
    // (`{"name":"ADMIN_TOKEN","value":"…"}`, `- name: ADMIN_TOKEN` then `value: …`). The value's
    // own key (`value`) names nothing secret, so no other rule sees it. Inside a JSON string
    // (`{\"name\":\"ADMIN_TOKEN\",\"value\":\"…\"}`) the value ends at a quote escaped as its
    // opening one was.
    pattern: new RegExp(
      String.raw`((?:(${ESCAPES})"(?:name|key)\2"\s*:\s*\2"|\b(?:name|key):[^\S\r\n]*["']?)(${SECRET_NAME})(?:\2"\s*,\s*\2"value\2"\s*:\s*\2"|["']?[^\S\r\n]*\r?\n[^\S\r\n]*value:[^\S\r\n]*["']?))((?:(?!\2["'])(?:[^"'\\\s]|\\.))+)`,
      'gi',
    ),
    replace: (match, head: string, _escapes: string, name: string, value: string) =>
      isReferenceName(name) || value.startsWith('[REDACTED:') || value.startsWith('$') || isHarmlessValue(value)
        ? match
        : `${head}${mark('named-secret')}`,
  },
  {
    kind: 'named-secret',
    // The platform's own secret names followed by their value with a separator the rules above
    // do not take for an assignment: a tab (`aws … --output text`, TSV), a table cell (`aws …
    // --output table`, `railway variables`), spaces (aligned columns, or one space as `env | tr
    // = ' '` and loggers print `ADMIN_TOKEN <value>`), `=>`. Only these names: `token  3` or
    // `| key | Secrets Manager |` in ordinary tables is no secret. A cell or column value must
    // look like a credential (8+ characters with a digit, or 20+) and not like a reference (an
    // ARN, a `sha256:` fingerprint, a URL, a date): after one space, prose follows as often.
    pattern: new RegExp(
      String.raw`((?<![A-Za-z0-9_.-])(?:[A-Za-z0-9]+_){0,4}${KNOWN_SECRET_NAMES}(?![A-Za-z0-9_.-])["']?)([^\S\r\n]*\t[^\S\r\n]*|[^\S\r\n]*=>[^\S\r\n]*| +|[^\S\r\n]*[|\u2502\u2503\u2551][^\S\r\n]*)(["']?)([^\s"'|\u2502\u2503\u2551]+)`,
      'gi',
    ),
    replace: (match, name: string, sep: string, quote: string, value: string) =>
      value.startsWith('[REDACTED:') ||
      value.startsWith('$') ||
      isHarmlessValue(value) ||
      /^[A-Z_]{1,15}$/.test(value) ||
      (!/\t|=>/.test(sep) && (!/^(?=[^\s]*\d)[^\s]{8,}$|^[^\s]{20,}$/.test(value) || looksLikeReference(value)))
        ? match
        : `${name}${sep}${quote}${mark('named-secret')}`,
  },
  {
    kind: 'named-secret',
    // A quoted value with spaces (`PASSWORD='correct horse'`): the unquoted rule below would
    // stop at the first space and leave the rest of the value in the output.
    // The name must be a whole token (or a --flag) starting with a letter:
    // `run 2026...-cp-secret-apply-x: ok` is an id followed by prose, not an assignment.
    pattern: new RegExp(
      String.raw`((?:(?<=--)|(?<![A-Za-z0-9_.-]))(?=[A-Za-z_])${SECRET_NAME})(${ESCAPES}["']?\s*=\s*|:\s+|${ESCAPES}["']\s*:\s*)(${ESCAPES}["'])([^"'\r\n]*\s[^"'\r\n]*)\3`,
      'gi',
    ),
    replace: (match, name: string, sep: string, quote: string, value: string) =>
      isReferenceName(name) || value.trimStart().startsWith('$')
        ? match
        : `${name}${sep}${quote}${mark('named-secret')}${quote}`,
  },
  {
    kind: 'named-secret',
    // NAME=value, NAME => value, NAME: value, "name": "value", --name=value. The name is kept.
    // A value never starts with `>`: `NAME => v` read as `NAME =` and the value `>` left v in clear.
    // `NAME:` at a line's end takes its value from an indented next line (YAML) only: a next line
    // that starts with a prefix (`cloud-init[1873]:`, a docker timestamp) had its prefix taken for
    // the value and the value left in clear (the rule below handles that shape).
    // `=>` counts before a quoted value only (Ruby, PHP, Perl hashes): `key => key.trim()` is code.
    // A colon only counts as an assignment when followed by a space or inside quotes
    // (`token: x`, `"token":"x"`); `gitea-actions-secret:owner/repo` is a reference, not a value.
    // The name must be a whole token (or a --flag) starting with a letter:
    // `run 2026...-cp-secret-apply-x: ok` is an id followed by prose, not an assignment.
    pattern: new RegExp(
      String.raw`((?:(?<=--)|(?<![A-Za-z0-9_.-]))(?=[A-Za-z_])${SECRET_NAME})(${ESCAPES}["']?\s*(?:=|%3[Dd])\s*${ESCAPES}["']?|${ESCAPES}["']?\s*=>\s*${ESCAPES}["']|:(?:[^\S\r\n]+|[^\S\r\n]*\r?\n[^\S\r\n]+)${ESCAPES}["']?|${ESCAPES}["']\s*:\s*${ESCAPES}["']?)((?!>)(?:[^\s"',;&}\]\[\\]|\\{1,7}(?![\\"']))+)`,
      'gi',
    ),
    replace: (match, name: string, sep: string, value: string) =>
      isReferenceName(name) || value.startsWith('[REDACTED:') || value.startsWith('$') || isHarmlessValue(value)
        ? match
        : `${name}${sep}${mark('named-secret')}`,
  },
  {
    kind: 'named-secret',
    // A YAML key at a line's end and its value on the next line, both lines behind the same prefix
    // (`cloud-init[1873]: admin_token:` then `cloud-init[1873]:   <value>`; docker timestamps).
    pattern: new RegExp(
      String.raw`(?<=^|\n)([^\r\n]{0,80}?(?<![A-Za-z0-9_.-]))((?=[A-Za-z_])${SECRET_NAME}:[^\S\r\n]*\r?\n)\1([^\S\r\n]+["']?)([^\s"']+)`,
      'gi',
    ),
    replace: (match, prefix: string, nameLine: string, indent: string, value: string) =>
      isReferenceName(nameLine.replace(/:\s*$/, '')) || /^[$[]/.test(value) || isHarmlessValue(value)
        ? match
        : `${prefix}${nameLine}${prefix}${indent}${mark('named-secret')}`,
  },
  {
    kind: 'named-secret',
    // A secret flag and its value as separate words, as `set -x` prints them:
    // `cloudflared tunnel run --token <t>`, `mysql --password <p>`, Go's `-token <t>`.
    // Not a flag that names where a secret is (--token-file, --secret-id, --password-stdin)
    // nor a value that is another flag, a variable, a redirection, or a file path.
    pattern: new RegExp(
      String.raw`(?<![A-Za-z0-9_.-])(--?(?:[A-Za-z0-9][A-Za-z0-9_-]{0,64})?(?:key|token|secret|passw(?:or)?d|credential)[A-Za-z0-9_-]{0,64})([ \t]+)(\\?["']?)([^\s"'\\]+)`,
      'gi',
    ),
    replace: (match, name: string, space: string, quote: string, value: string) =>
      isReferenceName(name) ||
      /stdin$|keyring|keyserver|keyout|newkey/i.test(name) ||
      /^[-$<>|&;(`]|^\[REDACTED:/.test(value) ||
      isHarmlessValue(value) ||
      looksLikePath(value)
        ? match
        : `${name}${space}${quote}${mark('named-secret')}`,
  },
  {
    kind: 'named-secret',
    // Go's %v / %+v of a struct or a map: `{AdminToken:tok CPURL:https://...}`,
    // `map[ADMIN_TOKEN:tok]`. Only inside the braces, where `Name:value` with no space is Go's
    // field syntax (outside, `secret:owner/repo` is a reference).
    pattern: new RegExp(
      String.raw`(?<=(?:\{|map\[)(?:[^{}\[\]\r\n]{0,400}\s)?)([A-Za-z_][A-Za-z0-9_]{0,64}?(?:key|token|secret|passw(?:or)?d|credential)[A-Za-z0-9_]{0,64})(:)([^\s}\]]+)`,
      'gi',
    ),
    replace: (match, name: string, colon: string, value: string) =>
      isReferenceName(name) || value.startsWith('[REDACTED:') || isHarmlessValue(value)
        ? match
        : `${name}${colon}${mark('named-secret')}`,
  },
  {
    kind: 'registry-password',
    // `docker login -u bot -p <password> ghcr.io` in a `set -x` trace (-p is only a password there).
    // Scanned forward from the command, once per command: a look-behind tried at every `-p`
    // was quadratic on a line of them.
    pattern:
      /\b((?:docker|podman|nerdctl|buildah|skopeo|oras|helm(?: registry)?) login\s(?:[^\r\n]{0,400}?\s)?-p)(\s+|=)(["']?)([^\s"']+)/g,
    replace: (match, command: string, sep: string, quote: string, value: string) =>
      /^[-$]|^\[REDACTED:/.test(value) ? match : `${command}${sep}${quote}${mark('registry-password')}`,
  },
  {
    kind: 'curl-credential',
    // `curl -u user:password` (or --user) in a `set -x` trace: the password after the first colon.
    pattern: /\b(curl\s(?:[^\r\n]{0,400}?\s)?(?:-u|--user))(\s+|=)(["']?)([^\s:"']+):([^\s"']+)/g,
    replace: (match, command: string, sep: string, quote: string, user: string, password: string) =>
      /^[$]|^\[REDACTED:/.test(password) ? match : `${command}${sep}${quote}${user}:${mark('curl-credential')}`,
  },
  // A JSON Web Token is a bearer credential wherever it appears.
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g },
  // A Cloudflare tunnel token: base64 of {"a":account,"t":tunnel,"s":secret}; whoever holds it
  // can serve the tenant's public hostname. It decodes to no other shape, so it needs its own.
  { kind: 'tunnel-token', pattern: /\beyJhIjoi[A-Za-z0-9+/_-]{40,}={0,2}/g },
  { kind: 'aws-access-key', pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  { kind: 'github-token', pattern: /\b(?:gh[opsur]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g },
  { kind: 'api-key', pattern: /\bsk-[A-Za-z0-9_-]{16,}/g },
  { kind: 'molecule-key', pattern: /\bmol_pk_[A-Za-z0-9_-]{8,}/g },
  {
    kind: 'hex64',
    // Image digests (`sha256:<64 hex>`) are public identifiers, not secrets.
    pattern: /(sha256:)?\b[0-9a-fA-F]{64}\b/g,
    replace: (match, digestPrefix: string | undefined) => (digestPrefix ? match : mark('hex64')),
  },
];

/**
 * Applies every shape rule in order; `onRedact` hears each replacement's kind. The rules run on
 * the windows only (scan-windows.ts): outside them no rule can match. Replacements (`[REDACTED:
 * named-secret]`) hold trigger words but never form a new match: no separator follows them.
 */
export function applyShapeRules(text: string, onRedact: (kind: string) => void): string {
  const parts: string[] = [];
  let last = 0;
  for (const [start, end, rules = 0] of shapeWindows(text)) {
    const before = text.slice(start, end);
    const after = applyRulesTo(before, rules, onRedact);
    if (after === before) continue;
    parts.push(text.slice(last, start), after);
    last = end;
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(last));
  return parts.join('');
}

/** The rules in `bits`, in table order (the order matters: see SHAPE_RULES). */
function applyRulesTo(input: string, bits: number, onRedact: (kind: string) => void): string {
  let text = input;
  for (const [i, rule] of SHAPE_RULES.entries()) {
    if ((bits & (1 << i)) === 0) continue;
    rule.pattern.lastIndex = 0;
    text = text.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
      const groups = rest.slice(0, -2) as string[];
      const replaced = rule.replace ? rule.replace(match, ...groups) : mark(rule.kind);
      if (replaced === match) return match;
      if (!rule.countsInnerMarks) onRedact(rule.kind);
      else for (const [, kind] of replaced.matchAll(MARKS)) onRedact(kind!);
      return replaced;
    });
  }
  return text;
}

/** Whether decoded text holds a trigger of some rule (shapeWindows): one test, before a full pass. */
const MAY_HOLD_SHAPE =
  /key|token|secret|passw|credential|:\/\/|Bearer|Basic|AKIA|ASIA|gh[opsur]_|github_pat_|sk-|mol_pk_|-----|eyJ|login |curl |[A-Za-z0-9+/_-]{32}/i;

/**
 * A percent-encoded run with the shapes its decoded text holds replaced, encoded again around the
 * replacements; the run as it was when its decoded text holds none. `+` is read as a space, as a
 * form body means it (`Authorization%3A+Bearer+…`).
 */
function redactPercentEncoded(run: string): string {
  const decoded = run.replace(/\+/g, ' ').replace(/(?:%[0-9A-Fa-f]{2})+/g, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      return escapes; // not UTF-8: left as it is
    }
  });
  if (decoded === run || !MAY_HOLD_SHAPE.test(decoded)) return run;
  const redacted = applyShapeRules(decoded, () => {});
  if (redacted === decoded) return run;
  return redacted
    .split(/(\[REDACTED:[a-z0-9-]+\])/)
    .map((part, i) => (i % 2 === 1 ? part : encodeURIComponent(part)))
    .join('');
}

/**
 * True when a run of either base64 alphabet, or a standard-alphabet piece of it at least 32
 * characters long (the run as it was found before `-` and `_` joined it), decodes to a shape.
 */
function blobHoldsShape(run: string): boolean {
  if (decodedHoldsShape(run)) return true;
  if (!/[-_]/.test(run)) return false;
  return run.split(/[-_]+/).some((piece) => piece.replace(/\s+/g, '').length >= 32 && decodedHoldsShape(piece));
}

/**
 * True when a base64 run decodes to mostly printable text that one of the other shape rules
 * would redact. Binary data (hex ids, hashes, random runs of letters) decodes to unprintable
 * bytes and is left alone, which keeps ordinary text and digests intact.
 */
function decodedHoldsShape(run: string): boolean {
  const decoded = Buffer.from(run.replace(/\s+/g, ''), 'base64').toString('latin1');
  if (decoded.length < 16) return false;
  const printable = decoded.replace(/[^\x20-\x7e\t\r\n]/g, '').length;
  if (printable < decoded.length * 0.9) return false;
  return SHAPE_RULES.some((rule) => {
    if (rule.kind === 'base64') return false;
    rule.pattern.lastIndex = 0;
    let changed = false;
    decoded.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
      const groups = rest.slice(0, -2) as string[];
      if (!rule.replace || rule.replace(match, ...groups) !== match) changed = true;
      return match;
    });
    rule.pattern.lastIndex = 0;
    return changed;
  });
}

/** Values after a secret-looking name that are clearly not secrets (booleans, numbers, placeholders). */
function isHarmlessValue(value: string): boolean {
  return /^(?:true|false|null|none|yes|no|\d{1,6}|required|set|unset|missing|\*+|<[^>]*>|x+)$/i.test(value);
}

/** A value that names or fingerprints something rather than being a secret: an ARN, a digest, a URL, a date. */
function looksLikeReference(value: string): boolean {
  return /^(?:arn:|sha256:|[a-z][a-z0-9+.-]*:\/\/|\d{4}-\d{2}-\d{2}|\/)/i.test(value);
}

/** A file path given as a flag's value: where a key is, not the key. */
function looksLikePath(value: string): boolean {
  return (
    /^(?:~|\.{1,2})?\/(?:etc|var|usr|home|root|tmp|run|opt|srv|mnt|proc|dev)\//.test(value) ||
    /^(?:\.{0,2}\/)?(?:[\w.-]+\/)*[\w-]+\.(?:pem|key|crt|cer|gpg|asc|der|p12|pfx|json|ya?ml|txt|env)$/.test(value)
  );
}

/**
 * Names that refer to a secret rather than hold one (SECRET_ID, tokenFile, secret_arn,
 * token_count): their values are ids, paths and counts, which people need to see.
 */
function isReferenceName(name: string): boolean {
  return /(?:id|ids|name|arn|file|path|url|uri|ref|count|len|length|type|stage|version|expiry|expires|ttl|fingerprint)$/i.test(
    name,
  );
}
