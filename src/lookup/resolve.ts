/**
 * Pure decision logic for "which company did the user mean?". The database layer gathers evidence
 * (accounts with the typed domain, accounts with the exact normalised name, trigram-similar names);
 * this module decides between one match, an honest "which one?" and "not found". The rule throughout:
 * never silently return the wrong company. When in doubt, ask.
 */
import { getDomainWithoutSuffix } from 'tldts';
import { normalizeCompanyName, registrableDomain } from './normalize.ts';

/** What a lookup shows about an account. */
export interface AccountSummary {
  id: number;
  name: string;
  domain: string | null;
  industry: string | null;
  employees: number | null;
  country: string | null;
  /** pg_trgm similarity of the normalised names (fuzzy candidates only). */
  similarity?: number;
}

export type Resolution =
  | { kind: 'match'; account: AccountSummary; via: 'domain' | 'name' | 'fuzzy'; similarity?: number; warning?: string }
  | { kind: 'ambiguous'; candidates: AccountSummary[]; reason: string }
  | { kind: 'none'; query: { name?: string; domain?: string }; suggestions: AccountSummary[] };

/** What the user typed, split into a company name and/or a domain. */
export interface CompanyQuery {
  /** The name as typed (without the domain part), if any. */
  name?: string;
  /** normalizeCompanyName(name). */
  nameKey?: string;
  /** Registrable domain found in the text ("acme.com" from "https://www.acme.com/x"). */
  domain?: string;
  /**
   * Normalised names to try when the domain is not on file: the domain's label ("acme" from acme.com)
   * and the token as typed ("booking com" from "Booking.com").
   */
  labelKeys?: string[];
}

export interface Thresholds {
  /** A fuzzy best below this is never a match, only a suggestion. */
  matchMin: number;
  /** A fuzzy best must lead the runner-up by at least this much, or we ask. */
  margin: number;
  /** Candidates below this are not even suggested (also the floor of the trigram search). */
  suggestMin: number;
  /** Two names agree (name + domain typed together) at or above this trigram similarity. */
  agreeMin: number;
}

/**
 * Chosen on the SEC registrant names: one-letter typos of two-word names score 0.6–0.8 against the
 * intended name, while unrelated names sharing one common word ("… technologies") stay below 0.55.
 * 0.3 is pg_trgm's own default threshold, so the `%` operator needs no per-query setting.
 */
export const DEFAULT_THRESHOLDS: Thresholds = { matchMin: 0.6, margin: 0.1, suggestMin: 0.3, agreeMin: 0.5 };

