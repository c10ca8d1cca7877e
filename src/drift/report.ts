/**
 * Turns the counts and medians aggregated by SQL (db/queries/drift.ts) into a drift report: intervals,
 * tests, verdicts and plain sentences. Pure: same aggregates and options, same report.
 *
 * Definitions (the SQL implements them; they are repeated here because the sentences depend on them):
 * - Windows: recent = [asOf − windowDays, asOf), baseline = [recent start − baselineDays, recent start).
 *   Start dates are inclusive, end dates exclusive. Deals are placed by close date.
 * - Segments come from each account's stored tier under the current ICP version. Accounts with no tier, a
 *   tier scored under an older ICP version, a tier stored as 'unknown' (missing data could move it across a
 *   tier line: db/queries/scores.ts), and deals without an account are 'unscored': reported as
 *   their own segment, counted in 'all', and left out of fit / non-fit, lift and the outside-ICP share.
 * - Win rate: won / (won + lost) of deals closed in the window.
 * - Churn rate (per window of `windowDays`): a customer is an account whose first won deal closed before
 *   the window start and which had no churn event before it (a churned account that wins again is not
 *   counted as a customer again: simple and conservative). Churned = such a customer whose first churn
 *   event falls inside the window. The baseline is split into floor(baselineDays / windowDays) consecutive
 *   windows of the same length ending at the recent start, and pooled, so both rates are "per window"
 *   and comparable; the baseline n therefore counts customer-windows, not distinct customers.
 * - Sales cycle: median of (close date − created/engaged date) in days, won deals with both dates.
 * - Deal size: median (and mean) of won amounts. Medians are compared with Mood's median test: the share
 *   of each window's values above the pooled median, tested like any two proportions.
 * - Outside-ICP share: non-fit won deals / scored (fit + non-fit) won deals.
 * - ICP lift: fit win rate / non-fit win rate, Katz log-ratio CI; lifts compared on the log scale.
 */
import type { Tier } from '../icp/types.ts';
import { tierLabels } from '../icp/types.ts';
import {
  compareLogRatios,
  holmAdjust,
  type Interval,
  logRatioCI,
  type RatioEstimate,
  type TestName,
  twoProportionTest,
  wilson,
} from './stats.ts';

export const SEGMENTS = ['tier1', 'tier2', 'tier3', 'no_fit', 'fit', 'non_fit', 'all', 'unscored'] as const;
export type Segment = (typeof SEGMENTS)[number];
export type WindowName = 'recent' | 'baseline';
export type Verdict = 'drift_down' | 'drift_up' | 'stable' | 'not_enough_data';
export type MetricName = 'winRate' | 'churnRate' | 'salesCycleDays' | 'dealSize';

/** One row of deal aggregates from SQL: one segment in one window. */
export interface DealAggregate {
  segment: Segment;
  window: WindowName;
  won: number;
  decided: number;
  cycleMedian: number | null;
  cycleN: number;
  /** Won deals of this window whose cycle is above the segment's pooled (both windows) median. */
  cycleAbove: number;
  amountMedian: number | null;
  amountMean: number | null;
  amountN: number;
  amountAbove: number;
}

/** One row of churn aggregates from SQL (baseline rows already pooled over its windows). */
export interface ChurnAggregate {
  segment: Segment;
  window: WindowName;
  /** Customers (customer-windows for the baseline) active at a window start. */
  active: number;
  churned: number;
}

export interface DriftWindows {
  asOf: string;
  windowDays: number;
  baselineDays: number;
  recent: { start: string; end: string };
  baseline: { start: string; end: string };
  /** The churn baseline: `periods` windows of `windowDays` ending at the recent start. */
  churnBaseline: { start: string; end: string; periods: number };
}

export interface DriftAggregates {
  windows: DriftWindows;
  /** Current ICP version whose tiers were used; null when the team has none (all stored tiers used). */
  icpVersion: number | null;
  deals: DealAggregate[];
  churn: ChurnAggregate[];
}

