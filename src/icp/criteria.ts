/**
 * Each ICP criterion and exclusion compiled once into small closures: `credit(value)` (a share 0–1 of its
 * weight, or UNKNOWN when the value is missing or unreadable), `check(value)` for exclusions, and how the
 * value is shown. Precomputed lookup maps and rule texts; pure. The engine (engine.ts) adds them up.
 */
import { criterionRule, unitFor } from './describe.ts';
import { normalizeCountry, regions } from './geo.ts';
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
import {
  memo,
  parseBoolean,
  showBoolean,
  showCountry,
  showNumber,
  showText,
  toNumber,
  UNKNOWN,
  type Value,
} from './values.ts';

export interface CompiledCriterion {
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

export interface CompiledExclusion {
  readonly id: string;
  readonly label: string;
  readonly field: string;
  readonly reason: string;
  /** 1 fired, 0 passed, UNKNOWN when the value is missing or unreadable. */
  check(v: Value): number;
  show(v: Value): string;
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

export function compileCriterion(c: IcpCriterion, spec: IcpSpec): CompiledCriterion {
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

export function compileExclusion(e: IcpExclusion, spec: IcpSpec): CompiledExclusion {
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
