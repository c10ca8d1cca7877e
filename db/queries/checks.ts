/** The log of every check, and "wrong tier?" feedback. */
import { and, desc, eq, gte, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { GroupCommit, ItemFailed, perHandle } from '../group-commit.ts';
import { jsonParam, preparedRows, queryRows } from '../raw.ts';
import { checks, tierFeedback } from '../schema.ts';

export interface CheckLogEntry {
  teamId: string;
  userId: string;
  query: string;
  accountId: number | null;
  companyName: string | null;
  score: number | null;
  tier: string | null;
  icpVersion: number | null;
  latencyMs: number;
  result: unknown;
}

/**
 * The check log commits asynchronously (`synchronous_commit = off` for this transaction only): the row
 * is committed and visible before the answer goes out, but the reply does not wait for the WAL flush.
 * Only a crash of the database server itself could lose the last fraction of a second of check-log
 * rows (never corrupt anything); every other write (imports, reviews, reminders) stays fully durable.
 */
const INSERT_MANY = `
  with r as materialized (
    select nextval('checks_id_seq') as id, x.*
    from jsonb_to_recordset($1::jsonb) as x(ord int, team_id text, user_id text, query text, account_id int,
      company_name text, score double precision, tier text, icp_version int, latency_ms int, result jsonb),
      (select set_config('synchronous_commit', 'off', true)) as async_commit
  ), ins as (
    insert into checks (id, team_id, user_id, query, account_id, company_name, score, tier, icp_version, latency_ms,
      result)
    select id, team_id, user_id, query, account_id, company_name, score, tier, icp_version, latency_ms, result from r
  )
  select ord, id, (select max(version) from icp_versions v where v.team_id = r.team_id) as current_icp_version
  from r`;

/**
 * Many entries in one statement: the batch travels as one jsonb parameter, ids are drawn in the
 * batch's order so each caller gets its own.
 */
async function insertMany(db: Db, entries: CheckLogEntry[]): Promise<LoggedCheckRow[]> {
  const rows = entries.map((e, ord) => ({
    ord,
    team_id: e.teamId,
    user_id: e.userId,
    query: e.query,
    account_id: e.accountId,
    company_name: e.companyName,
    score: e.score,
    tier: e.tier,
    icp_version: e.icpVersion,
    latency_ms: e.latencyMs,
    result: e.result ?? null,
  }));
  const out = await preparedRows<{ ord: number; id: number; current_icp_version: number | null }>(
    db,
    'log_checks',
    INSERT_MANY,
    [jsonParam(rows)],
  );
  const logged: LoggedCheckRow[] = new Array(entries.length);
  for (const r of out) {
    const v = r.current_icp_version;
    logged[Number(r.ord)] = { id: Number(r.id), currentIcpVersion: v === null ? null : Number(v) };
  }
  return logged;
}

const checkLog = perHandle(
  (db: Db) =>
    new GroupCommit<CheckLogEntry, LoggedCheckRow>(async (batch) => {
      try {
        return await insertMany(db, batch);
      } catch (err) {
        if (batch.length === 1) throw err;
        // One bad entry must not lose the others: insert them one by one (each fails on its own).
        return Promise.all(
          batch.map((e) =>
            insertMany(db, [e]).then(
              ([row]) => row as LoggedCheckRow,
              (e2: unknown) => new ItemFailed(e2),
            ),
          ),
        );
      }
    }),
);

export interface LoggedCheckRow {
  id: number;
  /**
   * The team's current ICP version when the row was committed, read in the same statement: a check
   * scored with a version this process cached can confirm it was still current at no extra round trip.
   */
  currentIcpVersion: number | null;
}

/**
 * Logs a check once the row is committed. Concurrent checks on one database handle share one INSERT
 * (group commit), so a busy server makes one round trip per batch, not per check.
 */
export async function logCheck(db: Db, entry: CheckLogEntry): Promise<LoggedCheckRow> {
  return checkLog(db).submit(entry);
}

/** Replaces a logged check's answer (a check re-scored because a newer ICP version was applied meanwhile). */
export async function updateCheckAnswer(
  db: Db,
  teamId: string,
  id: number,
  answer: Pick<CheckLogEntry, 'score' | 'tier' | 'icpVersion' | 'result'>,
): Promise<void> {
  await db
    .update(checks)
    .set(answer)
    .where(and(eq(checks.teamId, teamId), eq(checks.id, id)));
}

export async function getCheck(db: Db, teamId: string, id: number) {
  const [row] = await db
    .select()
    .from(checks)
    .where(and(eq(checks.teamId, teamId), eq(checks.id, id)))
    .limit(1);
  return row ?? null;
}

export async function recentChecks(db: Db, teamId: string, userId: string, limit = 5) {
  return db
    .select({
      id: checks.id,
      query: checks.query,
      companyName: checks.companyName,
      score: checks.score,
      tier: checks.tier,
      icpVersion: checks.icpVersion,
      createdAt: checks.createdAt,
    })
    .from(checks)
    .where(and(eq(checks.teamId, teamId), eq(checks.userId, userId)))
    .orderBy(desc(checks.createdAt), desc(checks.id))
    .limit(limit);
}

export async function recordTierFeedback(
  db: Db,
  fb: {
    teamId: string;
    userId: string;
    checkId: number | null;
    accountId: number | null;
    companyName: string | null;
    givenTier: string | null;
    expectedTier: string | null;
    reason: string;
    note: string | null;
    icpVersion: number | null;
  },
): Promise<number> {
  const [row] = await db.insert(tierFeedback).values(fb).returning({ id: tierFeedback.id });
  return row!.id;
}

/** Feedback since a moment, grouped by reason, for review reminders. */
export async function feedbackSummary(db: Db, teamId: string, since: Date) {
  const rows = await queryRows<{ reason: string; n: number; companies: string[] }>(
    db,
    sql`SELECT reason, count(*)::int AS n, (array_agg(DISTINCT company_name))[1:5] AS companies
          FROM tier_feedback WHERE team_id = ${teamId} AND created_at >= ${since.toISOString()}
         GROUP BY reason ORDER BY n DESC`,
  );
  return rows;
}

export async function feedbackSince(db: Db, teamId: string, since: Date) {
  return db
    .select()
    .from(tierFeedback)
    .where(and(eq(tierFeedback.teamId, teamId), gte(tierFeedback.createdAt, since)))
    .orderBy(desc(tierFeedback.createdAt));
}
