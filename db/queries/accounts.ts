/**
 * Small account helpers: bulk insert (tests, bench, seed) and fetching one account of a team.
 * Names and domains are normalised here with the same functions lookups use.
 */
import { and, eq, sql } from 'drizzle-orm';
import { normalizeCompanyName, registrableDomain } from '../../src/lookup/normalize.ts';
import type { AccountSummary } from '../../src/lookup/resolve.ts';
import type { Db } from '../client.ts';
import { queryRows } from '../raw.ts';
import { type AccountRow, accounts } from '../schema.ts';

export interface NewAccount {
  name: string;
  /** Domain, URL or e-mail; stored as its registrable domain (null when not a domain). */
  domain?: string | null;
  externalId?: string;
  source?: string;
  industry?: string | null;
  employees?: number | null;
  revenue?: number | null;
  country?: string | null;
  attributes?: Record<string, unknown>;
}

/** The summary columns lookups return. */
export const summaryColumns = {
  id: accounts.id,
  name: accounts.name,
  domain: accounts.domain,
  industry: accounts.industry,
  employees: accounts.employees,
  country: accounts.country,
};

/** The columns scoring reads (src/icp/facts.ts factsFromAccount), for queries that score many accounts. */
export const scoringColumns = {
  id: accounts.id,
  name: accounts.name,
  domain: accounts.domain,
  industry: accounts.industry,
  employees: accounts.employees,
  revenue: accounts.revenue,
  country: accounts.country,
  attributes: accounts.attributes,
};

/**
 * Inserts accounts for one team in batches and returns their ids in input order. Without an
 * externalId the row's position is used, so duplicate names (which real CRMs have) are kept.
 */
export async function insertAccounts(db: Db, teamId: string, rows: readonly NewAccount[]): Promise<number[]> {
  const ids: number[] = [];
  const batch = 1000;
  for (let i = 0; i < rows.length; i += batch) {
    const values = rows.slice(i, i + batch).map((r, j) => ({
      teamId,
      externalId: r.externalId ?? `row-${i + j + 1}`,
      source: r.source ?? 'manual',
      name: r.name,
      normalizedName: normalizeCompanyName(r.name),
      domain: r.domain ? registrableDomain(r.domain) : null,
      industry: r.industry ?? null,
      employees: r.employees ?? null,
      revenue: r.revenue ?? null,
      country: r.country ?? null,
      attributes: r.attributes ?? {},
    }));
    const inserted = await db.insert(accounts).values(values).returning({ id: accounts.id });
    for (const row of inserted) ids.push(row.id);
  }
  if (rows.length > 0) await refreshNameWords(db, teamId);
  return ids;
}

/**
 * Recomputes the team's word dictionary (account_name_words) from accounts.name_words in one set-based
 * statement: every word with its account count, words no account uses any more removed. Call it after
 * any write that adds or renames accounts (insertAccounts and the CSV importer do), in the same
 * transaction, so new names are searchable word by word at once. Rows are upserted in word order so
 * two concurrent refreshes of one team cannot deadlock.
 */
export async function refreshNameWords(db: Db, teamId: string): Promise<void> {
  await db.execute(sql`
    WITH counted AS (
      SELECT w AS word, count(*)::int AS n
      FROM accounts, unnest(name_words) AS w
      WHERE team_id = ${teamId} AND w <> ''
      GROUP BY w
    ), gone AS (
      DELETE FROM account_name_words d
      WHERE d.team_id = ${teamId} AND NOT EXISTS (SELECT 1 FROM counted c WHERE c.word = d.word)
    )
    INSERT INTO account_name_words (team_id, word, accounts)
    SELECT ${teamId}, word, n FROM counted ORDER BY word
    ON CONFLICT (team_id, word) DO UPDATE SET accounts = excluded.accounts
      WHERE account_name_words.accounts <> excluded.accounts`);
}

/** One account of the team, or null (also null for another team's id). */
export async function getAccount(db: Db, teamId: string, id: number): Promise<AccountRow | null> {
  const [row] = await db
    .select()
    .from(accounts)
    .where(and(eq(accounts.teamId, teamId), eq(accounts.id, id)))
    .limit(1);
  return row ?? null;
}

/** The lookup summary of one account of the team, or null. */
export async function getAccountSummary(db: Db, teamId: string, id: number): Promise<AccountSummary | null> {
  const [row] = await db
    .select(summaryColumns)
    .from(accounts)
    .where(and(eq(accounts.teamId, teamId), eq(accounts.id, id)))
    .limit(1);
  return row ?? null;
}

/** Whether the team has any accounts and any deals yet (the App Home's getting-started steps). */
export async function dataPresence(db: Db, teamId: string): Promise<{ accounts: boolean; deals: boolean }> {
  const [row] = await queryRows<{ accounts: boolean; deals: boolean }>(
    db,
    sql`select exists (select 1 from accounts where team_id = ${teamId}) as accounts,
               exists (select 1 from deals where team_id = ${teamId}) as deals`,
  );
  return { accounts: Boolean(row?.accounts), deals: Boolean(row?.deals) };
}
