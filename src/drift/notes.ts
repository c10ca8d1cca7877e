/** One plain sentence per comparison, written once its verdict is decided (report.ts). Pure. */
import type { Draft } from './metrics.ts';
import type { DriftThresholds, DriftWindows, Figure, MetricComparison } from './types.ts';
import {
  capitalise,
  count,
  fmtNum,
  formatP,
  metricLabels,
  pct,
  plural,
  sampleNouns,
  scopeOf,
  segmentLabels,
  windowPhrase,
} from './wording.ts';

export const NO_CHURN_DATA = 'No churn data: import churn events to see it.';

/**
 * The churn definition as the report prints it (README and STATISTICS.md say the same; the SQL is
 * db/queries/drift-customers.ts).
 */
export function churnDefinition(windowDays: number): string {
  return (
    `churn = customers at the window start who churned in the window ÷ customers at the window start, per ${windowDays} days ` +
    '(a customer is one from a won deal, else a running subscription, else its customer-since date; ' +
    'one that came back and churned again counts again)'
  );
}

/** "Tier 1 win rate", "the share of wins from outside the ICP", "ICP lift". */
export function subjectOf(d: Pick<Draft, 'segment' | 'metric'>, windowDays: number): string {
  if (d.metric === 'lift') return 'ICP lift';
  if (d.metric === 'outsideIcpShare') return 'the share of wins from outside the ICP';
  const what = d.metric === 'churnRate' ? `churn per ${windowDays} days` : metricLabels[d.metric];
  return `${segmentLabels[d.segment!]} ${what}`;
}

function figure(d: Draft, f: Figure): string {
  const v = f.value;
  switch (d.m.unit) {
    case 'points': {
      if (d.metric === 'churnRate') {
        const exp = f.exposure !== undefined && f.exposure !== f.n ? `, ${plural(f.exposure, 'customer-period')}` : '';
        return `${pct(v ?? 0)} (${plural(f.n, 'customer')}${exp})`;
      }
      return `${pct(v ?? 0)} (n=${count(f.n)})`;
    }
    case 'days':
      return `${fmtNum(v!)} days (n=${count(f.n)})`;
    case 'amount':
      return `${fmtNum(v!)} (n=${count(f.n)})`;
    case 'ratio':
      return `${v!.toFixed(2)}× (95% CI ${f.ci![0].toFixed(2)}–${f.ci![1].toFixed(2)}, n=${count(f.n)})`;
  }
}

/** "p=0.003 after correcting for 8 comparisons", or just the p when the family has one member. */
function pPhrase(m: Pick<MetricComparison, 'adjustedP' | 'familyAlpha' | 'familySize'>): string {
  const p = formatP(m.adjustedP!, m.familyAlpha);
  return m.familySize! > 1 ? `${p} after correcting for ${m.familySize} comparisons` : p;
}

/** The note of a comparison that was not tested. */
export function untestedNote(d: Draft, w: DriftWindows, t: DriftThresholds, sameAs?: string): string {
  const subject = subjectOf(d, w.windowDays);
  const u = d.untested!;
  if (u.kind === 'no_data') return NO_CHURN_DATA;
  if (u.kind === 'coverage') {
    const name = u.window === 'recent' ? windowPhrase(w.windowDays) : 'the baseline';
    return `Only ${u.coverage.days} of the ${u.coverage.of} days of ${name} have data: no claim about ${subject}.`;
  }
  if (u.kind === 'sample') {
    if (d.metric === 'lift')
      return `Not enough decided deals in both ICP-fit and non-fit accounts (smallest group n=${u.n} < ${t.minSample}) to compare ICP lift in ${windowPhrase(w.windowDays)} with the baseline.`;
    const scope = d.segment ? scopeOf(d.segment) : '';
    const when = u.window === 'recent' ? `in ${windowPhrase(w.windowDays)}` : 'in the baseline';
    return `Not enough ${sampleNouns[d.metric]}${scope} ${when} (n=${u.n} < ${t.minSample}) to say anything about ${subject}.`;
  }
  // A roll-up: described, not tested (its accounts are already tested tier by tier).
  const has = d.m.recent.value !== null && d.m.baseline.value !== null;
  const body = has
    ? `${capitalise(subject)} went from ${figure(d, d.m.baseline)} to ${figure(d, d.m.recent)}`
    : `${capitalise(subject)}: ${d.m.recent.value === null ? 'no figure in the recent window' : 'no figure in the baseline'}`;
  return `${body} (descriptive: ${sameAs ? `the same accounts as ${sameAs}` : 'a roll-up of the tiers'}, not tested separately).`;
}

const verbs = {
  points: ['fell', 'rose', 'drop', 'rise'],
  days: ['shortened', 'lengthened', '', ''],
  amount: ['fell', 'rose', '', ''],
  ratio: ['shrank', 'grew', '', ''],
} as const;

/** The note of a tested comparison, with its verdict. */
export function testedNote(d: Draft, m: MetricComparison, w: DriftWindows): string {
  const subject = capitalise(subjectOf(d, w.windowDays));
  const from = figure(d, m.baseline);
  const to = figure(d, m.recent);
  const p = pPhrase(m);
  if (m.verdict === 'drift_down' || m.verdict === 'drift_up') {
    const [down, up, drop, rise] = verbs[m.unit];
    const dn = m.verdict === 'drift_down';
    const size = m.unit === 'points' ? `, a ${Math.round(Math.abs(m.change!))}-point ${dn ? drop : rise}` : '';
    const news = m.direction === 'better' ? ', good news' : '';
    return `${subject} ${dn ? down : up} from ${from} to ${to}${size}${news} (${p}).`;
  }
  const moved = `${subject} went from ${from} to ${to}`;
  if (m.adjustedP! < m.familyAlpha!) return `${moved}; significant (${p}) but smaller than the threshold.`;
  return `${moved}: no drift detected (${p})${unseenPhrase(m.minDetectable)}.`;
}

/** "; with these sample sizes a change smaller than 14 points could go unnoticed" (empty when unknown). */
export function unseenPhrase(mde: number | undefined, what = ''): string {
  if (mde === undefined) return '';
  if (mde >= 100) return `; these samples are too small to have shown a change of any size${what}`;
  return `; with these sample sizes a change smaller than ${Math.ceil(mde)} points${what} could go unnoticed`;
}

/** The thresholds in one line, for legends. */
export function thresholdsLegend(t: DriftThresholds): string {
  return `drift = corrected p < ${t.alpha} across the report and a change of at least ${t.minEffectPoints} points (rates), ${t.minEffectDays} days (sales cycle), ${Math.round(t.minEffectRelative * 100)}% (deal size) or ${t.minEffectLift} (ICP lift)`;
}
