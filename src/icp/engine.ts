/**
 * The scoring engine: compiles an ICP spec once into small closures (precomputed lookup maps, rule texts)
 * and scores flat Facts against it. Pure and deterministic: same spec + facts → same result, always.
 *
 * Every criterion compiles to `credit(value)`: a share 0–1 of its weight, or UNKNOWN (-1) when the value is
 * missing or cannot be read. `score` and `scoreFast` run the very same credit functions in the same order,
 * so their numbers cannot drift apart; `scoreFast` only skips building the explanation.
 */
import { criterionRule, formatQuantity, type NumberUnit, unitFor } from './describe.ts';
import { countryName, normalizeCountry, regions } from './geo.ts';
import {
  type CategoryCriterion,
  type GeoCriterion,
  type IcpCriterion,
  type IcpExclusion,
  type IcpSpec,
  normalizeText,
  type OverlapCriterion,
  type RangeCriterion,
  type SignalCriterion,
} from './spec.ts';
import type { CriterionLine, CriterionStatus, Facts, FactValue, FiredExclusion, ScoreResult, Tier } from './types.ts';

type Value = FactValue | null | undefined;

/** Credit returned for a value that is missing or unreadable. */
const UNKNOWN = -1;
/** Per-matcher memo of raw text → result; bounded so a stream of unique values cannot grow memory. */
const CACHE_LIMIT = 50_000;

interface CompiledCriterion {
  readonly id: string;
  readonly label: string;
  readonly field: string;
  readonly weight: number;
  readonly rule: string;
  /** 0–1 share of the weight, or UNKNOWN. */
  credit(v: Value): number;
  /** The value as people read it; null when missing. */
  show(v: Value): string | null;
}

interface CompiledExclusion {
  readonly id: string;
  readonly label: string;
  readonly field: string;
  readonly reason: string;
  /** 1 fired, 0 passed, UNKNOWN when the value is missing or unreadable. */
  check(v: Value): number;
  show(v: Value): string;
}

/** What bulk rescoring needs: score and tier on the known data, and the best tier the unknown data allows. */
export interface FastScore {
  score: number;
  tier: Tier;
  best: Tier;
}

export interface CompiledIcp {
  readonly spec: IcpSpec;
  readonly version: number;
  /** Full, explained score. */
  score(facts: Facts): ScoreResult;
  /**
   * Same score and tier as `score`, without the explanation, plus `best`: the tier the account would reach
   * if every unknown criterion matched (= `tier` when the unknown data cannot change it). For bulk rescoring.
   */
  scoreFast(facts: Facts): FastScore;
}

function isBlank(v: Value): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (typeof v === 'number') return Number.isNaN(v);
  if (typeof v === 'boolean') return false;
  for (const item of v) if (typeof item === 'string' && item.trim() !== '') return false;
  return true;
}

