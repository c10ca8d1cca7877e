/**
 * Profiles every account attribute against deal outcomes: value groups (small categories merged into
 * "Other"; numbers cut into monotone bins with a minimum size), each group's win rate with its Wilson
 * interval and lift, the attribute's weight of evidence and information value, and a significance test
 * with Benjamini–Hochberg false-discovery control across all attributes. Pure: no database, no Slack.
 */
import { wilson } from '../drift/stats.ts';
import { intervalWords, unitFor } from '../icp/describe.ts';
import { normalizeText } from '../icp/spec.ts';
import type { Facts, FactValue } from '../icp/types.ts';
import { monotoneBins, niceBetween, quantileBins } from './bins.ts';
import { benjaminiHochberg, type Counts, chiSquareGroups, trendTest } from './stats.ts';

/** One account with its decided deals, split at the holdout date. */
export interface LearnUnit {
  facts: Facts;
  trainWon: number;
  trainLost: number;
  holdWon: number;
  holdLost: number;
}

export type Period = 'all' | 'train' | 'holdout';

export function countsOf(u: LearnUnit, period: Period): Counts {
  if (period === 'train') return { won: u.trainWon, lost: u.trainLost };
  if (period === 'holdout') return { won: u.holdWon, lost: u.holdLost };
  return { won: u.trainWon + u.holdWon, lost: u.trainLost + u.holdLost };
}

/** Which values fall in a group. Ranges are min ≤ x < max on the data (cut between observed values). */
export type GroupRule =
  | { kind: 'values'; keys: string[]; values: string[] }
  | { kind: 'other'; keys: string[]; values: string[] }
  | { kind: 'range'; min?: number; max?: number; lowerMax?: number }
  | { kind: 'unknown' };

export interface GroupStat {
  label: string;
  rule: GroupRule;
  n: number;
  won: number;
  rate: number;
  ci: [number, number];
  /** rate ÷ the attribute's overall rate. */
  lift: number;
  /** ln(share of wins ÷ share of losses), smoothed by 0.5 per cell so empty groups stay finite. */
  woe: number;
}

export interface AttributeProfile {
  field: string;
  label: string;
  type: 'category' | 'number';
  n: number;
  won: number;
  iv: number;
  pValue: number;
  /** Benjamini–Hochberg adjusted p-value across all attributes profiled together. */
  qValue: number;
  test: 'chi-square' | 'trend';
  significant: boolean;
  groups: GroupStat[];
}

export interface ProfileOptions {
  /** False-discovery rate (default 0.05). */
  alpha?: number;
  /** Information value below which an attribute is too weak to use, however significant (default 0.02). */
  minIv?: number;
  /** Currency revenue is read in, for group labels (default USD). */
  currency?: string;
}

/** Keys that identify an account or are import bookkeeping, never attributes to learn from. */
const SKIP = new Set(['name', 'domain', 'website', 'domain_raw', 'country_raw', 'expected_close_date', 'external_id']);
const COLUMN_ORDER = ['industry', 'employees', 'revenue', 'country'];
const LABELS: Record<string, string> = {
  industry: 'Industry',
  employees: 'Employees',
  revenue: 'Annual revenue',
  country: 'Country',
};
const MAX_GROUPS = 15;

// normalizeText (Unicode decomposition and regexes) per account per attribute dominated the run time;
// attribute values repeat, so remember them (bounded: a column of unique values cannot grow memory).
const normCache = new Map<string, string>();
function norm(s: string): string {
  let n = normCache.get(s);
  if (n === undefined) {
    n = normalizeText(s);
    if (normCache.size < 100_000) normCache.set(s, n);
  }
  return n;
}

