/**
 * The drift chart's monthly counts: a second statement, separate from the report's aggregation
 * (db/queries/drift.ts), read only for the chart. src/drift/series.ts shapes the rows.
 */
import { sql } from 'drizzle-orm';
import type { Segment } from '../../src/drift/types.ts';
import type { Db } from '../client.ts';
import { aggregateRows, dropNullGrp, grpOf, lastsCte, segmentLabel, segOf } from './drift-parts.ts';

/** One count of the chart's monthly series: won / decided deals, or customers' churns (a = churned, b = 0). */
export interface DriftSeriesRow {
  kind: 'deal' | 'churn';
  segment: Segment;
  /** 'YYYY-MM' */
  month: string;
  a: number;
  b: number;
}

/**
 * Monthly counts for the drift chart, from `start` to `end` (both days included). A second statement,
 * for the chart only; src/drift/series.ts shapes the rows.
 */
export async function getDriftSeriesRows(
  db: Db,
  opts: { teamId: string; start: string; end: string },
): Promise<DriftSeriesRow[]> {
  const { start, end } = opts;
  const t = opts.teamId;
  const rows = await aggregateRows<DriftSeriesRow>(
    db,
    sql`
    WITH cur AS (SELECT max(version) AS v FROM icp_versions WHERE team_id = ${opts.teamId}),
    -- Won and lost deals counted per (tier, close day) from the two partial index-only range scans;
    -- months and the fit / non-fit / all roll-ups are sums of those few thousand rows.
    days AS (
      SELECT ${segOf} AS seg, x.closed_on AS day, count(*) AS won, 0 AS lost
      FROM deals x LEFT JOIN accounts a ON a.id = x.account_id AND a.team_id = ${opts.teamId}
      WHERE x.team_id = ${opts.teamId} AND x.outcome = 'won'
        AND x.closed_on >= ${start}::date AND x.closed_on <= ${end}::date
      GROUP BY 1, 2
      UNION ALL
      SELECT ${segOf}, x.closed_on, 0, count(*)
      FROM deals x LEFT JOIN accounts a ON a.id = x.account_id AND a.team_id = ${opts.teamId}
      WHERE x.team_id = ${opts.teamId} AND x.outcome = 'lost'
        AND x.closed_on >= ${start}::date AND x.closed_on <= ${end}::date
      GROUP BY 1, 2
    ),
    dd AS (
      SELECT seg, ${grpOf(sql`seg`)} AS grp, month, won, decided FROM (
        SELECT seg, to_char(day, 'YYYY-MM') AS month, sum(won) AS won, sum(won) + sum(lost) AS decided
        FROM days GROUP BY 1, 2
      ) m
    ),
    -- Churn of customers only, as the report counts it (db/queries/drift-customers.ts): an event counts
    -- when its account was a customer on that day: its latest start before the day (won deals; else
    -- subscriptions, one of them running that day; else customer-since) is later than its latest churn.
    ev AS MATERIALIZED (
      SELECT c.account_id AS aid, c.churned_on AS d
      FROM churn_events c
      WHERE c.team_id = ${t} AND c.account_id IS NOT NULL
        AND c.churned_on >= ${start}::date AND c.churned_on <= ${end}::date
    ),
    evacc AS (SELECT DISTINCT aid FROM ev),
    -- Every start and churn of those accounts up to the end (kind s / c), then, per point, the latest
    -- start and the latest churn strictly before its day: one sort per account instead of a lookup per event.
    pts AS (
      SELECT x.account_id AS aid, x.closed_on AS d, 's' AS k FROM deals x JOIN evacc e ON e.aid = x.account_id
      WHERE x.team_id = ${t} AND x.outcome = 'won' AND x.closed_on <= ${end}::date
      UNION ALL
      SELECT s.account_id, s.started_on, 's' FROM subscriptions s JOIN evacc e ON e.aid = s.account_id
      JOIN accounts a ON a.id = s.account_id AND a.team_id = ${t}
      WHERE s.team_id = ${t} AND a.first_won_on IS NULL AND s.started_on <= ${end}::date
      UNION ALL
      SELECT a.id, a.customer_since, 's' FROM accounts a JOIN evacc e ON e.aid = a.id
      WHERE a.team_id = ${t} AND a.first_won_on IS NULL AND a.customer_since <= ${end}::date
        AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.team_id = ${t} AND s.account_id = a.id)
      UNION ALL
      SELECT h.account_id, h.churned_on, 'c' FROM churn_events h JOIN evacc e ON e.aid = h.account_id
      WHERE h.team_id = ${t} AND h.churned_on <= ${end}::date
    ),
    ${lastsCte},
    cc AS (
      SELECT ${segOf} AS seg, to_char(l.d, 'YYYY-MM') AS month
      FROM lasts l JOIN accounts a ON a.id = l.aid AND a.team_id = ${t}
      WHERE l.k = 'c' AND l.d >= ${start}::date AND l.ls > coalesce(l.lc, '-infinity'::date)
        AND (a.first_won_on IS NOT NULL
          OR NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.team_id = ${t} AND s.account_id = l.aid)
          OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.team_id = ${t} AND s.account_id = l.aid
            AND s.started_on < l.d AND (s.ended_on IS NULL OR s.ended_on >= l.d)))
    ),
    cg AS (SELECT seg, ${grpOf(sql`seg`)} AS grp, month FROM cc)
    SELECT 'deal' AS kind, ${segmentLabel} AS segment, month, sum(won)::int AS a, sum(decided)::int AS b
    FROM dd GROUP BY GROUPING SETS ((month, seg), (month, grp), (month)) ${dropNullGrp}
    UNION ALL
    SELECT 'churn', ${segmentLabel}, month, count(*)::int, 0
    FROM cg GROUP BY GROUPING SETS ((month, seg), (month, grp), (month)) ${dropNullGrp}`,
  );
  return rows.map((r) => ({ ...r, a: Number(r.a), b: Number(r.b) }));
}
