/**
 * The churn half of the drift statement (db/queries/drift.ts): who was a customer at each window start
 * and who of them churned in the window, as CTEs ending in `churn_rows` (segment, win, active, customers,
 * churned). The definition is src/drift/report.ts's (and README's):
 *
 * - An account becomes a customer, or a customer again, at each "start": a won deal's close date; for an
 *   account with no won deal, a subscription's start date; for an account with neither, its
 *   customer-since date (accounts file). That is the order of precedence of the sources.
 * - It stops being one at a churn event (or the subscription end an import named as the churn signal).
 * - Customer at day s: its latest start before s is after its latest churn before s (a start and a churn
 *   on one day leave it churned) and, when subscriptions define it, one of them runs on day s.
 * - Churned in a window [s, e]: a customer at s with a churn event in [s, e]. Per window a customer
 *   counts once; one that churned, came back (a new start) and churned again counts in each window.
 */
import { type SQL, sql } from 'drizzle-orm';
import { churnPeriods, type DayRange, type DriftWindows } from '../../src/drift/windows.ts';
import { dropNullGrp, grpOf, lastsCte, segFrom, segmentLabel } from './drift-parts.ts';

/**
 * The CTEs (to follow other CTEs: starts with no WITH, ends without a comma). Checkpoint 0 is the recent
 * window, 1…P the churn baseline's periods.
 *
 * Plan: accounts without a churn event need only their first start (accounts.first_won_on, kept by
 * triggers; the first subscription; customer_since), so won deals are read only for accounts that have a
 * churn event (`churners`), where a later win can be a reactivation. Accounts with neither a churn event
 * nor subscriptions (nearly all) are flagged straight from their row (`plain`); only the others are
 * aggregated per account (`cust`). Everything is then collapsed to one row per (tier, ICP version,
 * flags) before the sums.
 */
export function customerChurnCtes(teamId: string, w: DriftWindows): SQL {
  const checkpoints: DayRange[] = [w.recent, ...churnPeriods(w)];
  const rs = sql`${w.recent.start}::date`;
  const each = (f: (p: DayRange, k: number) => SQL, sep = sql`, `) => sql.join(checkpoints.map(f), sep);
  const k = (name: string, i: number) => sql.raw(`${name}${i}`);
  return sql`
  ${customerStartCtes(teamId, rs)},
  -- Most customers never churned and are not defined by subscriptions: for them only the first start
  -- matters (a customer from that day on), read straight from accounts, no per-account aggregation.
  plain AS (
    SELECT a.tier, a.icp_version AS ver, coalesce(a.first_won_on, a.customer_since) AS d
    FROM accounts a
    WHERE a.team_id = ${teamId} AND coalesce(a.first_won_on, a.customer_since) < ${rs}
      AND NOT EXISTS (SELECT 1 FROM churners c WHERE c.aid = a.id)
      AND (a.first_won_on IS NOT NULL
        OR NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.team_id = ${teamId} AND s.account_id = a.id))
  ),
  -- Every other account (a churn event, or subscriptions): latest start before each checkpoint.
  cust AS (
    SELECT aid, ${each((p, i) => sql`max(d) FILTER (WHERE d < ${p.start}::date) AS ${k('ls', i)}`)}
    FROM cstarts
    WHERE aid IN (SELECT aid FROM churners) OR aid IN (SELECT aid FROM subs)
    GROUP BY aid
  ),
  -- Whether a subscription runs on each checkpoint (subscription-defined accounts only).
  cov AS (
    SELECT aid, ${each(
      (p, i) =>
        sql`bool_or(started_on < ${p.start}::date AND (ended_on IS NULL OR ended_on >= ${p.start}::date)) AS ${k('cv', i)}`,
    )}
    FROM subs GROUP BY aid
  ),
  -- Latest churn before, and first churn from, each checkpoint.
  chn AS (
    SELECT account_id AS aid,
      ${each(
        (p, i) => sql`max(churned_on) FILTER (WHERE churned_on < ${p.start}::date) AS ${k('lc', i)},
        min(churned_on) FILTER (WHERE churned_on >= ${p.start}::date) AS ${k('nc', i)}`,
      )}
    FROM churn_events WHERE team_id = ${teamId} AND account_id IS NOT NULL GROUP BY 1
  ),
  flags AS (
    SELECT a.tier, a.icp_version AS ver,
      ${each(
        (p, i) => sql`(c.${k('ls', i)} IS NOT NULL AND (h.${k('lc', i)} IS NULL OR h.${k('lc', i)} < c.${k('ls', i)})
          AND coalesce(v.${k('cv', i)}, true)) AS ${k('a', i)},
        (h.${k('nc', i)} <= ${p.end}::date) AS ${k('x', i)}`,
      )}, 1 AS n
    FROM cust c JOIN accounts a ON a.id = c.aid AND a.team_id = ${teamId}
    LEFT JOIN chn h ON h.aid = c.aid LEFT JOIN cov v ON v.aid = c.aid
    UNION ALL
    SELECT tier, ver, ${each((p, i) => sql`d < ${p.start}::date AS ${k('a', i)}, false AS ${k('x', i)}`)}, count(*)
    FROM plain
    GROUP BY ${sql.raw(Array.from({ length: 2 + 2 * checkpoints.length }, (_, i) => String(i + 1)).join(', '))}
  ),
  -- One row per (segment, flags): active at checkpoint i (a_i), churned in its window (c_i).
  firsts AS (
    SELECT seg, ${grpOf(sql`seg`)} AS grp, ${each((_, i) => sql`${k('a', i)}, ${k('c', i)}`)}, n FROM (
      SELECT ${segFrom(sql`tier`, sql`ver`)} AS seg,
        ${each((_, i) => sql`${k('a', i)}, coalesce(${k('a', i)} AND ${k('x', i)}, false) AS ${k('c', i)}`)},
        sum(n) AS n
      FROM flags
      GROUP BY ${sql.raw(['1', ...checkpoints.flatMap((_, i) => [String(2 * i + 2), String(2 * i + 3)])].join(', '))}
    ) g
  ),
  churn_agg AS (
    SELECT ${segmentLabel} AS segment,
      coalesce(sum(n) FILTER (WHERE a0), 0) AS active_r,
      coalesce(sum(n) FILTER (WHERE c0), 0) AS churned_r,
      coalesce(sum(n * (${sql.join(
        checkpoints.slice(1).map((_, j) => sql`${k('a', j + 1)}::int`),
        sql` + `,
      )})), 0) AS active_b,
      coalesce(sum(n * (${sql.join(
        checkpoints.slice(1).map((_, j) => sql`${k('c', j + 1)}::int`),
        sql` + `,
      )})), 0) AS churned_b,
      coalesce(sum(n * (${sql.join(
        checkpoints.slice(1).map((_, j) => k('a', j + 1)),
        sql` OR `,
      )})::int), 0) AS customers_b
    FROM firsts
    GROUP BY GROUPING SETS ((seg), (grp), ())
    ${dropNullGrp}
  ),
  churn_rows AS (
    SELECT segment, 'recent' AS win, active_r AS active, active_r AS customers, churned_r AS churned
    FROM churn_agg WHERE active_r > 0
    UNION ALL
    SELECT segment, 'baseline', active_b, customers_b, churned_b FROM churn_agg WHERE active_b > 0
  )`;
}

