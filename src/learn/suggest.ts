/**
 * "What does our own data say?": profiles every attribute against outcomes, proposes an ICP as code only when
 * the evidence survives false-discovery control and an out-of-time backtest, and says so in one sentence with
 * the numbers when it does not. Pure and deterministic: the same accounts give the same result.
 */
import { joinWords } from '../icp/describe.ts';
import { diffIcp } from '../icp/diff.ts';
import { compileIcp } from '../icp/engine.ts';
import { type IcpSpec, parseIcpYaml, validateIcp } from '../icp/spec.ts';
import type { Tier } from '../icp/types.ts';
import { backtest, icpRanker, type ModelBacktest, naiveBayes, TIERS, tierByThresholds } from './backtest.ts';
import { type ContradictedExclusion, contradictedExclusions } from './carry.ts';
import { type AttributeProfile, countsOf, groupIndexer, type LearnUnit, profileAttributes } from './profile.ts';
import { chooseTiers, draftSpec, fitScorecard, type KeyedCounts, specYaml, thresholdsFor } from './propose.ts';

export type LearnOutcome = 'win' | 'churn';

export interface SuggestOptions {
  outcome: LearnOutcome;
  current: { spec: IcpSpec; version: number };
  /** First close date (win) or customer-since date (churn) of the holdout; null when there is no holdout. */
  holdoutFrom: string | null;
  /** False-discovery rate (default 0.05). */
  alpha?: number;
  /** The day of the computation (YYYY-MM-DD), named in the proposal's name; omitted, the name has no date. */
  today?: string;
}

/** What one attribute's groups look like, for tables and JSON. */
export interface AttributeSummary {
  field: string;
  label: string;
  type: 'category' | 'number';
  n: number;
  iv: number;
  pValue: number;
  qValue: number;
  significant: boolean;
  groups: { label: string; n: number; won: number; rate: number; ci: [number, number]; lift: number; woe: number }[];
}

export interface ProposalSummary {
  /** The proposed ICP file, ready for `icp apply`. */
  yaml: string;
  spec: IcpSpec;
  /** One sentence per criterion and exclusion, e.g. "Fintech and Software win 58% vs 31% elsewhere, n = 1,204". */
  reasons: string[];
  /** Changes against the current ICP, one line each. */
  diff: string[];
}

export interface Suggestion {
  outcome: LearnOutcome;
  signal: 'found' | 'none';
  /** One sentence: what was found, or why nothing is proposed. */
  summary: string;
  data: { n: number; won: number; rate: number | null; trainN: number; holdoutN: number; holdoutFrom: string | null };
  attributes: AttributeSummary[];
  proposal: ProposalSummary | null;
  backtest: {
    holdoutFrom: string | null;
    current: ModelBacktest;
    proposed: ModelBacktest | null;
    naiveBayes: ModelBacktest | null;
  };
}

const WORDS = {
  win: { units: 'decided deals', verb: 'win', separates: 'wins from losses', rates: 'win rates', won: 'won' },
  churn: {
    // A customer period runs from becoming a customer to churning (or to today); an account that came back
    // after churning has a second one, exactly as the drift report counts customers.
    units: 'customer periods',
    verb: 'stay',
    separates: 'customers who stay from those who churn',
    rates: 'retention rates',
    won: 'stayed',
  },
} as const;

const pct = (x: number | null) => (x === null ? '–' : `${Math.round(x * 100)}%`);
const count = (n: number) => n.toLocaleString('en-US');
const fixed = (x: number, d = 2) => x.toFixed(d);

function summarise(p: AttributeProfile): AttributeSummary {
  return {
    field: p.field,
    label: p.label,
    type: p.type,
    n: p.n,
    iv: p.iv,
    pValue: p.pValue,
    qValue: p.qValue,
    significant: p.significant,
    groups: p.groups.map((g) => ({
      label: g.label,
      n: g.n,
      won: g.won,
      rate: g.rate,
      ci: g.ci,
      lift: g.lift,
      woe: g.woe,
    })),
  };
}

