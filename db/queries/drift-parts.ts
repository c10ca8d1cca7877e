/** SQL pieces shared by the drift statements (db/queries/drift.ts, drift-customers.ts, drift-series.ts). */
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { queryRows } from '../raw.ts';

/** `fit`/`non_fit` roll the tiers of a segment (see `segOf`) up; `all` is everything. */
export const grpOf = (col: SQL) =>
  sql`CASE WHEN ${col} IN ('tier1', 'tier2') THEN 'fit' WHEN ${col} IN ('tier3', 'no_fit') THEN 'non_fit' END`;

/** Label of a GROUPING SETS ((…, seg), (…, grp), (…)) row. */
export const segmentLabel = sql`CASE WHEN GROUPING(seg) = 0 THEN seg WHEN GROUPING(grp) = 0 THEN grp ELSE 'all' END`;
/** The (grp) set also yields a NULL group (unscored rows): already reported through (seg). */
export const dropNullGrp = sql`HAVING NOT (GROUPING(seg) = 1 AND GROUPING(grp) = 0 AND grp IS NULL)`;

/**
 * Segment of an account's (tier, icp_version): its stored tier when scored under the team's current ICP
 * version (`cur`, a one-row CTE; or when the team has no ICP version yet), else 'unscored', which is also
 * what a deal without an account of this team gets (the LEFT JOIN leaves the tier NULL). In the "C"
 * collation, so sorting and comparing segments is a memcmp.
 */
export const segFrom = (tier: SQL, version: SQL) => sql`CASE WHEN ${tier} IN ('tier1', 'tier2', 'tier3', 'no_fit')
    AND ((SELECT v FROM cur) IS NULL OR ${version} = (SELECT v FROM cur))
  THEN ${tier} ELSE 'unscored' END COLLATE "C"`;
/** Segment of a joined `accounts a` row. */
export const segOf = segFrom(sql`a.tier`, sql`a.icp_version`);

/**
 * Runs one of the wide drift statements with two planner settings scoped to it (both work on PGlite
 * too): JIT off, because compiling these wide plans cost 2.9-6.4 s of a 9-12 s report at 1M deals (and
 * ~380 ms of the chart's statement) while the executor itself needs well under a second (EXPLAIN ANALYZE
 * in bench/drift.ts); and enough work_mem for the materialised won deals and the hash aggregates to stay
 * in memory, hashed rather than sorted, instead of spilling at the 4 MB default.
 */
export async function aggregateRows<T>(db: Db, query: SQL): Promise<T[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)`);
    return queryRows<T>(tx as unknown as Db, query);
  });
}

/**
 * `lasts` (aid, d, k, ls, lc): for each point of `pts` (aid, d, k: 's' a customer start, 'c' a churn), the
 * latest start and the latest churn strictly before its day. The churn definition's one building block,
 * shared by the chart (drift-series.ts) and the customer spells icp suggest learns from (drift-customers.ts).
 */
export const lastsCte = sql`lasts AS (
    SELECT aid, d, k,
      max(d) FILTER (WHERE k = 's') OVER w AS ls,
      max(d) FILTER (WHERE k = 'c') OVER w AS lc
    FROM pts
    WINDOW w AS (PARTITION BY aid ORDER BY d RANGE BETWEEN UNBOUNDED PRECEDING AND '1 day' PRECEDING)
  )`;