const EDGE_PUNCT = /^[()[\]{}"'“”‘’,;:!?]+|[()[\]{}"'“”‘’,;:!?.]+$/g;

/** Splits free text into a name part and a domain part ("Acme (acme.com)" → name "Acme", domain "acme.com"). */
export function parseCompanyQuery(text: string): CompanyQuery {
  const tokens = text
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '');
  let domain: string | undefined;
  let domainToken: string | undefined;
  const rest: string[] = [];
  for (const token of tokens) {
    if (domain === undefined) {
      const stripped = token.startsWith('<') ? token : token.replace(EDGE_PUNCT, '');
      const d = registrableDomain(stripped);
      if (d !== null) {
        domain = d;
        domainToken = stripped;
        continue;
      }
    }
    rest.push(token);
  }
  // Leftovers around the domain ("Acme ()", "Acme - ", "Acme |") are not part of the name.
  const name = rest
    .join(' ')
    .replace(/\(\s*\)|\[\s*\]/g, ' ')
    .replace(/^[\s\-–—|/,:;@()]+|[\s\-–—|/,:;@(]+$/g, '')
    .trim();
  const query: CompanyQuery = {};
  if (/[\p{L}\p{N}]/u.test(name)) {
    query.name = name;
    query.nameKey = normalizeCompanyName(name);
  }
  if (domain !== undefined) {
    query.domain = domain;
    const keys = new Set<string>();
    const label = getDomainWithoutSuffix(domain);
    if (label) keys.add(normalizeCompanyName(label));
    if (domainToken && !domainToken.includes('@') && !domainToken.includes('://')) {
      keys.add(normalizeCompanyName(domainToken));
    }
    query.labelKeys = [...keys];
  }
  return query;
}

function trigrams(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (word === '') continue;
    const padded = `  ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
  }
  return out;
}

/** pg_trgm's similarity(): shared trigrams over all distinct trigrams of both strings. */
export function trigramSimilarity(a: string, b: string): number {
  const ta = trigrams(a);
  const tb = trigrams(b);
  if (ta.size === 0 || tb.size === 0) return 0;
  let shared = 0;
  for (const t of ta) if (tb.has(t)) shared++;
  return shared / (ta.size + tb.size - shared);
}

/** True when a typed name plausibly names the account (equal key, similar, or one's words contain the other's). */
export function namesAgree(typedKey: string, accountName: string, agreeMin = DEFAULT_THRESHOLDS.agreeMin): boolean {
  const accountKey = normalizeCompanyName(accountName);
  if (typedKey === accountKey) return true;
  if (trigramSimilarity(typedKey, accountKey) >= agreeMin) return true;
  const a = typedKey.split(' ');
  const b = new Set(accountKey.split(' '));
  const bWords = accountKey.split(' ');
  const aSet = new Set(a);
  return a.every((w) => b.has(w)) || bWords.every((w) => aSet.has(w));
}

/** Word pairs at or above this trigram similarity count as the same word with a typo ("agilant"/"agilent"). */
const WORD_AGREE_MIN = 0.3;

/**
 * True when every typed word has a counterpart in the account's normalised name: the same word or a
 * trigram-similar one. A fuzzy match must not leave a typed word unexplained.
 */
export function everyWordAccounted(typedKey: string, accountName: string): boolean {
  // The name as written counts too: a mistyped legal form ("Corporaton") is explained by "Corporation".
  const written = accountName
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .split(/[^\p{L}\p{N}]+/u);
  const words = [...normalizeCompanyName(accountName).split(' '), ...written].filter((w) => w !== '');
  return typedKey
    .split(' ')
    .filter((w) => w !== '')
    .every((w) => words.some((a) => a === w || trigramSimilarity(a, w) >= WORD_AGREE_MIN));
}

/** Evidence the database layer gathered for one query. */
export interface LookupEvidence {
  query: CompanyQuery;
  /** Accounts whose domain equals query.domain. */
  domainMatches: AccountSummary[];
  /** Accounts whose normalised name equals query.nameKey (or, without a name, one of query.labelKeys). */
  exactName: AccountSummary[];
  /** Trigram candidates for the same key, best first, each with `similarity`. */
  fuzzy: AccountSummary[];
  /**
   * Accounts whose normalised name has every word of query.nameKey as a whole word ("Globex" →
   * "Globex Nordic", "Globex Nordics"), best first, at most a few; absent when not gathered.
   */
  containing?: AccountSummary[];
  /** How many accounts have every typed word (>= containing.length; a floor when `containingCapped`). */
  containingCount?: number;
  /** True when containingCount is a lower bound (the search stopped counting). */
  containingCapped?: boolean;
  /** True when `fuzzy` may miss closer names (the search was cut short): it then only suggests. */
  fuzzyIncomplete?: boolean;
}

function noneQuery(q: CompanyQuery): { name?: string; domain?: string } {
  const out: { name?: string; domain?: string } = {};
  if (q.name !== undefined) out.name = q.name;
  if (q.domain !== undefined) out.domain = q.domain;
  return out;
}

function quoted(q: CompanyQuery): string {
  return q.name ?? q.domain ?? '';
}

/** Decides on names alone: exact matches first, then a clear fuzzy winner, otherwise ask or suggest. */
function decideByName(e: LookupEvidence, t: Thresholds, limit: number): Resolution {
  const q = e.query;
  const [first, ...others] = e.exactName;
  if (first && others.length === 0) return { kind: 'match', account: first, via: 'name' };
  if (first) {
    return {
      kind: 'ambiguous',
      candidates: e.exactName.slice(0, limit),
      reason: `${e.exactName.length} accounts are named "${quoted(q)}"`,
    };
  }
  // Every typed word is a whole word of several names ("Globex" → "Globex Nordic", "Globex Nordics"):
  // the user named a family of accounts, so ask which one rather than guess or say "not found".
  const containing = e.containing ?? [];
  const containingCount = Math.max(e.containingCount ?? 0, containing.length);
  if (containingCount >= 2 && containing.length > 0) {
    const n = e.containingCapped ? `${containingCount} or more` : String(containingCount);
    return {
      kind: 'ambiguous',
      candidates: containing.slice(0, limit),
      reason: `${n} accounts have every word of "${quoted(q)}" in their names`,
    };
  }
  const fuzzy = e.fuzzy.filter((c) => (c.similarity ?? 0) >= t.suggestMin);
  const best = fuzzy[0];
  if (!best || (best.similarity ?? 0) < t.matchMin || e.fuzzyIncomplete) {
    // The one account holding every typed word is worth suggesting even when its name is much longer.
    const [only] = containing;
    const suggestions = only && !fuzzy.some((c) => c.id === only.id) ? [only, ...fuzzy] : fuzzy;
    return { kind: 'none', query: noneQuery(q), suggestions: suggestions.slice(0, limit) };
  }
  const bestSim = best.similarity ?? 0;
  if (q.nameKey !== undefined && !everyWordAccounted(q.nameKey, best.name)) {
    // A typed word with no counterpart in the name ("Labs Berry Tu" vs "Labs Berry Ltd") may be exactly
    // what tells two companies apart: suggest, never match.
    return { kind: 'none', query: noneQuery(q), suggestions: fuzzy.slice(0, limit) };
  }
  const runnerUp = fuzzy[1];
  if (runnerUp && bestSim - (runnerUp.similarity ?? 0) < t.margin) {
    const close = fuzzy.filter((c) => bestSim - (c.similarity ?? 0) < t.margin);
    return {
      kind: 'ambiguous',
      candidates: close.slice(0, limit),
      reason: `${close.length} accounts have names close to "${quoted(q)}"`,
    };
  }
  return { kind: 'match', account: best, via: 'fuzzy', similarity: bestSim };
}

/**
 * The whole decision. Order: domain (exact), then exact normalised name, then fuzzy name.
 * A typed name that contradicts the domain's account never loses silently: we warn, or ask
 * when the name clearly points at another account.
 */
export function decideResolution(
  e: LookupEvidence,
  opts: { limit?: number; thresholds?: Thresholds } = {},
): Resolution {
  const t = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const limit = opts.limit ?? 5;
  const q = e.query;

  if (q.domain !== undefined && e.domainMatches.length > 0) {
    let onDomain = e.domainMatches;
    if (onDomain.length > 1 && q.nameKey !== undefined) {
      const key = q.nameKey;
      const agreeing = onDomain.filter((a) => namesAgree(key, a.name, t.agreeMin));
      if (agreeing.length > 0) onDomain = agreeing;
    }
    const [account, ...others] = onDomain;
    if (account && others.length > 0) {
      return {
        kind: 'ambiguous',
        candidates: onDomain.slice(0, limit),
        reason: `${onDomain.length} accounts have the domain ${q.domain}`,
      };
    }
    if (account) {
      if (q.nameKey === undefined || namesAgree(q.nameKey, account.name, t.agreeMin)) {
        return { kind: 'match', account, via: 'domain' };
      }
      // The name says someone else. If it names another account confidently, ask; otherwise warn.
      const byName = decideByName(e, t, limit);
      if (byName.kind === 'match' && byName.account.id !== account.id) {
        return {
          kind: 'ambiguous',
          candidates: [account, byName.account],
          reason: `${q.domain} belongs to "${account.name}", but "${q.name}" matches "${byName.account.name}"`,
        };
      }
      return {
        kind: 'match',
        account,
        via: 'domain',
        warning: `${q.domain} belongs to "${account.name}", which does not look like "${q.name}"`,
      };
    }
  }

  if (q.domain !== undefined && q.name === undefined) {
    // Domain not on file: the label may equal a name exactly; anything fuzzier is only a suggestion.
    const [first, ...others] = e.exactName;
    if (first && others.length === 0) {
      return {
        kind: 'match',
        account: first,
        via: 'name',
        warning:
          first.domain === null
            ? `No account has the domain ${q.domain}; matched the name "${first.name}"`
            : `No account has the domain ${q.domain}; matched the name "${first.name}", whose domain is ${first.domain}`,
      };
    }
    if (first) {
      return {
        kind: 'ambiguous',
        candidates: e.exactName.slice(0, limit),
        reason: `No account has the domain ${q.domain}, and ${e.exactName.length} accounts have its name`,
      };
    }
    const suggestions = e.fuzzy.filter((c) => (c.similarity ?? 0) >= t.suggestMin).slice(0, limit);
    return { kind: 'none', query: noneQuery(q), suggestions };
  }

  if (q.name === undefined) return { kind: 'none', query: noneQuery(q), suggestions: [] };

  const byName = decideByName(e, t, limit);
  if (q.domain !== undefined && byName.kind === 'match') {
    const other = byName.account.domain;
    const warning =
      other === null
        ? `No account has the domain ${q.domain}`
        : `No account has the domain ${q.domain}; "${byName.account.name}" is on file with ${other}`;
    return { ...byName, warning };
  }
  return byName;
}