/** Rate of a set of accounts vs the rest, over all decided deals: the numbers behind a reason sentence. */
function contrast(units: readonly LearnUnit[], inSet: (u: LearnUnit) => boolean) {
  const a = { won: 0, lost: 0 };
  const b = { won: 0, lost: 0 };
  for (const u of units) {
    const c = countsOf(u, 'all');
    const t = inSet(u) ? a : b;
    t.won += c.won;
    t.lost += c.lost;
  }
  const n = a.won + a.lost;
  const m = b.won + b.lost;
  return { n, rate: n > 0 ? a.won / n : null, restRate: m > 0 ? b.won / m : null };
}

function namesOf(values: readonly string[]): string {
  return values.length <= 4
    ? joinWords(values, 'and')
    : `${values.slice(0, 3).join(', ')} and ${values.length - 3} more`;
}

/** The "no signal" sentence when nothing survives the false-discovery control. */
function noAttributeSentence(profiles: readonly AttributeProfile[], n: number, outcome: LearnOutcome): string {
  const w = WORDS[outcome];
  if (profiles.length === 0) return `In ${count(n)} ${w.units} there is no account attribute to compare.`;
  // Sectors are what a sales leader thinks in first; otherwise the attribute closest to significance.
  const best = profiles.find((p) => p.field === 'industry') ?? [...profiles].sort((a, b) => a.pValue - b.pValue)[0]!;
  const rates = best.groups.filter((g) => g.rule.kind !== 'unknown' && g.n >= 30).map((g) => g.rate);
  const range =
    rates.length > 1
      ? `: ${w.rates} range ${pct(Math.min(...rates))}–${pct(Math.max(...rates))} across ${best.label.toLowerCase()} groups`
      : '';
  return `In ${count(n)} ${w.units} no attribute separates ${w.separates}${range} (${profiles.length} attribute${profiles.length === 1 ? '' : 's'} tested, none significant after false-discovery control).`;
}

function liftWords(b: ModelBacktest, outcome: LearnOutcome): string {
  const w = WORDS[outcome];
  if (!b.lift) return 'the holdout has too few deals in its tiers to compare them';
  const top = b.tiers.find((t) => t.tier === b.lift!.top)!;
  const bottom = b.tiers.find((t) => t.tier === b.lift!.bottom)!;
  const name = (t: Tier) => ({ tier1: 'Tier 1', tier2: 'Tier 2', tier3: 'Tier 3', no_fit: 'Not a fit' })[t];
  return `${name(top.tier)} ${w.won} ${pct(top.winRate)} vs ${pct(bottom.winRate)} for ${name(bottom.tier)} (lift ${fixed(b.lift.ratio)}, 95% CI ${fixed(b.lift.ci[0])}–${fixed(b.lift.ci[1])})`;
}

/**
 * One sentence each for what the proposal drops from the current ICP, so no change goes unexplained: criteria
 * on fields the data has but that show no signal, and criteria on fields the data lacks. Exclusions are never
 * dropped (see carry.ts); one the data contradicts gets its own sentence with the numbers, and stays.
 */
function droppedReasons(
  current: IcpSpec,
  proposed: IcpSpec,
  profiles: readonly AttributeProfile[],
  contradicted: readonly ContradictedExclusion[],
  outcome: LearnOutcome,
): string[] {
  const w = WORDS[outcome];
  const profiled = new Set(profiles.map((p) => p.field));
  const kept = new Set(proposed.criteria.map((c) => c.field));
  const dropped = current.criteria.filter((c) => !kept.has(c.field));
  const noSignal = dropped.filter((c) => profiled.has(c.field)).map((c) => c.label);
  const noData = dropped.filter((c) => !profiled.has(c.field)).map((c) => c.label);
  const out: string[] = [];
  if (noSignal.length > 0) {
    out.push(
      `Dropped ${namesOf(noSignal)}: ${w.rates} do not differ enough by ${noSignal.length === 1 ? 'it' : 'them'} in your data to survive the false-discovery control.`,
    );
  }
  if (noData.length > 0) {
    out.push(
      `Dropped ${namesOf(noData)}: your imported accounts carry no usable data for ${noData.length === 1 ? 'it' : 'them'}, so ${noData.length === 1 ? 'it' : 'they'} can be neither learned nor checked.`,
    );
  }
  for (const c of contradicted) {
    out.push(
      `Kept the exclusion ${c.exclusion.label}, though your data contradicts it: the accounts it excludes ${w.verb} ${pct(c.rate)} vs ${pct(c.overall)} overall, n = ${count(c.n)}; a proposal never removes an exclusion, so remove it by hand if it is not policy.`,
    );
  }
  return out;
}

