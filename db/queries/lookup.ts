/**
 * Resolves what a user typed ("Acme", "acme.com", "Acme (acme.com)", a typo) to an account of the
 * team. This file only gathers evidence with team-scoped queries; src/lookup/resolve.ts decides.
 */
import { sql } from 'drizzle-orm';
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
import { exactByDomain, exactByName } from './exact-lookup.ts';

export type { AccountSummary, Resolution } from '../../src/lookup/resolve.ts';

/** Accounts of the team whose registrable domain is `domain`, with what scoring reads (batched: exact-lookup.ts). */
export async function findByDomain(db: Db, teamId: string, domain: string): Promise<AccountSummary[]> {
  return exactByDomain(db, teamId, domain);
}

/** Accounts of the team whose normalised name is one of `keys`, with what scoring reads (batched). */
export async function findByNormalizedName(db: Db, teamId: string, keys: readonly string[]): Promise<AccountSummary[]> {
  return exactByName(db, teamId, keys);
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
/** Accounts ranked per search at most; more means the required words are too common to narrow. */
const CANDIDATE_CAP = 200;
/** Dictionary words at least this similar to a known typed word are searched with it (plural, singular). */
const KNOWN_VARIANT_MIN = 0.5;
/** The whole-name trigram search is only a fallback, cut off after this long (never an unbounded scan). */
export const FALLBACK_TIMEOUT_MS = 50;

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
}

interface WordEvidence {
  fuzzy: AccountSummary[];
  containing: AccountSummary[];
  containingCount: number;
  /** The candidate set hit its cap: its ranking may miss better names. */
  truncated: boolean;
}

interface Position {
  /** Dictionary words standing for one typed word. */
  words: string[];
  /** Accounts using them (an upper bound on the accounts they reach). */
  accounts: number;
}

const bySimilarity = (a: AccountSummary, b: AccountSummary) => (b.similarity ?? 0) - (a.similarity ?? 0) || a.id - b.id;

/**
 * Word-level candidates. Typed words are corrected against the team's dictionary (a known word stands
 * for itself and its close variants, an unknown one for its nearest dictionary words). Then one query
 * through the name_words GIN index reaches the accounts holding the two rarest typed words (either of
 * them, so a close rival lacking the rarest word is still ranked; a typed word too common to narrow is
 * only used together with the next one), ranks them by trigram similarity of the whole normalised name
 * (the figure the whole-name search gives), and reports the accounts holding every typed word as is.
 * Null when no typed word resembles any word of the team's names.
 */
async function findByWords(
  db: Db,
  teamId: string,
  key: string,
  corrections: WordCorrection[],
  fetch: number,
): Promise<WordEvidence | null> {
  const typed = typedWords(key);
  const positions: Position[] = [];
  typed.slice(0, MAX_WORDS).forEach((w, pos) => {
    const mine = corrections.filter((c) => c.pos === pos);
    const known = mine.some((c) => c.word === w);
    const kept = known ? mine.filter((c) => c.word === w || c.similarity >= KNOWN_VARIANT_MIN) : mine;
    if (kept.length === 0) return;
    positions.push({ words: kept.map((c) => c.word), accounts: kept.reduce((a, c) => a + c.accounts, 0) });
  });
  if (positions.length === 0) return null;
  positions.sort((a, b) => a.accounts - b.accounts);

  // Each group is a conjunction of positions; an account is a candidate when it satisfies any group.
  // Up to two rare typed words alone; without any, any two of the three rarest together (one of them
  // may be a mistyped legal form, "Corporaoion", which normalised names do not hold).
  const small = positions.filter((p) => p.accounts <= CANDIDATE_CAP).slice(0, 2);
  const groups: Position[][] = small.map((p) => [p]);
  if (groups.length === 0) {
    const rarest = positions.slice(0, 3);
    for (let i = 0; i < rarest.length; i++) {
      for (let j = i + 1; j < rarest.length; j++) groups.push([rarest[i] as Position, rarest[j] as Position]);
    }
    if (groups.length === 0) groups.push(positions.slice(0, 1));
  }
  let found = await rankGroups(db, teamId, key, typed, groups, fetch);
  if (found.truncated && positions.length >= 3) {
    // Every typed word is common ("Eaton Vance California Municipal Bond Fund"): all of them but any one.
    const leaveOneOut = positions.map((_, skip) => positions.filter((_p, i) => i !== skip));
    found = await rankGroups(db, teamId, key, typed, leaveOneOut, fetch);
  }
  return found;
}

