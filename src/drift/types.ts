/** The shapes of drift aggregates (what SQL counts) and of the drift report (what people read). */
import type { TestName } from './stats.ts';
import type { Coverage, DriftWindows } from './windows.ts';

export type { DriftWindows } from './windows.ts';

export const TIERS = ['tier1', 'tier2', 'tier3', 'no_fit'] as const;
export const SEGMENTS = ['tier1', 'tier2', 'tier3', 'no_fit', 'fit', 'non_fit', 'all', 'unscored'] as const;
export type Segment = (typeof SEGMENTS)[number];
export type WindowName = 'recent' | 'baseline';
export type MetricName = 'winRate' | 'churnRate' | 'salesCycleDays' | 'dealSize';

/**
 * - drift_down / drift_up: a tested change that survived its family's correction and is big enough.
 * - stable: tested, no drift detected (the note says what size of change could have gone unseen).
 * - not_enough_data: too few observations, or a window the data mostly does not cover.
 * - no_data: nothing of this kind was ever imported (churn without churn events).
 * - descriptive: a roll-up of rows tested above (fit, non-fit, overall, unscored); shown, never a verdict.
 */
export type Verdict = 'drift_down' | 'drift_up' | 'stable' | 'not_enough_data' | 'no_data' | 'descriptive';

/** Which multiple-comparison family a metric belongs to (see report.ts), or none. */
export type Role = 'primary' | 'secondary' | 'descriptive';

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

/** One row of churn aggregates from SQL (baseline rows pooled over its periods). */
export interface ChurnAggregate {
  segment: Segment;
  window: WindowName;
  /** Customer-periods: customers active at a period start, summed over the window's periods. */
  active: number;
  /** Distinct customers active at the start of at least one of the window's periods. */
  customers: number;
  churned: number;
}

/** First and last day of the imported data of one kind; null when there is none. */
export type DataSpan = { first: string; last: string } | null;

export interface DriftAggregates {
  windows: DriftWindows;
  /** Current ICP version whose tiers were used; null when the team has none (all stored tiers used). */
  icpVersion: number | null;
  deals: DealAggregate[];
  churn: ChurnAggregate[];
  /** Close dates of decided deals; customers and churn events. Absent: treated as fully covered. */
  spans?: { deals: DataSpan; churn: DataSpan };
  /** Churn events ever imported for the team. Absent: taken from `churn` (any churned customer). */
  churnEvents?: number;
  /** Won deals in the windows whose close date precedes their create date (left out of the sales cycle). */
  negativeCycles?: number;
}

export interface DriftThresholds {
  /** Minimum n in each window below which no number-based claim is made. Default 30. */
  minSample: number;
  /** Minimum change, in percentage points, for a rate change to count as drift. Default 5. */
  minEffectPoints: number;
  /** Family-wise error rate of the whole report. Default 0.05. */
  alpha: number;
  /** Minimum change in median sales cycle, in days. Default 14. */
  minEffectDays: number;
  /** Minimum relative change in median deal size (0.1 = 10 %). Default 0.1. */
  minEffectRelative: number;
  /** Minimum absolute change in ICP lift (a ratio). Default 0.25. */
  minEffectLift: number;
  /** Share of a window the data must cover before any claim is made about it. Default 0.5. */
  minCoverage: number;
}

export const defaultThresholds: DriftThresholds = {
  minSample: 30,
  minEffectPoints: 5,
  alpha: 0.05,
  minEffectDays: 14,
  minEffectRelative: 0.1,
  minEffectLift: 0.25,
  minCoverage: 0.5,
};

export interface Figure {
  /** Rates as fractions (0.31), cycle in days, deal size in currency units, lift as a ratio; null when n = 0. */
  value: number | null;
  /** Decided deals, won deals, or (churn) distinct customers. */
  n: number;
  /** Churn only: customer-periods, the denominator of a rate per window (equals n for the recent window). */
  exposure?: number;
  /** 95 % interval where we have an honest one (Wilson for rates, Katz for lift); absent for medians. */
  ci?: [number, number] | null;
  /** Deal size only: mean of won amounts. */
  mean?: number | null;
  /** Days of the window the data covers. */
  coverage?: Coverage;
}

export interface MetricComparison {
  recent: Figure;
  baseline: Figure;
  /** recent − baseline: percentage points for rates, days, currency units, or ratio units for lift. */
  change: number | null;
  unit: 'points' | 'days' | 'amount' | 'ratio';
  role: Role;
  /** The test's own p-value. */
  pValue?: number;
  /** Holm-adjusted p-value within the metric's family: the one the verdict compares with `familyAlpha`. */
  adjustedP?: number;
  familyAlpha?: number;
  familySize?: number;
  test: TestName | null;
  verdict: Verdict;
  /** For a drift: whether the change is good news (a shorter cycle, a higher win rate) or bad. */
  direction?: 'better' | 'worse';
  /**
   * Rates with no drift detected: the smallest change (in points) this test had 80 % power to detect at
   * its share of the report's alpha; smaller changes could go unnoticed.
   */
  minDetectable?: number;
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
  /** True when at least one metric has a drift verdict (the same verdict the rows and Details show). */
  driftDetected: boolean;
  /** The metrics with a drift verdict, e.g. 'tier1.winRate', 'lift'. */
  signals: string[];
  /** Tested comparisons (both families). 0: the report cannot say whether anything drifted. */
  comparisons: number;
  /** False when no churn event was ever imported: churn figures are "no churn data", not 0 %. */
  hasChurnData: boolean;
  /** "churn = … per 90 days": the definition the churn figures follow (absent in reports stored before it). */
  churnDefinition?: string;
  /** Won deals left out of sales-cycle figures because they close before they were created. */
  negativeCycles: number;
  /** A few plain sentences for Slack: one line per change. */
  summary: string[];
}
