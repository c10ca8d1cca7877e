/**
 * The calendar of a drift report: which days each window holds, and how much of a window the imported
 * data actually covers. Pure date arithmetic on 'YYYY-MM-DD' strings (UTC calendar days).
 *
 * "As of D" includes D: the recent window is the `windowDays` days ending with D, the baseline the
 * `baselineDays` days just before it, and no day is in both. Every `start` and `end` below is a day
 * that belongs to its window (the first and the last), so labels can print them as they are.
 */

export interface DayRange {
  /** First day in the range. */
  start: string;
  /** Last day in the range (inclusive). */
  end: string;
}

export interface DriftWindows {
  asOf: string;
  windowDays: number;
  baselineDays: number;
  recent: DayRange;
  baseline: DayRange;
  /**
   * The churn baseline: `periods` consecutive windows of `windowDays` ending the day before the recent
   * window, so baseline churn is a rate per window like recent churn. `days` = periods × windowDays,
   * which is what a label must print (360 for a 365-day baseline of 90-day periods).
   */
  churnBaseline: DayRange & { periods: number; days: number };
}

const DAY_MS = 86_400_000;

/** 'YYYY-MM-DD' of a Date (UTC) or of an ISO date string; throws on anything else. */
export function toIsoDate(d: Date | string): string {
  const date = typeof d === 'string' ? new Date(`${d.slice(0, 10)}T00:00:00Z`) : d;
  if (Number.isNaN(date.getTime())) throw new Error(`Not a date: ${String(d)}`);
  return date.toISOString().slice(0, 10);
}

export function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Number of days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/** The report's windows as of `asOf` (a Date is taken as its UTC calendar day). */
export function driftWindows(asOf: Date | string, windowDays = 90, baselineDays = 365): DriftWindows {
  if (!(windowDays >= 1) || !(baselineDays >= 1)) throw new Error('windowDays and baselineDays must be ≥ 1');
  const end = toIsoDate(asOf);
  const recentStart = addDays(end, -(windowDays - 1));
  const lastBaselineDay = addDays(recentStart, -1);
  const periods = Math.max(1, Math.floor(baselineDays / windowDays));
  return {
    asOf: end,
    windowDays,
    baselineDays,
    recent: { start: recentStart, end },
    baseline: { start: addDays(recentStart, -baselineDays), end: lastBaselineDay },
    churnBaseline: {
      start: addDays(recentStart, -periods * windowDays),
      end: lastBaselineDay,
      periods,
      days: periods * windowDays,
    },
  };
}

/** The churn baseline's periods, oldest last: each `windowDays` long, the first ending before the recent window. */
export function churnPeriods(w: DriftWindows): DayRange[] {
  const out: DayRange[] = [];
  for (let i = 1; i <= w.churnBaseline.periods; i++) {
    out.push({
      start: addDays(w.recent.start, -i * w.windowDays),
      end: addDays(w.recent.start, -(i - 1) * w.windowDays - 1),
    });
  }
  return out;
}

/** How many days of a window the data covers, out of how many. */
export interface Coverage {
  days: number;
  of: number;
}

/**
 * Days of `range` that fall inside the span of the data (first to last day any record of that kind
 * exists). A baseline that starts before the first imported deal is partly empty, and its figures
 * describe fewer days than its label says.
 */
export function coverage(range: DayRange, span: { first: string; last: string } | null): Coverage {
  const of = daysBetween(range.start, range.end) + 1;
  if (!span) return { days: 0, of };
  // Day numbers relative to the window's first day: the overlap of [first, last] with [0, of − 1].
  const from = Math.max(0, daysBetween(range.start, span.first));
  const to = Math.min(of - 1, daysBetween(range.start, span.last));
  return { days: Math.max(0, to - from + 1), of };
}
