/**
 * One comparison per metric (recent against baseline): its figures, whether it can be tested, and its
 * test's own p-value. The report (report.ts) then corrects the p-values per family, decides the verdicts
 * and words them (notes.ts). Pure.
 */
import { compareLogRatios, logRatioCI, type RatioEstimate, type TestName, twoProportionTest, wilson } from './stats.ts';
import type {
  ChurnAggregate,
  DealAggregate,
  DriftThresholds,
  Figure,
  MetricComparison,
  MetricName,
  Role,
  Segment,
} from './types.ts';
import type { Coverage } from './windows.ts';

/** Why a comparison was not tested, when it was not. */
export type Untested =
  | { kind: 'role' }
  | { kind: 'no_data' }
  | { kind: 'coverage'; window: 'recent' | 'baseline'; coverage: Coverage }
  | { kind: 'sample'; window: 'recent' | 'baseline'; n: number };

/** A comparison before the report-wide decision. */
export interface Draft {
  key: string;
  segment: Segment | null;
  metric: MetricName | 'lift' | 'outsideIcpShare';
  m: Omit<MetricComparison, 'verdict' | 'note'>;
  /** Set when the comparison is tested: the test's own p-value. */
  p?: { value: number; test: TestName };
  untested?: Untested;
  /** The change is at least the metric's minimum effect (only meaningful when tested). */
  big: boolean;
}

export interface WindowCoverage {
  recent: Coverage;
  baseline: Coverage;
}

function checkCoverage(c: WindowCoverage, t: DriftThresholds): Untested | undefined {
  for (const window of ['baseline', 'recent'] as const) {
    if (c[window].days < t.minCoverage * c[window].of) return { kind: 'coverage', window, coverage: c[window] };
  }
  return undefined;
}

function checkSample(rn: number, bn: number, t: DriftThresholds): Untested | undefined {
  if (rn < t.minSample) return { kind: 'sample', window: 'recent', n: rn };
  if (bn < t.minSample) return { kind: 'sample', window: 'baseline', n: bn };
  return undefined;
}

const rateFigure = (x: number, n: number, cov: Coverage): Figure => ({
  value: n > 0 ? x / n : null,
  n,
  ci: wilson(x, n),
  coverage: cov,
});

/** Win rate: won / decided. */
export function winRateDraft(
  segment: Segment,
  role: Role,
  r: DealAggregate | undefined,
  b: DealAggregate | undefined,
  cov: WindowCoverage,
  t: DriftThresholds,
): Draft {
  const recent = rateFigure(r?.won ?? 0, r?.decided ?? 0, cov.recent);
  const baseline = rateFigure(b?.won ?? 0, b?.decided ?? 0, cov.baseline);
  return proportionDraft(
    `${segment}.winRate`,
    segment,
    'winRate',
    role,
    recent,
    baseline,
    [r?.won ?? 0, recent.n, b?.won ?? 0, baseline.n],
    cov,
    t,
  );
}

/**
 * Churn per window: churned customers / customers active at the window start. The baseline pools its
 * periods, so its rate is churned customer-periods / customer-periods (`exposure`), while its n counts
 * distinct customers.
 */
export function churnDraft(
  segment: Segment,
  role: Role,
  r: ChurnAggregate | undefined,
  b: ChurnAggregate | undefined,
  cov: WindowCoverage,
  hasChurnData: boolean,
  t: DriftThresholds,
): Draft {
  const fig = (a: ChurnAggregate | undefined, c: Coverage): Figure => ({
    ...rateFigure(a?.churned ?? 0, a?.active ?? 0, c),
    n: a?.customers ?? 0,
    exposure: a?.active ?? 0,
  });
  const recent = fig(r, cov.recent);
  const baseline = fig(b, cov.baseline);
  if (!hasChurnData) {
    return {
      key: `${segment}.churnRate`,
      segment,
      metric: 'churnRate',
      m: {
        recent: { value: null, n: recent.n },
        baseline: { value: null, n: baseline.n },
        change: null,
        unit: 'points',
        role,
        test: null,
      },
      untested: { kind: 'no_data' },
      big: false,
    };
  }
  const counts: [number, number, number, number] = [r?.churned ?? 0, r?.active ?? 0, b?.churned ?? 0, b?.active ?? 0];
  return proportionDraft(`${segment}.churnRate`, segment, 'churnRate', role, recent, baseline, counts, cov, t);
}

function proportionDraft(
  key: string,
  segment: Segment | null,
  metric: Draft['metric'],
  role: Role,
  recent: Figure,
  baseline: Figure,
  [xr, nr, xb, nb]: [number, number, number, number],
  cov: WindowCoverage,
  t: DriftThresholds,
): Draft {
  const change = nr > 0 && nb > 0 ? (xr / nr - xb / nb) * 100 : null;
  const m = { recent, baseline, change, unit: 'points' as const, role, test: null };
  const untested =
    role === 'descriptive'
      ? { kind: 'role' as const }
      : (checkSample(recent.n, baseline.n, t) ?? checkCoverage(cov, t));
  if (untested) return { key, segment, metric, m, untested, big: false };
  const test = twoProportionTest(xr, nr, xb, nb)!;
  const big = change !== null && Math.abs(change) >= t.minEffectPoints - 1e-9;
  return { key, segment, metric, m: { ...m, test: test.test }, p: { value: test.pValue, test: test.test }, big };
}