export function fieldLabel(field: string): string {
  const l = LABELS[field];
  if (l) return l;
  const s = field.replace(/[_.-]+/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const isKnown = (v: FactValue | null | undefined): v is FactValue =>
  v !== null && v !== undefined && !(typeof v === 'string' && v.trim() === '') && !Array.isArray(v);

/** The attributes worth profiling and their type: numbers, or categories that are not identifiers. */
export function detectFields(units: readonly LearnUnit[]): { field: string; type: 'category' | 'number' }[] {
  const stats = new Map<string, { known: number; numbers: number; distinct: Set<string> }>();
  for (const u of units) {
    for (const [k, v] of Object.entries(u.facts)) {
      if (SKIP.has(k) || !isKnown(v)) continue;
      let s = stats.get(k);
      if (!s) {
        s = { known: 0, numbers: 0, distinct: new Set() };
        stats.set(k, s);
      }
      s.known++;
      if (typeof v === 'number') s.numbers++;
      else if (s.distinct.size <= units.length) s.distinct.add(norm(String(v)));
    }
  }
  const out: { field: string; type: 'category' | 'number' }[] = [];
  for (const [field, s] of stats) {
    if (s.known < 2) continue;
    if (s.numbers >= 0.9 * s.known) out.push({ field, type: 'number' });
    // A column with a different value on most accounts (an id, a name, a URL) says nothing about groups.
    else if (s.distinct.size > 1 && !(s.distinct.size > 50 && s.distinct.size > 0.5 * s.known))
      out.push({ field, type: 'category' });
  }
  const rank = (f: string) => (COLUMN_ORDER.includes(f) ? COLUMN_ORDER.indexOf(f) : COLUMN_ORDER.length);
  return out.sort((a, b) => rank(a.field) - rank(b.field) || (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
}

interface RawGroup extends Counts {
  label: string;
  rule: GroupRule;
}

function categoryGroups(units: readonly LearnUnit[], field: string, period: Period, minN: number): RawGroup[] {
  const byKey = new Map<string, Counts & { spellings: Map<string, number> }>();
  const unknown: Counts = { won: 0, lost: 0 };
  for (const u of units) {
    const c = countsOf(u, period);
    if (c.won + c.lost === 0) continue;
    const v = u.facts[field];
    if (!isKnown(v)) {
      unknown.won += c.won;
      unknown.lost += c.lost;
      continue;
    }
    const raw = String(v).trim();
    const key = norm(raw);
    let g = byKey.get(key);
    if (!g) {
      g = { won: 0, lost: 0, spellings: new Map() };
      byKey.set(key, g);
    }
    g.won += c.won;
    g.lost += c.lost;
    g.spellings.set(raw, (g.spellings.get(raw) ?? 0) + c.won + c.lost);
  }
  const spelled = (s: Map<string, number>) =>
    [...s.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
  const all = [...byKey.entries()]
    .map(([key, g]) => ({ key, value: spelled(g.spellings), won: g.won, lost: g.lost }))
    .sort((a, b) => b.won + b.lost - (a.won + a.lost) || (a.key < b.key ? -1 : 1));
  const out: RawGroup[] = [];
  const other = { won: 0, lost: 0, keys: [] as string[], values: [] as string[] };
  for (const g of all) {
    if (g.won + g.lost >= minN && out.length < MAX_GROUPS) {
      out.push({
        label: g.value,
        won: g.won,
        lost: g.lost,
        rule: { kind: 'values', keys: [g.key], values: [g.value] },
      });
    } else {
      other.won += g.won;
      other.lost += g.lost;
      other.keys.push(g.key);
      other.values.push(g.value);
    }
  }
  if (other.keys.length > 0) {
    out.push({
      label: `Other (${other.keys.length} value${other.keys.length === 1 ? '' : 's'})`,
      won: other.won,
      lost: other.lost,
      rule: { kind: 'other', keys: other.keys, values: other.values },
    });
  }
  if (unknown.won + unknown.lost > 0) out.push({ label: 'Unknown', ...unknown, rule: { kind: 'unknown' } });
  return out;
}

function numberGroups(
  units: readonly LearnUnit[],
  field: string,
  period: Period,
  minN: number,
  currency: string,
): { groups: RawGroup[]; pValue: number } {
  const values = new Map<number, Counts>();
  const unknown: Counts = { won: 0, lost: 0 };
  for (const u of units) {
    const c = countsOf(u, period);
    if (c.won + c.lost === 0) continue;
    const v = u.facts[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      unknown.won += c.won;
      unknown.lost += c.lost;
      continue;
    }
    const g = values.get(v) ?? { won: 0, lost: 0 };
    g.won += c.won;
    g.lost += c.lost;
    values.set(v, g);
  }
  const fine = quantileBins(values);
  const trend = trendTest(fine);
  const bins = monotoneBins(fine, trend.z >= 0, minN);
  const integers = [...values.keys()].every(Number.isInteger);
  const groups: RawGroup[] = bins.map((b, i) => {
    const rule: GroupRule = { kind: 'range' };
    if (i > 0) {
      const a = bins[i - 1]!.hi;
      const nice = niceBetween(a, b.lo, integers);
      if (nice !== null) rule.min = nice;
      else if (integers) rule.min = b.lo;
      else rule.min = (a + b.lo) / 2;
    }
    return { label: '', won: b.won, lost: b.lost, rule };
  });
  groups.forEach((g, i) => {
    const next = groups[i + 1];
    if (next && g.rule.kind === 'range' && next.rule.kind === 'range') {
      g.rule.max = next.rule.min;
      // Whole numbers with nothing round between them: the lower group ends on its own last value.
      if (integers && next.rule.min === bins[i + 1]!.lo && Number.isInteger(next.rule.min!))
        g.rule.lowerMax = next.rule.min! - 1;
    }
  });
  const unit = unitFor(field, undefined, currency);
  for (const g of groups) {
    if (g.rule.kind === 'range') g.label = intervalWords({ min: g.rule.min, max: g.rule.lowerMax ?? g.rule.max }, unit);
  }
  if (unknown.won + unknown.lost > 0) groups.push({ label: 'Unknown', ...unknown, rule: { kind: 'unknown' } });
  return { groups, pValue: trend.pValue };
}

/** Group index of a value under an attribute's groups (-1: no group, e.g. unknown where none is listed). */
export function groupIndexer(profile: Pick<AttributeProfile, 'type' | 'groups' | 'field'>): (facts: Facts) => number {
  const unknownAt = profile.groups.findIndex((g) => g.rule.kind === 'unknown');
  if (profile.type === 'number') {
    const ranges = profile.groups.map((g, i) => ({ i, r: g.rule })).filter((x) => x.r.kind === 'range');
    return (facts) => {
      const v = facts[profile.field];
      if (typeof v !== 'number' || !Number.isFinite(v)) return unknownAt;
      let at = ranges[0]?.i ?? -1;
      for (const x of ranges) if (x.r.kind === 'range' && x.r.min !== undefined && v >= x.r.min) at = x.i;
      return at;
    };
  }
  const byKey = new Map<string, number>();
  let otherAt = -1;
  profile.groups.forEach((g, i) => {
    if (g.rule.kind === 'values' || g.rule.kind === 'other') for (const k of g.rule.keys) byKey.set(k, i);
    if (g.rule.kind === 'other') otherAt = i;
  });
  return (facts) => {
    const v = facts[profile.field];
    if (!isKnown(v)) return unknownAt;
    return byKey.get(norm(String(v))) ?? otherAt;
  };
}

function finish(field: string, type: 'category' | 'number', raw: RawGroup[], pValue: number): AttributeProfile {
  const W = raw.reduce((s, g) => s + g.won, 0);
  const L = raw.reduce((s, g) => s + g.lost, 0);
  const overall = W + L > 0 ? W / (W + L) : 0;
  const k = raw.length;
  // With no wins or no losses at all (customers but no churn records) nothing separates anything: the
  // smoothing below would otherwise invent evidence from the group sizes alone.
  const oneSided = W === 0 || L === 0;
  let iv = 0;
  const groups = raw.map((g) => {
    const n = g.won + g.lost;
    const pw = (g.won + 0.5) / (W + 0.5 * k);
    const pl = (g.lost + 0.5) / (L + 0.5 * k);
    const woe = oneSided ? 0 : Math.log(pw / pl);
    iv += oneSided ? 0 : (pw - pl) * woe;
    const rate = n > 0 ? g.won / n : 0;
    return {
      label: g.label,
      rule: g.rule,
      n,
      won: g.won,
      rate,
      ci: wilson(g.won, n) ?? [0, 1],
      lift: overall > 0 ? rate / overall : 0,
      woe,
    } satisfies GroupStat;
  });
  return {
    field,
    label: fieldLabel(field),
    type,
    n: W + L,
    won: W,
    iv,
    pValue,
    qValue: 1,
    test: type === 'number' ? 'trend' : 'chi-square',
    significant: false,
    groups,
  };
}

/**
 * Profiles the given fields (default: every attribute `detectFields` finds) on the deals of one period,
 * then applies Benjamini–Hochberg across them. An attribute is significant when its q-value is at most
 * alpha and its information value is at least minIv (with a million deals, a trivial effect is "significant").
 */
export function profileAttributes(
  units: readonly LearnUnit[],
  period: Period,
  fields: readonly { field: string; type: 'category' | 'number' }[] = detectFields(units),
  opts: ProfileOptions = {},
): AttributeProfile[] {
  const alpha = opts.alpha ?? 0.05;
  const minIv = opts.minIv ?? 0.02;
  let N = 0;
  for (const u of units) {
    const c = countsOf(u, period);
    N += c.won + c.lost;
  }
  const minCategory = Math.max(30, Math.ceil(0.02 * N));
  const minBin = Math.max(30, Math.ceil(0.05 * N));
  const profiles = fields.map(({ field, type }) => {
    if (type === 'number') {
      const { groups, pValue } = numberGroups(units, field, period, minBin, opts.currency ?? 'USD');
      return finish(field, type, groups, pValue);
    }
    const groups = categoryGroups(units, field, period, minCategory);
    return finish(field, type, groups, chiSquareGroups(groups).pValue);
  });
  const q = benjaminiHochberg(profiles.map((p) => p.pValue));
  profiles.forEach((p, i) => {
    p.qValue = q[i]!;
    p.significant = p.qValue <= alpha && p.iv >= minIv;
  });
  return profiles;
}
