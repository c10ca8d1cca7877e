/**
 * Resolves what a user typed ("Acme", "acme.com", "Acme (acme.com)", a typo) to an account of the
 * team. This file only gathers evidence with team-scoped queries; src/lookup/resolve.ts decides.
 *
 * The plan, one round trip per step, each step only when the previous ones cannot decide:
 *   1. the domain, when the text holds one (btree on team_id, domain);
 *   2. the exact normalised name and, in the same statement only when there is none, each typed word's
 *      corrections from the team's word dictionary (account_name_words, trigram GIN: a few thousand
 *      distinct words, not a million names);
 *   3. word candidates: the accounts holding the rarest corrected words (accounts.name_words GIN), each
 *      group capped, ranked by whole-name trigram similarity in SQL; when every group is too common to
 *      narrow, "all typed words but one" in the same statement. Only the best few rows come back;
 *   4. rarely (no typed word in the dictionary, or every group too common): the whole-name trigram
 *      index, in one transaction bounded by a statement timeout.
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

interface CorrectionRow {
  pos: number | string;
  word: string;
  accounts: number | string;
  similarity: number | string;
}

const toCorrection = (r: CorrectionRow): WordCorrection => ({
  pos: Number(r.pos),
  word: r.word,
  accounts: Number(r.accounts),
  similarity: Number(r.similarity),
});

/** Best first per typed word, as each word's ORDER BY gives them (rows of a union carry no order). */
const byPosition = (a: WordCorrection, b: WordCorrection) =>
  a.pos - b.pos || b.similarity - a.similarity || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0);

/**
 * The dictionary part of the word search: for each typed word (`words`, a text[] parameter), the team's
 * dictionary words trigram-similar to it (pg_trgm's default 0.3 `%` threshold, over the small
 * account_name_words trigram index), best first, at most CORRECTIONS_PER_WORD. One statement shape
 * whatever the number of words, so PostgreSQL plans it the same way every time.
 */
const correctionsSql = (teamId: string, words: readonly string[]) =>
  sql`select (u.pos - 1)::int as pos, c.word, c.accounts, c.similarity
      from unnest(${sql.param([...words])}::text[]) with ordinality as u(w, pos)
      cross join lateral (
        select word, accounts, similarity(word, u.w) as similarity
        from account_name_words
        where team_id = ${teamId} and word % u.w
        order by similarity desc, word
        limit ${CORRECTIONS_PER_WORD}
      ) c`;

/**
 * For each typed word, the team's dictionary words trigram-similar to it, best first. One round trip.
 */
export async function correctWords(db: Db, teamId: string, words: readonly string[]): Promise<WordCorrection[]> {
  if (words.length === 0) return [];
  const rows = await queryRows<CorrectionRow>(db, correctionsSql(teamId, words));
  return rows.map(toCorrection).sort(byPosition);
}

interface ExactOrCorrectionRow extends CorrectionRow {
  id: number | null;
  name: string | null;
  domain: string | null;
  industry: string | null;
  employees: number | null;
  country: string | null;
}

/**
 * Exact normalised names and, only when there are none, the dictionary corrections of `words`: one
 * round trip for what used to be two. The corrections arm is gated on the exact CTE being empty, so an
 * exact hit costs no trigram search. Exact rows have an id; correction rows have none.
 */
async function findExactOrCorrect(
  db: Db,
  teamId: string,
  keys: readonly string[],
  words: readonly string[],
): Promise<{ exact: AccountSummary[]; corrections: WordCorrection[] }> {
  const rows = await queryRows<ExactOrCorrectionRow>(
    db,
    sql`with exact as (
          select id, name, domain, industry, employees, country
          from accounts
          where team_id = ${teamId} and normalized_name = any(${sql.param([...keys])}::text[])
          order by id
          limit ${EXACT_CAP}
        )
        select id, name, domain, industry, employees, country,
               null::int as pos, null::text as word, null::int as accounts, null::real as similarity
        from exact
        union all
        select null, null, null, null, null, null, w.pos, w.word, w.accounts, w.similarity
        from (${correctionsSql(teamId, words)}) w
        where not exists (select 1 from exact)`,
  );
  const exact: AccountSummary[] = [];
  const corrections: WordCorrection[] = [];
  for (const r of rows) {
    if (r.id !== null) {
      exact.push({
        id: r.id,
        name: r.name as string,
        domain: r.domain,
        industry: r.industry,
        employees: r.employees,
        country: r.country,
      });
    } else corrections.push(toCorrection(r));
  }
  exact.sort((a, b) => a.id - b.id);
  return { exact, corrections: corrections.sort(byPosition) };
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

/**
 * Word-level candidates. Typed words are corrected against the team's dictionary (a known word stands
 * for itself and its close variants, an unknown one for its nearest dictionary words). Then one query
 * through the name_words GIN index reaches the accounts holding the two rarest typed words (either of
 * them, so a close rival lacking the rarest word is still ranked; a typed word too common to narrow is
 * only used together with the next one), ranks them by trigram similarity of the whole normalised name
 * (the figure the whole-name search gives), and reports the accounts holding every typed word as is.
 * When every typed word is common, the same statement falls back to "all typed words but any one".
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
  // Every typed word is common ("Eaton Vance California Municipal Bond Fund"): all of them but any one,
  // searched only when every group above reached more accounts than the cap.
  const leaveOneOut =
    positions.length >= 3 ? positions.map((_, skip) => positions.filter((_p, i) => i !== skip)) : undefined;
  return rankGroups(db, teamId, key, typed, groups, leaveOneOut, fetch);
}

interface RankedRow extends FuzzyRow {
  /** 0: best by similarity; 1: best among the accounts holding every typed word. */
  arm: number;
}

