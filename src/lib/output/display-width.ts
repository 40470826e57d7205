import { eastAsianWidth } from 'get-east-asian-width';

/**
 * The columns a text takes on a terminal: two for a CJK character or an emoji, none for a
 * combining mark, a zero-width character or a colour code, one otherwise. Names from outside
 * (tags, slugs, remote messages) may hold any of them: a table padded by `.length` pushed every
 * column after a CJK name two places right per character.
 *
 * Nearly every text a command prints is printable ASCII, one column a character: measured by its
 * length, at once. The rest is split into graphemes (Intl.Segmenter) and each is measured by its
 * first visible code point's East Asian Width (get-east-asian-width, Unicode's own table), an
 * emoji as two. The segmenter and the Unicode-property patterns are made at the first text that
 * needs them: making a segmenter loads ICU's break rules, ~15 ms, which every `org list` paid
 * at start when string-width (which makes one as it loads) was imported here.
 */
export function displayWidth(text: string): number {
  const plain = text.includes('\u001b') ? text.replace(SGR, '') : text;
  if (PRINTABLE_ASCII.test(plain)) return plain.length;
  let width = 0;
  for (const { segment } of segmenter().segment(plain)) width += graphemeWidth(segment);
  return width;
}

/**
 * The length (in UTF-16 units, for `slice`) of the longest start of `text` that takes at most
 * `width` columns: at least one character (a wide one on a 1-column line still has to go
 * somewhere), never half of one (an emoji's surrogate pair, a letter and its accent).
 */
export function prefixFitting(text: string, width: number): number {
  if (PRINTABLE_ASCII.test(text)) return Math.min(text.length, Math.max(1, width));
  let used = 0;
  let end = 0;
  for (const { segment } of segmenter().segment(text)) {
    used += graphemeWidth(segment);
    if (used > width && end > 0) break;
    end += segment.length;
  }
  return end;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Colour and style codes (what chalk writes), which take no room. */
const SGR = /\u001b\[[0-9;]*m/g;

let graphemes: Intl.Segmenter | null = null;
let patterns: { wideEmoji: RegExp; invisible: RegExp } | null = null;

function segmenter(): Intl.Segmenter {
  return (graphemes ??= new Intl.Segmenter());
}

/** One grapheme: an emoji two columns; else its first visible code point's width; none if it has none. */
function graphemeWidth(grapheme: string): number {
  patterns ??= {
    // Emoji shown as pictures: by default, asked for (VS16), keycaps and flags. A pictograph in text
    // presentation (©, ☺ alone) falls through to its East Asian Width.
    wideEmoji: /\p{Emoji_Presentation}|\ufe0f|\u20e3|\p{Regional_Indicator}/u,
    // What prints nothing: controls, formats (zero-width joiners, bidi marks), combining marks.
    invisible: /^[\p{Default_Ignorable_Code_Point}\p{Control}\p{Format}\p{Mn}\p{Me}\p{Cs}]$/u,
  };
  if (patterns.wideEmoji.test(grapheme)) return 2;
  for (const char of grapheme) {
    if (patterns.invisible.test(char)) continue;
    return eastAsianWidth(char.codePointAt(0)!);
  }
  return 0;
}