export interface DriftThresholds {
  /** Minimum n in each window below which no number-based claim is made. Default 30. */
  minSample: number;
  /** Minimum change, in percentage points, for a rate change to count as drift. Default 5. */
  minEffectPoints: number;
  /** Significance level. Default 0.05. */
  alpha: number;
  /** Minimum change in median sales cycle, in days. Default 14. */
  minEffectDays: number;
  /** Minimum relative change in median deal size (0.1 = 10 %). Default 0.1. */
  minEffectRelative: number;
  /** Minimum absolute change in ICP lift (a ratio). Default 0.25. */
  minEffectLift: number;
}

export const defaultThresholds: DriftThresholds = {
  minSample: 30,
  minEffectPoints: 5,
  alpha: 0.05,
  minEffectDays: 14,
  minEffectRelative: 0.1,
  minEffectLift: 0.25,
};

export interface Figure {
  /** Rates as fractions (0.31), cycle in days, deal size in currency units, lift as a ratio; null when n = 0. */
  value: number | null;
  n: number;
  /** 95 % interval where we have an honest one (Wilson for rates, Katz for lift); absent for medians. */
  ci?: Interval | null;
  /** Deal size only: mean of won amounts. */
  mean?: number | null;
}

export interface MetricComparison {
  recent: Figure;
  baseline: Figure;
  /** recent − baseline: percentage points for rates, days, currency units, or ratio units for lift. */
  change: number | null;
  unit: 'points' | 'days' | 'amount' | 'ratio';
  pValue?: number;
  test: TestName | null;
  verdict: Verdict;
  note: string;
}

export interface SegmentMetrics {
  winRate: MetricComparison;
  churnRate: MetricComparison;
  salesCycleDays: MetricComparison;
  dealSize: MetricComparison;
}

export interface DriftReport {
  windows: DriftWindows;
  icpVersion: number | null;
  thresholds: DriftThresholds;
  segments: Record<Segment, SegmentMetrics>;
  /** Fit win rate / non-fit win rate. */
  lift: MetricComparison;
  /** Non-fit won deals / scored won deals. */
  outsideIcpShare: MetricComparison;
  /** True when at least one drift verdict survives Holm's correction over every test in the report. */
  driftDetected: boolean;
  /** The metrics behind `driftDetected`, e.g. 'tier1.winRate', 'lift'. */
  signals: string[];
  /**
   * Comparisons with enough data in both windows to be tested. 0: the report cannot say whether
   * anything drifted, and says so instead of "no drift".
   */
  comparisons: number;
  /** Two or three plain sentences for Slack. */
  summary: string[];
}

const segmentLabels: Record<Segment, string> = {
  ...(tierLabels as Record<Tier, string>),
  no_fit: 'Not-a-fit',
  fit: 'ICP-fit (Tier 1-2)',
  non_fit: 'non-fit (Tier 3 and not-a-fit)',
  all: 'overall',
  unscored: 'unscored or tier-unknown accounts',
};

const scopeOf = (s: Segment) => (s === 'all' ? '' : ` in ${segmentLabels[s]}`);

const metricLabels: Record<MetricName, string> = {
  winRate: 'win rate',
  churnRate: 'churn rate',
  salesCycleDays: 'median sales cycle',
  dealSize: 'median deal size',
};

const sampleNouns: Record<MetricName | 'lift' | 'outsideIcpShare', string> = {
  winRate: 'decided deals',
  churnRate: 'customers',
  salesCycleDays: 'won deals with dates',
  dealSize: 'won deals with amounts',
  lift: 'decided deals',
  outsideIcpShare: 'won deals',
};

/** "this quarter" for a ~90-day window, otherwise "in the last N days". */
function windowPhrase(days: number): string {
  return days >= 89 && days <= 92 ? 'this quarter' : `in the last ${days} days`;
}

