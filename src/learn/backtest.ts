/**
 * Out-of-time backtest of a model that ranks accounts and puts them in tiers: fitted on deals closed
 * before the holdout date, judged on deals closed from it on. Per tier: n and win rate on the holdout next to
 * the training win rate (tier-level calibration); AUC with its interval; lift of Tier 1 over Not a fit.
 */
import { logRatioCI, wilson } from '../drift/stats.ts';
import type { CompiledIcp } from '../icp/engine.ts';
import type { Facts, Tier } from '../icp/types.ts';
import type { AttributeProfile } from './profile.ts';
import { countsOf, type GroupStat, groupIndexer, type LearnUnit } from './profile.ts';
import { aucOf, type ScoredCounts } from './stats.ts';

export const TIERS: readonly Tier[] = ['tier1', 'tier2', 'tier3', 'no_fit'];

/** Ranks one account: a higher key is a better fit. */
export type Ranker = (facts: Facts) => { key: number; tier: Tier };

export interface TierRow {
  tier: Tier;
  /** Holdout deals in this tier and their win rate (null when none). */
  n: number;
  won: number;
  winRate: number | null;
  ci: [number, number] | null;
  /** The same tier on the training deals: what the holdout rate is expected to be (calibration). */
  trainN: number;
  trainWinRate: number | null;
}

export interface Lift {
  ratio: number;
  ci: [number, number];
  /** Usually tier1 over no_fit; the best and worst non-empty tiers when either is empty. */
  top: Tier;
  bottom: Tier;
}

export interface ModelBacktest {
  auc: number | null;
  aucCi: [number, number] | null;
  tiers: TierRow[];
  lift: Lift | null;
  /** The lift's 95% interval lies above 1. */
  liftSignificant: boolean;
}

/** Runs a ranker over every account and scores it on the holdout deals. */
export function backtest(units: readonly LearnUnit[], rank: Ranker): ModelBacktest {
  const train = new Map<Tier, { won: number; lost: number }>(TIERS.map((t) => [t, { won: 0, lost: 0 }]));
  const hold = new Map<Tier, { won: number; lost: number }>(TIERS.map((t) => [t, { won: 0, lost: 0 }]));
  const levels: ScoredCounts[] = [];
  for (const u of units) {
    const tc = countsOf(u, 'train');
    const hc = countsOf(u, 'holdout');
    if (tc.won + tc.lost + hc.won + hc.lost === 0) continue;
    const r = rank(u.facts);
    const t = train.get(r.tier)!;
    t.won += tc.won;
    t.lost += tc.lost;
    const h = hold.get(r.tier)!;
    h.won += hc.won;
    h.lost += hc.lost;
    if (hc.won + hc.lost > 0) levels.push({ score: r.key, won: hc.won, lost: hc.lost });
  }
  const tiers = TIERS.map((tier) => {
    const h = hold.get(tier)!;
    const t = train.get(tier)!;
    const n = h.won + h.lost;
    const tn = t.won + t.lost;
    return {
      tier,
      n,
      won: h.won,
      winRate: n > 0 ? h.won / n : null,
      ci: wilson(h.won, n),
      trainN: tn,
      trainWinRate: tn > 0 ? t.won / tn : null,
    };
  });
  const auc = aucOf(levels);
  const nonEmpty = tiers.filter((t) => t.n > 0);
  const tier1 = tiers[0]!;
  const noFit = tiers[3]!;
  const [top, bottom] = tier1.n > 0 && noFit.n > 0 ? [tier1, noFit] : [nonEmpty[0], nonEmpty[nonEmpty.length - 1]];
  let lift: Lift | null = null;
  if (top && bottom && top !== bottom) {
    const est = logRatioCI(top.won, top.n, bottom.won, bottom.n);
    if (est) lift = { ratio: est.ratio, ci: est.ci, top: top.tier, bottom: bottom.tier };
  }
  return {
    auc: auc?.auc ?? null,
    aucCi: auc?.ci ?? null,
    tiers,
    lift,
    liftSignificant: lift !== null && lift.ci[0] > 1,
  };
}

/**
 * Ranks by an ICP. The engine gives an unknown field no points, which would rank every account with a gap in
 * its data as the worst fit; the backtest instead counts an unknown criterion at its average credit on the
 * training deals (the rule the report states). Accounts an exclusion fired on rank below every score.
 */
export function icpRanker(icp: CompiledIcp, units: readonly LearnUnit[]): Ranker {
  const { tier1, tier2, tier3 } = icp.spec.tiers;
  const nc = icp.spec.criteria.length;
  // Earned points per criterion (-1 unknown), or null when an exclusion fired: one explained score per account.
  const seen = new WeakMap<Facts, Float64Array | null>();
  const earnedOf = (facts: Facts): Float64Array | null => {
    const hit = seen.get(facts);
    if (hit !== undefined) return hit;
    const r = icp.score(facts);
    const e =
      r.exclusions.length > 0 ? null : Float64Array.from(r.lines, (l) => (l.status === 'unknown' ? -1 : l.earned));
    seen.set(facts, e);
    return e;
  };
  const possible = icp.spec.criteria.map((c) => c.weight);
  const sum = new Float64Array(nc);
  const weight = new Float64Array(nc);
  for (const u of units) {
    const c = countsOf(u, 'train');
    const n = c.won + c.lost;
    if (n === 0) continue;
    const e = earnedOf(u.facts);
    if (!e) continue;
    for (let i = 0; i < nc; i++) {
      if (e[i]! < 0) continue;
      sum[i]! += (n * e[i]!) / possible[i]!;
      weight[i]! += n;
    }
  }
  const avg = Array.from(sum, (s, i) => (weight[i]! > 0 ? s / weight[i]! : 0));
  const total = possible.reduce((s, w) => s + w, 0);
  return (facts) => {
    const e = earnedOf(facts);
    if (!e) return { key: -1, tier: 'no_fit' };
    let earned = 0;
    for (let i = 0; i < nc; i++) earned += e[i]! < 0 ? possible[i]! * avg[i]! : e[i]!;
    const key = total > 0 ? Math.round((earned / total) * 1000) / 10 : 0;
    const s = Math.round(key);
    return { key, tier: s >= tier1 ? 'tier1' : s >= tier2 ? 'tier2' : s >= tier3 ? 'tier3' : 'no_fit' };
  };
}

/**
 * Naive Bayes over the same grouped attributes (the predictive lead scoring of open-source CRMs): the log
 * odds of a win are the prior log odds plus each attribute's weight of evidence, as if attributes were
 * independent. Returns the log-odds function.
 */
export function naiveBayes(profiles: readonly AttributeProfile[], prior: number): (facts: Facts) => number {
  const parts = profiles.map((p) => ({ index: groupIndexer(p), groups: p.groups as readonly GroupStat[] }));
  return (facts) => {
    let logit = prior;
    for (const p of parts) {
      const i = p.index(facts);
      if (i >= 0) logit += p.groups[i]!.woe;
    }
    return logit;
  };
}

/** Tiers for a continuous key from thresholds (higher is better). */
export function tierByThresholds(key: number, t: readonly number[]): Tier {
  return key >= t[0]! ? 'tier1' : key >= t[1]! ? 'tier2' : key >= t[2]! ? 'tier3' : 'no_fit';
}
