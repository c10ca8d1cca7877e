/** The chart's monthly series, shaped from counts (db/queries/drift.ts getDriftSeriesRows). Pure. */
import { wilson } from './stats.ts';
import { SEGMENTS, type Segment } from './types.ts';
import { toIsoDate } from './windows.ts';

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
  /** Churn events by month, per segment of the churned account ('unscored' for unlinked events). */
  churn: Record<Segment, { month: string; churned: number }[]>;
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
