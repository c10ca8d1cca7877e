/**
 * Turns the counts and medians aggregated by SQL (db/queries/drift.ts) into a drift report: intervals,
 * tests, one verdict per comparison and plain sentences. Pure: same aggregates and options, same report.
 *
 * Definitions (the SQL implements them; the sentences depend on them; README "Drift report" too):
 * - Windows (windows.ts): "as of D" includes D. Recent = the `windowDays` days ending with D, baseline =
 *   the `baselineDays` days before it. Deals are placed by close date.
 * - Segments come from each account's stored tier under the current ICP version. Accounts with no tier, a
 *   tier scored under an older ICP version, a tier stored as 'unknown' (missing data could move it across a
 *   tier line: db/queries/scores.ts), and deals without an account are 'unscored'.
 * - Win rate: won / (won + lost) of deals closed in the window.
 * - Churn rate per window: churned customers / customers active at the window start. A customer starts
 *   (or starts again) at each won deal's close date; for an account with no won deal, at each subscription
 *   start (and stays one only while a subscription runs); for an account with neither, at its
 *   customer-since date (accounts.customer_since: signup date, "Became a Customer Date"). It stops at a
 *   churn event. A customer at the window start churned when a churn event falls in the window; one that
 *   came back (a new start after its churn) and churned again counts again, in that later window
 *   (db/queries/drift-customers.ts). The baseline is floor(baselineDays / windowDays) windows of the same
 *   length, pooled: its rate is per window too, its n counts customers.
 *   With no churn event ever imported there is no churn figure at all ("no churn data"), not 0 %.
 * - Sales cycle: median of (close − created) in days over won deals with both dates and close ≥ created.
 * - Deal size: median (and mean) of won amounts. Medians are compared with Mood's median test.
 * - Coverage: a window is judged only when the imported data spans at least `minCoverage` of its days.
 *
 * Which comparisons are verdicts (the test family). About 30 rows are shown; most are the same accounts
 * again (fit, non-fit and overall are sums of the tiers; with no Tier 1-2 accounts "Not a fit" =
 * "Non-fit" = "Overall"). Counting them as separate tests both dilutes the correction and reports one
 * change three times. So:
 * - Primary family: each tier's win rate and churn rate (what the ICP is about), Holm-corrected, with 80 %
 *   of the report's alpha (all of it when the secondary family is empty).
 * - Secondary family: each tier's sales cycle and deal size, ICP lift and the outside-ICP share, Holm-
 *   corrected with the remaining 20 %. Holm within each, Bonferroni between them: the chance of any false
 *   drift claim in a report with no change stays at most alpha.
 * - Roll-ups (fit, non-fit, overall, unscored) are descriptive: figures and intervals, never a verdict.
 *   When no account has a tier, "overall" takes the tiers' place in both families.
 * A drift is a corrected p below its family's alpha AND a change of at least the minimum effect. The
 * table, Details and the summary all read this one verdict.
 */
import {
  churnDraft,
  type Draft,
  liftDraft,
  medianDraft,
  outsideShareDraft,
  type WindowCoverage,
  winRateDraft,
} from './metrics.ts';
import { churnDefinition, subjectOf, testedNote, unseenPhrase, untestedNote } from './notes.ts';
import { holmAdjust, minimumDetectableChange, type TestName, twoProportionTest } from './stats.ts';
import {
  type DealAggregate,
  type DriftAggregates,
  type DriftReport,
  type DriftThresholds,
  defaultThresholds,
  type MetricComparison,
  type MetricName,
  type Role,
  SEGMENTS,
  type Segment,
  type SegmentMetrics,
  TIERS,
  type Verdict,
  type WindowName,
} from './types.ts';
import { coverage } from './windows.ts';
import { segmentLabels, windowPhrase } from './wording.ts';

export * from './types.ts';
export { driftWindows } from './windows.ts';
export { formatP } from './wording.ts';

/** Share of the report's alpha given to the primary family when both families have tests. */
export const PRIMARY_ALPHA_SHARE = 0.8;

export interface ProportionDecision {
  change: number;
  pValue: number | undefined;
  test: TestName | null;
  verdict: Verdict;
}

/**
 * The rule for one rate on its own (no correction): 'not_enough_data' when either window has fewer than
 * `minSample` observations; drift when the two-proportion test gives p < alpha AND the change is at least
 * `minEffectPoints` points; 'stable' otherwise. Recent is x1/n1, baseline x2/n2.
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

/** Whether going up is good news for a metric (a shorter cycle and a smaller outside share are too). */
const upIsBetter: Record<Draft['metric'], boolean> = {
  winRate: true,
  churnRate: false,
  salesCycleDays: false,
  dealSize: true,
  lift: true,
  outsideIcpShare: false,
};

function roleOf(s: Segment, metric: MetricName, tiersHaveData: boolean): Role {
  const stands = (TIERS as readonly string[]).includes(s) || (s === 'all' && !tiersHaveData);
  if (!stands) return 'descriptive';
  return metric === 'winRate' || metric === 'churnRate' ? 'primary' : 'secondary';
}

