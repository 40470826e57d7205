import { stripRemoteMarks } from './remote-text.js';
import { applyShapeRules, mark } from './shape-rules.js';

/**
 * Scrubs secrets from every byte molectl prints or writes, in two tiers:
 *  - known values, registered at the moment molectl reads, generates or is given them (raw,
 *    base64 at every byte alignment, URL-encoded), replaced in every byte: `redactKnown`;
 *  - token shapes known to leak from this platform's hosts (shape-rules.ts), replaced even when
 *    molectl never held the value, but only in text that came from outside: `redact`. Applied to
 *    molectl's own messages they garbled them (`Unrecognized key: "[REDACTED:named-secret]"`),
 *    which teaches people to ignore redaction. The output layer tells the two apart by
 *    RemoteText marks (remote-text.ts).
 * Replacements read `[REDACTED:<kind>]` so a reader knows what was there without seeing it.
 */

export interface RedactionResult {
  text: string;
  count: number;
  byKind: Record<string, number>;
}

const ANSI_PATTERN = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

/** Shortest registered form worth matching anywhere: shorter ones would redact parts of ordinary words. */
const MIN_REGISTERED_LENGTH = 6;

/** What may not touch a short secret's form for it to count as that secret (see registerSecret). */
const WORD_CHAR = '[A-Za-z0-9]';

export class Redactor {
  private readonly literals = new Map<string, string>(); // form -> kind
  /** Forms of secrets too short to match inside words: matched as whole words only. */
  private readonly wordForms = new Set<string>();
  private literalPattern: RegExp | null = null;
  private longLiteralPattern: RegExp | null = null;
  private dirty = false;
  private total = 0;
  private shapesEnabled = true;
  private rulesGeneration = 0;

  /**
   * Registers a secret: from now on its raw, escaped (URL, form, JSON, shell: escapedForms) and
   * base64 forms (at each of the three byte alignments a value can take inside a larger base64
   * blob) are replaced.
   * Call it before any await that could log the value.
   */
  register(value: string | Buffer | undefined | null, kind = 'secret'): void {
    if (value === undefined || value === null) return;
    const raw = typeof value === 'string' ? value : value.toString('utf8');
    const trimmed = raw.replace(/\r?\n$/, '');
    if (trimmed.length < MIN_REGISTERED_LENGTH) return;
    const bytes = Buffer.from(trimmed, 'utf8');
    const forms = new Set<string>([trimmed, ...escapedForms(trimmed)]);
    for (const form of base64Forms(bytes)) forms.add(form);
    for (const form of forms) if (form.length >= MIN_REGISTERED_LENGTH) this.addForm(form, kind);
  }

  /**
   * Registers a value that is a secret by declaration (a SecureString parameter), whatever its
   * length: `register` drops values shorter than 6 characters, so a short password was printed
   * wherever it appeared. A short one is replaced as a whole word (not touching a letter or a
   * digit), raw and escaped; its base64 forms are too short to tell from chance.
   */
  registerSecret(value: string | Buffer | undefined | null, kind = 'secret'): void {
    if (value === undefined || value === null) return;
    const raw = typeof value === 'string' ? value : value.toString('utf8');
    const trimmed = raw.replace(/\r?\n$/, '');
    if (trimmed.length >= MIN_REGISTERED_LENGTH) {
      this.register(trimmed, kind);
      return;
    }
    if (trimmed.trim().length === 0) return;
    for (const form of new Set([trimmed, ...escapedForms(trimmed)])) {
      if (form.length >= MIN_REGISTERED_LENGTH) this.addForm(form, kind);
      else if (!this.wordForms.has(form) && !this.literals.has(form)) {
        this.wordForms.add(form);
        this.addForm(form, kind);
      }
    }
  }

  private addForm(form: string, kind: string): void {
    if (this.literals.has(form)) return;
    this.literals.set(form, kind);
    this.dirty = true;
    this.rulesGeneration += 1;
  }

  /**
   * Changes whenever what this redactor replaces changes (a value registered, shape rules turned
   * off): text redacted at one generation is redacted the same way until the next, so a cache of
   * redacted text (the run ledger's) is good exactly as long as this stays the same.
   */
  get generation(): number {
    return this.rulesGeneration;
  }

  /** How many values this redactor has replaced since it was made (for "N values redacted"). */
  get redactedCount(): number {
    return this.total;
  }

