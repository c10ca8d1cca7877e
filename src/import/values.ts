/**
 * Value parsers for CRM CSV cells: numbers with thousands separators and currency marks, booleans,
 * and dates in the formats spreadsheets and CRMs write. Each parser returns `null` for an empty
 * cell (unknown) and a `ParseFailure` when the text is there but cannot be read.
 */

/** A cell that had text but could not be read; `problem` is the sentence shown in the row error. */
export interface ParseFailure {
  readonly problem: string;
}

export type Parsed<T> = T | null | ParseFailure;

export function isFailure(v: unknown): v is ParseFailure {
  return typeof v === 'object' && v !== null && 'problem' in v;
}

const fail = (problem: string): ParseFailure => ({ problem });

/** True for cells that mean "no value": empty, whitespace, or the placeholders exports use. */
export function isBlank(raw: string | null | undefined): boolean {
  if (raw == null) return true;
  const t = raw.trim();
  return t === '' || (t.length <= 4 && /^(n\/?a|null|none|-|—|–|#n\/a)$/i.test(t));
}

/** How a numeric column writes decimals: `us` = 1,234.56, `eu` = 1.234,56 (or 1 234,56). */
export type NumberStyle = 'us' | 'eu';

// Currency symbols and ISO codes that prefix or suffix amounts ("$1,200", "USD 1,200", "1 200 kr").
const CURRENCY = /(us\$|usd|eur|gbp|sek|nok|dkk|chf|cad|aud|kr\.?|[$€£¥])/gi;
const PLAIN = /^-?\d{1,15}(\.\d+)?$/;
const SPACES = /[\s\u00a0\u202f\u2009']/g;

/** Strips currency marks and grouping spaces, leaving sign, digits, separators and a scale suffix. */
function stripNumber(raw: string): { body: string; negative: boolean; scale: number; percent: boolean } | null {
  let s = raw.trim();
  let negative = false;
  // Accounting negatives: (1,200.00)
  if (/^\(.*\)$/.test(s)) {
    negative = true;
    s = s.slice(1, -1);
  }
  s = s.replace(CURRENCY, '').replace(SPACES, '');
  if (s.startsWith('-') || s.startsWith('−')) {
    negative = !negative;
    s = s.slice(1);
  } else if (s.startsWith('+')) s = s.slice(1);
  if (s.endsWith('-')) {
    negative = !negative;
    s = s.slice(0, -1);
  }
  let percent = false;
  if (s.endsWith('%')) {
    percent = true;
    s = s.slice(0, -1);
  }
  let scale = 1;
  const suffix = /^(.*\d)(k|m|mm|mn|b|bn)$/i.exec(s);
  if (suffix) {
    s = suffix[1]!;
    const unit = suffix[2]!.toLowerCase();
    scale = unit === 'k' ? 1e3 : unit === 'b' || unit === 'bn' ? 1e9 : 1e6;
  }
  if (!/^[\d.,]+$/.test(s) || !/\d/.test(s)) return null;
  return { body: s, negative, scale, percent };
}

/**
 * The decimal style a column's values show, or null when none of them decides it.
 * "1.234,56", "12,5" and "1.234.567" are European; "1,234.56", "12.5" and "1,234,567" are US.
 */
export function numberStyleOf(raw: string): NumberStyle | null {
  const n = stripNumber(raw);
  if (!n) return null;
  const s = n.body;
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) return lastComma > lastDot ? 'eu' : 'us';
  if (lastComma >= 0) {
    if ((s.match(/,/g) ?? []).length > 1) return /^\d{1,3}(,\d{3})+$/.test(s) ? 'us' : null;
    // One comma followed by exactly three digits is ambiguous (1,234 vs 1,234 thousandths).
    return /,\d{3}$/.test(s) ? null : 'eu';
  }
  if (lastDot >= 0) {
    if ((s.match(/\./g) ?? []).length > 1) return /^\d{1,3}(\.\d{3})+$/.test(s) ? 'eu' : null;
    return /\.\d{3}$/.test(s) ? null : 'us';
  }
  return null;
}

/** Chooses the style most values of a column show; US when nothing decides. */
export function detectNumberStyle(values: Iterable<string>): NumberStyle {
  let us = 0;
  let eu = 0;
  for (const v of values) {
    const s = numberStyleOf(v);
    if (s === 'us') us++;
    else if (s === 'eu') eu++;
  }
  return eu > us ? 'eu' : 'us';
}

/**
 * Parses a number or amount: "1,234", "1.234,56" (with style 'eu'), "$1,200", "USD 1,200", "€ 99",
 * "1 200 kr", "(500)", "1.2M", "15%". Returns null for an empty cell.
 */
export function parseNumber(raw: string | null | undefined, style: NumberStyle = 'us'): Parsed<number> {
  if (isBlank(raw)) return null;
  // Fast path: plain digits, the common case in machine-written exports.
  if (PLAIN.test(raw!) && (style === 'us' || !raw!.includes('.'))) return Number(raw);
  const n = stripNumber(raw!);
  if (!n) return fail('not a number');
  let s = n.body;
  const dec = style === 'eu' ? ',' : '.';
  const group = style === 'eu' ? '.' : ',';
  const hasBoth = s.includes('.') && s.includes(',');
  if (hasBoth) {
    // Whichever separator comes last is the decimal one, whatever the column style says.
    const lastDot = s.lastIndexOf('.');
    const lastComma = s.lastIndexOf(',');
    const d = lastComma > lastDot ? ',' : '.';
    const g = d === ',' ? '.' : ',';
    if (s.split(d).length > 2) return fail('not a number');
    s = s.split(g).join('').replace(d, '.');
  } else if (s.includes(group)) {
    // Only the grouping character: must be well-formed groups (1,234,567), else it is the decimal mark.
    const re = group === ',' ? /^\d{1,3}(,\d{3})+$/ : /^\d{1,3}(\.\d{3})+$/;
    if (re.test(s)) s = s.split(group).join('');
    else if (s.split(group).length === 2) s = s.replace(group, '.');
    else return fail('not a number');
  } else {
    if (s.split(dec).length > 2) return fail('not a number');
    s = s.replace(dec, '.');
  }
  if (!/^\d*\.?\d*$/.test(s) || s === '.') return fail('not a number');
  let value = Number(s) * n.scale;
  if (!Number.isFinite(value)) return fail('not a number');
  if (n.negative) value = -value;
  return value;
}

/** Parses a whole, non-negative count (employees, seats). Ranges such as "51-200" give their midpoint. */
export function parseCount(raw: string | null | undefined, style: NumberStyle = 'us'): Parsed<number> {
  if (isBlank(raw)) return null;
  const range = /^\s*([\d.,\s]+)\s*(?:-|–|to)\s*([\d.,\s]+)\s*$/i.exec(raw!);
  if (range) {
    const lo = parseNumber(range[1], style);
    const hi = parseNumber(range[2], style);
    if (typeof lo === 'number' && typeof hi === 'number' && hi >= lo) return Math.round((lo + hi) / 2);
  }
  // Counts are whole: "1.200" or "1,200" can only be thousands, whatever the column's decimal mark.
  if (/^\s*\d{1,3}([.,])\d{3}(\1\d{3})*\s*$/.test(raw!)) return Number(raw!.replace(/[.,\s]/g, ''));
  const plus = /^\s*([\d.,\s]+)\s*\+\s*$/.exec(raw!);
  const v = parseNumber(plus ? plus[1] : raw, style);
  if (v === null || isFailure(v)) return v === null ? null : fail('not a whole number');
  if (v < 0) return fail('must not be negative');
  if (v > 2_147_483_647) return fail('too large');
  return Math.round(v);
}

const TRUE = new Set(['true', 't', 'yes', 'y', '1', 'x', 'checked', 'on', 'ja', 'sant']);
const FALSE = new Set(['false', 'f', 'no', 'n', '0', 'unchecked', 'off', 'nej', 'falskt', 'nein']);

/** Parses yes/no cells: True/False, TRUE, yes/no, Y/N, 1/0, checked. */
export function parseBoolean(raw: string | null | undefined): Parsed<boolean> {
  if (isBlank(raw)) return null;
  const t = raw!.trim().toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return fail('not yes/no (true/false)');
}

/** Whether a column reads as boolean: every non-blank value is a plain true/false word. */
export function looksBoolean(raw: string): boolean {
  const t = raw.trim().toLowerCase();
  return ['true', 'false', 'yes', 'no', 'y', 'n', 't', 'f'].includes(t);
}

/** Day/month order for numeric dates such as 03/01/2017: `mdy` (US) or `dmy` (most of the world). */
export type DateOrder = 'mdy' | 'dmy';

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  // Common Nordic/German spellings where they differ.
  maj: 5,
  mai: 5,
  okt: 10,
  dez: 12,
  mär: 3,
  mrz: 3,
};

function monthOf(word: string): number | undefined {
  const w = word.toLowerCase().replace(/\.$/, '');
  return MONTHS[w] ?? MONTHS[w.slice(0, 3)];
}

function fullYear(y: string): number {
  const n = Number(y);
  if (y.length > 2) return n;
  // Two-digit years: 00–69 → 2000s, 70–99 → 1900s (the spreadsheet convention).
  return n < 70 ? 2000 + n : 1900 + n;
}

function iso(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1000 || y > 9999) return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCMonth() !== m - 1) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