/** Holm within a family: sets adjustedP, familyAlpha, familySize and the verdict on each member. */
function decideFamily(family: { d: Draft; m: MetricComparison }[], alpha: number): void {
  const adjusted = holmAdjust(family.map((e) => e.d.p!.value));
  family.forEach((e, i) => {
    const adj = adjusted[i]!;
    Object.assign(e.m, { adjustedP: adj, familyAlpha: alpha, familySize: family.length });
    if (adj < alpha && e.d.big) {
      const up = (e.m.change ?? 0) > 0;
      e.m.verdict = up ? 'drift_up' : 'drift_down';
      e.m.direction = up === upIsBetter[e.d.metric] ? 'better' : 'worse';
    } else e.m.verdict = 'stable';
  });
}

/** Trials behind a rate (customer-periods for churn), for the minimum detectable change. */
const trials = (m: MetricComparison, w: WindowName) => m[w].exposure ?? m[w].n;

/**
 * Builds the drift report from SQL aggregates. Every row gets exactly one verdict (see the top of this
 * file for which rows are tested and how), and the summary repeats those verdicts, one change per line.
 */
export function buildDriftReport(agg: DriftAggregates, thresholds: Partial<DriftThresholds> = {}): DriftReport {
  const t: DriftThresholds = { ...defaultThresholds, ...thresholds };
  const w = agg.windows;
  const deal = (s: Segment, win: WindowName) => agg.deals.find((r) => r.segment === s && r.window === win);
  const churn = (s: Segment, win: WindowName) => agg.churn.find((r) => r.segment === s && r.window === win);
  const hasChurnData = agg.churnEvents !== undefined ? agg.churnEvents > 0 : agg.churn.some((c) => c.churned > 0);
  const full = (range: { start: string; end: string }) => coverage(range, { first: range.start, last: range.end });
  const cov = (span: 'deals' | 'churn', baseline: { start: string; end: string }): WindowCoverage =>
    agg.spans
      ? { recent: coverage(w.recent, agg.spans[span]), baseline: coverage(baseline, agg.spans[span]) }
      : { recent: full(w.recent), baseline: full(baseline) };
  const dealCov = cov('deals', w.baseline);
  const churnCov = cov('churn', w.churnBaseline);
  const dealTiers = TIERS.some((s) => (deal(s, 'recent')?.decided ?? 0) + (deal(s, 'baseline')?.decided ?? 0) > 0);
  const churnTiers = TIERS.some((s) => (churn(s, 'recent')?.active ?? 0) + (churn(s, 'baseline')?.active ?? 0) > 0);

  const drafts: Draft[] = [];
  for (const s of SEGMENTS) {
    const dr = deal(s, 'recent');
    const db = deal(s, 'baseline');
    drafts.push(
      winRateDraft(s, roleOf(s, 'winRate', dealTiers), dr, db, dealCov, t),
      churnDraft(
        s,
        roleOf(s, 'churnRate', churnTiers),
        churn(s, 'recent'),
        churn(s, 'baseline'),
        churnCov,
        hasChurnData,
        t,
      ),
      medianDraft(s, 'salesCycleDays', roleOf(s, 'salesCycleDays', dealTiers), dr, db, dealCov, t),
      medianDraft(s, 'dealSize', roleOf(s, 'dealSize', dealTiers), dr, db, dealCov, t),
    );
  }
  const fit = { r: deal('fit', 'recent'), b: deal('fit', 'baseline') } as { r?: DealAggregate; b?: DealAggregate };
  const non = { r: deal('non_fit', 'recent'), b: deal('non_fit', 'baseline') } as typeof fit;
  drafts.push(liftDraft(fit, non, dealCov, t), outsideShareDraft(fit, non, dealCov, t));

  const entries = drafts.map((d) => ({
    d,
    m: {
      ...d.m,
      verdict: (d.untested?.kind === 'role'
        ? 'descriptive'
        : d.untested?.kind === 'no_data'
          ? 'no_data'
          : 'not_enough_data') as Verdict,
      note: '',
    } as MetricComparison,
  }));
  for (const e of entries) if (e.d.p) e.m.pValue = e.d.p.value;
  const primary = entries.filter((e) => e.d.p && e.d.m.role === 'primary');
  const secondary = entries.filter((e) => e.d.p && e.d.m.role === 'secondary');
  const split = primary.length > 0 && secondary.length > 0;
  decideFamily(primary, split ? t.alpha * PRIMARY_ALPHA_SHARE : t.alpha);
  decideFamily(secondary, split ? t.alpha * (1 - PRIMARY_ALPHA_SHARE) : t.alpha);

  for (const e of primary) {
    if (e.m.verdict !== 'stable' || e.m.unit !== 'points') continue;
    const base = e.m.baseline.value ?? 0;
    const level = e.m.familyAlpha! / e.m.familySize!;
    e.m.minDetectable = Math.max(
      t.minEffectPoints,
      minimumDetectableChange(base, trials(e.m, 'recent'), trials(e.m, 'baseline'), level) * 100,
    );
  }
  for (const e of entries) {
    if (e.d.p) e.m.note = testedNote(e.d, e.m, w);
    else e.m.note = untestedNote(e.d, w, t, e.d.untested?.kind === 'role' ? sameAs(e, entries) : undefined);
  }

  const segments = {} as Record<Segment, SegmentMetrics>;
  for (const s of SEGMENTS) {
    const of = (metric: MetricName) => entries.find((e) => e.d.key === `${s}.${metric}`)!.m;
    segments[s] = {
      winRate: of('winRate'),
      churnRate: of('churnRate'),
      salesCycleDays: of('salesCycleDays'),
      dealSize: of('dealSize'),
    };
  }
  const lift = entries.find((e) => e.d.key === 'lift')!.m;
  const outsideIcpShare = entries.find((e) => e.d.key === 'outsideIcpShare')!.m;
  const tested = [...primary, ...secondary];
  const drifts = tested
    .filter((e) => e.m.verdict === 'drift_down' || e.m.verdict === 'drift_up')
    .sort((a, b) => (a.m.role === b.m.role ? a.m.adjustedP! - b.m.adjustedP! : a.m.role === 'primary' ? -1 : 1));

  return {
    windows: w,
    icpVersion: agg.icpVersion,
    thresholds: t,
    segments,
    lift,
    outsideIcpShare,
    driftDetected: drifts.length > 0,
    signals: drifts.map((e) => e.d.key),
    comparisons: tested.length,
    hasChurnData,
    churnDefinition: churnDefinition(w.windowDays),
    negativeCycles: agg.negativeCycles ?? 0,
    summary: summarise({ drifts, primary, tested, entries, segments, lift, t, windowDays: w.windowDays }),
  };
}