/**
 * The customer starts by the order of precedence (see the module comment), before `before`, as CTEs
 * `churners` (accounts with a churn event), `subs` (the subscriptions of subscription-defined accounts) and
 * `cstarts` (aid, d). Won deals are read only for churners: for any other account the first start is the
 * only one that matters. Shared by the drift report and `icp suggest --outcome churn`, so both count the
 * same customers.
 */
export function customerStartCtes(teamId: string, before: SQL): SQL {
  return sql`
  churners AS MATERIALIZED (
    SELECT DISTINCT account_id AS aid FROM churn_events WHERE team_id = ${teamId} AND account_id IS NOT NULL
  ),
  -- Subscription-defined accounts: subscriptions linked to an account of the team that has no won deal.
  subs AS (
    SELECT s.account_id AS aid, s.started_on, s.ended_on
    FROM subscriptions s JOIN accounts a ON a.id = s.account_id AND a.team_id = ${teamId}
    WHERE s.team_id = ${teamId} AND a.first_won_on IS NULL AND s.started_on < ${before}
  ),
  cstarts AS (
    SELECT a.id AS aid, a.first_won_on AS d FROM accounts a
    WHERE a.team_id = ${teamId} AND a.first_won_on < ${before}
    UNION ALL
    SELECT x.account_id, x.closed_on FROM deals x JOIN churners c ON c.aid = x.account_id
    WHERE x.team_id = ${teamId} AND x.outcome = 'won' AND x.closed_on < ${before}
    UNION ALL
    SELECT aid, started_on FROM subs
    UNION ALL
    SELECT a.id, a.customer_since FROM accounts a
    WHERE a.team_id = ${teamId} AND a.first_won_on IS NULL AND a.customer_since < ${before}
      AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.team_id = ${teamId} AND s.account_id = a.id)
  )`;
}

/**
 * Customer spells, the unit `icp suggest --outcome churn` learns from, as CTEs ending in `spells` (aid,
 * started_on, churned). The same definition as the drift report's, read per spell instead of per window: a
 * spell begins at a start when the account is not a customer that day (customer at day x: as above, with
 * starts and churns strictly before x), and ends churned at the first churn event while it is a customer. A
 * churn with no new start between counts nothing; a start while a customer continues the spell; a spell a
 * subscription lapse ends without a churn event did not churn. An account that churned, came back and
 * churned again has two churned spells.
 */
export function customerSpellCtes(teamId: string): SQL {
  return sql`
  ${customerStartCtes(teamId, sql`'infinity'::date`)},
  pts AS (
    SELECT DISTINCT aid, d, 's' AS k FROM cstarts WHERE d IS NOT NULL
    UNION
    SELECT DISTINCT account_id, churned_on, 'c' FROM churn_events WHERE team_id = ${teamId} AND account_id IS NOT NULL
  ),
  -- Latest start and latest churn strictly before each point's day.
  ${lastsCte},
  -- Whether a subscription runs on each point's day (subscription-defined accounts only).
  cov AS (
    SELECT p.aid, p.d, bool_or(s.started_on < p.d AND (s.ended_on IS NULL OR s.ended_on >= p.d)) AS cv
    FROM pts p JOIN subs s ON s.aid = p.aid GROUP BY p.aid, p.d
  ),
  flags AS (
    SELECT l.aid, l.d, l.k, (l.ls IS NOT NULL AND (l.lc IS NULL OR l.lc < l.ls) AND coalesce(v.cv, true)) AS cust
    FROM lasts l LEFT JOIN cov v ON v.aid = l.aid AND v.d = l.d
  ),
  begins AS (
    SELECT aid, d, lead(d) OVER (PARTITION BY aid ORDER BY d) AS nd FROM flags WHERE k = 's' AND NOT cust
  ),
  spells AS (
    SELECT b.aid, b.d AS started_on, bool_or(c.d IS NOT NULL) AS churned
    FROM begins b LEFT JOIN flags c ON c.aid = b.aid AND c.k = 'c' AND c.cust AND c.d > b.d
      AND (b.nd IS NULL OR c.d < b.nd)
    GROUP BY b.aid, b.d
  )`;
}
