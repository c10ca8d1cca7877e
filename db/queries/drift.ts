/**
 * Drift aggregation in SQL. `getDriftAggregates` is ONE statement (one round trip): it counts per segment
 * and window, takes exact medians from histograms (sales cycle per day, deal size per amount bin, only the
 * deals of the bins holding the middle ranks being ranked one by one), and returns the few dozen aggregate
 * rows; the pure report builder (src/drift/report.ts, which documents every definition) turns them into a
 * report. No deal row ever reaches JavaScript; the medians equal percentile_cont(0.5)'s bit for bit.
 * `getDriftSeriesRows` is a second, separate statement used only for the chart's monthly series. Window
 * days are inclusive at both ends (src/drift/windows.ts). See `driftAggregateQuery` for the plan.
 */
import { type SQL, sql } from 'drizzle-orm';
import type {
  ChurnAggregate,
  DataSpan,
  DealAggregate,
  DriftAggregates,
  DriftWindows,
  Segment,
} from '../../src/drift/types.ts';
import type { Db } from '../client.ts';
import { customerChurnCtes } from './drift-customers.ts';
import { aggregateRows, segFrom } from './drift-parts.ts';

/** The chart series type, where the reminder code has always imported it from. */
export type { DriftSeries } from '../../src/drift/series.ts';
export { type DriftSeriesRow, getDriftSeriesRows } from './drift-series.ts';

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
  churn: { segment: Segment; win: 'recent' | 'baseline'; active: number; customers: number; churned: number }[];
  negative_cycles: number | string;
  churn_events: number | string;
  deals_first: string | null;
  deals_last: string | null;
  churn_first: string | null;
  churn_last: string | null;
}

/**
 * Bin of a deal amount in the deal-size histogram: sign(x)·floor(K·|x|^¼). Monotone non-decreasing in x
 * (sqrt is correctly rounded in IEEE 754, hence monotone, and so are abs, a positive factor and floor), which
 * is all exactness needs: a group's k-th smallest amount lies in the bin where the group's cumulative count
 * reaches k. K = 50 gives bins about 4·|x|^-¼/K wide (≈ 1 % at 10,000, ≈ 4 % at 100), a few hundred bins at
 * usual deal sizes. float8 throughout, so NaN and ±Infinity amounts bin (and compare) like PostgreSQL sorts them.
 */
const amountBin = (x: SQL) => sql`sign(${x}) * floor(50 * sqrt(sqrt(abs(${x}))))`;

/**
 * Which report labels a segment counts towards (its tier or 'unscored', fit / non-fit, 'all'), and which
 * windows a deal counts towards (its own, and 'pooled': both, the reference of Mood's median test). Small
 * constant relations, so that histograms are rolled up to report groups by ordinary hash joins.
 */
const labelsCte = sql`labels (seg, label, li) AS (VALUES ('tier1' COLLATE "C", 'tier1' COLLATE "C", 0),
    ('tier1', 'fit', 5), ('tier1', 'all', 7), ('tier2', 'tier2', 1), ('tier2', 'fit', 5), ('tier2', 'all', 7),
    ('tier3', 'tier3', 2), ('tier3', 'non_fit', 6), ('tier3', 'all', 7), ('no_fit', 'no_fit', 3), ('no_fit', 'non_fit', 6),
    ('no_fit', 'all', 7), ('unscored', 'unscored', 4), ('unscored', 'all', 7))`;
/** 'recent' / 'baseline' for a deal's window, in the "C" collation of `wins` (cheap sorts and comparisons). */
const winOf = (recent: SQL) => sql`(CASE WHEN ${recent} THEN 'recent' ELSE 'baseline' END) COLLATE "C"`;
const windowsCte = sql`wins (recent, win, wi) AS (VALUES (true, 'recent' COLLATE "C", 0), (true, 'pooled', 2),
    (false, 'baseline', 1), (false, 'pooled', 2))`;
/** A report group (label, window, cycle or amount) as one small integer, the cheapest sort key. */
const groupId = (li: SQL, wi: SQL, isCycle: SQL) => sql`(${li} * 8 + ${wi} * 2 + ${isCycle}::int)`;