type Entry = { d: Draft; m: MetricComparison };

/** A roll-up row with exactly the figures of one tier row is the same accounts: say so. */
function sameAs(e: Entry, all: Entry[]): string | undefined {
  if (e.m.recent.n + e.m.baseline.n === 0) return undefined;
  const twin = all.find(
    (o) =>
      o.d.metric === e.d.metric &&
      o.d.segment !== null &&
      (TIERS as readonly string[]).includes(o.d.segment) &&
      o.m.recent.n === e.m.recent.n &&
      o.m.baseline.n === e.m.baseline.n &&
      o.m.recent.value === e.m.recent.value &&
      o.m.baseline.value === e.m.baseline.value,
  );
  return twin ? segmentLabels[twin.d.segment!] : undefined;
}

function summarise(x: {
  drifts: Entry[];
  primary: Entry[];
  tested: Entry[];
  entries: Entry[];
  segments: Record<Segment, SegmentMetrics>;
  lift: MetricComparison;
  t: DriftThresholds;
  windowDays: number;
}): string[] {
  const { t, windowDays: wd } = x;
  const out: string[] = [];
  if (x.drifts.length > 0) {
    for (const e of x.drifts.slice(0, 3)) out.push(e.m.note);
    if (x.drifts.length > 3) out.push(`…and ${x.drifts.length - 3} more changes: see the tables.`);
  } else if (x.tested.length === 0) {
    const cov = x.entries.find((e) => e.d.untested?.kind === 'coverage' && e.d.m.role !== 'descriptive');
    out.push(
      cov
        ? `Not enough data to tell whether the ICP drifted. ${cov.m.note}`
        : `Not enough data to tell whether the ICP drifted: no metric has at least ${t.minSample} deals or customers in both the baseline and ${windowPhrase(wd)}.`,
    );
  } else {
    const worst = x.primary
      .filter((e) => e.m.minDetectable !== undefined)
      .sort((a, b) => b.m.minDetectable! - a.m.minDetectable!)[0];
    const unseen = worst ? unseenPhrase(worst.m.minDetectable, ` in ${subjectOf(worst.d, wd)}`) : '';
    out.push(
      `No drift detected between the baseline and ${windowPhrase(wd)} (${x.tested.length} comparison${x.tested.length === 1 ? '' : 's'})${unseen}.`,
    );
  }
  const thin = TIERS.find((s) => {
    const m = x.segments[s].winRate;
    return m.recent.n < t.minSample || m.baseline.n < t.minSample;
  });
  if (thin && out.length < 3) {
    const m = x.segments[thin].winRate;
    const n = m.recent.n < t.minSample ? m.recent.n : m.baseline.n;
    const when = m.recent.n < t.minSample ? `in ${windowPhrase(wd)}` : 'in the baseline';
    out.push(`Not enough decided deals in ${segmentLabels[thin]} ${when} (n=${n} < ${t.minSample}) to say anything.`);
  }
  const l = x.lift;
  if (out.length < 3 && l.recent.value !== null && l.recent.ci) {
    const [lo, hi] = l.recent.ci;
    out.push(
      `ICP-fit deals win ${l.recent.value.toFixed(2)}× as often as non-fit ones in ${windowPhrase(wd)} (95% CI ${lo.toFixed(2)}–${hi.toFixed(2)}, n=${l.recent.n}).`,
    );
  }
  return out.slice(0, 3);
}
