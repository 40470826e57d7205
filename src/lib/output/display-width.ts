import stringWidth from 'string-width';

/**
 * The columns a text takes on a terminal: two for a CJK character or an emoji, none for a
 * combining mark, a zero-width character or a colour code, one otherwise. Names from outside
 * (tags, slugs, remote messages) may hold any of them: a table padded by `.length` pushed every
 * column after a CJK name two places right per character.
 */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

const graphemes = new Intl.Segmenter();

/**
 * The length (in UTF-16 units, for `slice`) of the longest start of `text` that takes at most
 * `width` columns: at least one character (a wide one on a 1-column line still has to go
 * somewhere), never half of one (an emoji's surrogate pair, a letter and its accent).
 */
export function prefixFitting(text: string, width: number): number {
  let used = 0;
  let end = 0;
  for (const { segment } of graphemes.segment(text)) {
    used += displayWidth(segment);
    if (used > width && end > 0) break;
    end += segment.length;
  }
  return end;
}
