/**
 * Candidate accounts for what a user typed, each query scoped by team: exact domain, exact normalised
 * name and the whole-name trigram search (the word search is lookup-words.ts). Rows only: which queries run, in which
 * order, and which candidate wins is src/usecases/find-company.ts and src/lookup/resolve.ts.
 */
import { and, eq, sql } from 'drizzle-orm';
import { type AccountSummary, DEFAULT_THRESHOLDS } from '../../src/lookup/resolve.ts';
import type { Db } from '../client.ts';
import { preparedPerDb, queryRows } from '../raw.ts';
import { type AccountRow, accounts } from '../schema.ts';
import { EXACT_CAP, type FuzzyRow, toSummary } from './lookup-words.ts';

const byDomain = preparedPerDb((db) =>
  db
    .select()
    .from(accounts)
    .where(and(eq(accounts.teamId, sql.placeholder('teamId')), eq(accounts.domain, sql.placeholder('domain'))))
    .orderBy(accounts.id)
    .limit(EXACT_CAP)
    .prepare('lookup_by_domain'),
);

/**
 * Accounts of the team whose registrable domain is `domain`, lowest id first, at most EXACT_CAP. Whole
 * rows: when one of them is the match, /icp-check scores it without reading it again.
 */
export async function findByDomain(db: Db, teamId: string, domain: string): Promise<AccountRow[]> {
  return byDomain(db).execute({ teamId, domain });
}

const byExactName = preparedPerDb((db) =>
  db
    .select()
    .from(accounts)
    .where(
      and(
        eq(accounts.teamId, sql.placeholder('teamId')),
        sql`${accounts.normalizedName} = any(${sql.placeholder('keys')}::text[])`,
      ),
    )
    .orderBy(accounts.id)
    .limit(EXACT_CAP)
    .prepare('lookup_by_exact_name'),
);

/** Accounts of the team whose normalised name is one of `keys`, lowest id first, at most EXACT_CAP; whole rows. */
export async function findByExactName(db: Db, teamId: string, keys: readonly string[]): Promise<AccountRow[]> {
  if (keys.length === 0) return [];
  return byExactName(db).execute({ teamId, keys: [...keys] });
}

/**
 * Trigram candidates for a normalised name with similarity >= floor, best first, over the whole-name
 * trigram index. The `%` operator is what lets PostgreSQL use the GIN gin_trgm_ops index (a bare
 * `similarity(...) >= x` filter scans every row of the team). `%` reads pg_trgm.similarity_threshold,
 * so it is set to the floor for this transaction only. Slow when the name has common trigrams
 * ("technologies"): with `timeoutMs` the statement is cancelled after that long and null comes back.
 */
export async function findSimilarNames(
  db: Db,
  teamId: string,
  key: string,
  opts: { limit?: number; floor?: number; timeoutMs?: number } = {},
): Promise<AccountSummary[] | null> {
  const limit = opts.limit ?? 10;
  const floor = opts.floor ?? DEFAULT_THRESHOLDS.suggestMin;
  try {
    return await db.transaction((tx) => similarNames(tx as unknown as Db, teamId, key, floor, limit, opts.timeoutMs));
  } catch (err) {
    if (opts.timeoutMs !== undefined && isQueryCanceled(err)) return null;
    throw err;
  }
}

/**
 * The whole-name trigram search itself; run inside a transaction, which the threshold (and the
 * statement timeout, when given) are set for, in the same round trip.
 */
async function similarNames(
  tx: Db,
  teamId: string,
  key: string,
  floor: number,
  limit: number,
  timeoutMs?: number,
): Promise<AccountSummary[]> {
  const timeout = timeoutMs === undefined ? sql`` : sql`, set_config('statement_timeout', ${String(timeoutMs)}, true)`;
  await tx.execute(sql`select set_config('pg_trgm.similarity_threshold', ${String(floor)}, true)${timeout}`);
  const rows = await queryRows<FuzzyRow>(
    tx,
    sql`select id, name, domain, industry, employees, country, similarity(normalized_name, ${key}) as similarity
        from accounts
        where team_id = ${teamId} and normalized_name % ${key} and similarity(normalized_name, ${key}) >= ${floor}
        order by similarity desc, id
        limit ${limit}`,
  );
  return rows.map(toSummary);
}

function isQueryCanceled(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '57014') return true;
  }
  return false;
}
