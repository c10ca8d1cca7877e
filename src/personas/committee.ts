/**
 * The buying committee for one account: which personas matter for its ICP tier and segment, in the order
 * a rep should engage them. Pure: the caller passes the tier it already scored.
 */
import type { Tier } from '../icp/types.ts';
import { normalizeTokens, summaryLine } from './match.ts';
import type { Persona, PersonasSpec } from './spec.ts';

export interface CommitteeMember {
  persona: Persona;
  /** The one line that matters: role in the decision and what they care about most. */
  why: string;
}

export interface CommitteeAccount {
  tier: Tier;
  industry?: string | null;
  segment?: string | null;
}

/** What picked the committee: the account's segment, its industry, the file's default segment, or none of them. */
export type CommitteeBasis = 'segment' | 'industry' | 'default' | 'tier_only' | 'none';

export interface Committee {
  members: CommitteeMember[];
  basis: CommitteeBasis;
  /** The segment tag that matched, when one did. */
  matchedSegment: string | null;
  /** Why the list is empty, or null when it is not. */
  emptyReason: string | null;
}

/** Shown instead of a committee for accounts outside the ICP. */
export const NO_FIT_REASON =
  'This account is not a fit for the ICP, so no buying committee is suggested: spend the time on a better-fit account.';

export const noPersonasForTierReason = (tier: Tier) =>
  `No persona in the persona file is marked for ${tier}; add the tier to the personas who sit on that committee.`;

/** Tokens joined, so "Hospitals & Health Care" and the tag "healthcare" compare as text without spacing. */
const key = (text: string) => normalizeTokens(text.replace(/[_-]/g, ' ')).join('');

/**
 * True when a segment tag fits an account value: the same key, or a tag of four or more characters inside
 * the value's key ("saas" in "B2B SaaS", "healthcare" in "Hospitals & Health Care").
 */
export function segmentMatches(tag: string, value: string): boolean {
  const t = key(tag);
  const v = key(value);
  if (!t || !v) return false;
  return t === v || (t.length >= 4 && v.includes(t));
}

function firstMatch(personas: readonly Persona[], value: string | null | undefined): string | null {
  if (!value?.trim()) return null;
  for (const p of personas) for (const tag of p.segments ?? []) if (segmentMatches(tag, value)) return tag;
  return null;
}

/**
 * Resolves the committee and says how it was chosen. The account's segment wins over its industry; when
 * neither matches a persona's segments the file's `default_segment` applies, and without one every persona
 * of the tier is listed. Personas without segments join every committee of their tiers.
 */
export function resolveCommittee(spec: PersonasSpec, account: CommitteeAccount): Committee {
  if (account.tier === 'no_fit')
    return { members: [], basis: 'none', matchedSegment: null, emptyReason: NO_FIT_REASON };
  const tier = account.tier;
  const inTier = spec.personas.filter((p) => p.tiers.includes(tier));
  const general = inTier.filter((p) => !p.segments?.length);
  const specific = inTier.filter((p) => p.segments?.length);

  const pick = (value: string | null | undefined) =>
    value?.trim() ? specific.filter((p) => (p.segments ?? []).some((tag) => segmentMatches(tag, value))) : [];

  let chosen: Persona[];
  let basis: CommitteeBasis;
  let matchedSegment: string | null = null;
  const bySegment = pick(account.segment);
  const byIndustry = pick(account.industry);
  if (bySegment.length > 0) {
    chosen = bySegment;
    basis = 'segment';
    matchedSegment = firstMatch(bySegment, account.segment);
  } else if (byIndustry.length > 0) {
    chosen = byIndustry;
    basis = 'industry';
    matchedSegment = firstMatch(byIndustry, account.industry);
  } else if (spec.default_segment) {
    const fallback = spec.default_segment;
    chosen = specific.filter((p) => p.segments?.includes(fallback));
    basis = 'default';
    matchedSegment = fallback;
  } else {
    chosen = specific;
    basis = 'tier_only';
  }

  const order = new Map(spec.personas.map((p, i) => [p.id, i]));
  const members = [...chosen, ...general]
    .sort((a, b) => a.engage_order - b.engage_order || (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
    .map((persona) => ({ persona, why: summaryLine(persona) }));
  return { members, basis, matchedSegment, emptyReason: members.length ? null : noPersonasForTierReason(tier) };
}

/**
 * The personas that matter for an account's tier and segment, in engagement order, each with the one line
 * that matters. Empty for no_fit accounts (see NO_FIT_REASON) and for tiers no persona is marked for.
 */
export function buyingCommittee(spec: PersonasSpec, account: CommitteeAccount): CommitteeMember[] {
  return resolveCommittee(spec, account).members;
}