  /**
   * True when `text` holds a registered value in any of its forms (raw, URL-encoded, base64).
   * Token shapes do not count: this guards text that must never carry a known secret, such as
   * an SSM command (SSM keeps commands readable to anyone with ssm:ListCommands). Counts nothing.
   * Short secrets (registerSecret) do not count either: a script is full of short words, and a
   * guard that refused one for holding `true` would stop work that carries no secret.
   */
  containsRegistered(text: string): boolean {
    this.compiledLiterals();
    const literals = this.longLiteralPattern;
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
  disableShapeRules(): void {
    if (this.shapesEnabled) this.rulesGeneration += 1;
    this.shapesEnabled = false;
  }

  /** False after `disableShapeRules` (--no-redact): rules about what text looks like are off. */
  get shapeRulesEnabled(): boolean {
    return this.shapesEnabled;
  }

  /**
   * Both tiers, for text that came from outside (or whose origin is unknown): registered values
   * and token shapes. Returns just the text.
   */
  redact(text: string): string {
    return this.redactDetailed(text).text;
  }

  /** Registered values only, for molectl's own words: messages, help, hints, scripts, key names. */
  redactKnown(text: string): string {
    return this.redactText(text, false).text;
  }

  /**
   * Both tiers, reporting what was replaced. Text carrying ANSI escapes is also checked with the
   * escapes removed, because a colour code inside a token hides it from every pattern; when that
   * finds more, the plain text is returned (losing colour is better than leaking).
   */
  redactDetailed(text: string): RedactionResult {
    return this.redactText(text, this.shapesEnabled);
  }

  /**
   * Remote marks (remote-text.ts) are dropped first: here the text is either all remote (both
   * tiers) or all molectl's (first tier), and no mark may reach a file or a stream.
   */
  private redactText(input: string, shapes: boolean): RedactionResult {
    const text = stripRemoteMarks(input);
    const direct = this.apply(text, shapes);
    if (text.includes('\u001b')) {
      const plain = this.apply(stripAnsi(text), shapes);
      // Counting is not enough: `TOKEN=<ESC>[1mab<ESC>[0mcd` redacts once either way, but with
      // the escapes in place only the first fragment goes. Whenever the two disagree on what is
      // left, an escape was hiding part of a secret.
      if (plain.count > direct.count || (plain.count > 0 && stripAnsi(direct.text) !== plain.text))
        return this.count(plain);
    }
    return this.count(direct);
  }

  private count(result: RedactionResult): RedactionResult {
    this.total += result.count;
    return result;
  }

  private apply(input: string, shapes: boolean): RedactionResult {
    const byKind: Record<string, number> = {};
    let count = 0;
    const bump = (kind: string): void => {
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
    if (shapes) text = applyShapeRules(text, bump);
    return { text, count, byKind };
  }

  private compiledLiterals(): RegExp | null {
    if (this.dirty) {
      // Longest first, so a value is not half-replaced by a registered prefix of it.
      const forms = [...this.literals.keys()].sort((a, b) => b.length - a.length);
      const long = forms.filter((form) => !this.wordForms.has(form)).map(escapeRegExp);
      const words = forms.filter((form) => this.wordForms.has(form)).map(escapeRegExp);
      const alternatives = [...long];
      if (words.length) alternatives.push(`(?<!${WORD_CHAR})(?:${words.join('|')})(?!${WORD_CHAR})`);
      this.literalPattern = alternatives.length ? new RegExp(alternatives.join('|'), 'g') : null;
      this.longLiteralPattern = long.length ? new RegExp(long.join('|'), 'g') : null;
      this.dirty = false;
    }
    return this.literalPattern;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The forms a value takes when another program escapes it into the text it prints: URL-encoded
 * (`%20`, or `+` for a space as forms encode it), inside a JSON string (`\"`, `\\`), inside a
 * JSON string inside another (`\\\"`), as Go's encoder writes it (`<`, `>`, `&` as `\u003c`…),
 * with `/` as `\/` (PHP's encoder), and single-quoted by a shell's `set -x` (`'` as `'\''`).
 * A random password holds such characters; in any of these forms its raw text is not there to
 * match. Only forms that differ from the value are returned.
 */
function escapedForms(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const forms = [
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%20/g, '+'),
    json,
    JSON.stringify(json).slice(1, -1),
    json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026'),
    json.replace(/\//g, '\\/'),
    value.replace(/'/g, `'\\''`),
  ];
  return forms.filter((form) => form !== value);
}

/**
 * The base64 characters that depend only on the secret's bytes, for each alignment (0, 1 or 2
 * bytes of unrelated data before it), in both the standard and URL-safe alphabets.
 */
function base64Forms(bytes: Buffer): string[] {
  const forms: string[] = [];
  for (const offset of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const encoded = padded.toString('base64').replace(/=+$/, '');
    // Characters before `start` mix in the unrelated leading bytes.
    const start = offset === 0 ? 0 : offset === 1 ? 2 : 3;
    // The final partial group's last character mixes in whatever follows, unless it is the end.
    const fullBytes = padded.length - (padded.length % 3);
    const determined = (fullBytes / 3) * 4 + [0, 1, 2][padded.length % 3]!;
    const core = encoded.slice(start, determined);
    forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  // The exact encoding of the value alone, with padding, as it appears when encoded by itself.
  forms.push(bytes.toString('base64'));
  return forms;
}