// A trailing clock time ("10:32", "10:32:00 AM", "T10:00:00Z", "+02:00") that dates may carry.
const TIME = /(?:[T\s]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[ap]\.?m\.?)?\s*(?:z|utc|gmt|[+-]\d{2}:?\d{2})?)$/i;

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const NUMERIC = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})$/;

/**
 * The first two parts of a numeric day/month date, or null when the text is not one.
 * Used to decide a column's order from all its values.
 */
export function numericDateParts(raw: string): { a: number; b: number; sep: string } | null {
  const m = NUMERIC.exec(raw.trim().replace(TIME, ''));
  return m ? { a: Number(m[1]), b: Number(m[3]), sep: m[2]! } : null;
}

/**
 * Decides a column's day/month order from all its values: a first part above 12 proves d/m, a second
 * part above 12 proves m/d; otherwise dotted dates (01.03.2017) read as d/m and slashed ones as US m/d.
 */
export function detectDateOrder(values: Iterable<string>): DateOrder {
  let dmy = 0;
  let mdy = 0;
  let dots = 0;
  let slashes = 0;
  for (const v of values) {
    const p = numericDateParts(v);
    if (!p) continue;
    if (p.a > 12 && p.b <= 12) dmy++;
    else if (p.b > 12 && p.a <= 12) mdy++;
    if (p.sep === '.') dots++;
    else slashes++;
  }
  if (dmy !== mdy) return dmy > mdy ? 'dmy' : 'mdy';
  return dots > slashes ? 'dmy' : 'mdy';
}

