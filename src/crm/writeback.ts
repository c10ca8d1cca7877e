/**
 * What the write-back puts on a CRM company, pure: the property group and properties it creates (on an
 * owner's consent), and the values for one scored account: fit score, tier, ICP version and the
 * explanation in plain text, the same reasons /icp-check gives, trimmed to HubSpot's limit.
 *
 * No link: the bot has no web page per check, and Slack's app_redirect only opens the app, not the
 * answer, so a link would promise what it does not show. The explanation ends with the /icp-check to
 * type for the full card instead.
 *
 * Which records changed is decided on a hash of the score, tier and explanation: the ICP version is
 * written with them but is not part of the hash, so a new version rewrites only the companies whose
 * values it changed, and icp_version says which version last changed them.
 */
import { createHash } from 'node:crypto';
import type { ScoreResult, StoredTier } from '../icp/types.ts';
import { storedTierLabels, tierLabels } from '../icp/types.ts';

/** HubSpot's largest value for a text property (https://knowledge.hubspot.com/properties/property-field-types-in-hubspot). */
export const HUBSPOT_TEXT_MAX = 65_536;

export const WRITEBACK_GROUP = { name: 'icp_coach', label: 'ICP Coach' } as const;

export interface CompanyPropertyDef {
  name: string;
  label: string;
  description: string;
  type: 'number' | 'string' | 'enumeration';
  fieldType: 'number' | 'text' | 'textarea' | 'select';
  options?: { value: string; label: string }[];
}

const tierOptions = (Object.keys(storedTierLabels) as StoredTier[]).map((t) => ({
  value: t,
  label: storedTierLabels[t],
}));

export const WRITEBACK_PROPERTIES: readonly CompanyPropertyDef[] = [
  {
    name: 'icp_fit_score',
    label: 'ICP fit score',
    description: 'ICP Coach: the fit score, 0–100, on the known data.',
    type: 'number',
    fieldType: 'number',
  },
  {
    name: 'icp_tier',
    label: 'ICP tier',
    description: 'ICP Coach: the tier; “Tier unknown” when missing data could move it across a tier line.',
    type: 'enumeration',
    fieldType: 'select',
    options: tierOptions,
  },
  {
    name: 'icp_version',
    label: 'ICP version',
    description: 'ICP Coach: the ICP version that last changed the score, tier or explanation.',
    type: 'string',
    fieldType: 'text',
  },
  {
    name: 'icp_explanation',
    label: 'ICP explanation',
    description: 'ICP Coach: why this tier, criterion by criterion (the reasons /icp-check gives).',
    type: 'string',
    fieldType: 'textarea',
  },
];

export type WritebackValues = Record<'icp_fit_score' | 'icp_tier' | 'icp_version' | 'icp_explanation', string>;

const statusMark = { match: '✓', partial: '◐', miss: '✗', unknown: '?' } as const;
const pts = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** Cut to `max` characters (code points), marking the cut. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** The stored tier: 'unknown' when the unknown data could move the account across a tier line. */
export const storedTierOf = (r: ScoreResult): StoredTier => (r.tierRange ? 'unknown' : r.tier);

/** The reasons /icp-check gives, as plain text lines (no Slack markup, no rule texts, no ICP version). */
export function explanationText(r: ScoreResult, check: string, max = HUBSPOT_TEXT_MAX): string {
  const lines: string[] = [];
  const tier = r.tierRange
    ? `Tier unknown (${tierLabels[r.tierRange.low]} to ${tierLabels[r.tierRange.high]}), ${Math.round(r.coverage * 100)}% of the data known`
    : tierLabels[r.tier];
  lines.push(`${tier} · score ${r.score}/100${r.tierRange ? ` on the known data, up to ${r.range.max}` : ''}`);
  for (const ex of r.exclusions) lines.push(`Excluded: ${ex.label} (${ex.field} = ${ex.value}): ${ex.reason}`);
  for (const l of r.lines) {
    lines.push(`${statusMark[l.status]} ${l.label}: ${l.value ?? 'unknown'} · ${pts(l.earned)}/${pts(l.possible)} pts`);
  }
  const missing = r.lines.filter((l) => l.status === 'unknown').map((l) => l.label);
  lines.push(
    `Data coverage ${Math.round(r.coverage * 100)}%.${missing.length > 0 ? ` Missing: ${[...new Set(missing)].join(', ')}.` : ''}`,
  );
  if (r.uncheckedExclusions.length > 0) {
    lines.push(`Not checked for lack of data: ${r.uncheckedExclusions.map((u) => u.label).join(', ')}.`);
  }
  const footer = `Full card in Slack: /icp-check ${check}`;
  return `${clip(lines.join('\n'), max - footer.length - 1)}\n${footer}`;
}

/** The values written onto one company. */
export function writebackValues(r: ScoreResult, icpVersion: number, check: string): WritebackValues {
  return {
    icp_fit_score: String(r.score),
    icp_tier: storedTierOf(r),
    icp_version: String(icpVersion),
    icp_explanation: explanationText(r, check),
  };
}

/** What decides whether a company is written again: every value but the ICP version. */
export function valuesHash(v: WritebackValues): string {
  return createHash('sha256')
    .update(JSON.stringify([v.icp_fit_score, v.icp_tier, v.icp_explanation]))
    .digest('base64url');
}
