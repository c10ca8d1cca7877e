/**
 * What the persona builders share: action ids, the reference a persona button carries, the options of a
 * card, staleness, and the one-row-per-persona section (list, picker, committee). Pure: data in, JSON out.
 */
import { z } from 'zod';
import type { CriterionLine, Tier } from '../../icp/types.ts';
import { summaryLine } from '../../personas/match.ts';
import { daysSinceReview, type Persona } from '../../personas/spec.ts';
import { escapeMrkdwn, truncate } from '../mrkdwn.ts';
import { button, LIMITS, section } from './kit.ts';
import type { Block } from './types.ts';

export const PersonaActionIds = {
  /** Open one persona's compact card (list, picker, committee). */
  open: 'icp_persona_open_action',
  /** Switch a card between compact and full (value carries `full`). */
  more: 'icp_persona_more_action',
  share: 'icp_persona_share_action',
  tailor: 'icp_persona_tailor_action',
  /** Pick one of several companies for `/icp-persona for …`; suffixed with the account id. */
  pickCompany: 'icp_persona_pick_company_action',
} as const;

/**
 * What a persona button carries: the persona id and, when the card was opened for an account, where
 * the account's facts come from (a stored check or the account itself). Always re-read and re-scoped
 * to the workspace of the click; never trusted as data.
 */
export interface PersonaRef {
  persona: string;
  account?: number;
  check?: number;
  full?: boolean;
}

const refSchema = z.object({
  p: z.string().min(1).max(40),
  a: z.number().int().positive().optional(),
  c: z.number().int().positive().optional(),
  f: z.literal(1).optional(),
});

export function encodeRef(ref: PersonaRef): string {
  return JSON.stringify({
    p: ref.persona,
    ...(ref.account ? { a: ref.account } : {}),
    ...(ref.check ? { c: ref.check } : {}),
    ...(ref.full ? { f: 1 } : {}),
  });
}

/** The ref in a button value, or null when it is not one of ours. */
export function decodeRef(value: string | undefined): PersonaRef | null {
  if (!value) return null;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return null;
  }
  const r = refSchema.safeParse(json);
  if (!r.success) return null;
  return {
    persona: r.data.p,
    ...(r.data.a ? { account: r.data.a } : {}),
    ...(r.data.c ? { check: r.data.c } : {}),
    ...(r.data.f ? { full: true } : {}),
  };
}

/** Staleness against the ICP's review cadence, computed by the caller from `deps.now`. */
export interface Freshness {
  reviewEveryDays: number;
  today: Date;
}

/** The account a card was opened for: facts from our own data only. */
export interface AccountFacts {
  name: string;
  domain: string | null;
  tier: Tier;
  score: number;
  industry: string | null;
  segment: string | null;
  employees: number | null;
  country: string | null;
  icpVersion: number;
  /** The explained score lines (our engine's output on our stored facts). */
  lines: CriterionLine[];
}

export interface PersonaCardOptions {
  full?: boolean;
  freshness?: Freshness;
  /** Persona file version, shown in the footer. */
  version?: number;
  /** Account context for tailoring (from a committee or `… for <company>`). */
  account?: { ref: { account?: number; check?: number }; name: string };
  /** True when an AI key is configured: then cards with an account offer "Tailor to this account". */
  canTailor?: boolean;
  /** Buttons (false on a card shared in the channel). */
  interactive?: boolean;
  /** Who shared the card in the channel (a verified Slack user id). */
  sharedBy?: string;
}

/** Escaped persona text, clipped first so a long field never reaches the section limit half-escaped. */
export const e = (s: string, max: number = LIMITS.sectionText) => escapeMrkdwn(truncate(s, max));

/** Whole days since the review and whether that exceeds the cadence; null without a cadence. */
export function staleness(p: Persona, f: Freshness | undefined): { stale: boolean; days: number } | null {
  if (!f || f.reviewEveryDays <= 0) return null;
  const days = daysSinceReview(p, f.today);
  return { stale: days > f.reviewEveryDays, days };
}

export function openButton(p: Persona, ref: Omit<PersonaRef, 'persona'> = {}, label = 'Open card'): Block {
  return button(label, PersonaActionIds.open, { value: encodeRef({ persona: p.id, ...ref }) });
}

function staleMark(p: Persona, f: Freshness | undefined): string {
  return staleness(p, f)?.stale ? ' :warning: _needs review_' : '';
}

/** One section per persona: name, buying role and the one line that matters, with an Open button. */
export function personaRow(
  p: Persona,
  f: Freshness | undefined,
  lead = '',
  ref: Omit<PersonaRef, 'persona'> = {},
): Block {
  return section(`${lead}*${escapeMrkdwn(p.name)}*${staleMark(p, f)}\n${escapeMrkdwn(summaryLine(p))}`, {
    accessory: openButton(p, ref),
  });
}

/** At most this many persona rows in one message (list, committee). */
export const MAX_ROWS = 40;
