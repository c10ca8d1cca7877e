/** Plain-text helpers shared by every layer. */

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The longest prefix of `text` at most `max` UTF-16 units long that ends on a character boundary (a
 * grapheme: an emoji with its modifiers, a letter with its accents). `text.slice(0, max)` can cut a
 * surrogate pair in half, which PostgreSQL's jsonb and most JSON consumers refuse.
 */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  // Segment only what can be kept plus one code point: a grapheme boundary depends on what precedes it and
  // on the next code point alone (UAX #29), and segmenting a whole 1 MB string costs seconds per call.
  for (const { index, segment } of graphemes.segment(text.slice(0, max + 2))) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  return text.slice(0, end);
}