/**
 * Accounts satisfying any group (a conjunction of typed-word positions), ranked by whole-name
 * similarity. Each group is searched with its own cap; a group reaching more accounts than the cap is
 * too common to narrow anything and is left out (when every group is, nothing is ranked: `truncated`).
 */
async function rankGroups(
  db: Db,
  teamId: string,
  key: string,
  typed: string[],
  groups: Position[][],
  fetch: number,
): Promise<WordEvidence> {
  const parts = groups.map(
    (g, i) => sql`(select ${i}::int as g, id, name, domain, industry, employees, country,
                          similarity(normalized_name, ${key}) as similarity,
                          name_words @> ${sql.param(typed)}::text[] as contains_all
                   from accounts
                   where team_id = ${teamId} and ${sql.join(
                     g.map((p) => sql`name_words && ${sql.param(p.words)}::text[]`),
                     sql` and `,
                   )}
                   limit ${CANDIDATE_CAP + 1})`,
  );
  const rows = await queryRows<WordRow & { g: number }>(db, sql.join(parts, sql` union all `));
  const perGroup = new Map<number, number>();
  for (const r of rows) perGroup.set(Number(r.g), (perGroup.get(Number(r.g)) ?? 0) + 1);
  const broad = new Set([...perGroup].filter(([, n]) => n > CANDIDATE_CAP).map(([g]) => g));
  const truncated = broad.size === groups.length;
  const byId = new Map<number, { summary: AccountSummary; containsAll: boolean }>();
  for (const r of rows) {
    if (broad.has(Number(r.g))) continue;
    byId.set(r.id, { summary: toSummary(r), containsAll: r.contains_all });
  }
  const all = [...byId.values()];
  const containing = all
    .filter((r) => r.containsAll)
    .map((r) => r.summary)
    .sort(bySimilarity);
  return {
    fuzzy: all
      .map((r) => r.summary)
      .sort(bySimilarity)
      .slice(0, fetch),
    containing: containing.slice(0, fetch),
    containingCount: containing.length,
    truncated,
  };
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

/** The distinct words of a normalised name, in order. */
const typedWords = (key: string): string[] => [...new Set(key.split(' ').filter((w) => w !== ''))];

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
  const corrections = await correctWords(db, teamId, typedWords(fuzzyKey).slice(0, MAX_WORDS));
  // One more row than we show, so "clearly ahead" is judged on real neighbours.
  const fetch = Math.max(limit, 5) + 1;
  const words = await findByWords(db, teamId, fuzzyKey, corrections, fetch);
  if (words) {
    evidence.fuzzy = words.fuzzy.filter((c) => (c.similarity ?? 0) >= t.suggestMin);
    if (query.nameKey !== undefined) {
      evidence.containing = words.containing;
      evidence.containingCount = words.containingCount;
      if (words.truncated) evidence.containingCapped = true;
    }
    // Without a winner the word search still settles the answer (suggestions or "which one?") when it
    // ranked everything its words reach; the whole-name index is asked only when it could not.
    const complete = !words.truncated && evidence.fuzzy.length > 0;
    if (complete || (query.nameKey !== undefined && words.containingCount >= 2)) return evidence;
  }
  // No typed word resembles a word of the team's names (words run together, gibberish), or they are
  // all too common to narrow: ask the whole-name trigram index, within a time limit.
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