/** Medians compared by Mood's median test (counts above the pooled median) plus a minimum effect. */
export function medianDraft(
  segment: Segment,
  metric: 'salesCycleDays' | 'dealSize',
  role: Role,
  r: DealAggregate | undefined,
  b: DealAggregate | undefined,
  cov: WindowCoverage,
  t: DriftThresholds,
): Draft {
  const isCycle = metric === 'salesCycleDays';
  const fig = (a: DealAggregate | undefined, c: Coverage): Figure => {
    const f: Figure = {
      value: (isCycle ? a?.cycleMedian : a?.amountMedian) ?? null,
      n: (isCycle ? a?.cycleN : a?.amountN) ?? 0,
      coverage: c,
    };
    if (!isCycle) f.mean = a?.amountMean ?? null;
    return f;
  };
  const recent = fig(r, cov.recent);
  const baseline = fig(b, cov.baseline);
  const change = recent.value !== null && baseline.value !== null ? recent.value - baseline.value : null;
  const m = { recent, baseline, change, unit: isCycle ? ('days' as const) : ('amount' as const), role, test: null };
  const key = `${segment}.${metric}`;
  const untested =
    role === 'descriptive'
      ? { kind: 'role' as const }
      : (checkSample(recent.n, baseline.n, t) ?? checkCoverage(cov, t));
  if (untested) return { key, segment, metric, m, untested, big: false };
  const xr = (isCycle ? r?.cycleAbove : r?.amountAbove) ?? 0;
  const xb = (isCycle ? b?.cycleAbove : b?.amountAbove) ?? 0;
  const test = twoProportionTest(xr, recent.n, xb, baseline.n)!;
  const threshold = isCycle ? t.minEffectDays : t.minEffectRelative * Math.abs(baseline.value ?? 0);
  const big = change !== null && change !== 0 && Math.abs(change) >= threshold - 1e-9;
  return { key, segment, metric, m: { ...m, test: test.test }, p: { value: test.pValue, test: test.test }, big };
}

/** ICP lift: fit win rate / non-fit win rate (Katz interval), lifts compared on the log scale. */
export function liftDraft(
  fit: { r?: DealAggregate; b?: DealAggregate },
  non: { r?: DealAggregate; b?: DealAggregate },
  cov: WindowCoverage,
  t: DriftThresholds,
): Draft {
  const est = (f?: DealAggregate, o?: DealAggregate) =>
    logRatioCI(f?.won ?? 0, f?.decided ?? 0, o?.won ?? 0, o?.decided ?? 0);
  const er = est(fit.r, non.r);
  const eb = est(fit.b, non.b);
  const fig = (e: RatioEstimate | null, c: Coverage, f?: DealAggregate, o?: DealAggregate): Figure => ({
    value: e?.ratio ?? null,
    n: (f?.decided ?? 0) + (o?.decided ?? 0),
    ci: e?.ci ?? null,
    coverage: c,
  });
  const recent = fig(er, cov.recent, fit.r, non.r);
  const baseline = fig(eb, cov.baseline, fit.b, non.b);
  const change = er && eb ? er.ratio - eb.ratio : null;
  const m = { recent, baseline, change, unit: 'ratio' as const, role: 'secondary' as const, test: null };
  const smallest = Math.min(fit.r?.decided ?? 0, non.r?.decided ?? 0, fit.b?.decided ?? 0, non.b?.decided ?? 0);
  const untested =
    (smallest < t.minSample || !er || !eb
      ? { kind: 'sample' as const, window: 'recent' as const, n: smallest }
      : undefined) ?? checkCoverage(cov, t);
  if (untested) return { key: 'lift', segment: null, metric: 'lift', m, untested, big: false };
  const pValue = compareLogRatios(er!, eb!);
  const big = Math.abs(change!) >= t.minEffectLift - 1e-9;
  return { key: 'lift', segment: null, metric: 'lift', m: { ...m, test: 'z' }, p: { value: pValue, test: 'z' }, big };
}

/** Share of scored wins from outside the ICP: non-fit won / (fit + non-fit) won. */
export function outsideShareDraft(
  fit: { r?: DealAggregate; b?: DealAggregate },
  non: { r?: DealAggregate; b?: DealAggregate },
  cov: WindowCoverage,
  t: DriftThresholds,
): Draft {
  const xr = non.r?.won ?? 0;
  const nr = xr + (fit.r?.won ?? 0);
  const xb = non.b?.won ?? 0;
  const nb = xb + (fit.b?.won ?? 0);
  const recent = rateFigure(xr, nr, cov.recent);
  const baseline = rateFigure(xb, nb, cov.baseline);
  return proportionDraft(
    'outsideIcpShare',
    null,
    'outsideIcpShare',
    'secondary',
    recent,
    baseline,
    [xr, nr, xb, nb],
    cov,
    t,
  );
}
