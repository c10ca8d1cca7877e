/**
 * Drift aggregation in SQL. `getDriftReport` is ONE statement (one round trip): it counts and takes
 * medians per segment and window with GROUPING SETS, FILTER and percentile_cont, and hands the few dozen
 * aggregate rows to the pure report builder (src/drift/report.ts, which documents every definition).
 * No deal row ever reaches JavaScript. `getDriftSeries` is a second, separate statement used only for the
 * chart's monthly series.
 */
import { type SQL, sql } from 'drizzle-orm';
import {
  buildDriftReport,
  type ChurnAggregate,
  type DealAggregate,
  type DriftAggregates,
  type DriftReport,
  type DriftThresholds,
  type DriftWindows,
  SEGMENTS,
  type Segment,
} from '../../src/drift/report.ts';
import { wilson } from '../../src/drift/stats.ts';
import type { Db } from '../client.ts';
import { queryRows } from '../raw.ts';

export type { DriftReport } from '../../src/drift/report.ts';

export interface DriftReportOptions extends Partial<DriftThresholds> {
  teamId: string;
  /** End of the recent window (exclusive). A Date is taken as its UTC calendar day. */
  asOf: Date | string;
  /** Length of the recent window in days. Default 90. */
  windowDays?: number;
  /** Length of the baseline, the period just before the recent window, in days. Default 365. */
  baselineDays?: number;
}

const DAY_MS = 86_400_000;

/** 'YYYY-MM-DD' of a Date (UTC) or of an ISO date string; throws on anything else. */
export function toIsoDate(d: Date | string): string {
  const date = typeof d === 'string' ? new Date(`${d.slice(0, 10)}T00:00:00Z`) : d;
  if (Number.isNaN(date.getTime())) throw new Error(`Not a date: ${String(d)}`);
  return date.toISOString().slice(0, 10);
}

function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The report's windows: recent [asOf − w, asOf), baseline [recent start − b, recent start). */
export function driftWindows(asOf: Date | string, windowDays = 90, baselineDays = 365): DriftWindows {
  if (!(windowDays >= 1) || !(baselineDays >= 1)) throw new Error('windowDays and baselineDays must be ≥ 1');
  const end = toIsoDate(asOf);
  const recentStart = addDays(end, -windowDays);
  const periods = Math.max(1, Math.floor(baselineDays / windowDays));
  return {
    asOf: end,
    windowDays,
    baselineDays,
    recent: { start: recentStart, end },
    baseline: { start: addDays(recentStart, -baselineDays), end: recentStart },
    churnBaseline: { start: addDays(recentStart, -periods * windowDays), end: recentStart, periods },
  };
}

/** `fit`/`non_fit` roll the tiers of a segment (see `segOf`) up; `all` is everything. */
const grpOf = (col: SQL) =>
  sql`CASE WHEN ${col} IN ('tier1', 'tier2') THEN 'fit' WHEN ${col} IN ('tier3', 'no_fit') THEN 'non_fit' END`;

/** Label of a GROUPING SETS ((…, seg), (…, grp), (…)) row. */
const segmentLabel = sql`CASE WHEN GROUPING(seg) = 0 THEN seg WHEN GROUPING(grp) = 0 THEN grp ELSE 'all' END`;
/** The (grp) set also yields a NULL group (unscored rows): already reported through (seg). */
const dropNullGrp = sql`HAVING NOT (GROUPING(seg) = 1 AND GROUPING(grp) = 0 AND grp IS NULL)`;

interface RawResult {
  icp_version: number | null;
  deals: {
    segment: Segment;
    win: 'recent' | 'baseline';
    won: number;
    decided: number;
    cycle_median: number | null;
    cycle_n: number;
    cycle_above: number;
    amount_median: number | null;
    amount_mean: number | null;
    amount_n: number;
    amount_above: number;
  }[];
  churn: { segment: Segment; win: 'recent' | 'baseline'; active: number; churned: number }[];
}

