/**
 * Shared shapes of the ICP domain. Pure types: no Slack, no database.
 */

/** A value the engine can score: text, number, yes/no, or a list (tech stack). */
export type FactValue = string | number | boolean | readonly string[];

/**
 * Everything known about one company, flat. Canonical keys: name, domain, industry, business_model,
 * funding_stage, employees, revenue (annual, whole currency units), growth (year-over-year %),
 * country (ISO 3166-1 alpha-2), tech_stack (list), and boolean signals such as recent_funding,
 * hiring_spike, multi_region. Any other key is a custom attribute an ICP may reference.
 * A missing key (or undefined/null) means "unknown", never "no".
 */
export type Facts = Readonly<Record<string, FactValue | null | undefined>>;

export type Tier = 'tier1' | 'tier2' | 'tier3' | 'no_fit';

export const tierLabels: Record<Tier, string> = {
  tier1: 'Tier 1',
  tier2: 'Tier 2',
  tier3: 'Tier 3',
  no_fit: 'Not a fit',
};

/** A tier, or 'unknown' where a stored score's missing data could move it across a tier line. */
export type StoredTier = Tier | 'unknown';

export const storedTierLabels: Record<StoredTier, string> = { ...tierLabels, unknown: 'Tier unknown' };

/** "Tier unknown: Not a fit to Tier 1" (worst to best), or the tier's name when it is known. */
export function tierText(tier: Tier, range: { low: Tier; high: Tier } | null): string {
  return range ? `Tier unknown: ${tierLabels[range.low]} to ${tierLabels[range.high]}` : tierLabels[tier];
}

export type CriterionStatus = 'match' | 'partial' | 'miss' | 'unknown';

/** One explained line of a score. */
export interface CriterionLine {
  id: string;
  label: string;
  /** The facts key(s) this criterion reads. */
  field: string;
  /** The value seen, formatted for people; null when unknown. */
  value: string | null;
  earned: number;
  possible: number;
  status: CriterionStatus;
  /** The rule in words, e.g. "50–250 employees: full; 20–49 or 251–500: half". */
  rule: string;
  /** Where the value came from when not the stored record, e.g. 'inline' or 'ai'. */
  origin?: string;
}

export interface FiredExclusion {
  id: string;
  label: string;
  field: string;
  value: string;
  reason: string;
}

export interface ScoreResult {
  /** 0–100, rounded to a whole number: earned / total weight × 100 (unknown criteria earn 0). */
  score: number;
  tier: Tier;
  /** Exclusions that fired; any fired exclusion makes the tier 'no_fit' whatever the points. */
  exclusions: FiredExclusion[];
  /** Exclusions that could not be checked because their field is unknown. */
  uncheckedExclusions: { id: string; label: string; field: string }[];
  lines: CriterionLine[];
  /** Share (0–1) of the total weight whose data was known. */
  coverage: number;
  /** Facts keys that were unknown, in criterion order, without duplicates. */
  missingFields: string[];
  /** The score if every unknown criterion turned out a miss (= score) or a full match. */
  range: { min: number; max: number };
  /** The tiers reachable within that range (ignoring exclusions that could not be checked), best first. */
  possibleTiers: Tier[];
  /**
   * Set when the unknown data could move the account across a tier line: the tier is then *unknown*,
   * somewhere from `low` (the known data alone, = `tier`) to `high` (every unknown criterion a match).
   * Null when the known data settles the tier.
   */
  tierRange: { low: Tier; high: Tier } | null;
  icpVersion: number;
}

/** A stored score's tier in words: "Tier 2", "Tier unknown: Tier 3 to Tier 1", or "unscored". */
export function storedTierText(r: { tier: string | null; tierLow: string | null; tierHigh: string | null }): string {
  if (r.tier === null) return 'unscored';
  const label = (t: string | null) => (t && t in storedTierLabels ? storedTierLabels[t as StoredTier] : (t ?? '?'));
  return r.tier === 'unknown' ? `Tier unknown: ${label(r.tierLow)} to ${label(r.tierHigh)}` : label(r.tier);
}
