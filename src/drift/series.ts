/** The chart's monthly series, shaped from counts (db/queries/drift.ts getDriftSeriesRows). Pure. */
import { wilson } from './stats.ts';
import { type DriftReport, SEGMENTS, type Segment, TIERS } from './types.ts';
import { type DayRange, toIsoDate } from './windows.ts';

/**
 * A month with fewer decided deals than this is "too few to read": a '·' in the text trend, a hollow,
 * faded point off the line in the chart. One rule for both, so they never disagree.
 */
export const LOW_N_MONTH = 5;

type Tier = (typeof TIERS)[number];

/** What the report adds to the chart: where the recent window is and each tier's baseline win rate. */
export interface SeriesContext {
  /** The report's recent window (its first and last day). */
  recent: DayRange;
  /** Each tier's baseline win rate (null: no decided deal in the baseline). */
  baselineWinRate: Partial<Record<Tier, number | null>>;
  /** Whether the workspace has churn data at all (the chart's churn panel is left out without it). */
  hasChurnData: boolean;
}

export interface MonthlyWinRate {
  /** 'YYYY-MM' */
  month: string;
  won: number;
  decided: number;
  rate: number | null;
  ci: [number, number] | null;
}

export interface DriftSeries {
  months: string[];
  /** Win rate by close month, per segment; every month present (zeros when no deals). */
  winRate: Record<Segment, MonthlyWinRate[]>;
  /** Churns of customers by month (the report's definition), per segment of the churned account. */
  churn: Record<Segment, { month: string; churned: number }[]>;
  /** Added from the report (`withReportContext`); reminders stored before it have none. */
  context?: SeriesContext;
}

/** The series with the report's recent window and each tier's baseline win rate, for the chart. */
export function withReportContext(series: DriftSeries, report: DriftReport): DriftSeries {
  const baselineWinRate: SeriesContext['baselineWinRate'] = {};
  for (const tier of TIERS) {
    const b = report.segments[tier].winRate.baseline;
    baselineWinRate[tier] = b.n > 0 ? b.value : null;
  }
  return {
    ...series,
    context: { recent: report.windows.recent, baselineWinRate, hasChurnData: report.hasChurnData },
  };
}

/**
 * The last `n` calendar months up to and including the month of `asOf` (itself included, so that
 * month may be partial), with the first and last day they cover.
 */
export function seriesMonths(asOf: Date | string, n = 12): { months: string[]; start: string; end: string } {
  const end = toIsoDate(asOf);
  const [y, m] = end.split('-').map(Number) as [number, number];
  const months: string[] = [];
  for (let i = n - 1; i >= 0; i--) months.push(new Date(Date.UTC(y, m - 1 - i, 1)).toISOString().slice(0, 7));
  return { months, start: `${months[0]}-01`, end };
}

/** Every segment × month, zeros where SQL returned no row. */
export function buildDriftSeries(
  months: string[],
  rows: readonly { kind: 'deal' | 'churn'; segment: Segment; month: string; a: number; b: number }[],
): DriftSeries {
  const at = new Map(rows.map((r) => [`${r.kind}/${r.segment}/${r.month}`, r]));
  const winRate = {} as DriftSeries['winRate'];
  const churn = {} as DriftSeries['churn'];
  for (const s of SEGMENTS) {
    winRate[s] = months.map((month) => {
      const r = at.get(`deal/${s}/${month}`);
      const won = r?.a ?? 0;
      const decided = r?.b ?? 0;
      return { month, won, decided, rate: decided > 0 ? won / decided : null, ci: wilson(won, decided) };
    });
    churn[s] = months.map((month) => ({ month, churned: at.get(`churn/${s}/${month}`)?.a ?? 0 }));
  }
  return { months, winRate, churn };
}
