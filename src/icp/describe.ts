/**
 * ICP rules and values in words, for people: "50–250 employees: full points; 20–49 or 251–500: half".
 * Pure formatting; the engine precomputes these strings once per compiled ICP.
 */
import { countryName, normalizeCountry, regions } from './geo.ts';
import type { IcpCriterion, IcpExclusion } from './spec.ts';

/** How a numeric field reads: money in the ICP currency, a percentage, or a count with a noun. */
export type NumberUnit = { kind: 'currency'; currency: string } | { kind: 'percent' } | { kind: 'count'; noun: string };

/** 1234567.5 → "1,234,567.5" (en-US grouping, at most 2 decimals), without Intl in the hot path. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const neg = n < 0;
  const abs = Math.abs(n);
  const whole = Math.floor(abs);
  let frac = Math.round((abs - whole) * 100);
  let w = whole;
  if (frac === 100) {
    w += 1;
    frac = 0;
  }
  let s = String(w);
  if (w >= 1000) {
    let out = '';
    let i = s.length;
    while (i > 3) {
      out = `,${s.slice(i - 3, i)}${out}`;
      i -= 3;
    }
    s = s.slice(0, i) + out;
  }
  if (frac > 0) s += `.${frac % 10 === 0 ? String(frac / 10) : String(frac).padStart(2, '0')}`;
  return neg ? `-${s}` : s;
}

const symbols: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥' };

function money(text: string, currency: string): string {
  const sym = symbols[currency];
  return sym ? `${sym}${text}` : `${text} ${currency}`;
}

/** 5000000 → "5M", 1500000 → "1.5M", 250000 → "250k": round figures for rules. */
export function formatCompact(n: number): string {
  const abs = Math.abs(n);
  const scaled = (d: number, suffix: string) => `${formatNumber(Math.round((n / d) * 100) / 100)}${suffix}`;
  if (abs >= 1e9) return scaled(1e9, 'B');
  if (abs >= 1e6) return scaled(1e6, 'M');
  if (abs >= 1e4) return scaled(1e3, 'k');
  return formatNumber(n);
}

/** A value as people read it: "$12,500,000", "35%", "1,200". */
export function formatQuantity(n: number, unit: NumberUnit): string {
  switch (unit.kind) {
    case 'currency':
      return money(formatNumber(n), unit.currency);
    case 'percent':
      return `${formatNumber(n)}%`;
    case 'count':
      return formatNumber(n);
  }
}

function ruleNumber(n: number, unit: NumberUnit): string {
  if (unit.kind === 'currency') return money(formatCompact(n), unit.currency);
  if (unit.kind === 'percent') return `${formatNumber(n)}%`;
  return formatNumber(n);
}

/** "50–250", "30% or more", "up to $5M". */
export function intervalWords(iv: { min?: number | undefined; max?: number | undefined }, unit: NumberUnit): string {
  const { min, max } = iv;
  if (min !== undefined && max !== undefined) {
    return min === max ? ruleNumber(min, unit) : `${ruleNumber(min, unit)}–${ruleNumber(max, unit)}`;
  }
  if (min !== undefined) return `${ruleNumber(min, unit)} or more`;
  if (max !== undefined) return `up to ${ruleNumber(max, unit)}`;
  return 'any value';
}

/** Share of the points in words: 1 → "full points", 0.5 → "half", 0.3 → "30%". */
export function creditWords(credit: number): string {
  if (credit >= 1) return 'full points';
  if (credit <= 0) return 'none';
  const named: Record<number, string> = { 0.5: 'half', 0.25: 'a quarter', 0.75: 'three quarters' };
  return named[credit] ?? `${Math.round(credit * 100)}%`;
}