/**
 * Segment of a joined `accounts a` row: its stored tier when scored under the team's current ICP version
 * (`cur`, a one-row CTE; or when the team has no ICP version yet), else 'unscored', which is also what a
 * deal without an account of this team gets (the LEFT JOIN leaves a.tier NULL). Written as an expression
 * so every scan joins `accounts` directly instead of re-reading a materialised CTE of 100k rows.
 */
const segOf = sql`CASE WHEN a.tier IN ('tier1', 'tier2', 'tier3', 'no_fit')
    AND ((SELECT v FROM cur) IS NULL OR a.icp_version = (SELECT v FROM cur))
  THEN a.tier ELSE 'unscored' END`;

/**
 * The single aggregation statement behind a report. Exported for EXPLAIN in the benchmark.
 *
 * Cost model (100k accounts, 1M deals; see bench/drift.ts): every scan is an index-only range scan over
 * [baseline start, recent end) of a partial covering index, so no deal outside the windows and no heap
 * page is read. Won deals (the only rows whose medians need sorting) and lost deals come from two
 * disjoint partial indexes, each joined to `accounts` once; counts are taken per (window, tier) and the
 * fit / non-fit / all rows are sums of those. First won deals are read in (account, date) order from a
 * third partial index, only up to the recent start (a later first win makes no customer in any window).
 */