/**
 * Parses a date to ISO `YYYY-MM-DD`: 2017-03-01, 2017/03/01, 2017-03-01T10:00:00Z (the written
 * calendar date is kept, not shifted by time zone), 03/01/2017 or 01.03.2017 (by `order`, falling back
 * to the other order when the value can only be read that way), "Mar 1, 2017", "1 March 2017",
 * "01-Mar-17", 20170301, and Excel serial day numbers.
 */
export function parseDate(raw: string | null | undefined, order: DateOrder = 'mdy'): Parsed<string> {
  if (isBlank(raw)) return null;
  const s = raw!.trim();
  if (s.length === 10 && ISO_DAY.test(s)) {
    return iso(Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10))) ?? fail('not a valid date');
  }
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})/.exec(s);
  if (m) {
    const rest = s.slice(m[0].length);
    if (rest === '' || TIME.test(rest) || /^[T\s]/.test(rest)) {
      return iso(Number(m[1]), Number(m[2]), Number(m[3])) ?? fail('not a valid date');
    }
  }
  const bare = s.replace(TIME, '').trim().replace(/,$/, '');
  m = NUMERIC.exec(bare);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const y = fullYear(m[4]!);
    const first = order === 'mdy' ? iso(y, a, b) : iso(y, b, a);
    return first ?? (order === 'mdy' ? iso(y, b, a) : iso(y, a, b)) ?? fail('not a valid date');
  }
  // "Mar 1, 2017", "March 1 2017", "Mar-01-2017"
  m = /^([a-zäö]{3,9})\.?[\s\-/]+(\d{1,2})(?:st|nd|rd|th)?,?[\s\-/]+(\d{2}|\d{4})$/i.exec(bare);
  if (m) {
    const mon = monthOf(m[1]!);
    if (mon) return iso(fullYear(m[3]!), mon, Number(m[2])) ?? fail('not a valid date');
  }
  // "1 Mar 2017", "01-Mar-17", "1. März 2017"
  m = /^(\d{1,2})(?:st|nd|rd|th)?\.?[\s\-/]+([a-zäö]{3,9})\.?,?[\s\-/]+(\d{2}|\d{4})$/i.exec(bare);
  if (m) {
    const mon = monthOf(m[2]!);
    if (mon) return iso(fullYear(m[3]!), mon, Number(m[1])) ?? fail('not a valid date');
  }
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(bare);
  if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3])) ?? fail('not a valid date');
  // Excel serial day numbers (1900 date system): 20000–80000 covers 1954–2119.
  if (/^\d{5}(\.\d+)?$/.test(bare)) {
    const n = Math.floor(Number(bare));
    if (n >= 20000 && n <= 80000) {
      const d = new Date(Date.UTC(1899, 11, 30) + n * 86_400_000);
      return iso(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
    }
  }
  return fail('not a date');
}

/** Whether a value reads as a date on its own (used to type unmapped columns). */
export function looksLikeDate(raw: string): boolean {
  const s = raw.trim();
  if (/^\d+$/.test(s)) return false;
  const v = parseDate(s);
  return typeof v === 'string';
}

/** snake_case key for an attribute from any header: "Lifecycle Stage" → lifecycle_stage. */
export function snakeCase(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/%/g, ' pct ')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