/** The proposal's name: what it is, from how much data and when (a proposal of a proposal is renamed, not nested). */
function proposedName(current: IcpSpec, n: number, outcome: LearnOutcome, today: string | undefined): string {
  const base = current.name.replace(/ — proposed from .*$/, '');
  return `${base} — proposed from ${count(n)} ${WORDS[outcome].units}${today ? `, ${today}` : ''}`;
}

/** Profiles, proposes and backtests; see the module comment. */
export function suggestFromUnits(units: readonly LearnUnit[], opts: SuggestOptions): Suggestion {
  const w = WORDS[opts.outcome];
  const profiles = profileAttributes(units, 'all', undefined, {
    ...(opts.alpha !== undefined ? { alpha: opts.alpha } : {}),
    currency: opts.current.spec.currency,
  });
  let n = 0;
  let won = 0;
  let trainN = 0;
  let trainWon = 0;
  let holdoutN = 0;
  for (const u of units) {
    const t = countsOf(u, 'train');
    const h = countsOf(u, 'holdout');
    trainN += t.won + t.lost;
    trainWon += t.won;
    holdoutN += h.won + h.lost;
    n += t.won + t.lost + h.won + h.lost;
    won += t.won + h.won;
  }
  const data = { n, won, rate: n > 0 ? won / n : null, trainN, holdoutN, holdoutFrom: opts.holdoutFrom };
  const current = backtest(units, icpRanker(compileIcp(opts.current.spec, opts.current.version), units));
  const selected = profiles.filter((p) => p.significant);
  const fields = (selected.length > 0 ? selected : profiles).map((p) => ({ field: p.field, type: p.type }));
  const trainProfiles = profileAttributes(units, 'train', fields, { currency: opts.current.spec.currency });
  const prior = trainN > trainWon && trainWon > 0 ? Math.log(trainWon / (trainN - trainWon)) : 0;
  const nbLogit = naiveBayes(trainProfiles, prior);
  const trainLevels = (key: (u: LearnUnit) => number): KeyedCounts[] =>
    units.map((u) => ({ key: key(u), ...countsOf(u, 'train') })).filter((l) => l.won + l.lost > 0);
  const nbFor = (shares: readonly number[]) => {
    const t = thresholdsFor(
      trainLevels((u) => nbLogit(u.facts)),
      shares,
      1e-9,
    );
    return backtest(units, (f) => {
      const key = nbLogit(f);
      return { key, tier: tierByThresholds(key, t) };
    });
  };
  const result = (
    signal: 'found' | 'none',
    summary: string,
    proposal: ProposalSummary | null,
    proposed: ModelBacktest | null,
    nb: ModelBacktest | null,
  ): Suggestion => ({
    outcome: opts.outcome,
    signal,
    summary,
    data,
    attributes: profiles.map(summarise),
    proposal,
    backtest: { holdoutFrom: opts.holdoutFrom, current, proposed, naiveBayes: nb },
  });
  const defaultShares = [0.2, 0.5, 0.75];
  const nbDefault = () => (trainProfiles.length > 0 ? nbFor(defaultShares) : null);

  if (n === 0) return result('none', `There are no ${w.units} yet to learn from.`, null, null, null);
  if (opts.outcome === 'churn' && won === n) {
    const none = `None of the ${count(n)} customers has a churn record, so there is nothing to learn about retention yet: import churn with \`npm run icp -- import churn <file.csv>\`.`;
    return result('none', none, null, null, null);
  }
  if (selected.length === 0)
    return result('none', noAttributeSentence(profiles, n, opts.outcome), null, null, nbDefault());

  const card = fitScorecard(units, trainProfiles);
  const since = opts.holdoutFrom ? ` before ${opts.holdoutFrom}` : '';
  const description = `Proposed by \`icp suggest\` from ${count(trainN)} ${w.units}${since}${opts.holdoutFrom ? `, backtested on ${count(holdoutN)} from ${opts.holdoutFrom} on` : ''}.`;
  const name = proposedName(opts.current.spec, n, opts.outcome, opts.today);
  const draft = draftSpec(card, opts.current.spec, since, { name, description });
  if (draft.criteria.length === 0) {
    return result('none', noAttributeSentence(profiles, n, opts.outcome), null, null, nbDefault());
  }
  const untiered = compileIcp(validateIcp(draft.spec), 0);
  const rankUntiered = icpRanker(untiered, units);
  const levels = trainLevels((u) => rankUntiered(u.facts).key);
  draft.spec.tiers = chooseTiers(levels.filter((l) => l.key >= 0));
  const header = [
    `ICP proposed from your own ${w.units} by \`icp suggest\` (${opts.outcome === 'win' ? 'win rate' : 'retention'}).`,
    'Review it, then apply it as a new version: npm run icp -- apply <this file>',
  ];
  const yaml = specYaml(draft.spec, header);
  const spec = parseIcpYaml(yaml);
  const compiled = compileIcp(spec, 0);
  const proposed = backtest(units, icpRanker(compiled, units));
  const share = (t: Tier) => proposed.tiers.find((r) => r.tier === t)!.trainN / Math.max(1, trainN);
  let cum = 0;
  const shares = TIERS.slice(0, 3).map((t) => (cum += share(t)));
  const nb = nbFor(shares);

  const reasons: string[] = [];
  for (const plan of draft.criteria) {
    const attr = card.attributes.find((a) => a.profile.field === plan.criterion.field)!;
    const index = groupIndexer(attr.profile);
    const full = new Set(plan.fullGroups);
    const c = contrast(units, (u) => full.has(index(u.facts)));
    const groups = plan.fullGroups.map((i) => attr.profile.groups[i]!);
    const field = attr.profile.field;
    const names = groups.flatMap((g) => (g.rule.kind === 'values' || g.rule.kind === 'other' ? g.rule.values : []));
    const who =
      attr.profile.type === 'number'
        ? field === 'employees'
          ? `Accounts with ${groups[0]!.label} employees`
          : `Accounts with ${attr.profile.label.toLowerCase()} ${groups[0]!.label}`
        : field === 'industry' || field === 'country'
          ? namesOf(names)
          : `${attr.profile.label} ${namesOf(names)}`;
    reasons.push(`${who} ${w.verb} ${pct(c.rate)} vs ${pct(c.restRate)} elsewhere, n = ${count(c.n)}.`);
  }
  for (const e of draft.exclusions) {
    reasons.push(`Excluded ${e.exclusion.label}: ${e.exclusion.reason}`);
  }
  const contradicted = contradictedExclusions(units, opts.current.spec);
  reasons.push(...droppedReasons(opts.current.spec, spec, profiles, contradicted, opts.outcome));
  const proposal: ProposalSummary = { yaml, spec, reasons, diff: diffIcp(opts.current.spec, spec) };
  const labels = joinWords(
    draft.criteria.map((c) => c.criterion.label),
    'and',
  );
  if (!proposed.liftSignificant) {
    const summary = `${labels} differ${draft.criteria.length === 1 ? 's' : ''} in ${w.rates}, but a proposal fitted on the ${count(trainN)} ${w.units}${since} did not hold up on the ${count(holdoutN)} after: ${liftWords(proposed, opts.outcome)}; nothing is proposed.`;
    return result('none', summary, null, proposed, nb);
  }
  const auc = (b: ModelBacktest) => (b.auc === null ? '–' : fixed(b.auc));
  const summary = `${labels} separate${draft.criteria.length === 1 ? 's' : ''} ${w.separates}: on ${count(holdoutN)} ${w.units}${opts.holdoutFrom ? ` from ${opts.holdoutFrom}` : ''} the proposed ICP's ${liftWords(proposed, opts.outcome)}; AUC ${auc(proposed)} vs ${auc(current)} for the current ICP.`;
  return result('found', summary, proposal, proposed, nb);
}