function memo<T>(fn: (s: string) => T): (s: string) => T {
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

function toNumber(v: Value): number {
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

/** Lookup from any variant text to its canonical (normalised) value. */
function synonymIndex(...maps: (Record<string, readonly string[]> | undefined)[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const map of maps) {
    if (!map) continue;
    for (const [canon, variants] of Object.entries(map)) {
      const c = normalizeText(canon);
      for (const v of variants) if (!index.has(normalizeText(v))) index.set(normalizeText(v), c);
    }
  }
  return index;
}

/** raw text → credit for category values (UNKNOWN when the text is blank). */
function textMatcher(credits: Map<string, number>, synonyms: Map<string, string>): (s: string) => number {
  return memo((s) => {
    const n = normalizeText(s);
    if (n === '') return UNKNOWN;
    return credits.get(synonyms.get(n) ?? n) ?? 0;
  });
}

function bestOf(v: Value, one: (s: string) => number): number {
  if (typeof v === 'string') return one(v);
  if (typeof v === 'number' || typeof v === 'boolean') return one(String(v));
  if (v == null) return UNKNOWN;
  let best = UNKNOWN;
  for (let i = 0; i < v.length; i++) {
    const c = one(v[i]!);
    if (c > best) best = c;
  }
  return best;
}

function showText(v: Value): string | null {
  if (isBlank(v)) return null;
  if (Array.isArray(v)) return v.filter((x) => x.trim() !== '').join(', ');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v).trim();
}

function categorySynonyms(spec: IcpSpec, field: string, own?: Record<string, readonly string[]>): Map<string, string> {
  const shared = spec.criteria
    .filter((c): c is CategoryCriterion => c.field === field && c.kind === 'category')
    .map((c) => c.synonyms);
  return synonymIndex(own, ...shared);
}

function compileCategory(c: CategoryCriterion, spec: IcpSpec): CompiledCriterion['credit'] {
  const credits = new Map<string, number>();
  for (const p of c.partial ?? []) credits.set(normalizeText(p), c.partial_credit);
  for (const v of c.values) credits.set(normalizeText(v), 1);
  const match = textMatcher(credits, categorySynonyms(spec, c.field, c.synonyms));
  return (v) => bestOf(v, match);
}

function compileRange(c: RangeCriterion): CompiledCriterion['credit'] {
  const lo = c.ideal.min ?? Number.NEGATIVE_INFINITY;
  const hi = c.ideal.max ?? Number.POSITIVE_INFINITY;
  const n = c.bands.length;
  const bandLo = new Float64Array(n);
  const bandHi = new Float64Array(n);
  const bandCredit = new Float64Array(n);
  c.bands.forEach((b, i) => {
    bandLo[i] = b.min ?? Number.NEGATIVE_INFINITY;
    bandHi[i] = b.max ?? Number.POSITIVE_INFINITY;
    bandCredit[i] = b.credit;
  });
  return (v) => {
    const x = typeof v === 'number' ? v : toNumber(v);
    if (Number.isNaN(x)) return UNKNOWN; // missing or unreadable
    if (x >= lo && x <= hi) return 1;
    let best = 0;
    for (let i = 0; i < n; i++) {
      if (x >= bandLo[i]! && x <= bandHi[i]! && bandCredit[i]! > best) best = bandCredit[i]!;
    }
    return best;
  };
}

/** An overlap criterion: its credit, and its value shown with the listed items first. */
function compileOverlap(c: OverlapCriterion): Pick<CompiledCriterion, 'credit' | 'show'> {
  const canon = c.values.map(normalizeText);
  const slot = new Map<string, number>(canon.map((v, i) => [v, i]));
  const syn = synonymIndex(c.synonyms);
  // raw item → index of the listed value it names, -1 for none, -2 for a blank item.
  const indexOf = memo((s: string) => {
    const n = normalizeText(s);
    if (n === '') return -2;
    return slot.get(syn.get(n) ?? n) ?? -1;
  });
  // Generation-stamped "seen" marks count distinct matches without allocating per call.
  const seen = new Int32Array(canon.length);
  let gen = 0;
  const fullAt = c.full_at;
  const creditOf = (items: readonly string[]): number => {
    gen = (gen + 1) | 0;
    if (gen === 0) {
      seen.fill(0);
      gen = 1;
    }
    let known = false;
    let matches = 0;
    for (let i = 0; i < items.length; i++) {
      const idx = indexOf(items[i]!);
      if (idx === -2) continue;
      known = true;
      if (idx >= 0 && seen[idx] !== gen) {
        seen[idx] = gen;
        matches++;
      }
    }
    if (!known) return UNKNOWN;
    return matches >= fullAt ? 1 : matches / fullAt;
  };
  const split = (s: string) => s.split(/[,;|\n]/);
  const fromText = memo((s: string) => creditOf(split(s)));
  return {
    credit: (v) => {
      if (v == null || typeof v === 'number' || typeof v === 'boolean') return UNKNOWN;
      if (typeof v === 'string') return fromText(v);
      return creditOf(v);
    },
    // "HubSpot (also Slack, Snowflake)": which item earned the points, before the rest of a long stack.
    show: (v) => {
      if (typeof v !== 'string' && !Array.isArray(v)) return showText(v);
      const items = (typeof v === 'string' ? split(v) : v).map((x) => x.trim()).filter((x) => x !== '');
      if (items.length === 0) return null;
      const listed = items.filter((x) => indexOf(x) >= 0);
      if (listed.length === 0 || listed.length === items.length) return items.join(', ');
      return `${listed.join(', ')} (also ${items.filter((x) => indexOf(x) < 0).join(', ')})`;
    },
  };
}

function compileSignal(c: SignalCriterion): CompiledCriterion['credit'] {
  const want = c.expect ? 1 : 0;
  return (v) => {
    const b = typeof v === 'boolean' ? (v ? 1 : 0) : parseBoolean(v);
    return b === UNKNOWN ? UNKNOWN : b === want ? 1 : 0;
  };
}

function codesOf(regionList: readonly string[] | undefined, countryList: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const r of regionList ?? []) out.push(...(regions[r.trim().toLowerCase()] ?? []));
  for (const c of countryList ?? []) {
    const code = normalizeCountry(c);
    if (code) out.push(code);
  }
  return out;
}