export function driftAggregateQuery(teamId: string, w: DriftWindows): SQL {
  const baselinePeriods: { start: string; end: string }[] = [];
  for (let i = 1; i <= w.churnBaseline.periods; i++) {
    baselinePeriods.push({
      start: addDays(w.recent.start, -i * w.windowDays),
      end: addDays(w.recent.start, -(i - 1) * w.windowDays),
    });
  }
  // A customer at `start`: first won before it, not churned before it.
  const active = (start: string) => sql`(fw < ${start}::date AND (fc IS NULL OR fc >= ${start}::date))`;
  const seg = segOf;
  return sql`
  WITH cur AS (SELECT max(version) AS v FROM icp_versions WHERE team_id = ${teamId}),
  -- Won deals of both windows (narrow): counted, and the only rows that medians have to sort.
  dw AS MATERIALIZED (
    SELECT seg, ${grpOf(sql`seg`)} AS grp, recent, cycle, amount FROM (
    SELECT ${seg} AS seg, x.closed_on >= ${w.recent.start}::date AS recent,
      x.closed_on - x.created_on AS cycle, x.amount
    FROM deals x LEFT JOIN accounts a ON a.id = x.account_id AND a.team_id = ${teamId}
    WHERE x.team_id = ${teamId} AND x.outcome = 'won'
      AND x.closed_on >= ${w.baseline.start}::date AND x.closed_on < ${w.recent.end}::date
      OFFSET 0
    ) won
  ),
  -- Lost deals of both windows, counted per (window, tier) by a hash aggregate, never sorted.
  lost AS (
    SELECT ${seg} AS seg, x.closed_on >= ${w.recent.start}::date AS recent, count(*) AS n
    FROM deals x LEFT JOIN accounts a ON a.id = x.account_id AND a.team_id = ${teamId}
    WHERE x.team_id = ${teamId} AND x.outcome = 'lost'
      AND x.closed_on >= ${w.baseline.start}::date AND x.closed_on < ${w.recent.end}::date
    GROUP BY 1, 2
  ),
  c1 AS (
    SELECT seg, recent, sum(won) AS won, sum(won) + sum(lost) AS decided
    FROM (
      SELECT seg, recent, count(*) AS won, 0 AS lost FROM dw GROUP BY 1, 2
      UNION ALL
      SELECT seg, recent, 0, n FROM lost
    ) u
    GROUP BY 1, 2
  ),
  counts AS (
    SELECT ${segmentLabel} AS segment, recent, sum(won) AS won, sum(decided) AS decided
    FROM (SELECT c1.*, ${grpOf(sql`c1.seg`)} AS grp FROM c1) d
    GROUP BY GROUPING SETS ((recent, seg), (recent, grp), (recent))
    ${dropNullGrp}
  ),
  -- Pooled (both windows) medians per segment, for Mood's median test.
  pooled AS (
    SELECT ${segmentLabel} AS segment,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle) AS cm,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) AS am
    FROM dw
    GROUP BY GROUPING SETS ((seg), (grp), ())
    ${dropNullGrp}
  ),
  medians AS (
    SELECT ${segmentLabel} AS segment, recent,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle) AS cycle_median,
      count(cycle) AS cycle_n,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) AS amount_median,
      avg(amount) AS amount_mean,
      count(amount) AS amount_n
    FROM dw
    GROUP BY GROUPING SETS ((recent, seg), (recent, grp), (recent))
    ${dropNullGrp}
  ),
  above AS (
    SELECT ${segmentLabel} AS segment, recent,
      count(*) FILTER (WHERE cycle > ps.cm) AS ca_seg, count(*) FILTER (WHERE cycle > pg.cm) AS ca_grp,
      count(*) FILTER (WHERE cycle > pa.cm) AS ca_all,
      count(*) FILTER (WHERE amount > ps.am) AS aa_seg, count(*) FILTER (WHERE amount > pg.am) AS aa_grp,
      count(*) FILTER (WHERE amount > pa.am) AS aa_all
    FROM dw
    LEFT JOIN pooled ps ON ps.segment = dw.seg
    LEFT JOIN pooled pg ON pg.segment = dw.grp
    CROSS JOIN (SELECT cm, am FROM pooled WHERE segment = 'all') pa
    GROUP BY GROUPING SETS ((recent, seg), (recent, grp), (recent))
    ${dropNullGrp}
  ),
  deal_agg AS (
    SELECT c.segment, CASE WHEN c.recent THEN 'recent' ELSE 'baseline' END AS win, c.won, c.decided,
      m.cycle_median, coalesce(m.cycle_n, 0) AS cycle_n, m.amount_median, m.amount_mean,
      coalesce(m.amount_n, 0) AS amount_n,
      coalesce(CASE WHEN c.segment IN ('fit', 'non_fit') THEN a.ca_grp WHEN c.segment = 'all' THEN a.ca_all
        ELSE a.ca_seg END, 0) AS cycle_above,
      coalesce(CASE WHEN c.segment IN ('fit', 'non_fit') THEN a.aa_grp WHEN c.segment = 'all' THEN a.aa_all
        ELSE a.aa_seg END, 0) AS amount_above
    FROM counts c
    LEFT JOIN medians m ON m.segment = c.segment AND m.recent = c.recent
    LEFT JOIN above a ON a.segment = c.segment AND a.recent = c.recent
  ),
  -- Customers: first won deal and first churn event per account (see report.ts for the definition).
  -- One row per customer; each window is a boolean expression, so no accounts x windows join. Every
  -- window starts at or before the recent start, so only first wins before it can make a customer.
  firsts AS (
    SELECT seg, ${grpOf(sql`seg`)} AS grp, fw, fc
    FROM (
      SELECT ${seg} AS seg, fw.first_won AS fw, fc.first_churn AS fc
      FROM (
        SELECT account_id, min(closed_on) AS first_won FROM deals
        WHERE team_id = ${teamId} AND outcome = 'won' AND closed_on < ${w.recent.start}::date
        GROUP BY account_id
      ) fw
      JOIN accounts a ON a.id = fw.account_id AND a.team_id = ${teamId}
      LEFT JOIN (
        SELECT account_id, min(churned_on) AS first_churn FROM churn_events
        WHERE team_id = ${teamId} GROUP BY account_id
      ) fc ON fc.account_id = fw.account_id
    ) f
  ),
  churn_agg AS (
    SELECT ${segmentLabel} AS segment,
      count(*) FILTER (WHERE ${active(w.recent.start)}) AS active_r,
      count(*) FILTER (WHERE ${active(w.recent.start)} AND fc < ${w.recent.end}::date) AS churned_r,
      sum(${sql.join(
        baselinePeriods.map((p) => sql`(${active(p.start)})::int`),
        sql` + `,
      )}) AS active_b,
      sum(${sql.join(
        baselinePeriods.map((p) => sql`(${active(p.start)} AND fc < ${p.end}::date)::int`),
        sql` + `,
      )}) AS churned_b
    FROM firsts
    GROUP BY GROUPING SETS ((seg), (grp), ())
    ${dropNullGrp}
  ),
  churn_rows AS (
    SELECT segment, 'recent' AS win, active_r AS active, churned_r AS churned FROM churn_agg WHERE active_r > 0
    UNION ALL
    SELECT segment, 'baseline', active_b, churned_b FROM churn_agg WHERE active_b > 0
  )
  SELECT (SELECT v FROM cur) AS icp_version,
    coalesce((SELECT json_agg(deal_agg) FROM deal_agg), '[]'::json) AS deals,
    coalesce((SELECT json_agg(json_build_object('segment', segment, 'win', win, 'active', active, 'churned', churned))
      FROM churn_rows), '[]'::json) AS churn`;
}

