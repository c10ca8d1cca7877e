/**
 * Finds the persona a rep means from free text ("vp of sales", "rev ops", "markting"). Titles vary by
 * company, so matching works on normalised tokens: abbreviations expanded, C-level titles folded to their
 * acronym, plurals stemmed, then token overlap with edit-distance tolerance for typos. Pure and synchronous.
 */
import { buyingRoleLabels, editDistance, type Persona, type PersonasSpec } from './spec.ts';

export interface RankedPersona {
  persona: Persona;
  /** 0–1; 1 is an exact match on an id, name, title or keyword. */
  score: number;
  /** The id, name, title, keyword or role text that matched best, as written in the file. */
  matched: string;
}

export type PersonaMatch =
  | ({ kind: 'one' } & RankedPersona)
  | { kind: 'several'; personas: RankedPersona[] }
  | { kind: 'none'; all: Persona[] };

/** Below this nothing counts as a match. */
export const MATCH_THRESHOLD = 0.55;
/** Runners-up within this distance of the best make the answer ambiguous. */
const AMBIGUITY_GAP = 0.1;
const MAX_SEVERAL = 5;

/** Multi-word forms folded to one token, longest first, so both spellings land on the same key. */
const PHRASES: [string[], string][] = [
  [['chief', 'information', 'security', 'officer'], 'ciso'],
  [['chief', 'revenue', 'officer'], 'cro'],
  [['chief', 'financial', 'officer'], 'cfo'],
  [['chief', 'finance', 'officer'], 'cfo'],
  [['chief', 'marketing', 'officer'], 'cmo'],
  [['chief', 'information', 'officer'], 'cio'],
  [['chief', 'technology', 'officer'], 'cto'],
  [['chief', 'operating', 'officer'], 'coo'],
  [['chief', 'executive', 'officer'], 'ceo'],
  [['chief', 'security', 'officer'], 'cso'],
  [['chief', 'procurement', 'officer'], 'cpo'],
  [['senior', 'vice', 'president'], 'vp'],
  [['executive', 'vice', 'president'], 'vp'],
  [['vice', 'president'], 'vp'],
  [['revenue', 'operations'], 'revops'],
  [['revenue', 'ops'], 'revops'],
  [['rev', 'ops'], 'revops'],
  [['rev', 'op'], 'revops'],
  [['fp', 'and', 'a'], 'fpa'],
];

/** Single-token abbreviations and spelling variants. */
const ALIASES: Record<string, string[]> = {
  svp: ['vp'],
  evp: ['vp'],
  avp: ['vp'],
  dir: ['director'],
  mgr: ['manager'],
  mngr: ['manager'],
  sr: ['senior'],
  snr: ['senior'],
  jr: ['junior'],
  hd: ['head'],
  ops: ['operation'],
  op: ['operation'],
  itops: ['it', 'operation'],
  salesops: ['sale', 'operation'],
  secops: ['security', 'operation'],
  infosec: ['information', 'security'],
  cybersecurity: ['security'],
  cyber: ['security'],
  mktg: ['marketing'],
  mkt: ['marketing'],
  fin: ['finance'],
  financial: ['finance'],
  purchasing: ['procurement'],
  sourcing: ['procurement'],
  gen: ['generation'],
  admin: ['administrator'],
  sysadmin: ['system', 'administrator'],
  eng: ['engineering'],
};

const STOPWORDS = new Set(['of', 'the', 'and', 'for', 'a', 'an', 'in', 'at', 'to', 'on', 'our', 'my']);

/** Words that say how senior someone is, not what they do: they count for less when matching. */
const GENERIC = new Set([
  'vp',
  'head',
  'director',
  'manager',
  'senior',
  'junior',
  'lead',
  'chief',
  'officer',
  'leader',
  'global',
  'regional',
  'team',
  'specialist',
]);
const GENERIC_WEIGHT = 0.4;

function stem(token: string): string {
  if (token.length > 3 && token.endsWith('s') && !/(ss|us|is|ops|aas)$/.test(token)) return token.slice(0, -1);
  return token;
}

/** Exact, or one typo away for words long enough that one edit cannot turn them into another word. */
function sameWord(token: string | undefined, word: string): boolean {
  if (token === undefined) return false;
  if (token === word) return true;
  // Cheap filters first: this runs for every token against every phrase word.
  if (word.length < 5 || Math.abs(token.length - word.length) > 1 || token[0] !== word[0]) return false;
  return editDistance(token, word) <= 1;
}

/** Lower-case, accent-free, punctuation-free tokens with abbreviations expanded and plurals stemmed. */
export function normalizeTokens(text: string): string[] {
  const raw = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .split(' ')
    .filter(Boolean);
  const folded: string[] = [];
  for (let i = 0; i < raw.length; ) {
    const hit = PHRASES.find(([words]) => words.every((w, k) => sameWord(raw[i + k], w)));
    if (hit) {
      folded.push(hit[1]);
      i += hit[0].length;
    } else {
      folded.push(raw[i] ?? '');
      i += 1;
    }
  }
  return folded
    .filter((t) => !STOPWORDS.has(t))
    .flatMap((t) => ALIASES[t] ?? [t])
    .map(stem);
}