function compileGeo(c: GeoCriterion): CompiledCriterion['credit'] {
  const credits = new Map<string, number>();
  for (const code of codesOf(c.partial_regions, c.partial_countries)) credits.set(code, c.partial_credit);
  for (const code of codesOf(c.regions, c.countries)) credits.set(code, 1);
  const one = memo((s: string) => {
    const code = normalizeCountry(s);
    return code === null ? UNKNOWN : (credits.get(code) ?? 0);
  });
  return (v) => bestOf(v, one);
}

function showCountry(v: Value): string | null {
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

function showNumber(unit: NumberUnit): (v: Value) => string | null {
  return (v) => {
    if (isBlank(v)) return null;
    const x = toNumber(v);
    if (Number.isNaN(x)) return `${showText(v)} (not a number)`;
    return formatQuantity(x, unit);
  };
}

function showBoolean(v: Value): string | null {
  if (isBlank(v)) return null;
  const b = parseBoolean(v);
  return b === UNKNOWN ? `${showText(v)} (not yes or no)` : b === 1 ? 'yes' : 'no';
}

function compileCriterion(c: IcpCriterion, spec: IcpSpec): CompiledCriterion {
  const base = { id: c.id, label: c.label, field: c.field, weight: c.weight, rule: criterionRule(c, spec.currency) };
  switch (c.kind) {
    case 'category':
      return { ...base, credit: compileCategory(c, spec), show: showText };
    case 'range':
      return { ...base, credit: compileRange(c), show: showNumber(unitFor(c.field, c.unit, spec.currency)) };
    case 'overlap':
      return { ...base, ...compileOverlap(c) };
    case 'signal':
      return { ...base, credit: compileSignal(c), show: showBoolean };
    case 'geo':
      return { ...base, credit: compileGeo(c), show: showCountry };
  }
}

function compileExclusion(e: IcpExclusion, spec: IcpSpec): CompiledExclusion {
  const base = { id: e.id, label: e.label, field: e.field, reason: e.reason };
  const orText = (v: Value) => showText(v) ?? '';
  if (e.in) {
    const credits = new Map(e.in.map((x) => [normalizeText(x), 1]));
    const match = textMatcher(credits, categorySynonyms(spec, e.field, e.synonyms));
    return { ...base, check: (v) => bestOf(v, match), show: orText };
  }
  if (e.is !== undefined) {
    const want = e.is ? 1 : 0;
    return {
      ...base,
      check: (v) => {
        const b = parseBoolean(v);
        return b === UNKNOWN ? UNKNOWN : b === want ? 1 : 0;
      },
      show: (v) => showBoolean(v) ?? '',
    };
  }
  if (e.countries || e.regions) {
    const codes = new Set(codesOf(e.regions, e.countries));
    const one = memo((s: string) => {
      const code = normalizeCountry(s);
      return code === null ? UNKNOWN : codes.has(code) ? 1 : 0;
    });
    return { ...base, check: (v) => bestOf(v, one), show: (v) => showCountry(v) ?? '' };
  }
  const gt = e.gt ?? Number.NEGATIVE_INFINITY;
  const gte = e.gte ?? Number.NEGATIVE_INFINITY;
  const lt = e.lt ?? Number.POSITIVE_INFINITY;
  const lte = e.lte ?? Number.POSITIVE_INFINITY;
  const hasGt = e.gt !== undefined;
  const hasLt = e.lt !== undefined;
  const range = spec.criteria.find((c): c is RangeCriterion => c.kind === 'range' && c.field === e.field);
  const show = showNumber(unitFor(e.field, range?.unit, spec.currency));
  return {
    ...base,
    check: (v) => {
      const x = typeof v === 'number' ? v : toNumber(v);
      if (Number.isNaN(x)) return UNKNOWN;
      return (hasGt ? x > gt : true) && x >= gte && (hasLt ? x < lt : true) && x <= lte ? 1 : 0;
    },
    show: (v) => show(v) ?? '',
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * scoreFast unrolled into straight-line code: one property read per criterion with the key as a literal and
 * one direct call per credit function, so V8 can cache each read and inline each call instead of going
 * through one megamorphic loop. Same credit functions and the same `earned += weight × credit` order as
 * `score`, so the numbers are identical. Keys are passed through JSON.stringify (and were validated by the
 * spec); returns null where code generation from strings is disabled, and the loop is used instead.
 */
function generateScoreFast(
  crits: readonly CompiledCriterion[],
  exs: readonly CompiledExclusion[],
  toScore: (earned: number) => number,
  tierOf: (score: number) => Tier,
): ((facts: Facts) => FastScore) | null {
  const body: string[] = ['let e = 0;', 'let u = 0;', 'let c = 0;'];
  crits.forEach((c, i) => {
    body.push(`c = k${i}(f[${JSON.stringify(c.field)}]);`, `if (c > 0) e += w${i} * c; else if (c < 0) u += w${i};`);
  });
  body.push('const s = toScore(e);');
  exs.forEach((x, i) => {
    body.push(`if (x${i}(f[${JSON.stringify(x.field)}]) === 1) return { score: s, tier: 'no_fit', best: 'no_fit' };`);
  });
  body.push('return { score: s, tier: tierOf(s), best: u > 0 ? tierOf(toScore(e + u)) : tierOf(s) };');
  const names = [...crits.flatMap((_, i) => [`k${i}`, `w${i}`]), ...exs.map((_, i) => `x${i}`), 'toScore', 'tierOf'];
  const args = [...crits.flatMap((c) => [c.credit, c.weight]), ...exs.map((x) => x.check), toScore, tierOf];
  try {
    const factory = new Function(...names, `return function scoreFast(f) {\n${body.join('\n')}\n};`);
    return factory(...args) as (facts: Facts) => FastScore;
  } catch {
    return null;
  }
}

/**
 * Compile an ICP once; the returned scorer is reused for every account. `version` is the ICP version
 * number stored with each score so results can be traced to the rules that produced them.
 */
export function compileIcp(spec: IcpSpec, version: number): CompiledIcp {
  const crits = spec.criteria.map((c) => compileCriterion(c, spec));
  const exs = spec.exclusions.map((e) => compileExclusion(e, spec));
  const nc = crits.length;
  const ne = exs.length;
  let total = 0;
  for (const c of crits) total += c.weight;
  const { tier1, tier2, tier3 } = spec.tiers;

  const toScore = (earned: number): number => (total > 0 ? Math.round((earned / total) * 100 + 1e-9) : 0);
  const tierOf = (score: number): Tier =>
    score >= tier1 ? 'tier1' : score >= tier2 ? 'tier2' : score >= tier3 ? 'tier3' : 'no_fit';
  const tierOrder: Tier[] = ['tier1', 'tier2', 'tier3', 'no_fit'];

  const scoreLoop = (facts: Facts): FastScore => {
    let earned = 0;
    let unknown = 0;
    for (let i = 0; i < nc; i++) {
      const c = crits[i]!;
      const credit = c.credit(facts[c.field]);
      if (credit > 0) earned += c.weight * credit;
      else if (credit < 0) unknown += c.weight;
    }
    const score = toScore(earned);
    for (let i = 0; i < ne; i++) {
      const e = exs[i]!;
      if (e.check(facts[e.field]) === 1) return { score, tier: 'no_fit', best: 'no_fit' };
    }
    return { score, tier: tierOf(score), best: unknown > 0 ? tierOf(toScore(earned + unknown)) : tierOf(score) };
  };

  const scoreFast = generateScoreFast(crits, exs, toScore, tierOf) ?? scoreLoop;

  const score = (facts: Facts): ScoreResult => {
    let earned = 0;
    let unknownWeight = 0;
    const lines: CriterionLine[] = new Array(nc);
    const missing: string[] = [];
    for (let i = 0; i < nc; i++) {
      const c = crits[i]!;
      const v = facts[c.field];
      const credit = c.credit(v);
      let status: CriterionStatus;
      if (credit > 0) earned += c.weight * credit;
      if (credit === UNKNOWN) {
        status = 'unknown';
        unknownWeight += c.weight;
        if (!missing.includes(c.field)) missing.push(c.field);
      } else status = credit >= 1 ? 'match' : credit > 0 ? 'partial' : 'miss';
      lines[i] = {
        id: c.id,
        label: c.label,
        field: c.field,
        value: c.show(v),
        earned: credit > 0 ? round1(c.weight * credit) : 0,
        possible: round1(c.weight),
        status,
        rule: c.rule,
      };
    }
    const fired: FiredExclusion[] = [];
    const unchecked: ScoreResult['uncheckedExclusions'] = [];
    for (let i = 0; i < ne; i++) {
      const e = exs[i]!;
      const v = facts[e.field];
      const r = e.check(v);
      if (r === 1) fired.push({ id: e.id, label: e.label, field: e.field, value: e.show(v), reason: e.reason });
      else if (r === UNKNOWN) {
        unchecked.push({ id: e.id, label: e.label, field: e.field });
        if (!missing.includes(e.field)) missing.push(e.field);
      }
    }
    const s = toScore(earned);
    const max = toScore(earned + unknownWeight);
    let possibleTiers: Tier[];
    if (fired.length > 0) possibleTiers = ['no_fit'];
    else {
      const best = tierOrder.indexOf(tierOf(max));
      const worst = tierOrder.indexOf(tierOf(s));
      possibleTiers = tierOrder.slice(best, worst + 1);
    }
    const high = possibleTiers[0]!;
    const low = possibleTiers[possibleTiers.length - 1]!;
    return {
      score: s,
      tier: fired.length > 0 ? 'no_fit' : tierOf(s),
      exclusions: fired,
      uncheckedExclusions: unchecked,
      lines,
      coverage: total > 0 ? (total - unknownWeight) / total : 0,
      missingFields: missing,
      range: { min: s, max },
      possibleTiers,
      tierRange: high === low ? null : { low, high },
      icpVersion: version,
    };
  };

  return { spec, version, score, scoreFast };
}

/** Canonical facts keys that come from account columns rather than the free-form attributes. */
const columnKeys = ['name', 'domain', 'industry', 'employees', 'revenue', 'country'] as const;

function snakeKey(k: string): string {
  return k
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function asFactValue(v: unknown): FactValue | null {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (Array.isArray(v)) {
    const items = v.filter((x) => x != null && typeof x !== 'object').map((x) => String(x));
    return items.length ? items : null;
  }
  return null;
}

/**
 * Flatten a stored account into Facts: the columns, plus every scalar or list in `attributes` under a
 * snake_case key ("Tech Stack" → tech_stack). Columns win over attributes of the same name unless null.
 */
export function factsFromAccount(row: {
  name: string;
  domain: string | null;
  industry: string | null;
  employees: number | null;
  revenue: number | null;
  country: string | null;
  attributes: unknown;
}): Facts {
  const facts: Record<string, FactValue | null> = {};
  if (row.attributes && typeof row.attributes === 'object' && !Array.isArray(row.attributes)) {
    for (const [k, v] of Object.entries(row.attributes as Record<string, unknown>)) {
      const key = snakeKey(k);
      const fv = asFactValue(v);
      if (key !== '' && fv !== null && facts[key] == null) facts[key] = fv;
    }
  }
  for (const k of columnKeys) {
    const v = row[k];
    if (v !== null && v !== undefined) facts[k] = v;
  }
  return facts;
}

/** Text for the facts an ICP reads, e.g. "industry, employees, country" (for prompts and help). */
export function fieldsRead(spec: IcpSpec): string[] {
  const out: string[] = [];
  for (const x of [...spec.criteria, ...spec.exclusions]) if (!out.includes(x.field)) out.push(x.field);
  return out;
}
