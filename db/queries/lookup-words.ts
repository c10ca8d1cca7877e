/**
 * The word search: the team's name-word dictionary corrects each typed word, and accounts holding the
 * corrected words are ranked by whole-name trigram similarity, in one prepared statement. Rows only;
 * src/usecases/find-company.ts decides when it runs and src/lookup/resolve.ts what its rows mean.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { AccountSummary } from '../../src/lookup/resolve.ts';
import type { Db } from '../client.ts';
import { preparedPerDb, queryRows } from '../raw.ts';

/** More exact matches than this are reported as "N or more" candidates; we never need them all. */
export const EXACT_CAP = 50;

export interface FuzzyRow {
  id: number;
  name: string;
  domain: string | null;
  industry: string | null;
  employees: number | null;
  country: string | null;
  similarity: number | string;
}

export const toSummary = ({
  id,
  name,
  domain,
  industry,
  employees,
  country,
  similarity,
}: FuzzyRow): AccountSummary => ({
  id,
  name,
  domain,
  industry,
  employees,
  country,
  similarity: Number(similarity),
});

/** Typed words corrected against the dictionary (a longer name's further words add little). */
const MAX_WORDS = 6;
/** Dictionary words kept per typed word: the word itself when known, then the most similar. */
const CORRECTIONS_PER_WORD = 8;
/** Accounts ranked per search at most; more means the required words are too common to narrow. */
const CANDIDATE_CAP = 200;
/** Dictionary words at least this similar to a known typed word are searched with it (plural, singular). */
const KNOWN_VARIANT_MIN = 0.5;

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
const correctionsSql = (team: SQL, words: SQL) =>
  sql`select (u.pos - 1)::int as pos, u.w as typed, c.word, c.accounts, c.similarity
      from unnest(${words}) with ordinality as u(w, pos)
      cross join lateral (
        select word, accounts, similarity(word, u.w) as similarity
        from account_name_words
        where team_id = ${team} and word % u.w
        order by similarity desc, word
        limit ${sql.raw(String(CORRECTIONS_PER_WORD))}
      ) c`;

/**
 * For each typed word, the team's dictionary words trigram-similar to it, best first. One round trip.
 */
export async function correctWords(db: Db, teamId: string, words: readonly string[]): Promise<WordCorrection[]> {
  if (words.length === 0) return [];
  const rows = await queryRows<CorrectionRow>(
    db,
    correctionsSql(sql`${teamId}`, sql`${sql.param([...words])}::text[]`),
  );
  return rows.map(toCorrection).sort(byPosition);
}

export interface WordEvidence {
  fuzzy: AccountSummary[];
  containing: AccountSummary[];
  containingCount: number;
  /** The candidate set hit its cap: its ranking may miss better names. */
  truncated: boolean;
}

/** One row of the word search: its summary, or a ranked candidate. */
interface WordRow extends Omit<FuzzyRow, 'id' | 'name' | 'similarity'> {
  kind: 'exact' | 'summary' | 'ranked';
  /** Ranked rows: 0 best by similarity, 1 best among the accounts holding every typed word. */
  arm: number | null;
  id: number | null;
  name: string | null;
  similarity: number | string | null;
  /** Summary: typed-word positions with at least one dictionary word. */
  positions: number | string | null;
  /** Summary: accounts holding every typed word among the kept candidates. */
  containing_count: number | string | null;
  /** Summary: every group reached more accounts than the cap. */
  truncated: boolean | null;
}

/** Conjunctions of `name_words && <array>` over up to five positions; a missing one repeats the first. */
const CONJUNCTION = [1, 2, 3, 4, 5];

