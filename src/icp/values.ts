/**
 * Reading fact values as the engine sees them: numbers written by people ("1.2M", "5k"), yes/no text,
 * blanks, and each value shown back the way people read it. Pure; memoised per matcher with a bound.
 */
import { formatQuantity, type NumberUnit } from './describe.ts';
import { countryName, normalizeCountry } from './geo.ts';
import type { FactValue } from './types.ts';

export type Value = FactValue | null | undefined;

/** Credit returned for a value that is missing or unreadable. */
export const UNKNOWN = -1;

/** Per-matcher memo of raw text → result; bounded so a stream of unique values cannot grow memory. */
const CACHE_LIMIT = 50_000;

export function isBlank(v: Value): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (typeof v === 'number') return Number.isNaN(v);
  if (typeof v === 'boolean') return false;
  for (const item of v) if (typeof item === 'string' && item.trim() !== '') return false;
  return true;
}

export function memo<T>(fn: (s: string) => T): (s: string) => T {
  const cache = new Map<string, T>();
  return (s) => {
    const hit = cache.get(s);
    if (hit !== undefined) return hit;
    const r = fn(s);
    if (cache.size < CACHE_LIMIT) cache.set(s, r);
    return r;
  };
}

const multipliers: Record<string, number> = { k: 1e3, m: 1e6, mm: 1e6, mn: 1e6, b: 1e9, bn: 1e9 };

/**
 * A number from CRM text: "1,200", "$12.5M", "35%", "10k", "51-200" (midpoint), "10000+". NaN when unreadable.
 */
export function parseNumber(text: string): number {
  const s = text
    .trim()
    .toLowerCase()
    .replace(/[$€£¥%+~≈]|usd|eur|gbp|sek|nok|dkk|chf/g, '')
    .replace(/[\s_,]/g, '');
  if (s === '') return Number.NaN;
  const range = /^(\d+(?:\.\d+)?)(k|mm|mn|m|bn|b)?[-–](\d+(?:\.\d+)?)(k|mm|mn|m|bn|b)?$/.exec(s);
  if (range) {
    const a = Number(range[1]) * (multipliers[range[2] ?? range[4] ?? ''] ?? 1);
    const b = Number(range[3]) * (multipliers[range[4] ?? ''] ?? 1);
    return Math.round((a + b) / 2);
  }
  const m = /^(-?\d+(?:\.\d+)?)(k|mm|mn|m|bn|b)?$/.exec(s);
  if (!m) return Number.NaN;
  return Number(m[1]) * (multipliers[m[2] ?? ''] ?? 1);
}

const cachedNumber = memo(parseNumber);

export function toNumber(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return cachedNumber(v);
  return Number.NaN;
}

/** yes/no text, 1/0 and booleans → 1 (true) / 0 (false) / UNKNOWN. */
export function parseBoolean(v: Value): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v > 0 ? 1 : v === 0 ? 0 : UNKNOWN;
  if (typeof v !== 'string') return UNKNOWN;
  // Exact common spellings first: no trimming or lower-casing (allocation) on the hot path.
  if (v === 'yes' || v === 'true' || v === 'Yes' || v === '1') return 1;
  if (v === 'no' || v === 'false' || v === 'No' || v === '0') return 0;
  switch (v.trim().toLowerCase()) {
    case 'yes':
    case 'y':
    case 'true':
    case 't':
    case '1':
    case 'x':
      return 1;
    case 'no':
    case 'n':
    case 'false':
    case 'f':
    case '0':
      return 0;
    default:
      return UNKNOWN;
  }
}

export function showText(v: Value): string | null {
  if (isBlank(v)) return null;
  if (Array.isArray(v)) return v.filter((x) => x.trim() !== '').join(', ');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v).trim();
}

export function showCountry(v: Value): string | null {
  const t = showText(v);
  if (t === null) return null;
  const items = Array.isArray(v) ? (v as readonly string[]) : [String(v)];
  return items
    .filter((x) => x.trim() !== '')
    .map((x) => {
      const code = normalizeCountry(x);
      return code ? countryName(code) : `${x.trim()} (not a country I know)`;
    })
    .join(', ');
}

export function showNumber(unit: NumberUnit): (v: Value) => string | null {
  return (v) => {
    if (isBlank(v)) return null;
    const x = toNumber(v);
    if (Number.isNaN(x)) return `${showText(v)} (not a number)`;
    return formatQuantity(x, unit);
  };
}

export function showBoolean(v: Value): string | null {
  if (isBlank(v)) return null;
  const b = parseBoolean(v);
  return b === UNKNOWN ? `${showText(v)} (not yes or no)` : b === 1 ? 'yes' : 'no';
}
