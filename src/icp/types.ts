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
  /** The tiers reachable within that range (ignoring exclusions that could not be checked). */
  possibleTiers: Tier[];
  icpVersion: number;
}