const wordSearchSql = (() => {
  const CAP = sql.raw(String(CANDIDATE_CAP));
  const CAP_PLUS_ONE = sql.raw(String(CANDIDATE_CAP + 1));
  const accountsOf = (g: string, conditions: SQL[]) =>
    sql`select ${sql.raw(g)}.g, a.*
        from ${sql.raw(g)}
        cross join lateral (
          select id, name, domain, industry, employees, country, normalized_name, name_words
          from accounts
          where team_id = (select team from input) and ${sql.join(conditions, sql` and `)}
          limit ${CAP_PLUS_ONE}
        ) a`;
  return sql`with input as materialized (
          select ${sql.placeholder('teamId')}::text as team, ${sql.placeholder('words')}::text[] as words,
                 ${sql.placeholder('key')}::text as key, ${sql.placeholder('typed')}::text[] as typed, ${sql.placeholder('fetch')}::int as top_n,
                 ${sql.placeholder('keys')}::text[] as keys
        ),
        exact as (
          select id, name, domain, industry, employees, country
          from accounts
          where team_id = (select team from input) and normalized_name = any((select keys from input)::text[])
          order by id
          limit ${sql.raw(String(EXACT_CAP))}
        ),
        corrections as (
          select * from (${correctionsSql(sql`(select team from input)`, sql`(select words from input)`)}) c
          where not exists (select 1 from exact)
        ),
        positions as (
          select pos, array_agg(word) as words, sum(accounts)::int as accounts,
                 row_number() over (order by sum(accounts), pos)::int as r
          from corrections c
          where c.word = c.typed or c.similarity >= ${sql.raw(String(KNOWN_VARIANT_MIN))}
             or not exists (select 1 from corrections k where k.pos = c.pos and k.word = k.typed)
          group by pos
        ),
        shape as (
          select count(*)::int as n, (count(*) filter (where accounts <= ${CAP}))::int as small
          from positions
        ),
        groups as (
          select * from (
            select p.r as g, p.words as a, p.words as b
            from positions p cross join shape s
            where s.small > 0 and p.r <= least(s.small, 2)
            union all
            select p.r * 10 + q.r, p.words, q.words
            from positions p join positions q on p.r < q.r cross join shape s
            where s.small = 0 and q.r <= 3
            union all
            select p.r, p.words, p.words
            from positions p cross join shape s
            where s.small = 0 and s.n = 1
          ) g
          limit 3
        ),
        reached as (${accountsOf('groups', [sql`name_words && groups.a`, sql`name_words && groups.b`])}),
        broad as (select g from reached group by g having count(*) > ${CAP}),
        all_broad as (select (select count(*) from broad) = (select count(*) from groups) as yes),
        leave_one_out as (
          select 100 + s.r as g,
                 ${sql.join(
                   CONJUNCTION.map((k) => sql.raw(`max(o.words) filter (where o.k = ${k}) as c${k}`)),
                   sql`, `,
                 )}
          from positions s
          cross join lateral (
            select words, row_number() over (order by r) as k from positions p where p.r <> s.r
          ) o
          where (select n from shape) >= 3 and (select yes from all_broad)
          group by s.r
          limit ${sql.raw(String(MAX_WORDS))}
        ),
        reached_again as (${accountsOf(
          'leave_one_out',
          CONJUNCTION.map((k) => sql.raw(`name_words && coalesce(leave_one_out.c${k}, leave_one_out.c1)`)),
        )}),
        broad_again as (select g from reached_again group by g having count(*) > ${CAP}),
        ranked as (
          select id, name, domain, industry, employees, country,
                 similarity(normalized_name, (select key from input)) as similarity,
                 name_words @> (select typed from input) as contains_all
          from (
            select distinct on (id) *
            from (
              select * from reached where g not in (select g from broad)
              union all
              select * from reached_again where g not in (select g from broad_again)
            ) c
          ) kept
        ),
        top as (
          (select 0 as arm, * from ranked order by similarity desc, id limit (select top_n from input))
          union all
          (select 1 as arm, * from ranked where contains_all order by similarity desc, id limit (select top_n from input))
        )
        select 'summary' as kind, null::int as arm, null::int as id, null as name, null as domain,
               null as industry, null::int as employees, null as country, null::real as similarity,
               (select n from shape) as positions,
               (select count(*) from ranked where contains_all)::int as containing_count,
               (select yes from all_broad) and (
                 (select count(*) from leave_one_out) = 0
                 or (select count(*) from broad_again) = (select count(*) from leave_one_out)
               ) as truncated
        union all
        select 'ranked', arm, id, name, domain, industry, employees, country, similarity, null, null, null
        from top
        union all
        select 'exact', null, id, name, domain, industry, employees, country, null, null, null, null
        from exact`;
})();

