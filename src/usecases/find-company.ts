/**
 * "Which company did the user mean?": the lookup use case. It asks the repository for candidates in the
 * cheapest order, one round trip per step and each step only when the earlier ones cannot decide, then
 * hands the evidence to the pure decision (src/lookup/resolve.ts):
 *   1. the domain, when the text holds one;
 *   2. the exact normalised name;
 *   3. the word search (typed words corrected against the team's word dictionary, ranked by whole-name
 *      trigram similarity; the exact name asked again in the same statement);
 *   4. rarely (no typed word in the dictionary, or every word too common to narrow): the whole-name
 *      trigram index, cut off after FALLBACK_TIMEOUT_MS.
 * Never a silent guess: one match, the candidates to choose from, or nothing with suggestions.
 */
import type { Db } from '../../db/client.ts';
import { findByDomain, findByExactName, findSimilarNames } from '../../db/queries/lookup.ts';
import { findByNameOrWords } from '../../db/queries/lookup-words.ts';
import type { AccountRow } from '../../db/schema.ts';
import {
  type AccountSummary,
  type CompanyQuery,
  DEFAULT_THRESHOLDS,
  decideResolution,
  type LookupEvidence,
  parseCompanyQuery,
  type Resolution,
  type Thresholds,
} from '../lookup/resolve.ts';

export type { AccountSummary, Resolution } from '../lookup/resolve.ts';

/** The whole-name trigram search is only a fallback, cut off after this long (never an unbounded scan). */
export const FALLBACK_TIMEOUT_MS = 50;

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
  // One more row than we show, so "clearly ahead" is judged on real neighbours.
  const fetch = Math.max(limit, 5) + 1;
  // The exact name first (the common case for /icp-check); only a miss runs the word search.
  evidence.exactName = await findByExactName(db, teamId, keys);
  if (evidence.exactName.length > 0) return evidence;
  const { exact, words } = await findByNameOrWords(db, teamId, keys, fuzzyKey, fetch);
  evidence.exactName = exact; // a row added meanwhile still wins
  if (exact.length > 0) return evidence;
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
  const similar = await similarWithin(db, teamId, fuzzyKey, fetch, t);
  if (similar) evidence.fuzzy = similar;
  else if (words?.truncated) evidence.fuzzyIncomplete = true;
  return evidence;
}

/** The whole-name trigram search in two stages, each bounded; null when it ran out of time. */
async function similarWithin(
  db: Db,
  teamId: string,
  key: string,
  fetch: number,
  t: Thresholds,
): Promise<AccountSummary[] | null> {
  // Stage 1 at matchMin - margin: enough to decide match vs ambiguous (a runner-up that could tie the
  // best is at least that similar), with far fewer index candidates than the suggestion floor.
  const opts = { limit: fetch, timeoutMs: FALLBACK_TIMEOUT_MS };
  const strict = await findSimilarNames(db, teamId, key, { ...opts, floor: t.matchMin - t.margin });
  // Stage 2 could only add names below stage 1's floor: not needed for a match, nor when stage 1
  // already filled every place (its best `fetch` are then stage 2's best `fetch` too).
  if (strict === null || (strict[0]?.similarity ?? 0) >= t.matchMin || strict.length >= fetch) return strict;
  return findSimilarNames(db, teamId, key, { ...opts, floor: t.suggestMin });
}

/** What a lookup shows of an account, and nothing more (the exact lookups read whole rows). */
const summary = ({ id, name, domain, industry, employees, country, similarity }: AccountSummary): AccountSummary =>
  similarity === undefined
    ? { id, name, domain, industry, employees, country }
    : { id, name, domain, industry, employees, country, similarity };

const isRow = (a: AccountSummary): a is AccountRow => 'teamId' in a;

/**
 * Finds the company a user typed, within one team. Order: exact domain (when the text holds a domain,
 * URL or e-mail), exact normalised name, then similar names. Returns one match, the candidates to
 * choose from, or nothing with suggestions: never a silent guess. `row` is the matched account's whole
 * row when the lookup already read it (an exact domain or name match), so scoring needs no second read.
 */
export async function findCompany(
  db: Db,
  teamId: string,
  text: string,
  opts: { limit?: number; thresholds?: Thresholds } = {},
): Promise<{ resolution: Resolution; row: AccountRow | null }> {
  const limit = opts.limit ?? 5;
  const thresholds = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const query = parseCompanyQuery(text);
  const evidence = await gatherEvidence(db, teamId, query, limit, thresholds);
  const r = decideResolution(evidence, { limit, thresholds });
  switch (r.kind) {
    case 'match':
      return { resolution: { ...r, account: summary(r.account) }, row: isRow(r.account) ? r.account : null };
    case 'ambiguous':
      return { resolution: { ...r, candidates: r.candidates.map(summary) }, row: null };
    default:
      return { resolution: { ...r, suggestions: r.suggestions.map(summary) }, row: null };
  }
}

/** The resolution alone (see findCompany). */
export async function resolveCompany(
  db: Db,
  teamId: string,
  text: string,
  opts: { limit?: number; thresholds?: Thresholds } = {},
): Promise<Resolution> {
  return (await findCompany(db, teamId, text, opts)).resolution;
}
