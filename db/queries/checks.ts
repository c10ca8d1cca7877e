/** The log of every check, and "wrong tier?" feedback. */
import { and, desc, eq, gte, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { preparedPerDb, queryRows } from '../raw.ts';
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
 * PostgreSQL's text and jsonb cannot hold U+0000, which a user or a CRM file can still type: it is
 * stored as U+FFFD instead of failing the check.
 */
const storableText = <T extends string | null>(s: T): T => (s === null ? s : (s.replaceAll('\u0000', '\uFFFD') as T));
function storableJson(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  const json = JSON.stringify(value);
  // JSON writes U+0000 as the escape \u0000 (an escaped backslash before "u0000" is not one).
  return json.includes('\\u0000') ? JSON.parse(json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\uFFFD')) : value;
}

const insertCheck = preparedPerDb((db) =>
  db
    .insert(checks)
    .values({
      teamId: sql.placeholder('teamId'),
      userId: sql.placeholder('userId'),
      query: sql.placeholder('query'),
      accountId: sql.placeholder('accountId'),
      companyName: sql.placeholder('companyName'),
      score: sql.placeholder('score'),
      tier: sql.placeholder('tier'),
      icpVersion: sql.placeholder('icpVersion'),
      latencyMs: sql.placeholder('latencyMs'),
      result: sql.placeholder('result'),
    })
    .returning({ id: checks.id })
    .prepare('log_check'),
);

/**
 * Logs a check and returns its id once the row is committed: the answer that carries the id (its
 * buttons read the row) goes out only after this resolves, so a crash never loses a check a user saw.
 */
export async function logCheck(db: Db, e: CheckLogEntry): Promise<number> {
  const result = storableJson(e.result);
  const [row] = await insertCheck(db).execute({
    teamId: e.teamId,
    userId: e.userId,
    query: storableText(e.query),
    accountId: e.accountId,
    companyName: storableText(e.companyName),
    score: e.score,
    tier: e.tier,
    icpVersion: e.icpVersion,
    latencyMs: e.latencyMs,
    result,
  });
  return row!.id;
}

/** One logged check of the team, or null (also for another team's check). */
export async function getCheck(db: Db, teamId: string, id: number) {
  const [row] = await db
    .select()
    .from(checks)
    .where(and(eq(checks.teamId, teamId), eq(checks.id, id)))
    .limit(1);
  return row ?? null;
}

/** The user's latest checks, newest first (the App Home's recent checks). */
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
  const rows = await queryRows<{ reason: string; n: number; companies: string[]; notes: string[] | null }>(
    db,
    sql`SELECT reason, count(*)::int AS n, (array_agg(DISTINCT company_name))[1:5] AS companies,
          (array_agg(note ORDER BY created_at DESC) FILTER (WHERE btrim(note) <> ''))[1:3] AS notes
          FROM tier_feedback WHERE team_id = ${teamId} AND created_at >= ${since.toISOString()}
         GROUP BY reason ORDER BY n DESC`,
  );
  return rows.map((r) => ({ ...r, notes: r.notes ?? [] }));
}

export async function feedbackSince(db: Db, teamId: string, since: Date) {
  return db
    .select()
    .from(tierFeedback)
    .where(and(eq(tierFeedback.teamId, teamId), gte(tierFeedback.createdAt, since)))
    .orderBy(desc(tierFeedback.createdAt));
}