/** The word search as one prepared statement (its plan does not depend on the values, see below). */
const wordSearch = preparedPerDb((db) =>
  db
    .select({
      kind: sql<WordRow['kind']>`kind`,
      arm: sql<WordRow['arm']>`arm`,
      id: sql<WordRow['id']>`id`,
      name: sql<WordRow['name']>`name`,
      domain: sql<WordRow['domain']>`domain`,
      industry: sql<WordRow['industry']>`industry`,
      employees: sql<WordRow['employees']>`employees`,
      country: sql<WordRow['country']>`country`,
      similarity: sql<WordRow['similarity']>`similarity`,
      positions: sql<WordRow['positions']>`positions`,
      containing_count: sql<WordRow['containing_count']>`containing_count`,
      truncated: sql<WordRow['truncated']>`truncated`,
    })
    .from(sql`(${wordSearchSql}) as word_search`)
    .prepare('lookup_words'),
);

/**
 * Accounts whose normalised name is one of `keys` and, only when there are none, the word-level
 * candidates for `key`, in one statement (one round trip, one plan whatever the words):
 *
 * - each typed word (the first MAX_WORDS) is corrected against the team's dictionary: a known word
 *   stands for itself and its close variants, an unknown one for its nearest dictionary words;
 * - positions (typed words with dictionary words) are ordered rarest first by the accounts their
 *   words reach (an upper bound from the dictionary counts);
 * - groups, each a conjunction of positions: up to two rare positions alone (either of them, so a close
 *   rival lacking the rarest word is still ranked); without any rare one, any two of the three rarest
 *   together (one of them may be a mistyped legal form, "Corporaoion", which normalised names do not
 *   hold), or the only one;
 * - the accounts of each group through the name_words GIN index, at most CANDIDATE_CAP + 1 each. A
 *   group reaching more than the cap is too common to narrow anything and is left out. When every
 *   group is left out and there are three positions or more ("Eaton Vance California Municipal Bond
 *   Fund"), "all positions but any one" are tried instead (that part runs only then: under 1% of
 *   one-letter typos over a million names);
 * - the kept candidates are ranked by trigram similarity of the whole normalised name (the figure the
 *   whole-name search gives); only the best `fetch`, the best `fetch` holding every typed word, and how
 *   many hold them all come back. Similarity (a few microseconds per name, the main cost here) is
 *   computed once per kept account.
 *
 * `words` is null after an exact hit, or when no typed word resembles any word of the team's names.
 *
 * The values enter through the materialized `input` CTE and the constants are literals, so the plan
 * does not depend on the values. The LIMITs on `groups` (at most 3) and `leave_one_out` (at most
 * MAX_WORDS) cut nothing; they keep the row estimates true, hence the estimated cost small (~3k
 * instead of ~70k for six words: 100k would switch JIT compilation on, ~100 ms).
 */
export async function findByNameOrWords(
  db: Db,
  teamId: string,
  keys: readonly string[],
  key: string,
  fetch: number,
): Promise<{ exact: AccountSummary[]; words: WordEvidence | null }> {
  const typed = typedWords(key);
  const rows: WordRow[] = await wordSearch(db).execute({
    teamId,
    words: typed.slice(0, MAX_WORDS),
    key,
    typed,
    fetch,
    keys: [...keys],
  });
  const exact: AccountSummary[] = [];
  const fuzzy: AccountSummary[] = [];
  const containing: AccountSummary[] = [];
  let summary: WordRow | undefined;
  for (const r of rows) {
    if (r.kind === 'summary') summary = r;
    else if (r.kind === 'exact') {
      const { id, name, domain, industry, employees, country } = r;
      exact.push({ id: id as number, name: name as string, domain, industry, employees, country });
    } else (Number(r.arm) === 0 ? fuzzy : containing).push(toSummary(r as unknown as FuzzyRow));
  }
  if (exact.length > 0) return { exact: exact.sort((a, b) => a.id - b.id), words: null };
  if (!summary || Number(summary.positions ?? 0) === 0) return { exact, words: null };
  const bySimilarity = (a: AccountSummary, b: AccountSummary) =>
    (b.similarity ?? 0) - (a.similarity ?? 0) || a.id - b.id;
  return {
    exact,
    words: {
      fuzzy: fuzzy.sort(bySimilarity),
      containing: containing.sort(bySimilarity),
      containingCount: Number(summary.containing_count ?? 0),
      truncated: summary.truncated === true,
    },
  };
}

/** The distinct words of a normalised name, in order. */
const typedWords = (key: string): string[] => [...new Set(key.split(' ').filter((w) => w !== ''))];
