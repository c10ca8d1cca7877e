/**
 * The scoring engine: compiles an ICP spec once into small closures (precomputed lookup maps, rule texts)
 * and scores flat Facts against it. Pure and deterministic: same spec + facts → same result, always.
 *
 * Every criterion compiles to `credit(value)`: a share 0–1 of its weight, or UNKNOWN (-1) when the value is
 * missing or cannot be read. `score` and `scoreFast` run the very same credit functions in the same order,
 * so their numbers cannot drift apart; `scoreFast` only skips building the explanation. The criteria compile
 * in criteria.ts, values are read in values.ts, facts come from an account row in facts.ts.
 */
import { type CompiledCriterion, type CompiledExclusion, compileCriterion, compileExclusion } from './criteria.ts';
import type { IcpSpec } from './spec.ts';
import type { CriterionLine, CriterionStatus, Facts, FiredExclusion, ScoreResult, Tier } from './types.ts';
import { UNKNOWN } from './values.ts';

export { factsFromAccount, fieldsRead } from './facts.ts';
export { parseBoolean, parseNumber } from './values.ts';

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
