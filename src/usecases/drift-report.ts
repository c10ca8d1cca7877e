/**
 * The drift use cases: the report (one aggregation statement, then the pure builder) and the chart's
 * monthly series. Every surface (reminders, /icp-review, App Home, the CLI) reads drift through here.
 */
import type { Db } from '../../db/client.ts';
import { getDriftAggregates, getDriftSeriesRows } from '../../db/queries/drift.ts';
import { buildDriftReport, type DriftReport, type DriftThresholds } from '../drift/report.ts';
import { buildDriftSeries, type DriftSeries, seriesMonths } from '../drift/series.ts';
import { driftWindows } from '../drift/windows.ts';

export type { DriftReport } from '../drift/report.ts';
export type { DriftSeries } from '../drift/series.ts';

export interface DriftReportOptions extends Partial<DriftThresholds> {
  teamId: string;
  /** The last day of the recent window (included). A Date is taken as its UTC calendar day. */
  asOf: Date | string;
  /** Length of the recent window in days. Default 90. */
  windowDays?: number;
  /** Length of the baseline, the period just before the recent window, in days. Default 365. */
  baselineDays?: number;
}

/** Drift report for a team: the recent window against the baseline, per tier. One SQL round trip. */
export async function getDriftReport(db: Db, opts: DriftReportOptions): Promise<DriftReport> {
  const { teamId, asOf, windowDays, baselineDays, ...thresholds } = opts;
  const agg = await getDriftAggregates(db, teamId, driftWindows(asOf, windowDays ?? 90, baselineDays ?? 365));
  const defined = Object.fromEntries(Object.entries(thresholds).filter(([, v]) => v !== undefined));
  return buildDriftReport(agg, defined as Partial<DriftThresholds>);
}

/** Monthly series for the drift chart: the last `months` calendar months up to and including `asOf`. */
export async function getDriftSeries(
  db: Db,
  opts: { teamId: string; asOf: Date | string; months?: number },
): Promise<DriftSeries> {
  const { months, start, end } = seriesMonths(opts.asOf, opts.months ?? 12);
  return buildDriftSeries(months, await getDriftSeriesRows(db, { teamId: opts.teamId, start, end }));
}
