/**
 * Turns profiled attributes into a proposed ICP in the engine's own format: a ridge-penalised logistic
 * regression on weight-of-evidence-coded attributes (the credit-scorecard method), its points rescaled to
 * 100, category groups folded into full / partial / no points, number bins into an ideal range with bands,
 * exclusions for groups that almost never win, and tier thresholds that order the training win rates.
 */
import { stringify } from 'yaml';
import { countryName, normalizeCountry } from '../icp/geo.ts';
import type { IcpCriterion, IcpExclusion, IcpSpec } from '../icp/spec.ts';
import type { Facts } from '../icp/types.ts';
import { type AttributeProfile, countsOf, type GroupStat, groupIndexer, type LearnUnit } from './profile.ts';
import { type Counts, type DesignRow, logisticRidge } from './stats.ts';

export interface ScorecardAttribute {
  profile: AttributeProfile;
  index: (facts: Facts) => number;
  beta: number;
}

export interface Scorecard {
  intercept: number;
  attributes: ScorecardAttribute[];
}

/** Training deals grouped by the combination of their attributes' groups: the regression's rows. */
function designRows(units: readonly LearnUnit[], attrs: readonly ScorecardAttribute[]): DesignRow[] {
  const cells = new Map<string, DesignRow & { won: number; lost: number }>();
  for (const u of units) {
    const c = countsOf(u, 'train');
    if (c.won + c.lost === 0) continue;
    const idx = attrs.map((a) => a.index(u.facts));
    const key = idx.join(',');
    let row = cells.get(key);
    if (!row) {
      const x = idx.map((i, j) => (i >= 0 ? attrs[j]!.profile.groups[i]!.woe : 0));
      row = { x, won: 0, lost: 0 };
      cells.set(key, row);
    }
    row.won += c.won;
    row.lost += c.lost;
  }
  return [...cells.values()];
}

/**
 * Fits the scorecard on the training deals. Attributes whose coefficient comes out at or below zero (their
 * evidence already carried by a correlated attribute) are dropped and the rest refitted.
 */
export function fitScorecard(units: readonly LearnUnit[], profiles: readonly AttributeProfile[]): Scorecard {
  let attrs: ScorecardAttribute[] = profiles.map((p) => ({ profile: p, index: groupIndexer(p), beta: 0 }));
  for (let round = 0; round < 3 && attrs.length > 0; round++) {
    const beta = logisticRidge(designRows(units, attrs), attrs.length);
    attrs.forEach((a, j) => {
      a.beta = beta[j + 1]!;
    });
    const kept = attrs.filter((a) => a.beta > 0.05);
    if (kept.length === attrs.length) return { intercept: beta[0]!, attributes: attrs };
    attrs = kept;
  }
  const beta = logisticRidge(designRows(units, attrs), attrs.length);
  attrs.forEach((a, j) => {
    a.beta = beta[j + 1]!;
  });
  return { intercept: beta[0]!, attributes: attrs };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40) || 'x';

/** Members of a category group as the spec lists them (country codes as country names). */
function groupValues(p: AttributeProfile, g: GroupStat): string[] {
  if (g.rule.kind !== 'values' && g.rule.kind !== 'other') return [];
  if (p.field !== 'country') return g.rule.values;
  return g.rule.values.map((v) => {
    const code = normalizeCountry(v);
    return code ? countryName(code) : v;
  });
}

/**
 * Folds a category's group credits into the three levels a category criterion has (full, partial, none),
 * choosing the split that keeps the deal-weighted squared error smallest.
 */
function threeLevels(items: { credit: number; n: number }[]): { top: number; mid: number; level: number } {
  const sorted = items.map((x, i) => ({ ...x, i })).sort((a, b) => b.credit - a.credit || a.i - b.i);
  let best = { err: Number.POSITIVE_INFINITY, top: 1, mid: 0, level: 0 };
  for (let t = 1; t <= sorted.length; t++) {
    for (let m = 0; t + m <= sorted.length; m++) {
      const mids = sorted.slice(t, t + m);
      const wn = mids.reduce((s, x) => s + x.n, 0);
      const level = m > 0 ? (wn > 0 ? mids.reduce((s, x) => s + x.n * x.credit, 0) / wn : mids[0]!.credit) : 0;
      let err = 0;
      sorted.forEach((x, k) => {
        const target = k < t ? 1 : k < t + m ? level : 0;
        err += Math.max(x.n, 1) * (x.credit - target) ** 2;
      });
      if (err < best.err - 1e-12) best = { err, top: t, mid: m, level };
    }
  }
  return { top: best.top, mid: best.mid, level: best.level };
}

/** Group indices in the order threeLevels sorted them, for reading its split back. */
function byCredit(credits: number[]): number[] {
  return credits
    .map((c, i) => ({ c, i }))
    .sort((a, b) => b.c - a.c || a.i - b.i)
    .map((x) => x.i);
}

