// The redactor as it was at 5611d23, before issue 14 (compiled JavaScript, frozen): the yardstick
// bench/redaction.mjs measures the current one against, on the same input in the same run.
/**
 * Scrubs secrets from every byte molectl prints or writes. Two sources of knowledge:
 *  - values registered at the moment molectl reads or generates them (raw, base64 at every
 *    byte alignment, URL-encoded), replaced wherever they appear;
 *  - token shapes known to leak from this platform's hosts (../shared/platform.md), replaced
 *    even when molectl never held the value.
 * Replacements read `[REDACTED:<kind>]` so a reader knows what was there without seeing it.
 */
const mark = (kind) => `[REDACTED:${kind}]`;
/**
 * Variable names whose values are secrets: contain KEY, TOKEN, SECRET, PASSWORD or CREDENTIAL.
 * The parts around the keyword are bounded: unbounded, every start allowed in a long run such as
 * `--a--a--a...` scans to the end of the run, which is quadratic (100 KB took seconds).
 * No real variable name is longer than 64 characters on either side.
 */
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]{0,64}(?:key|token|secret|passw(?:or)?d|credential)[A-Za-z0-9_.-]{0,64}`;
/**
 * Order matters: multi-line and structured shapes first, so that a PEM block is one redaction
 * and `TOKEN=Bearer x` is not counted twice.
 */
const SHAPE_RULES = [
  {
    kind: 'pem',
    // A block ends before the next BEGIN and within 20,000 characters (a 4096-bit RSA key is
    // ~3,300): unbounded, text full of BEGIN lines without END made this rule quadratic.
    pattern: /-----BEGIN ([A-Z0-9 ]*)-----(?:(?!-----BEGIN )[\s\S]){0,20000}?-----END \1-----/g,
    // Certificates are public; keys are not. Only key blocks are redacted.
    replace: (match, label) => (/PRIVATE KEY|ENCRYPTED/.test(label) ? mark('pem') : match),
  },
  {
    kind: 'url-credential',
    // The scheme is bounded: unbounded, each "." of a long dotted run restarts a scan to its end.
    pattern: /\b([a-z][a-z0-9+.-]{0,31}:\/\/)([^\s/:@'"]+):([^\s/@'"]+)@/gi,
    replace: (match, scheme, user, pass) =>
      pass.startsWith('[REDACTED:') || /^\$\{?[A-Z_]+\}?$/.test(pass)
        ? match
        : `${scheme}${user}:${mark('url-credential')}@`,
  },
  {
    kind: 'bearer',
    pattern: /\b(Bearer)(\s+)([A-Za-z0-9\-._~+/]{8,}=*)/g,
    replace: (_m, word, space) => `${word}${space}${mark('bearer')}`,
  },
  {
    kind: 'base64',
    // A base64 blob (one run, or lines wrapped at 60+ columns as `base64` and PEM tools wrap)
    // whose decoded text carries a known shape: set -x traces echo user-data and env files this
    // way. The whole blob is replaced: any piece of it would decode to part of the secret.
    pattern:
      /(?<![A-Za-z0-9+/])(?:(?:[A-Za-z0-9+/]{60,}\r?\n)+[A-Za-z0-9+/]*={0,2}|[A-Za-z0-9+/]{32,}={0,2})(?![A-Za-z0-9+/])/g,
    replace: (match) => (decodedHoldsShape(match) ? mark('base64') : match),
  },
  {
    kind: 'named-secret',
    // A quoted value with spaces (`PASSWORD='correct horse'`): the unquoted rule below would
    // stop at the first space and leave the rest of the value in the output.
    // The name must be a whole token (or a --flag) starting with a letter:
    // `run 2026...-cp-secret-apply-x: ok` is an id followed by prose, not an assignment.
    pattern: new RegExp(
      String.raw`((?:(?<=--)|(?<![A-Za-z0-9_.-]))(?=[A-Za-z_])${SECRET_NAME})(["']?\s*=\s*|:\s+|["']\s*:\s*)(["'])([^"'\r\n]*\s[^"'\r\n]*)\3`,
      'gi',
    ),
    replace: (match, name, sep, quote, value) =>
      isReferenceName(name) || value.trimStart().startsWith('$')
        ? match
        : `${name}${sep}${quote}${mark('named-secret')}${quote}`,
  },
  {
    kind: 'named-secret',
    // NAME=value, NAME: value, "name": "value", --name=value. The name is kept.
    // A colon only counts as an assignment when followed by a space or inside quotes
    // (`token: x`, `"token":"x"`); `gitea-actions-secret:owner/repo` is a reference, not a value.
    // The name must be a whole token (or a --flag) starting with a letter:
    // `run 2026...-cp-secret-apply-x: ok` is an id followed by prose, not an assignment.
    pattern: new RegExp(
      String.raw`((?:(?<=--)|(?<![A-Za-z0-9_.-]))(?=[A-Za-z_])${SECRET_NAME})(["']?\s*=\s*["']?|:\s+["']?|["']\s*:\s*["']?)([^\s"',;&}\]\[]+)`,
      'gi',
    ),
    replace: (match, name, sep, value) =>
      isReferenceName(name) || value.startsWith('[REDACTED:') || value.startsWith('$') || isHarmlessValue(value)
        ? match
        : `${name}${sep}${mark('named-secret')}`,
  },
  { kind: 'aws-access-key', pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  { kind: 'github-token', pattern: /\b(?:gh[opsur]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g },
  { kind: 'api-key', pattern: /\bsk-[A-Za-z0-9_-]{16,}/g },
  { kind: 'molecule-key', pattern: /\bmol_pk_[A-Za-z0-9_-]{8,}/g },
  {
    kind: 'hex64',
    // Image digests (`sha256:<64 hex>`) are public identifiers, not secrets.
    pattern: /(sha256:)?\b[0-9a-fA-F]{64}\b/g,
    replace: (match, digestPrefix) => (digestPrefix ? match : mark('hex64')),
  },
];
/**
 * True when a base64 run decodes to mostly printable text that one of the other shape rules
 * would redact. Binary data (hex ids, hashes, random runs of letters) decodes to unprintable
 * bytes and is left alone, which keeps ordinary text and digests intact.
 */
function decodedHoldsShape(run) {
  const decoded = Buffer.from(run.replace(/\s+/g, ''), 'base64').toString('latin1');
  if (decoded.length < 16) return false;
  const printable = decoded.replace(/[^\x20-\x7e\t\r\n]/g, '').length;
  if (printable < decoded.length * 0.9) return false;
  return SHAPE_RULES.some((rule) => {
    if (rule.kind === 'base64') return false;
    rule.pattern.lastIndex = 0;
    let changed = false;
    decoded.replace(rule.pattern, (match, ...rest) => {
      const groups = rest.slice(0, -2);
      if (!rule.replace || rule.replace(match, ...groups) !== match) changed = true;
      return match;
    });
    rule.pattern.lastIndex = 0;
    return changed;
  });
}
/** Values after a secret-looking name that are clearly not secrets (booleans, numbers, placeholders). */
function isHarmlessValue(value) {
  return /^(?:true|false|null|none|yes|no|\d{1,6}|required|set|unset|missing|\*+|<[^>]*>|x+)$/i.test(value);
}
/**
 * Names that refer to a secret rather than hold one (SECRET_ID, tokenFile, secret_arn,
 * token_count): their values are ids, paths and counts, which people need to see.
 */
function isReferenceName(name) {
  return /(?:id|ids|name|arn|file|path|url|uri|ref|count|len|length|type|stage|version|expiry|expires|ttl|fingerprint)$/i.test(
    name,
  );
}
// eslint-disable-next-line no-control-regex
const ANSI_PATTERN = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;
export function stripAnsi(text) {
  return text.replace(ANSI_PATTERN, '');
}
/** Shortest registered form worth matching: shorter ones would redact ordinary words. */
const MIN_REGISTERED_LENGTH = 6;
export class Redactor {
  literals = new Map(); // form -> kind
  literalPattern = null;
  dirty = false;
  total = 0;
  shapesEnabled = true;
  /**
   * Registers a secret: from now on its raw, URL-encoded and base64 forms (at each of the three
   * byte alignments a value can take inside a larger base64 blob) are replaced.
   * Call it before any await that could log the value.
   */
  register(value, kind = 'secret') {
    if (value === undefined || value === null) return;
    const raw = typeof value === 'string' ? value : value.toString('utf8');
    const trimmed = raw.replace(/\r?\n$/, '');
    if (trimmed.length < MIN_REGISTERED_LENGTH) return;
    const bytes = Buffer.from(trimmed, 'utf8');
    const forms = new Set([trimmed, encodeURIComponent(trimmed)]);
    for (const form of base64Forms(bytes)) forms.add(form);
    for (const form of forms) {
      if (form.length >= MIN_REGISTERED_LENGTH && !this.literals.has(form)) {
        this.literals.set(form, kind);
        this.dirty = true;
      }
    }
  }
  /** How many values this redactor has replaced since it was made (for "N values redacted"). */
  get redactedCount() {
    return this.total;
  }
  /**
   * True when `text` holds a registered value in any of its forms (raw, URL-encoded, base64).
   * Token shapes do not count: this guards text that must never carry a known secret, such as
   * an SSM command (SSM keeps commands readable to anyone with ssm:ListCommands). Counts nothing.
   */
  containsRegistered(text) {
    const literals = this.compiledLiterals();
    if (!literals) return false;
    literals.lastIndex = 0;
    const found = literals.test(text);
    literals.lastIndex = 0;
    return found;
  }
  /**
   * For `--no-redact` (console, logs), after the user was warned and confirmed: token shapes stop
   * being replaced for the rest of the run. Registered values stay redacted: the flag is for
   * reading what a machine printed, not for printing the credentials molectl itself holds.
   */
  disableShapeRules() {
    this.shapesEnabled = false;
  }
  /** Redacts and returns just the text; the form every output path uses. */
  redact(text) {
    return this.redactDetailed(text).text;
  }
  /**
   * Redacts and reports what was replaced. Text carrying ANSI escapes is also checked with the
   * escapes removed, because a colour code inside a token hides it from every pattern; when that
   * finds more, the plain text is returned (losing colour is better than leaking).
   */
  redactDetailed(text) {
    const direct = this.apply(text);
    if (text.includes('\u001b')) {
      const plain = this.apply(stripAnsi(text));
      // Counting is not enough: `TOKEN=<ESC>[1mab<ESC>[0mcd` redacts once either way, but with
      // the escapes in place only the first fragment goes. Whenever the two disagree on what is
      // left, an escape was hiding part of a secret.
      if (plain.count > direct.count || (plain.count > 0 && stripAnsi(direct.text) !== plain.text))
        return this.count(plain);
    }
    return this.count(direct);
  }
  count(result) {
    this.total += result.count;
    return result;
  }
  apply(input) {
    const byKind = {};
    let count = 0;
    const bump = (kind) => {
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      count += 1;
    };
    let text = input;
    const literals = this.compiledLiterals();
    if (literals) {
      text = text.replace(literals, (form) => {
        const kind = this.literals.get(form) ?? 'secret';
        bump(kind);
        return mark(kind);
      });
    }
    for (const rule of this.shapesEnabled ? SHAPE_RULES : []) {
      rule.pattern.lastIndex = 0;
      text = text.replace(rule.pattern, (match, ...rest) => {
        const groups = rest.slice(0, -2);
        const replaced = rule.replace ? rule.replace(match, ...groups) : mark(rule.kind);
        if (replaced !== match) bump(rule.kind);
        return replaced;
      });
    }
    return { text, count, byKind };
  }
  compiledLiterals() {
    if (this.dirty) {
      // Longest first, so a value is not half-replaced by a registered prefix of it.
      const forms = [...this.literals.keys()].sort((a, b) => b.length - a.length);
      this.literalPattern = forms.length ? new RegExp(forms.map(escapeRegExp).join('|'), 'g') : null;
      this.dirty = false;
    }
    return this.literalPattern;
  }
}
function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
/**
 * The base64 characters that depend only on the secret's bytes, for each alignment (0, 1 or 2
 * bytes of unrelated data before it), in both the standard and URL-safe alphabets.
 */
function base64Forms(bytes) {
  const forms = [];
  for (const offset of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const encoded = padded.toString('base64').replace(/=+$/, '');
    // Characters before `start` mix in the unrelated leading bytes.
    const start = offset === 0 ? 0 : offset === 1 ? 2 : 3;
    // The final partial group's last character mixes in whatever follows, unless it is the end.
    const fullBytes = padded.length - (padded.length % 3);
    const determined = (fullBytes / 3) * 4 + [0, 1, 2][padded.length % 3];
    const core = encoded.slice(start, determined);
    forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  // The exact encoding of the value alone, with padding, as it appears when encoded by itself.
  forms.push(bytes.toString('base64'));
  return forms;
}
//# sourceMappingURL=redactor.js.map