/**
 * The single aggregation statement behind a report. Exported for EXPLAIN in the benchmark.
 *
 * Plan (100k accounts, 1M deals; see bench/drift.ts). Every deal scan is an index-only range scan over
 * [baseline start, recent end) of a partial covering index (no heap page, no deal outside the windows).
 * - Won deals (~130k) are joined to `accounts` once and materialised with the account's raw (tier, ICP
 *   version) (`dw`); segments are worked out on aggregated rows, never per deal (`segFrom`).
 * - One hash aggregate over them builds two histograms per cell (segment × window): counts per sales
 *   cycle (an integer number of days) and per amount bin (`amountBin`), a few thousand rows.
 * - Every exact median comes from those histograms instead of sorting deals: the histograms are summed
 *   per report group (label × recent / baseline / pooled, as one integer id: the cheapest sort key) and
 *   the bins holding the group's two middle
 *   ranks ⌊(n+1)/2⌋ and ⌊n/2⌋+1 found by cumulative counts. A cycle bin is a single value; for amounts
 *   only the deals in those few bins (~1 % of won deals) are ranked. The median is then computed as
 *   percentile_cont(0.5) does: the middle value, or lo + 0.5 · (hi − lo).
 * - Mood's "above the pooled median" counts: histogram bins above the median's bin, plus the deals of the
 *   median's own bin above it (that bin is one of the fetched middle bins whenever it holds any of the
 *   group's deals, since no deal of the group lies strictly between its two middle values).
 * - Lost deals are only counted, per (tier, ICP version, window), in one hash join and aggregate (which
 *   PostgreSQL may run in parallel workers); fit / non-fit / all rows are sums of the per-cell rows.
 * - Customers and churn: db/queries/drift-customers.ts (definition and plan there). Each account's first
 *   won close date is a column, accounts.first_won_on, that statement triggers on deals keep right on
 *   every write (migration 0008), so won deals are read only for accounts with a churn event (where a
 *   later win can be a reactivation); rows are collapsed to (segment, flags) before the sums.
 * - Segment labels and windows compare in the "C" collation (memcmp), not the database's.
 * Measured with bench/drift.ts against the previous percentile_cont / GROUPING SETS statement (identical
 * counts, medians, Mood counts and churn; means equal up to float summation order): about half the time.
 */
