/**
 * Company-name and domain normalisation shared by lookups and the CSV importer. Both sides must
 * produce the same key for the same company, so this module is the single definition of "same name".
 */
import { parse } from 'tldts';

/**
 * Legal-form tokens removed from the end of a name, repeatedly ("Acme Co., Ltd." → "acme").
 * 'group' and 'holdings' are deliberately absent: on the 13,737 SEC registrant names stripping them
 * turns 184 colliding keys into 236, merging parents with their operating companies ("AMC Entertainment
 * Holdings" / "AMC Entertainment Inc"); fuzzy search still finds one from the other.
 */
const LEGAL_SUFFIXES = new Set([
  'inc',
  'incorporated',
  'ltd',
  'limited',
  'llc',
  'llp',
  'lp',
  'plc',
  'gmbh',
  'kg',
  'ag',
  'ab',
  'as',
  'asa',
  'oy',
  'oyj',
  'bv',
  'nv',
  'sa',
  'sas',
  'sarl',
  'spa',
  'srl',
  'pty',
  'corp',
  'corporation',
  'co',
  'company',
]);

/** Letters NFKD does not decompose into a base letter plus a mark. */
const FOLD: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };

/** Lower-case and strip accents ("Société Générale" → "societe generale"). */
function fold(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[ßæœøłđðþı]/g, (c) => FOLD[c] ?? c);
}

/**
 * The key name lookups compare: lower-case, accents folded, '&' → 'and', punctuation removed,
 * legal suffixes (Inc, Ltd, GmbH, AB, Corp, Co, …) and a leading 'the' dropped, spaces collapsed.
 * Never returns '' for a name with any non-space character.
 */
export function normalizeCompanyName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') return '';
  const text = fold(trimmed)
    .replace(/&/g, ' and ')
    // "A/S" is one legal form, not two words.
    .replace(/(^|[^\p{L}\p{N}])a\/s(?![\p{L}\p{N}])/gu, '$1as')
    // Dots after single letters are abbreviations: "S.A." → "sa", "L.L.C." → "llc", "J.P." → "jp".
    .replace(/(^|[^\p{L}\p{N}])((?:\p{L}\.){2,})/gu, (_m, pre: string, abbr: string) => pre + abbr.replace(/\./g, ''))
    // Apostrophes join ("McDonald's" → "mcdonalds"); every other non-alphanumeric separates.
    .replace(/['’`]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ');
  const tokens = text.split(' ').filter((t) => t !== '');
  while (tokens.length > 1) {
    const last = tokens[tokens.length - 1] as string;
    // A trailing 'and' is what is left of "Smith & Co." once 'co' is gone.
    if (LEGAL_SUFFIXES.has(last) || last === 'and') tokens.pop();
    else break;
  }
  if (tokens.length > 1 && tokens[0] === 'the') tokens.shift();
  const result = tokens.join(' ');
  return result === '' ? trimmed.toLowerCase().replace(/\s+/g, ' ') : result;
}

/**
 * The registrable domain ("acme.co.uk") of a domain, e-mail address or URL, or null when the text
 * is not one: it must contain no spaces and end in a known public suffix (ICANN or private list), or in
 * the reserved `.example`.
 */
export function registrableDomain(input: string): string | null {
  let text = input.trim().replace(/^<|>$/g, '');
  // Slack wraps links as <http://acme.com|acme.com> and e-mails as <mailto:a@acme.com|a@acme.com>.
  const pipe = text.indexOf('|');
  if (pipe >= 0) text = text.slice(pipe + 1);
  text = text.replace(/^mailto:/i, '');
  if (text === '' || /\s/.test(text)) return null;
  const at = text.lastIndexOf('@');
  // An e-mail (no scheme): keep the part after the last '@'.
  if (at >= 0 && !text.includes('://')) text = text.slice(at + 1);
  const parsed = parse(text);
  if (!parsed.domain || parsed.isIp || parsed.hostname === null) return null;
  // `.example` is reserved for documentation (RFC 2606): the demo data's fictional companies live there.
  if (!parsed.isIcann && !parsed.isPrivate && parsed.publicSuffix !== 'example') return null;
  return parsed.domain.toLowerCase();
}

/** True when the text as a whole is a domain, URL or e-mail address with a known public suffix. */
export function looksLikeDomain(text: string): boolean {
  return registrableDomain(text) !== null;
}