export function formatP(p: number): string {
  if (p < 0.001) return 'p<0.001';
  return `p=${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

const pct = (v: number) => `${Math.round(v * 100)}%`;
const fmtNum = (v: number) =>
  Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1).replace(/\.0$/, '');

export interface ProportionDecision {
  change: number;
  pValue: number | undefined;
  test: TestName | null;
  verdict: Verdict;
}

/**
 * The decision rule for a rate: 'not_enough_data' when either window has fewer than `minSample`
 * observations; drift only when the two-proportion test gives p < alpha AND the change is at least
 * `minEffectPoints` percentage points; 'stable' otherwise. Recent is x1/n1, baseline x2/n2.
 */
export function decideProportions(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  t: Pick<DriftThresholds, 'minSample' | 'minEffectPoints' | 'alpha'>,
): ProportionDecision {
  const change = n1 > 0 && n2 > 0 ? (x1 / n1 - x2 / n2) * 100 : Number.NaN;
  if (n1 < t.minSample || n2 < t.minSample)
    return { change, pValue: undefined, test: null, verdict: 'not_enough_data' };
  const r = twoProportionTest(x1, n1, x2, n2);
  const pValue = r?.pValue;
  const significant = pValue !== undefined && pValue < t.alpha;
  const big = Math.abs(change) >= t.minEffectPoints - 1e-9;
  const verdict: Verdict = significant && big ? (change < 0 ? 'drift_down' : 'drift_up') : 'stable';
  return { change, pValue, test: r?.test ?? null, verdict };
}

function rateFigure(x: number, n: number): Figure {
  return { value: n > 0 ? x / n : null, n, ci: wilson(x, n) };
}

function notEnoughNote(
  noun: string,
  scope: string,
  subject: string,
  rec: Figure,
  base: Figure,
  t: DriftThresholds,
  windowDays: number,
): string {
  const when = rec.n < t.minSample ? `${windowPhrase(windowDays)} (n=${rec.n}` : `in the baseline (n=${base.n}`;
  return `Not enough ${noun}${scope} ${when} < ${t.minSample}) to say anything about ${subject}.`;
}

/** One sentence for a rate comparison; `subject` reads like "Tier 1 win rate". */
function rateNote(
  subject: string,
  scope: string,
  noun: string,
  rec: Figure,
  base: Figure,
  d: ProportionDecision,
  t: DriftThresholds,
  windowDays: number,
): string {
  if (d.verdict === 'not_enough_data') return notEnoughNote(noun, scope, subject, rec, base, t, windowDays);
  const from = `${pct(base.value ?? 0)} (n=${base.n})`;
  const to = `${pct(rec.value ?? 0)} (n=${rec.n})`;
  const pts = Math.round(Math.abs(d.change));
  const p = d.pValue === undefined ? '' : formatP(d.pValue);
  const cap = capitalise(subject);
  if (d.verdict === 'drift_down') return `${cap} fell from ${from} to ${to}, a ${pts}-point drop (${p}).`;
  if (d.verdict === 'drift_up') return `${cap} rose from ${from} to ${to}, a ${pts}-point rise (${p}).`;
  if (d.pValue !== undefined && d.pValue < t.alpha)
    return `${cap} moved from ${from} to ${to}; significant (${p}) but below the ${t.minEffectPoints}-point threshold.`;
  return `${cap} went from ${from} to ${to}: no significant change (${p}).`;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function rateMetric(
  segment: Segment,
  metric: 'winRate' | 'churnRate',
  xr: number,
  nr: number,
  xb: number,
  nb: number,
  t: DriftThresholds,
  windowDays: number,
): MetricComparison {
  const subject = `${segmentLabels[segment]} ${metricLabels[metric]}`;
  return proportionMetric(xr, nr, xb, nb, t, windowDays, {
    subject,
    scope: scopeOf(segment),
    noun: sampleNouns[metric],
  });
}

/** Two proportions (x of n, recent against baseline) compared, with the note that explains the verdict. */
function proportionMetric(
  xr: number,
  nr: number,
  xb: number,
  nb: number,
  t: DriftThresholds,
  windowDays: number,
  { subject, scope, noun }: { subject: string; scope: string; noun: string },
): MetricComparison {
  const recent = rateFigure(xr, nr);
  const baseline = rateFigure(xb, nb);
  const d = decideProportions(xr, nr, xb, nb, t);
  return {
    recent,
    baseline,
    change: Number.isFinite(d.change) ? d.change : null,
    unit: 'points',
    ...(d.pValue !== undefined ? { pValue: d.pValue } : {}),
    test: d.test,
    verdict: d.verdict,
    note: rateNote(subject, scope, noun, recent, baseline, d, t, windowDays),
  };
}

/** Medians compared by Mood's median test (counts above the pooled median) plus a minimum effect. */
function medianMetric(
  segment: Segment,
  metric: 'salesCycleDays' | 'dealSize',
  r: DealAggregate | undefined,
  b: DealAggregate | undefined,
  t: DriftThresholds,
  windowDays: number,
): MetricComparison {
  const isCycle = metric === 'salesCycleDays';
  const fig = (a: DealAggregate | undefined): Figure => {
    const f: Figure = {
      value: (isCycle ? a?.cycleMedian : a?.amountMedian) ?? null,
      n: (isCycle ? a?.cycleN : a?.amountN) ?? 0,
    };
    if (!isCycle) f.mean = a?.amountMean ?? null;
    return f;
  };
  const recent = fig(r);
  const baseline = fig(b);
  const label = segmentLabels[segment];
  const what = metricLabels[metric];
  const unit = isCycle ? 'days' : 'amount';
  const change = recent.value !== null && baseline.value !== null ? recent.value - baseline.value : null;
  const base = { recent, baseline, change, unit } as const;
  if (recent.n < t.minSample || baseline.n < t.minSample) {
    const note = notEnoughNote(
      sampleNouns[metric],
      scopeOf(segment),
      `${label} ${what}`,
      recent,
      baseline,
      t,
      windowDays,
    );
    return { ...base, test: null, verdict: 'not_enough_data', note };
  }
  const xr = (isCycle ? r?.cycleAbove : r?.amountAbove) ?? 0;
  const xb = (isCycle ? b?.cycleAbove : b?.amountAbove) ?? 0;
  const test = twoProportionTest(xr, recent.n, xb, baseline.n);
  const threshold = isCycle ? t.minEffectDays : t.minEffectRelative * Math.abs(baseline.value ?? 0);
  const significant = test !== null && test.pValue < t.alpha;
  const big = change !== null && Math.abs(change) >= threshold - 1e-9 && change !== 0;
  const verdict: Verdict = significant && big ? (change! < 0 ? 'drift_down' : 'drift_up') : 'stable';
  const u = isCycle ? ' days' : '';
  const from = `${fmtNum(baseline.value!)}${u} (n=${baseline.n})`;
  const to = `${fmtNum(recent.value!)}${u} (n=${recent.n})`;
  const p = test ? formatP(test.pValue) : '';
  const cap = capitalise(`${label} ${what}`);
  let note: string;
  if (verdict === 'drift_up') note = `${cap} rose from ${from} to ${to} (${p}).`;
  else if (verdict === 'drift_down') note = `${cap} fell from ${from} to ${to} (${p}).`;
  else if (significant) note = `${cap} moved from ${from} to ${to}; significant (${p}) but below the threshold.`;
  else note = `${cap} went from ${from} to ${to}: no significant change (${p}).`;
  return { ...base, ...(test ? { pValue: test.pValue } : {}), test: test?.test ?? null, verdict, note };
}

function liftMetric(
  fitR: DealAggregate | undefined,
  nonR: DealAggregate | undefined,
  fitB: DealAggregate | undefined,
  nonB: DealAggregate | undefined,
  t: DriftThresholds,
  windowDays: number,
): MetricComparison {
  const est = (f: DealAggregate | undefined, o: DealAggregate | undefined) =>
    logRatioCI(f?.won ?? 0, f?.decided ?? 0, o?.won ?? 0, o?.decided ?? 0);
  const er = est(fitR, nonR);
  const eb = est(fitB, nonB);
  const fig = (e: RatioEstimate | null, f?: DealAggregate, o?: DealAggregate): Figure => ({
    value: e?.ratio ?? null,
    n: (f?.decided ?? 0) + (o?.decided ?? 0),
    ci: e?.ci ?? null,
  });
  const recent = fig(er, fitR, nonR);
  const baseline = fig(eb, fitB, nonB);
  const change = er && eb ? er.ratio - eb.ratio : null;
  const smallest = Math.min(fitR?.decided ?? 0, nonR?.decided ?? 0, fitB?.decided ?? 0, nonB?.decided ?? 0);
  if (smallest < t.minSample || !er || !eb) {
    return {
      recent,
      baseline,
      change,
      unit: 'ratio',
      test: null,
      verdict: 'not_enough_data',
      note: `Not enough decided deals in both ICP-fit and non-fit accounts (smallest group n=${smallest} < ${t.minSample}) to compare ICP lift ${windowPhrase(windowDays)} with the baseline.`,
    };
  }
  const pValue = compareLogRatios(er, eb);
  const significant = pValue < t.alpha;
  const big = Math.abs(change!) >= t.minEffectLift - 1e-9;
  const verdict: Verdict = significant && big ? (change! < 0 ? 'drift_down' : 'drift_up') : 'stable';
  const f = (e: RatioEstimate, n: number) =>
    `${e.ratio.toFixed(2)}× (95% CI ${e.ci[0].toFixed(2)}–${e.ci[1].toFixed(2)}, n=${n})`;
  const body = `ICP-fit deals won ${f(er, recent.n)} as often as non-fit ${windowPhrase(windowDays)}, against ${f(eb, baseline.n)} in the baseline`;
  const note =
    verdict === 'stable'
      ? `${body}: no significant change in lift (${formatP(pValue)}).`
      : `${body}: the ICP's edge ${verdict === 'drift_down' ? 'shrank' : 'grew'} (${formatP(pValue)}).`;
  return { recent, baseline, change, unit: 'ratio', pValue, test: 'z', verdict, note };
}

function outsideShareMetric(
  fitR: DealAggregate | undefined,
  nonR: DealAggregate | undefined,
  fitB: DealAggregate | undefined,
  nonB: DealAggregate | undefined,
  t: DriftThresholds,
  windowDays: number,
): MetricComparison {
  const xr = nonR?.won ?? 0;
  const nr = xr + (fitR?.won ?? 0);
  const xb = nonB?.won ?? 0;
  const nb = xb + (fitB?.won ?? 0);
  return proportionMetric(xr, nr, xb, nb, t, windowDays, {
    subject: 'the share of wins from outside the ICP',
    scope: '',
    noun: sampleNouns.outsideIcpShare,
  });
}

/**
 * Builds the drift report from SQL aggregates. Verdicts per metric use the raw p-value; `driftDetected`
 * and `signals` keep only drifts that survive Holm's correction over all tests in the report, because a
 * report runs ~30 tests and, uncorrected, stable data would raise an alarm most weeks.
 */
export function buildDriftReport(agg: DriftAggregates, thresholds: Partial<DriftThresholds> = {}): DriftReport {
  const t: DriftThresholds = { ...defaultThresholds, ...thresholds };
  const w = agg.windows.windowDays;
  const deal = (s: Segment, win: WindowName) => agg.deals.find((r) => r.segment === s && r.window === win);
  const churn = (s: Segment, win: WindowName) => agg.churn.find((r) => r.segment === s && r.window === win);

  const segments = {} as Record<Segment, SegmentMetrics>;
  for (const s of SEGMENTS) {
    const dr = deal(s, 'recent');
    const db = deal(s, 'baseline');
    const cr = churn(s, 'recent');
    const cb = churn(s, 'baseline');
    segments[s] = {
      winRate: rateMetric(s, 'winRate', dr?.won ?? 0, dr?.decided ?? 0, db?.won ?? 0, db?.decided ?? 0, t, w),
      churnRate: rateMetric(s, 'churnRate', cr?.churned ?? 0, cr?.active ?? 0, cb?.churned ?? 0, cb?.active ?? 0, t, w),
      salesCycleDays: medianMetric(s, 'salesCycleDays', dr, db, t, w),
      dealSize: medianMetric(s, 'dealSize', dr, db, t, w),
    };
  }
  const lift = liftMetric(
    deal('fit', 'recent'),
    deal('non_fit', 'recent'),
    deal('fit', 'baseline'),
    deal('non_fit', 'baseline'),
    t,
    w,
  );
  const outsideIcpShare = outsideShareMetric(
    deal('fit', 'recent'),
    deal('non_fit', 'recent'),
    deal('fit', 'baseline'),
    deal('non_fit', 'baseline'),
    t,
    w,
  );

  const all: { key: string; m: MetricComparison }[] = [];
  for (const s of SEGMENTS) {
    for (const k of Object.keys(segments[s]) as MetricName[]) all.push({ key: `${s}.${k}`, m: segments[s][k] });
  }
  all.push({ key: 'lift', m: lift }, { key: 'outsideIcpShare', m: outsideIcpShare });
  const tested = all.filter((e) => e.m.pValue !== undefined);
  const adjusted = holmAdjust(tested.map((e) => e.m.pValue!));
  const survivors = tested
    .map((e, i) => ({ ...e, adj: adjusted[i]! }))
    .filter((e) => e.adj < t.alpha && (e.m.verdict === 'drift_down' || e.m.verdict === 'drift_up'))
    .sort((a, b) => a.m.pValue! - b.m.pValue!);

  const summary: string[] = [];
  if (survivors.length > 0) {
    for (const e of survivors.slice(0, 2)) summary.push(e.m.note);
  } else if (tested.length === 0) {
    summary.push(
      `Not enough data to tell whether the ICP drifted: no metric has at least ${t.minSample} deals or customers in both the baseline and ${windowPhrase(w)}.`,
    );
  } else {
    const raw = all.filter((e) => e.m.verdict === 'drift_down' || e.m.verdict === 'drift_up').length;
    summary.push(
      raw > 0
        ? `No ICP drift overall: ${raw} metric${raw > 1 ? 's' : ''} moved beyond the thresholds, but not by more than chance allows across the ${tested.length} comparisons in this report.`
        : `No ICP drift: nothing changed significantly and by more than the thresholds between the baseline and ${windowPhrase(w)}.`,
    );
  }
  const thin = (['tier1', 'tier2', 'tier3', 'no_fit'] as const).find(
    (s) => segments[s].winRate.verdict === 'not_enough_data',
  );
  if (thin && summary.length < 3) {
    const m = segments[thin].winRate;
    const n = m.recent.n < t.minSample ? m.recent.n : m.baseline.n;
    const when = m.recent.n < t.minSample ? windowPhrase(w) : 'in the baseline';
    summary.push(
      `Not enough decided deals in ${segmentLabels[thin]} ${when} (n=${n} < ${t.minSample}) to say anything.`,
    );
  }
  if (summary.length < 3 && lift.recent.value !== null && lift.recent.ci && !survivors.some((e) => e.key === 'lift')) {
    const [lo, hi] = lift.recent.ci;
    summary.push(
      `ICP-fit deals win ${lift.recent.value.toFixed(2)}× as often as non-fit ones ${windowPhrase(w)} (95% CI ${lo.toFixed(2)}–${hi.toFixed(2)}, n=${lift.recent.n}).`,
    );
  }

  return {
    windows: agg.windows,
    icpVersion: agg.icpVersion,
    thresholds: t,
    segments,
    lift,
    outsideIcpShare,
    driftDetected: survivors.length > 0,
    signals: survivors.map((e) => e.key),
    comparisons: tested.length,
    summary,
  };
}