export function driftAggregateQuery(teamId: string, w: DriftWindows): SQL {
  const recentOf = sql`x.closed_on >= ${w.recent.start}::date`;
  const inWindows = sql`x.closed_on >= ${w.baseline.start}::date AND x.closed_on <= ${w.recent.end}::date`;
  return sql`
  WITH cur AS (SELECT max(version) AS v FROM icp_versions WHERE team_id = ${teamId}),
  ${labelsCte},
  ${windowsCte},
  -- Won deals of both windows, one narrow row each; read twice (histograms, then the middle bins).
  dw AS MATERIALIZED (
    SELECT a.tier, a.icp_version AS ver, ${recentOf} AS recent,
      -- A close before the create date is a data error, not a negative cycle: left out (and counted).
      CASE WHEN x.closed_on >= x.created_on THEN x.closed_on - x.created_on END AS cycle,
      x.closed_on < x.created_on AS bad_cycle, x.amount,
      ${amountBin(sql`x.amount`)} AS ab
    FROM deals x LEFT JOIN accounts a ON a.id = x.account_id AND a.team_id = ${teamId}
    WHERE x.team_id = ${teamId} AND x.outcome = 'won' AND ${inWindows}
  ),
  -- Per cell (seg, recent): won deals per cycle value (is_cycle) and per amount bin (NOT is_cycle).
  -- v is NULL for deals without a cycle / amount: counted as won, left out of medians like percentile_cont.
  hist AS MATERIALIZED (
    SELECT ${segFrom(sql`tier`, sql`ver`)} AS seg, recent, is_cycle, v, n, amount_sum
    FROM (
      SELECT tier, ver, recent, GROUPING(cycle) = 0 AS is_cycle,
        CASE WHEN GROUPING(cycle) = 0 THEN cycle::float8 ELSE ab END AS v,
        count(*) AS n, sum(amount) AS amount_sum
      FROM dw
      GROUP BY GROUPING SETS ((tier, ver, recent, cycle), (tier, ver, recent, ab))
    ) h
  ),
  -- Lost deals of both windows, counted per (tier, ICP version, window) by a hash aggregate: raw account
  -- columns as keys (the segment of the ten-odd groups is worked out afterwards, not per deal).
  lost AS (
    SELECT ${segFrom(sql`tier`, sql`ver`)} AS seg, recent, n FROM (
      SELECT a.tier, a.icp_version AS ver, ${recentOf} AS recent, count(*) AS n
      FROM deals x LEFT JOIN accounts a ON a.id = x.account_id AND a.team_id = ${teamId}
      WHERE x.team_id = ${teamId} AND x.outcome = 'lost' AND ${inWindows}
      GROUP BY 1, 2, 3
    ) l
  ),
  -- Histograms per report group (gid: label, win, is_cycle) with cumulative counts.
  gc AS (
    SELECT gid, v, n, sum(n) OVER (PARTITION BY gid ORDER BY v)::bigint AS cum,
      sum(n) OVER (PARTITION BY gid)::bigint AS total
    FROM (
      SELECT ${groupId(sql`l.li`, sql`wn.wi`, sql`h.is_cycle`)} AS gid, h.v, sum(h.n)::bigint AS n
      FROM hist h JOIN labels l ON l.seg = h.seg JOIN wins wn ON wn.recent = h.recent
      WHERE h.v IS NOT NULL
      GROUP BY 1, 2
    ) g
  ),
  gnames AS (
    SELECT DISTINCT l.label, wn.win, c.is_cycle, ${groupId(sql`l.li`, sql`wn.wi`, sql`c.is_cycle`)} AS gid
    FROM labels l CROSS JOIN wins wn CROSS JOIN (VALUES (true), (false)) c(is_cycle)
  ),
  -- The bin holding each group's lower (lo) and upper middle rank, and the rank within that bin (k_in).
  pick AS MATERIALIZED (
    SELECT gn.label, gn.win, gn.is_cycle, g.total, r.lo, g.v, r.k - (g.cum - g.n) AS k_in
    FROM gc g JOIN gnames gn ON gn.gid = g.gid
    CROSS JOIN LATERAL (VALUES (true, (g.total + 1) / 2), (false, g.total / 2 + 1)) r(lo, k)
    WHERE r.k > g.cum - g.n AND r.k <= g.cum
  ),
  -- Won deals in the amount bins picked above, with their labels: the only deals ranked individually.
  cand AS MATERIALIZED (
    SELECT l.label, c.recent, c.amount, c.ab
    FROM (
      SELECT ${segFrom(sql`tier`, sql`ver`)} AS seg, recent, amount, ab FROM dw
      WHERE ab IN (SELECT v FROM pick WHERE NOT is_cycle) OFFSET 0
    ) c
    JOIN labels l ON l.seg = c.seg
  ),
  mids AS (
    SELECT label, win, is_cycle, total, lo, v AS val FROM pick WHERE is_cycle
    UNION ALL
    SELECT label, win, false, total, lo, amount FROM (
      SELECT p.label, p.win, p.total, p.lo, p.k_in, c.amount,
        row_number() OVER (PARTITION BY p.label, p.win, p.lo ORDER BY c.amount) AS rn
      FROM cand c JOIN wins wn ON wn.recent = c.recent
      JOIN pick p ON p.label = c.label AND p.win = wn.win AND p.v = c.ab AND NOT p.is_cycle
    ) r
    WHERE rn = k_in
  ),
  -- percentile_cont(0.5): the middle value when n is odd, else lo + 0.5 * (hi - lo) (its float8 lerp).
  med AS MATERIALIZED (
    SELECT label, win, is_cycle, total,
      CASE WHEN total % 2 = 1 THEN lo_v ELSE lo_v + 0.5::float8 * (hi_v - lo_v) END AS m
    FROM (
      SELECT label, win, is_cycle, total, max(val) FILTER (WHERE lo) AS lo_v, max(val) FILTER (WHERE NOT lo) AS hi_v
      FROM mids GROUP BY 1, 2, 3, 4
    ) x
  ),
  pm AS (SELECT label, is_cycle, m, ${amountBin(sql`m`)} AS mb FROM med WHERE win = 'pooled'),
  -- Won deals above their group's pooled median, per (label, window): whole bins above the median's bin,
  -- plus the deals of the median's bin above it.
  above AS (
    SELECT label, ${winOf(sql`recent`)} AS win,
      sum(ca) AS cycle_above, sum(aa) AS amount_above
    FROM (
      SELECT l.label, h.recent,
        CASE WHEN h.is_cycle AND h.v > p.m THEN h.n ELSE 0 END AS ca,
        CASE WHEN NOT h.is_cycle AND h.v > p.mb THEN h.n ELSE 0 END AS aa
      FROM hist h JOIN labels l ON l.seg = h.seg
      JOIN pm p ON p.label = l.label AND p.is_cycle = h.is_cycle
      UNION ALL
      SELECT c.label, c.recent, 0, 1
      FROM cand c JOIN pm p ON p.label = c.label AND NOT p.is_cycle
      WHERE c.ab = p.mb AND c.amount > p.m
    ) u
    GROUP BY 1, 2
  ),
  -- Counts per cell, then per (label, window).
  cells AS (
    SELECT seg, recent, sum(won) AS won, sum(lost) AS lost, sum(amount_sum) AS amount_sum
    FROM (
      SELECT seg, recent, n AS won, 0 AS lost, NULL::float8 AS amount_sum FROM hist WHERE is_cycle
      UNION ALL
      SELECT seg, recent, 0, 0, amount_sum FROM hist WHERE NOT is_cycle
      UNION ALL
      SELECT seg, recent, 0, n, NULL FROM lost
    ) u
    GROUP BY 1, 2
  ),
  counts AS (
    SELECT l.label, ${winOf(sql`c.recent`)} AS win,
      sum(c.won) AS won, sum(c.won + c.lost) AS decided, sum(c.amount_sum) AS amount_sum
    FROM cells c JOIN labels l ON l.seg = c.seg
    GROUP BY 1, 2
  ),
  deal_agg AS (
    SELECT c.label AS segment, c.win, c.won, c.decided,
      mc.m AS cycle_median, coalesce(mc.total, 0) AS cycle_n,
      ma.m AS amount_median, CASE WHEN ma.total > 0 THEN c.amount_sum / ma.total::float8 END AS amount_mean,
      coalesce(ma.total, 0) AS amount_n,
      coalesce(a.cycle_above, 0) AS cycle_above, coalesce(a.amount_above, 0) AS amount_above
    FROM counts c
    LEFT JOIN med mc ON mc.label = c.label AND mc.win = c.win AND mc.is_cycle
    LEFT JOIN med ma ON ma.label = c.label AND ma.win = c.win AND NOT ma.is_cycle
    LEFT JOIN above a ON a.label = c.label AND a.win = c.win
  ),
  ${customerChurnCtes(teamId, w)}
  SELECT (SELECT v FROM cur) AS icp_version,
    coalesce((SELECT json_agg(deal_agg) FROM deal_agg), '[]'::json) AS deals,
    coalesce((SELECT json_agg(json_build_object('segment', segment, 'win', win, 'active', active,
      'customers', customers, 'churned', churned)) FROM churn_rows), '[]'::json) AS churn,
    (SELECT count(*) FROM dw WHERE bad_cycle) AS negative_cycles,
    (SELECT count(*) FROM churn_events WHERE team_id = ${teamId}) AS churn_events,
    -- Spans of the data, for window coverage: decided deals by close date (min / max read off the
    -- partial indexes), customers and churn events (first customer day to the newest record of any kind).
    least((SELECT min(closed_on) FROM deals WHERE team_id = ${teamId} AND outcome = 'won'),
      (SELECT min(closed_on) FROM deals WHERE team_id = ${teamId} AND outcome = 'lost'))::text AS deals_first,
    greatest((SELECT max(closed_on) FROM deals WHERE team_id = ${teamId} AND outcome = 'won'),
      (SELECT max(closed_on) FROM deals WHERE team_id = ${teamId} AND outcome = 'lost'))::text AS deals_last,
    least((SELECT min(least(first_won_on, customer_since)) FROM accounts WHERE team_id = ${teamId}),
      (SELECT min(started_on) FROM subscriptions WHERE team_id = ${teamId}),
      (SELECT min(churned_on) FROM churn_events WHERE team_id = ${teamId}))::text AS churn_first,
    greatest((SELECT max(churned_on) FROM churn_events WHERE team_id = ${teamId}),
      (SELECT max(closed_on) FROM deals WHERE team_id = ${teamId} AND outcome = 'won'),
      (SELECT max(closed_on) FROM deals WHERE team_id = ${teamId} AND outcome = 'lost'))::text AS churn_last`;
}

/** json columns come back parsed on both drivers; be tolerant of a driver handing over text. */
const parseJson = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

/** Runs the aggregation statement and returns the raw aggregates (what the report is built from). */
export async function getDriftAggregates(db: Db, teamId: string, w: DriftWindows): Promise<DriftAggregates> {
  // One statement; aggregateRows scopes its planner settings to it.
  const [row] = await aggregateRows<RawResult>(db, driftAggregateQuery(teamId, w));
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
    customers: Number(r.customers),
    churned: Number(r.churned),
  }));
  const v = row?.icp_version;
  const span = (first: string | null | undefined, last: string | null | undefined): DataSpan =>
    first && last ? { first: first.slice(0, 10), last: last.slice(0, 10) } : null;
  return {
    windows: w,
    icpVersion: v === null || v === undefined ? null : Number(v),
    deals,
    churn,
    spans: { deals: span(row?.deals_first, row?.deals_last), churn: span(row?.churn_first, row?.churn_last) },
    churnEvents: Number(row?.churn_events ?? 0),
    negativeCycles: Number(row?.negative_cycles ?? 0),
  };
}