export interface CriterionPlan {
  criterion: IcpCriterion;
  /** Groups earning full points (for the reason sentence). */
  fullGroups: number[];
}

/** One criterion per scorecard attribute, its weight in raw points (rescaled to 100 later). */
function criterionFor(a: ScorecardAttribute, existingLabel: string | undefined): CriterionPlan | null {
  const p = a.profile;
  const known = p.groups.map((g, i) => ({ g, i })).filter((x) => x.g.rule.kind !== 'unknown');
  if (known.length < 2) return null;
  const points = p.groups.map((g) => a.beta * g.woe);
  const base = Math.min(...known.map((x) => points[x.i]!));
  const top = Math.max(...known.map((x) => points[x.i]!));
  const weight = top - base;
  if (!(weight > 0)) return null;
  const credit = p.groups.map((_, i) => (points[i]! - base) / weight);
  const id = slug(p.field);
  const label = existingLabel ?? p.label;
  if (p.type === 'number') {
    const ranges = known.map((x) => ({ ...x, credit: credit[x.i]! }));
    const bestAt = ranges.reduce((b, x) => (x.credit > b.credit ? x : b), ranges[0]!);
    const bounds = (g: GroupStat) => {
      if (g.rule.kind !== 'range') return {};
      const min = g.rule.min;
      const max = g.rule.lowerMax ?? g.rule.max;
      return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
    };
    const bands = ranges
      .filter((x) => x !== bestAt && round2(x.credit) > 0)
      .map((x) => ({ ...bounds(x.g), credit: Math.min(0.99, round2(x.credit)) }));
    return {
      criterion: {
        id,
        label,
        kind: 'range',
        field: p.field,
        weight,
        ideal: bounds(bestAt.g),
        bands,
        ...(p.field === 'revenue' ? { unit: 'currency' } : {}),
      } as IcpCriterion,
      fullGroups: [bestAt.i],
    };
  }
  const listable = known.filter((x) => groupValues(p, x.g).length <= 50);
  const levels = threeLevels(listable.map((x) => ({ credit: credit[x.i]!, n: x.g.n })));
  const order = byCredit(listable.map((x) => credit[x.i]!)).map((k) => listable[k]!.i);
  const full = order.slice(0, levels.top);
  const mid = order.slice(levels.top, levels.top + levels.mid);
  const partialCredit = Math.min(0.95, Math.max(0.05, round2(levels.level)));
  const values = full.flatMap((i) => groupValues(p, p.groups[i]!));
  const partial = mid.flatMap((i) => groupValues(p, p.groups[i]!));
  const hasPartial = partial.length > 0 && round2(levels.level) > 0;
  const criterion =
    p.field === 'country'
      ? {
          id,
          label,
          kind: 'geo' as const,
          field: p.field,
          weight,
          countries: values,
          ...(hasPartial ? { partial_countries: partial, partial_credit: partialCredit } : {}),
        }
      : {
          id,
          label,
          kind: 'category' as const,
          field: p.field,
          weight,
          values,
          ...(hasPartial ? { partial, partial_credit: partialCredit } : {}),
        };
  return { criterion: criterion as IcpCriterion, fullGroups: full };
}

export interface ExclusionPlan {
  exclusion: IcpExclusion;
  group: GroupStat;
  field: string;
}

/**
 * Groups that almost never win: at least 30 training deals and a 95% upper bound on their win rate below a
 * quarter of the overall rate. Such a group is "not for us" rather than merely worth fewer points.
 */
function exclusionsFor(p: AttributeProfile, usedIds: Set<string>, overall: number, since: string): ExclusionPlan[] {
  const out: ExclusionPlan[] = [];
  for (const g of p.groups) {
    if (g.rule.kind === 'unknown' || g.rule.kind === 'other' || g.n < 30 || !(g.ci[1] < overall / 4)) continue;
    let id = slug(`${p.field}_${g.label}`);
    while (usedIds.has(id)) id = `${id}_x`;
    usedIds.add(id);
    const reason = `Won ${g.won} of ${g.n} deals (${Math.round(g.rate * 100)}%)${since}, against ${Math.round(overall * 100)}% overall.`;
    const base = { id, label: `${p.label}: ${g.label}`, reason, field: p.field };
    let exclusion: IcpExclusion;
    if (g.rule.kind === 'range') {
      exclusion = {
        ...base,
        ...(g.rule.min !== undefined ? { gte: g.rule.min } : {}),
        ...(g.rule.max !== undefined ? { lt: g.rule.max } : {}),
      } as IcpExclusion;
    } else if (p.field === 'country') exclusion = { ...base, countries: groupValues(p, g) } as IcpExclusion;
    else exclusion = { ...base, in: g.rule.values } as IcpExclusion;
    out.push({ exclusion, group: g, field: p.field });
  }
  return out;
}

export interface DraftSpec {
  spec: Record<string, unknown>;
  criteria: CriterionPlan[];
  exclusions: ExclusionPlan[];
}

