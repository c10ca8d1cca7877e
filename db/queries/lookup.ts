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

const toSummary = ({ id, name, domain, industry, employees, country, similarity }: FuzzyRow): AccountSummary => ({
  id,
  name,
  domain,
  industry,
  employees,
  country,
  similarity: Number(similarity),
});

/**
 * Trigram candidates for a normalised name with similarity >= floor, best first, over the whole-name
 * trigram index. The `%` operator is what lets PostgreSQL use the GIN gin_trgm_ops index (a bare
 * `similarity(...) >= x` filter scans every row of the team). `%` reads pg_trgm.similarity_threshold,
 * so it is set to the floor for this transaction only. Slow when the name has common trigrams
 * ("technologies"): lookups use it only as a fallback, under `timeoutMs`.
 */
export async function findSimilarNames(
  db: Db,
  teamId: string,
  key: string,
  opts: { limit?: number; floor?: number; timeoutMs?: number } = {},
): Promise<AccountSummary[]> {
  const limit = opts.limit ?? 10;
  const floor = opts.floor ?? DEFAULT_THRESHOLDS.suggestMin;
  const rows = await db.transaction(async (tx) => {
    if (opts.timeoutMs !== undefined) {
      await tx.execute(sql`select set_config('statement_timeout', ${String(opts.timeoutMs)}, true)`);
    }
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
  return rows.map(toSummary);
}

/** Typed words corrected against the dictionary (a longer name's further words add little). */
const MAX_WORDS = 6;
/** Dictionary words kept per typed word: the word itself when known, then the most similar. */
const CORRECTIONS_PER_WORD = 8;
/** Accounts ranked per lookup at most; more means the required words are too common to narrow. */
const CANDIDATE_CAP = 1000;
/** The whole-name trigram search is only a fallback, cut off after this long (never an unbounded scan). */
export const FALLBACK_TIMEOUT_MS = 100;

export interface WordCorrection {
  /** Index of the typed word. */
  pos: number;
  word: string;
  /** Accounts of the team using the word. */
  accounts: number;
  similarity: number;
}

/**
 * For each typed word, the team's dictionary words trigram-similar to it (pg_trgm's default 0.3 `%`
 * threshold, over the small account_name_words trigram index), best first. One round trip.
 */
export async function correctWords(db: Db, teamId: string, words: readonly string[]): Promise<WordCorrection[]> {
  if (words.length === 0) return [];
  const parts = words.map(
    (w, i) =>
      sql`(select ${i}::int as pos, word, accounts, similarity(word, ${w}) as similarity
           from account_name_words
           where team_id = ${teamId} and word % ${w}
           order by similarity desc, word
           limit ${CORRECTIONS_PER_WORD})`,
  );
  const rows = await queryRows<WordCorrection>(db, sql.join(parts, sql` union all `));
  return rows.map((r) => ({
    ...r,
    pos: Number(r.pos),
    accounts: Number(r.accounts),
    similarity: Number(r.similarity),
  }));
}

interface WordRow extends FuzzyRow {
  contains_all: boolean;
  total: number | string;
  containing_total: number | string;
}

interface WordEvidence {
  fuzzy: AccountSummary[];
  containing: AccountSummary[];
  containingCount: number;
  /** The candidate set hit CANDIDATE_CAP: its ranking may miss better names. */
  truncated: boolean;
}

/**
 * Word-level candidates: typed words are corrected against the dictionary, then the accounts having a
 * correction of the rarest typed word (of the two rarest, when one is too common) are found through
 * the name_words GIN index and ranked by trigram similarity of the whole normalised name, exactly the
 * figure the whole-name search would give. Also reports the accounts having every typed word as is.
 * Null when no typed word resembles any word of the team's names.
 */
async function findByWords(
  db: Db,
  teamId: string,
  key: string,
  fetch: number,
  limit: number,
): Promise<WordEvidence | null> {
  const typed = [...new Set(key.split(' ').filter((w) => w !== ''))];
  const corrections = await correctWords(db, teamId, typed.slice(0, MAX_WORDS));
  const byPos = new Map<number, { words: string[]; accounts: number }>();
  for (const c of corrections) {
    const p = byPos.get(c.pos) ?? { words: [], accounts: 0 };
    p.words.push(c.word);
    p.accounts += c.accounts;
    byPos.set(c.pos, p);
  }
  const positions = [...byPos.values()].sort((a, b) => a.accounts - b.accounts);
  if (positions.length === 0) return null;
  let last: WordEvidence | null = null;
  for (let required = 1; required <= Math.min(3, positions.length); required++) {
    const conds = positions.slice(0, required).map((p) => sql`and name_words && ${sql.param(p.words)}::text[]`);
    const rows = await queryRows<WordRow>(
      db,
      sql`with c as materialized (
            select id, name, domain, industry, employees, country,
                   similarity(normalized_name, ${key}) as similarity,
                   name_words @> ${sql.param(typed)}::text[] as contains_all
            from accounts
            where team_id = ${teamId} ${sql.join(conds, sql` `)}
            limit ${CANDIDATE_CAP + 1}
          ), top as (
            select * from c order by similarity desc, id limit ${fetch}
          ), cont as (
            select * from c where contains_all order by similarity desc, id limit ${limit}
          )
          select x.*, (select count(*) from c) as total, (select count(*) from c where contains_all) as containing_total
          from (select * from top union select * from cont) x
          order by x.similarity desc, x.id`,
    );
    const total = Number(rows[0]?.total ?? 0);
    last = {
      fuzzy: rows.slice(0, fetch).map(toSummary),
      containing: rows.filter((r) => r.contains_all).map(toSummary),
      containingCount: Number(rows[0]?.containing_total ?? 0),
      truncated: total > CANDIDATE_CAP,
    };
    if (!last.truncated) break;
  }
  if (last) last.fuzzy = last.fuzzy.slice(0, fetch);
  return last;
}

/** Whole-name trigram search in two stages, as one bounded transaction; null when it ran out of time. */
async function fallbackSimilar(
  db: Db,
  teamId: string,
  key: string,
  fetch: number,
  t: Thresholds,
): Promise<AccountSummary[] | null> {
  try {
    // Stage 1 at matchMin - margin: enough to decide match vs ambiguous (a runner-up that could tie the
    // best is at least that similar), with far fewer index candidates than the suggestion floor.
    const strict = await findSimilarNames(db, teamId, key, {
      limit: fetch,
      floor: t.matchMin - t.margin,
      timeoutMs: FALLBACK_TIMEOUT_MS,
    });
    if ((strict[0]?.similarity ?? 0) >= t.matchMin) return strict;
    return await findSimilarNames(db, teamId, key, {
      limit: fetch,
      floor: t.suggestMin,
      timeoutMs: FALLBACK_TIMEOUT_MS,
    });
  } catch (err) {
    if (isQueryCanceled(err)) return null;
    throw err;
  }
}

function isQueryCanceled(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '57014') return true;
  }
  return false;
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
  // One more row than we show, so "clearly ahead" is judged on real neighbours.
  const fetch = Math.max(limit, 5) + 1;
  const words = await findByWords(db, teamId, fuzzyKey, fetch, limit);
  if (words) {
    evidence.fuzzy = words.fuzzy.filter((c) => (c.similarity ?? 0) >= t.suggestMin);
    if (query.nameKey !== undefined) {
      evidence.containing = words.containing;
      evidence.containingCount = words.containingCount;
      if (words.truncated) evidence.containingCapped = true;
    }
    const decided =
      (!words.truncated && (evidence.fuzzy[0]?.similarity ?? 0) >= t.matchMin) ||
      (query.nameKey !== undefined && words.containingCount >= 2);
    if (decided) return evidence;
  }
  // The word search found no clear candidate (an extra or missing word, words run together) or had
  // too many: ask the whole-name trigram index, within a time limit.
  const similar = await fallbackSimilar(db, teamId, fuzzyKey, fetch, t);
  if (similar) evidence.fuzzy = similar;
  else if (words?.truncated) evidence.fuzzyIncomplete = true;
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