function trigrams(s: string): Set<string> {
  const padded = `  ${s} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
  return out;
}

/** Dice coefficient over character trigrams. */
function trigramSimilarity(a: string, b: string): number {
  const ta = trigrams(a);
  const tb = trigrams(b);
  let shared = 0;
  for (const t of ta) if (tb.has(t)) shared++;
  return (2 * shared) / (ta.size + tb.size);
}

/** 1 for equal tokens, a little less for typos and typed prefixes, else 0. */
function tokenSimilarity(q: string, p: string): number {
  if (q === p) return 1;
  if (q.length >= 3 && p.startsWith(q)) return 0.85;
  if (q.length >= 4 && p.length >= 4 && Math.abs(q.length - p.length) <= Math.max(q.length, p.length) / 4) {
    const ratio = 1 - editDistance(q, p) / Math.max(q.length, p.length);
    if (ratio >= 0.75) return ratio * 0.95;
  }
  return 0;
}

const weight = (t: string) => (GENERIC.has(t) ? GENERIC_WEIGHT : 1);

/** How much of `from` is found in `to`, weighted so "head" or "director" alone carry little. */
function coverage(from: readonly string[], to: readonly string[]): number {
  let total = 0;
  let got = 0;
  for (const f of from) {
    const w = weight(f);
    total += w;
    let best = 0;
    for (const t of to) best = Math.max(best, tokenSimilarity(f, t));
    got += w * best;
  }
  return total === 0 ? 0 : got / total;
}

function phraseScore(query: readonly string[], phrase: readonly string[]): number {
  if (phrase.length === 0) return 0;
  const q = query.join('');
  const p = phrase.join('');
  if (q === p) return 1;
  const tokens = 0.75 * coverage(query, phrase) + 0.25 * coverage(phrase, query);
  const dice = trigramSimilarity(q, p);
  return Math.max(tokens, dice >= 0.6 ? dice * 0.9 : 0);
}

interface Candidate {
  text: string;
  tokens: string[];
  factor: number;
}

const candidateCache = new WeakMap<Persona, Candidate[]>();

/** Everything a persona can be found by; role sentences count for less than titles and keywords. */
function candidates(p: Persona): Candidate[] {
  const cached = candidateCache.get(p);
  if (cached) return cached;
  const entries: [string, number][] = [
    [p.id.replace(/[_-]/g, ' '), 1],
    [p.name, 1],
    ...p.titles.map((t): [string, number] => [t, 1]),
    ...p.keywords.map((k): [string, number] => [k, 0.95]),
    [p.department, 0.9],
    [p.role, 0.7],
  ];
  const built = entries.map(([text, factor]) => ({ text, tokens: normalizeTokens(text), factor }));
  // Specs are parsed once and never mutated, so tokens are computed once per persona object.
  candidateCache.set(p, built);
  return built;
}

/** Every persona scored against the query, best first. */
export function rankPersonas(spec: PersonasSpec, query: string): RankedPersona[] {
  const q = normalizeTokens(query);
  if (q.length === 0) return [];
  const ranked = spec.personas.map((persona) => {
    let best: RankedPersona = { persona, score: 0, matched: '' };
    for (const c of candidates(persona)) {
      const score = phraseScore(q, c.tokens) * c.factor;
      if (score > best.score) best = { persona, score, matched: c.text };
    }
    return best;
  });
  return ranked.sort((a, b) => b.score - a.score || a.persona.engage_order - b.persona.engage_order);
}

/** All personas in file order, for an empty query or a "which one?" listing. */
export function listPersonas(spec: PersonasSpec): Persona[] {
  return [...spec.personas];
}

/**
 * Resolves free text to a persona. One clear winner → 'one'; runners-up within a small gap of the best →
 * 'several' (ranked, at most five); nothing above the threshold, or an empty query → 'none' with all
 * personas so the caller can offer the list.
 */
export function matchPersonas(spec: PersonasSpec, query: string): PersonaMatch {
  const trimmed = query.trim().toLowerCase();
  // An exact id is unambiguous whatever else scores well (ids are what buttons and links carry).
  const byId = spec.personas.find((p) => p.id === trimmed);
  if (byId) return { kind: 'one', persona: byId, score: 1, matched: byId.id };

  const ranked = rankPersonas(spec, query);
  const best = ranked[0];
  if (!best || best.score < MATCH_THRESHOLD) return { kind: 'none', all: listPersonas(spec) };
  const close = ranked.filter((r) => r.score >= MATCH_THRESHOLD && best.score - r.score < AMBIGUITY_GAP);
  if (close.length === 1) return { kind: 'one', ...best };
  return { kind: 'several', personas: close.slice(0, MAX_SEVERAL) };
}

const SUMMARY_GOAL_MAX = 140;

/** One line: the persona's role in the buying decision and the goal they care about most. */
export function summaryLine(persona: Persona): string {
  const goal = persona.goals[0] ?? persona.role;
  const short = goal.length > SUMMARY_GOAL_MAX ? `${goal.slice(0, SUMMARY_GOAL_MAX - 1).trimEnd()}…` : goal;
  return `${buyingRoleLabels[persona.buying_role]} · ${short}`;
}