/**
 * The proposed spec before its tier thresholds are chosen: owners, cadence, currency and every exclusion
 * carried over from the current ICP (a proposal never deletes one: many are policy, which deals cannot speak
 * for), one criterion per scorecard attribute with weights summing to 100, and the data's own new exclusions
 * after the carried ones. `exclusions` in the result lists only the new ones.
 */
export function draftSpec(
  card: Scorecard,
  current: IcpSpec,
  since: string,
  text: { name: string; description: string },
): DraftSpec {
  const plans: CriterionPlan[] = [];
  for (const a of card.attributes) {
    const existing = current.criteria.find((c) => c.field === a.profile.field)?.label;
    const plan = criterionFor(a, existing);
    if (plan) plans.push(plan);
  }
  const total = plans.reduce((s, p) => s + p.criterion.weight, 0);
  for (const p of plans) p.criterion.weight = Math.max(1, Math.round((p.criterion.weight / total) * 100));
  const used = new Set([...plans.map((p) => p.criterion.id), ...current.exclusions.map((e) => e.id)]);
  const exclusions = card.attributes.flatMap((a) => {
    const W = a.profile.won;
    return exclusionsFor(a.profile, used, a.profile.n > 0 ? W / a.profile.n : 0, since);
  });
  const spec = {
    name: text.name,
    description: text.description,
    owners: current.owners,
    review_every: current.review_every,
    review_remind_days_before: current.review_remind_days_before,
    currency: current.currency,
    tiers: { tier1: 75, tier2: 50, tier3: 25 },
    criteria: plans.map((p) => p.criterion),
    exclusions: [...current.exclusions, ...exclusions.map((e) => e.exclusion)],
  };
  return { spec, criteria: plans, exclusions };
}

/** Share of training deals above each tier line, tried in order until tier win rates come out ordered. */
const SHARE_SETS: readonly [number, number, number][] = [
  [0.2, 0.5, 0.75],
  [0.15, 0.4, 0.7],
  [0.25, 0.55, 0.8],
  [0.1, 0.3, 0.6],
  [0.3, 0.6, 0.85],
];

export interface KeyedCounts extends Counts {
  key: number;
}

/** Thresholds (on `key`, higher is better) that put about the given shares of deals above each line. */
export function thresholdsFor(levels: readonly KeyedCounts[], shares: readonly number[], step: number): number[] {
  const sorted = [...levels].sort((a, b) => b.key - a.key);
  const total = sorted.reduce((s, l) => s + l.won + l.lost, 0);
  const out: number[] = [];
  for (const share of shares) {
    let cum = 0;
    let t = sorted[sorted.length - 1]?.key ?? 0;
    for (const l of sorted) {
      cum += l.won + l.lost;
      t = l.key;
      if (cum >= share * total - 1e-9) break;
    }
    const prev = out[out.length - 1];
    out.push(prev !== undefined && t >= prev ? prev - step : t);
  }
  return out;
}

function ordered(levels: readonly KeyedCounts[], t: readonly number[]): boolean {
  const tiers: Counts[] = [0, 1, 2, 3].map(() => ({ won: 0, lost: 0 }));
  for (const l of levels) {
    const k = l.key >= t[0]! ? 0 : l.key >= t[1]! ? 1 : l.key >= t[2]! ? 2 : 3;
    tiers[k]!.won += l.won;
    tiers[k]!.lost += l.lost;
  }
  const rates = tiers.filter((c) => c.won + c.lost > 0).map((c) => c.won / (c.won + c.lost));
  return rates.every((r, i) => i === 0 || r < rates[i - 1]!);
}

/**
 * Tier thresholds on whole-number scores from training deals: the first share set whose tiers' win rates
 * come out strictly ordered (Tier 1 above Tier 2 above Tier 3 above Not a fit), else the first set.
 */
export function chooseTiers(levels: readonly KeyedCounts[]): { tier1: number; tier2: number; tier3: number } {
  let pick: number[] | null = null;
  for (const shares of SHARE_SETS) {
    const t = thresholdsFor(levels, shares, 1).map((x) => Math.min(100, Math.max(0, Math.round(x))));
    const valid = t[0]! > t[1]! && t[1]! > t[2]! && t[2]! >= 0;
    if (!valid) continue;
    if (ordered(levels, t)) {
      pick = t;
      break;
    }
    pick ??= t;
  }
  if (!pick) {
    const top = Math.max(2, Math.min(100, Math.max(...levels.map((l) => l.key))));
    pick = [top, top - 1, top - 2];
  }
  return { tier1: pick[0]!, tier2: pick[1]!, tier3: pick[2]! };
}

/** The spec as a commented YAML file, ready for `icp apply`. */
export function specYaml(spec: Record<string, unknown>, header: readonly string[]): string {
  return `${header.map((l) => `# ${l}`).join('\n')}\n\n${stringify(spec, { lineWidth: 0 })}`;
}