/** json columns come back parsed on both drivers; be tolerant of a driver handing over text. */
const parseJson = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

/** Runs the aggregation statement and returns the raw aggregates (what the report is built from). */
export async function getDriftAggregates(db: Db, teamId: string, w: DriftWindows): Promise<DriftAggregates> {
  // One statement, in a transaction only to scope two planner settings to it (both work on PGlite too):
  // JIT off, because compiling this wide plan cost 2.9-6.4 s of a 9-12 s run at 1M deals while the
  // executor itself needs well under a second (EXPLAIN ANALYZE in bench/drift.ts); and enough work_mem
  // for the median sorts of the windows' won deals (~130k rows at 1M deals) to stay in memory instead
  // of spilling to disk at the 4 MB default.
  const [row] = await db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL jit = off`);
    await tx.execute(sql`SET LOCAL work_mem = '64MB'`);
    return queryRows<RawResult>(tx as unknown as Db, driftAggregateQuery(teamId, w));
  });
  const deals: DealAggregate[] = parseJson<RawResult['deals']>(row?.deals ?? []).map((r) => ({
    segment: r.segment,
    window: r.win,
    won: Number(r.won),
    decided: Number(r.decided),
    cycleMedian: r.cycle_median === null ? null : Number(r.cycle_median),
    cycleN: Number(r.cycle_n),
    cycleAbove: Number(r.cycle_above),
    amountMedian: r.amount_median === null ? null : Number(r.amount_median),
    amountMean: r.amount_mean === null ? null : Number(r.amount_mean),
    amountN: Number(r.amount_n),
    amountAbove: Number(r.amount_above),
  }));
  const churn: ChurnAggregate[] = parseJson<RawResult['churn']>(row?.churn ?? []).map((r) => ({
    segment: r.segment,
    window: r.win,
    active: Number(r.active),
    churned: Number(r.churned),
  }));
  const v = row?.icp_version;
  return { windows: w, icpVersion: v === null || v === undefined ? null : Number(v), deals, churn };
}

/**
 * Drift report for a team: the recent window against the baseline, per tier, fit/non-fit and overall,
 * with intervals, tests and verdicts. One SQL round trip.
 */
export async function getDriftReport(db: Db, opts: DriftReportOptions): Promise<DriftReport> {
  const { teamId, asOf, windowDays, baselineDays, ...thresholds } = opts;
  const w = driftWindows(asOf, windowDays ?? 90, baselineDays ?? 365);
  const agg = await getDriftAggregates(db, teamId, w);
  const defined = Object.fromEntries(Object.entries(thresholds).filter(([, v]) => v !== undefined));
  return buildDriftReport(agg, defined as Partial<DriftThresholds>);
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
  /** Churn events by month, per segment of the churned account ('unscored' for unlinked events). */
  churn: Record<Segment, { month: string; churned: number }[]>;
}

/**
 * Monthly series for the drift chart: the last `months` calendar months up to `asOf` (exclusive; the month
 * containing asOf − 1 day is the last, possibly partial). A second statement, for the chart only.
 */
export async function getDriftSeries(
  db: Db,
  opts: { teamId: string; asOf: Date | string; months?: number },
): Promise<DriftSeries> {
  const end = toIsoDate(opts.asOf);
  const n = opts.months ?? 12;
  const last = addDays(end, -1).slice(0, 7);
  const months: string[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const [y, m] = last.split('-').map(Number) as [number, number];
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    months.push(d.toISOString().slice(0, 7));
  }
  const start = `${months[0]}-01`;
  const rows = await queryRows<{ kind: 'deal' | 'churn'; segment: Segment; month: string; a: number; b: number }>(
    db,
    sql`
    WITH cur AS (SELECT max(version) AS v FROM icp_versions WHERE team_id = ${opts.teamId}),
    -- Won and lost deals counted per (tier, close day) from the two partial index-only range scans;
    -- months and the fit / non-fit / all roll-ups are sums of those few thousand rows.
    days AS (
      SELECT ${segOf} AS seg, x.closed_on AS day, count(*) AS won, 0 AS lost
      FROM deals x LEFT JOIN accounts a ON a.id = x.account_id AND a.team_id = ${opts.teamId}
      WHERE x.team_id = ${opts.teamId} AND x.outcome = 'won'
        AND x.closed_on >= ${start}::date AND x.closed_on < ${end}::date
      GROUP BY 1, 2
      UNION ALL
      SELECT ${segOf}, x.closed_on, 0, count(*)
      FROM deals x LEFT JOIN accounts a ON a.id = x.account_id AND a.team_id = ${opts.teamId}
      WHERE x.team_id = ${opts.teamId} AND x.outcome = 'lost'
        AND x.closed_on >= ${start}::date AND x.closed_on < ${end}::date
      GROUP BY 1, 2
    ),
    dd AS (
      SELECT seg, ${grpOf(sql`seg`)} AS grp, month, won, decided FROM (
        SELECT seg, to_char(day, 'YYYY-MM') AS month, sum(won) AS won, sum(won) + sum(lost) AS decided
        FROM days GROUP BY 1, 2
      ) m
    ),
    cc AS (
      SELECT ${segOf} AS seg, to_char(c.churned_on, 'YYYY-MM') AS month
      FROM churn_events c LEFT JOIN accounts a ON a.id = c.account_id AND a.team_id = ${opts.teamId}
      WHERE c.team_id = ${opts.teamId} AND c.churned_on >= ${start}::date AND c.churned_on < ${end}::date
    ),
    cg AS (SELECT seg, ${grpOf(sql`seg`)} AS grp, month FROM cc)
    SELECT 'deal' AS kind, ${segmentLabel} AS segment, month, sum(won)::int AS a, sum(decided)::int AS b
    FROM dd GROUP BY GROUPING SETS ((month, seg), (month, grp), (month)) ${dropNullGrp}
    UNION ALL
    SELECT 'churn', ${segmentLabel}, month, count(*)::int, 0
    FROM cg GROUP BY GROUPING SETS ((month, seg), (month, grp), (month)) ${dropNullGrp}`,
  );
  const winRate = {} as DriftSeries['winRate'];
  const churn = {} as DriftSeries['churn'];
  for (const s of SEGMENTS) {
    winRate[s] = months.map((month) => {
      const r = rows.find((x) => x.kind === 'deal' && x.segment === s && x.month === month);
      const won = Number(r?.a ?? 0);
      const decided = Number(r?.b ?? 0);
      return { month, won, decided, rate: decided > 0 ? won / decided : null, ci: wilson(won, decided) };
    });
    churn[s] = months.map((month) => {
      const r = rows.find((x) => x.kind === 'churn' && x.segment === s && x.month === month);
      return { month, churned: Number(r?.a ?? 0) };
    });
  }
  return { months, winRate, churn };
}
