/**
 * What `icp suggest` learns from: every account with decided deals (or every customer, for churn) and its
 * won and lost counts before and from the holdout date. The counting happens in SQL, one aggregate over
 * the team's deals grouped by account, so a million deals reach JavaScript as one row per account.
 */
import { sql } from 'drizzle-orm';
import type { factsFromAccount } from '../../src/icp/engine.ts';
import type { Db } from '../client.ts';
import { queryRows } from '../raw.ts';

export type LearnOutcomeKind = 'win' | 'churn';

/** The account columns the engine reads facts from. */
export type AccountFactColumns = Parameters<typeof factsFromAccount>[0];

/** One account with its outcome counts; for churn, "won" is a customer who stayed and "lost" one who churned. */
export interface LearnAccountRow extends AccountFactColumns {
  id: number;
  trainWon: number;
  trainLost: number;
  holdWon: number;
  holdLost: number;
}

interface RawRow extends Omit<AccountFactColumns, 'revenue'> {
  id: number;
  revenue: number | string | null;
  train_won: number | string;
  train_lost: number | string;
  hold_won: number | string;
  hold_lost: number | string;
}

const parseJson = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

/**
 * The default holdout start: the date that leaves the last 25% of decided deals (by close date) for the
 * holdout, or of customers by the date they first won, for churn. Null when there is nothing dated.
 */
export async function defaultHoldoutFrom(db: Db, teamId: string, outcome: LearnOutcomeKind): Promise<string | null> {
  const rows =
    outcome === 'win'
      ? await queryRows<{ d: string | Date | null }>(
          db,
          sql`SELECT percentile_disc(0.75) WITHIN GROUP (ORDER BY closed_on) AS d FROM deals
            WHERE team_id = ${teamId} AND outcome IN ('won', 'lost') AND account_id IS NOT NULL AND closed_on IS NOT NULL`,
        )
      : await queryRows<{ d: string | Date | null }>(
          db,
          sql`SELECT percentile_disc(0.75) WITHIN GROUP (ORDER BY first_won_on) AS d FROM accounts
            WHERE team_id = ${teamId} AND first_won_on IS NOT NULL`,
        );
  const d = rows[0]?.d;
  if (d === null || d === undefined) return null;
  return typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);
}

/**
 * Accounts with their outcome counts split at `holdoutFrom` (null: everything is training). Deals closed
 * before the date train the model; deals closed on or after it test it. A decided deal without a close date
 * can only be training. For churn, customers are split by the date they first won.
 */
export async function learnAccounts(
  db: Db,
  args: { teamId: string; outcome: LearnOutcomeKind; holdoutFrom: string | null },
): Promise<LearnAccountRow[]> {
  const { teamId, holdoutFrom: h } = args;
  const query =
    args.outcome === 'win'
      ? sql`WITH d AS (
          SELECT account_id,
            count(*) FILTER (WHERE outcome = 'won' AND (closed_on IS NULL OR ${h}::date IS NULL OR closed_on < ${h}::date)) AS train_won,
            count(*) FILTER (WHERE outcome = 'lost' AND (closed_on IS NULL OR ${h}::date IS NULL OR closed_on < ${h}::date)) AS train_lost,
            count(*) FILTER (WHERE outcome = 'won' AND closed_on >= ${h}::date) AS hold_won,
            count(*) FILTER (WHERE outcome = 'lost' AND closed_on >= ${h}::date) AS hold_lost
          FROM deals
          WHERE team_id = ${teamId} AND outcome IN ('won', 'lost') AND account_id IS NOT NULL
          GROUP BY account_id)
        SELECT a.id, a.name, a.domain, a.industry, a.employees, a.revenue, a.country, a.attributes,
          d.train_won, d.train_lost, d.hold_won, d.hold_lost
        FROM d JOIN accounts a ON a.id = d.account_id AND a.team_id = ${teamId}
        ORDER BY a.id`
      : sql`WITH c AS (
          SELECT DISTINCT account_id FROM churn_events WHERE team_id = ${teamId} AND account_id IS NOT NULL),
        s AS (
          SELECT a.*, (c.account_id IS NULL) AS stayed,
            (${h}::date IS NULL OR a.first_won_on < ${h}::date) AS train
          FROM accounts a LEFT JOIN c ON c.account_id = a.id
          WHERE a.team_id = ${teamId} AND a.first_won_on IS NOT NULL)
        SELECT id, name, domain, industry, employees, revenue, country, attributes,
          (train AND stayed)::int AS train_won, (train AND NOT stayed)::int AS train_lost,
          (NOT train AND stayed)::int AS hold_won, (NOT train AND NOT stayed)::int AS hold_lost
        FROM s ORDER BY id`;
  const rows = await queryRows<RawRow>(db, query);
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    domain: r.domain,
    industry: r.industry,
    employees: r.employees === null ? null : Number(r.employees),
    revenue: r.revenue === null ? null : Number(r.revenue),
    country: r.country,
    attributes: parseJson(r.attributes),
    trainWon: Number(r.train_won),
    trainLost: Number(r.train_lost),
    holdWon: Number(r.hold_won),
    holdLost: Number(r.hold_lost),
  }));
}
