/**
 * What `icp suggest` learns from: every account with decided deals (or every customer, for churn) and its
 * won and lost counts before and from the holdout date. The counting happens in SQL, one aggregate over
 * the team's deals grouped by account, so a million deals reach JavaScript as one row per account.
 */
import { sql } from 'drizzle-orm';
import type { factsFromAccount } from '../../src/icp/engine.ts';
import type { Db } from '../client.ts';
import { queryRows } from '../raw.ts';
import { customerSpellCtes } from './drift-customers.ts';

export type LearnOutcomeKind = 'win' | 'churn';

/** The account columns the engine reads facts from. */
export type AccountFactColumns = Parameters<typeof factsFromAccount>[0];

/**
 * One account with its outcome counts; for churn, "won" counts its customer spells that did not end in churn
 * and "lost" those that did (the drift report's customer definition, see customerSpellCtes).
 */
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
 * holdout, or of customer spells by the date they began, for churn. Null when there is nothing dated.
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
          sql`WITH ${customerSpellCtes(teamId)}
            SELECT percentile_disc(0.75) WITHIN GROUP (ORDER BY started_on) AS d FROM spells`,
        );
  const d = rows[0]?.d;
  if (d === null || d === undefined) return null;
  return typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);
}

/**
 * Accounts with their outcome counts split at `holdoutFrom` (null: everything is training). Deals closed
 * before the date train the model; deals closed on or after it test it. A decided deal without a close date
 * can only be training. For churn, each customer spell counts once, split by the date it began; customers
 * are defined as in the drift report (won deals, else subscriptions, else customer-since; churn events end
 * a spell, a new start after one begins the next).
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
      : sql`WITH ${customerSpellCtes(teamId)},
        c AS (
          SELECT aid,
            count(*) FILTER (WHERE NOT churned AND (${h}::date IS NULL OR started_on < ${h}::date)) AS train_won,
            count(*) FILTER (WHERE churned AND (${h}::date IS NULL OR started_on < ${h}::date)) AS train_lost,
            count(*) FILTER (WHERE NOT churned AND started_on >= ${h}::date) AS hold_won,
            count(*) FILTER (WHERE churned AND started_on >= ${h}::date) AS hold_lost
          FROM spells GROUP BY aid)
        SELECT a.id, a.name, a.domain, a.industry, a.employees, a.revenue, a.country, a.attributes,
          c.train_won, c.train_lost, c.hold_won, c.hold_lost
        FROM c JOIN accounts a ON a.id = c.aid AND a.team_id = ${teamId}
        ORDER BY a.id`;
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
