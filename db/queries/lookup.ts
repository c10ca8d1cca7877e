/**
 * Resolves what a user typed ("Acme", "acme.com", "Acme (acme.com)", a typo) to an account of the
 * team. This file only gathers evidence with team-scoped queries; src/lookup/resolve.ts decides.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import {
  type AccountSummary,
  type CompanyQuery,
  DEFAULT_THRESHOLDS,
  decideResolution,
  type LookupEvidence,
  parseCompanyQuery,
  type Resolution,
  type Thresholds,
} from '../../src/lookup/resolve.ts';
import type { Db } from '../client.ts';
import { queryRows } from '../raw.ts';
import { accounts } from '../schema.ts';
import { summaryColumns } from './accounts.ts';

export type { AccountSummary, Resolution } from '../../src/lookup/resolve.ts';

/** More exact matches than this are reported as "N or more" candidates; we never need them all. */
const EXACT_CAP = 50;

/** Accounts of the team whose registrable domain is `domain`. */
export async function findByDomain(db: Db, teamId: string, domain: string): Promise<AccountSummary[]> {
  return db
    .select(summaryColumns)
    .from(accounts)
    .where(and(eq(accounts.teamId, teamId), eq(accounts.domain, domain)))
    .orderBy(accounts.id)
    .limit(EXACT_CAP);
}

/** Accounts of the team whose normalised name is one of `keys`. */
export async function findByNormalizedName(db: Db, teamId: string, keys: readonly string[]): Promise<AccountSummary[]> {
  if (keys.length === 0) return [];
  return db
    .select(summaryColumns)
    .from(accounts)
    .where(and(eq(accounts.teamId, teamId), inArray(accounts.normalizedName, [...keys])))
    .orderBy(accounts.id)
    .limit(EXACT_CAP);
}

interface FuzzyRow {
  id: number;
  name: string;
  domain: string | null;
  industry: string | null;
  employees: number | null;
  country: string | null;
  similarity: number | string;
}

/**
 * Trigram candidates for a normalised name with similarity >= floor, best first. The `%` operator is
 * what lets PostgreSQL use the GIN gin_trgm_ops index (a bare `similarity(...) >= x` filter scans every
 * row of the team; EXPLAIN in bench/lookup.ts checks this). `%` reads pg_trgm.similarity_threshold, so
 * it is set to the floor for this transaction only; a higher floor also means fewer index candidates.
 */
export async function findSimilarNames(
  db: Db,
  teamId: string,
  key: string,
  opts: { limit?: number; floor?: number } = {},
): Promise<AccountSummary[]> {
  const limit = opts.limit ?? 10;
  const floor = opts.floor ?? DEFAULT_THRESHOLDS.suggestMin;
  const rows = await db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('pg_trgm.similarity_threshold', ${String(floor)}, true)`);
    return queryRows<FuzzyRow>(
      tx as unknown as Db,
      sql`select id, name, domain, industry, employees, country, similarity(normalized_name, ${key}) as similarity
          from accounts
          where team_id = ${teamId} and normalized_name % ${key} and similarity(normalized_name, ${key}) >= ${floor}
          order by similarity desc, id
          limit ${limit}`,
    );
  });
  return rows.map((r) => ({ ...r, similarity: Number(r.similarity) }));
}

/** Gathers the evidence decideResolution needs, skipping queries whose answer cannot change the decision. */
async function gatherEvidence(
  db: Db,
  teamId: string,
  query: CompanyQuery,
  limit: number,
  t: Thresholds,
): Promise<LookupEvidence> {
  const evidence: LookupEvidence = { query, domainMatches: [], exactName: [], fuzzy: [] };
  if (query.domain !== undefined) {
    evidence.domainMatches = await findByDomain(db, teamId, query.domain);
    // A domain hit with no name typed is final.
    if (evidence.domainMatches.length > 0 && query.nameKey === undefined) return evidence;
  }
  const keys = query.nameKey !== undefined ? [query.nameKey] : (query.labelKeys ?? []);
  const [fuzzyKey] = keys;
  if (fuzzyKey === undefined) return evidence;
  evidence.exactName = await findByNormalizedName(db, teamId, keys);
  if (evidence.exactName.length > 0) return evidence;
  // Stage 1 at matchMin - margin: enough to decide match vs ambiguous exactly (a runner-up that could
  // tie the best is at least that similar), with far fewer index candidates than the 0.3 floor.
  // One more row than we show, so "clearly ahead" is judged on real neighbours.
  const fetch = Math.max(limit, 5) + 1;
  evidence.fuzzy = await findSimilarNames(db, teamId, fuzzyKey, { limit: fetch, floor: t.matchMin - t.margin });
  if ((evidence.fuzzy[0]?.similarity ?? 0) < t.matchMin) {
    // No match possible: widen to the suggestion floor (the slower path, only for poor queries).
    evidence.fuzzy = await findSimilarNames(db, teamId, fuzzyKey, { limit: fetch, floor: t.suggestMin });
  }
  return evidence;
}

/**
 * Finds the company a user typed, within one team. Order: exact domain (when the text holds a domain,
 * URL or e-mail), exact normalised name, then trigram similarity. Returns one match, the candidates to
 * choose from, or nothing with suggestions: never a silent guess.
 */
export async function resolveCompany(
  db: Db,
  teamId: string,
  text: string,
  opts: { limit?: number; thresholds?: Thresholds } = {},
): Promise<Resolution> {
  const limit = opts.limit ?? 5;
  const thresholds = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const query = parseCompanyQuery(text);
  const evidence = await gatherEvidence(db, teamId, query, limit, thresholds);
  return decideResolution(evidence, { limit, thresholds });
}
