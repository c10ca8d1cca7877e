/**
 * The starter ICP's cache (src/usecases/starter-icp.ts): a cheap fingerprint of the data a suggestion
 * learns from, and the result last computed for it. Every query is scoped by team_id.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { queryRows } from '../raw.ts';
import { starterSuggestions } from '../schema.ts';

export interface DataFingerprint {
  /** Equal for equal data: compare it, never parse it. */
  key: string;
  accounts: number;
  deals: number;
}

/**
 * Counts and last writes of the team's accounts, deals, churn events and subscriptions, in one statement.
 * Accounts carry updated_at (set by every import); the other tables are updated in place by re-imports and
 * account linking without a timestamp of their own, so their rows' xmin (the transaction that last wrote
 * each row, a PostgreSQL system column) stands in: any insert or update raises the maximum, a delete lowers
 * the count. Rescoring writes only accounts' score columns, which leave updated_at alone.
 */
export async function dataFingerprint(db: Db, teamId: string): Promise<DataFingerprint> {
  const [row] = await queryRows<Record<string, string | number | Date | null>>(
    db,
    sql`SELECT
      (SELECT count(*) FROM accounts WHERE team_id = ${teamId}) AS accounts,
      (SELECT max(updated_at) FROM accounts WHERE team_id = ${teamId}) AS accounts_at,
      (SELECT count(*) FROM deals WHERE team_id = ${teamId}) AS deals,
      (SELECT max(xmin::text::bigint) FROM deals WHERE team_id = ${teamId}) AS deals_x,
      (SELECT count(*) FROM churn_events WHERE team_id = ${teamId}) AS churn,
      (SELECT max(xmin::text::bigint) FROM churn_events WHERE team_id = ${teamId}) AS churn_x,
      (SELECT count(*) FROM subscriptions WHERE team_id = ${teamId}) AS subs,
      (SELECT max(xmin::text::bigint) FROM subscriptions WHERE team_id = ${teamId}) AS subs_x`,
  );
  const r = row ?? {};
  const part = (v: string | number | Date | null | undefined) =>
    v instanceof Date ? v.toISOString() : v === null || v === undefined ? '' : String(v);
  const key = ['accounts', 'accounts_at', 'deals', 'deals_x', 'churn', 'churn_x', 'subs', 'subs_x']
    .map((k) => part(r[k]))
    .join('|');
  return { key, accounts: Number(r.accounts ?? 0), deals: Number(r.deals ?? 0) };
}

export interface CachedStarter<T> {
  fingerprint: string;
  icpVersion: number;
  starter: T | null;
}

export async function getStarterCache<T>(db: Db, teamId: string): Promise<CachedStarter<T> | null> {
  const rows = await db.select().from(starterSuggestions).where(sql`${starterSuggestions.teamId} = ${teamId}`).limit(1);
  const r = rows[0];
  if (!r) return null;
  return { fingerprint: r.fingerprint, icpVersion: r.icpVersion, starter: (r.result as { starter: T | null }).starter };
}

/** Stores the result computed for a fingerprint (the latest computation wins). */
export async function saveStarterCache<T>(
  db: Db,
  args: { teamId: string; fingerprint: string; icpVersion: number; starter: T | null; at: Date },
): Promise<void> {
  const values = {
    teamId: args.teamId,
    fingerprint: args.fingerprint,
    icpVersion: args.icpVersion,
    result: { starter: args.starter },
    computedAt: args.at,
  };
  await db
    .insert(starterSuggestions)
    .values(values)
    .onConflictDoUpdate({
      target: starterSuggestions.teamId,
      set: {
        fingerprint: values.fingerprint,
        icpVersion: values.icpVersion,
        result: values.result,
        computedAt: values.computedAt,
      },
    });
}