interface RankSummaryRow extends Partial<RankedRow> {
  containing_count: number | string;
  truncated: boolean;
}

/** `(select …) union all (select …)` of the accounts satisfying each group, at most cap + 1 each. */
const groupArms = (teamId: string, groups: Position[][]) =>
  sql.join(
    groups.map(
      (g, i) => sql`(select ${i}::int as g, id, name, domain, industry, employees, country, normalized_name, name_words
                     from accounts
                     where team_id = ${teamId} and ${sql.join(
                       g.map((p) => sql`name_words && ${sql.param(p.words)}::text[]`),
                       sql` and `,
                     )}
                     limit ${CANDIDATE_CAP + 1})`,
    ),
    sql` union all `,
  );

/**
 * Accounts satisfying any group (a conjunction of typed-word positions), ranked by whole-name
 * similarity, in one statement. Each group is searched with its own cap; a group reaching more accounts
 * than the cap is too common to narrow anything and is left out (when every group is, nothing is
 * ranked: `truncated`). When every first-round group is left out, the `fallbackGroups` round runs in
 * the same statement (gated on that, so it costs nothing otherwise) and decides instead. Only what the
 * decision reads comes back: the best `fetch` candidates, the best `fetch` holding every typed word, and
 * how many hold them all; similarity is computed for kept candidates only.
 */
async function rankGroups(
  db: Db,
  teamId: string,
  key: string,
  typed: string[],
  groups: Position[][],
  fallbackGroups: Position[][] | undefined,
  fetch: number,
): Promise<WordEvidence> {
  const firstTruncated = sql`(select count(*) from r1_broad) = ${groups.length}`;
  const second = fallbackGroups
    ? sql`, r2 as (
            select * from (${groupArms(teamId, fallbackGroups)}) x where ${firstTruncated}
          ),
          r2_broad as (select g from r2 group by g having count(*) > ${CANDIDATE_CAP})`
    : sql``;
  const secondKept = fallbackGroups ? sql` union all select * from r2 where g not in (select g from r2_broad)` : sql``;
  const truncated = fallbackGroups
    ? sql`${firstTruncated} and (select count(*) from r2_broad) = ${fallbackGroups.length}`
    : firstTruncated;
  const rows = await queryRows<RankSummaryRow>(
    db,
    sql`with r1 as (${groupArms(teamId, groups)}),
        r1_broad as (select g from r1 group by g having count(*) > ${CANDIDATE_CAP})${second},
        cand as (
          select distinct on (id) id, name, domain, industry, employees, country, normalized_name, name_words
          from (select * from r1 where g not in (select g from r1_broad)${secondKept}) c
        ),
        ranked as (
          select id, name, domain, industry, employees, country,
                 similarity(normalized_name, ${key}) as similarity,
                 name_words @> ${sql.param(typed)}::text[] as contains_all
          from cand
        ),
        top as (
          (select 0 as arm, * from ranked order by similarity desc, id limit ${fetch})
          union all
          (select 1 as arm, * from ranked where contains_all order by similarity desc, id limit ${fetch})
        )
        select s.containing_count, s.truncated, t.arm, t.id, t.name, t.domain, t.industry, t.employees,
               t.country, t.similarity
        from (select (select count(*) from ranked where contains_all)::int as containing_count,
                     ${truncated} as truncated) s
        left join top t on true`,
  );
  const fuzzy: AccountSummary[] = [];
  const containing: AccountSummary[] = [];
  for (const r of rows) {
    if (r.id === undefined || r.id === null) continue;
    (Number(r.arm) === 0 ? fuzzy : containing).push(toSummary(r as RankedRow));
  }
  const bySimilarity = (a: AccountSummary, b: AccountSummary) =>
    (b.similarity ?? 0) - (a.similarity ?? 0) || a.id - b.id;
  const [first] = rows;
  return {
    fuzzy: fuzzy.sort(bySimilarity),
    containing: containing.sort(bySimilarity),
    containingCount: Number(first?.containing_count ?? 0),
    truncated: first?.truncated === true,
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
  const { exact, corrections } = await findExactOrCorrect(db, teamId, keys, typedWords(fuzzyKey).slice(0, MAX_WORDS));
  evidence.exactName = exact;
  if (exact.length > 0) return evidence;
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