/** "A", "A or B", "A, B or C". */
export function joinWords(items: readonly string[], last = 'or'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

/** Display form of a region name as written in the ICP ("nordics" → "Nordics", "dach" → "DACH"). */
export function regionWords(name: string): string {
  const t = name.trim();
  if (t !== t.toLowerCase()) return t;
  if (t.length <= 4) return t.toUpperCase();
  return t.replace(/\b\p{L}/gu, (c) => c.toUpperCase());
}

function placeWords(regionList: readonly string[] | undefined, countryList: readonly string[] | undefined): string[] {
  const out = (regionList ?? []).map(regionWords);
  for (const c of countryList ?? []) {
    const code = normalizeCountry(c);
    out.push(code ? countryName(code) : c);
  }
  return out;
}

/** The unit a field's numbers read in, from an explicit `unit` or the canonical field name. */
export function unitFor(field: string, unit: string | undefined, currency: string): NumberUnit {
  const u = unit?.trim().toLowerCase();
  if (u === 'currency' || u === 'money' || (u === undefined && field === 'revenue'))
    return { kind: 'currency', currency };
  if (u === 'percent' || u === '%' || (u === undefined && field === 'growth')) return { kind: 'percent' };
  return { kind: 'count', noun: unit?.trim() ?? (field === 'employees' ? 'employees' : '') };
}

function groupBands(
  bands: readonly { min?: number | undefined; max?: number | undefined; credit: number }[],
  unit: NumberUnit,
): string[] {
  const byCredit = new Map<number, string[]>();
  for (const b of bands) {
    if (b.credit <= 0) continue;
    const list = byCredit.get(b.credit) ?? [];
    list.push(intervalWords(b, unit));
    byCredit.set(b.credit, list);
  }
  return [...byCredit.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([c, list]) => `${joinWords(list)}: ${creditWords(c)}`);
}

/** The rule of one criterion in words, e.g. "50–250 employees: full points; 20–49 or 251–500: half". */
export function criterionRule(c: IcpCriterion, currency = 'USD'): string {
  switch (c.kind) {
    case 'category': {
      const parts = [`${joinWords(c.values)}: full points`];
      if (c.partial?.length) parts.push(`${joinWords(c.partial)}: ${creditWords(c.partial_credit)}`);
      parts.push('anything else: none');
      return parts.join('; ');
    }
    case 'range': {
      const unit = unitFor(c.field, c.unit, currency);
      const noun = unit.kind === 'count' && unit.noun ? ` ${unit.noun}` : '';
      return [
        `${intervalWords(c.ideal, unit)}${noun}: full points`,
        ...groupBands(c.bands, unit),
        'anything else: none',
      ].join('; ');
    }
    case 'overlap': {
      if (c.full_at <= 1) return `uses ${joinWords(c.values)}: full points; none of them: none`;
      return `uses ${c.full_at} or more of ${joinWords(c.values, 'and')}: full points; fewer: a share per match (1 of ${c.full_at} = ${creditWords(1 / c.full_at)})`;
    }
    case 'signal':
      return c.expect ? 'yes: full points; no: none' : 'no: full points; yes: none';
    case 'geo': {
      const parts = [`${joinWords(placeWords(c.regions, c.countries))}: full points`];
      const partial = placeWords(c.partial_regions, c.partial_countries);
      if (partial.length) parts.push(`rest of ${joinWords(partial)}: ${creditWords(c.partial_credit)}`);
      parts.push('elsewhere: none');
      return parts.join('; ');
    }
  }
}

/** An exclusion's condition in words, e.g. "employees over 5,000" or "country in Russia, Iran or Cuba". */
export function exclusionRule(e: IcpExclusion, currency = 'USD', unit?: string): string {
  if (e.in) return `${e.field} is ${joinWords(e.in)}`;
  if (e.is !== undefined) return `${e.field} is ${e.is ? 'yes' : 'no'}`;
  if (e.countries || e.regions) return `${e.field} in ${joinWords(placeWords(e.regions, e.countries))}`;
  const u = unitFor(e.field, unit, currency);
  const parts: string[] = [];
  if (e.gt !== undefined) parts.push(`over ${ruleNumber(e.gt, u)}`);
  if (e.gte !== undefined) parts.push(`${ruleNumber(e.gte, u)} or more`);
  if (e.lt !== undefined) parts.push(`under ${ruleNumber(e.lt, u)}`);
  if (e.lte !== undefined) parts.push(`${ruleNumber(e.lte, u)} or less`);
  return `${e.field} ${parts.join(' and ')}`;
}

/** Known region names, for help texts. */
export function regionNames(): string[] {
  return Object.keys(regions).sort();
}
