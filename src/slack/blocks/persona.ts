/**
 * Pure Block Kit builders for `/icp-persona`: the persona cheat sheet (compact and full), the "which one?"
 * picker, the list, the buying committee of an account and the AI-tailored notes. Data in, JSON out.
 * Every persona field comes from a file someone edited, so all of it is escaped before it enters mrkdwn.
 */
import { z } from 'zod';
import { type CriterionLine, type Tier, tierLabels } from '../../icp/types.ts';
import type { AccountSummary } from '../../lookup/resolve.ts';
import type { Committee } from '../../personas/committee.ts';
import { summaryLine } from '../../personas/match.ts';
import { buyingRoleLabels, daysSinceReview, type Persona, seniorityLabels } from '../../personas/spec.ts';
import { blocksTextLength, LIMITS } from '../limits.ts';
import { bar, ECHO_MAX, escapeMrkdwn, fallbackText, truncate } from '../mrkdwn.ts';
import type { Block, Message } from './types.ts';

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

const e = (s: string, max = 2900) => escapeMrkdwn(truncate(s, max));
const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: truncate(text, 2900) } });
const context = (text: string): Block => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: truncate(text, 1900) }],
});
const bullets = (items: readonly string[]) => items.map((i) => `• ${escapeMrkdwn(i)}`).join('\n');

function objectionLines(p: Persona, n: number): string {
  return p.objections
    .slice(0, n)
    .map((o) => `• _“${escapeMrkdwn(o.objection)}”_\n      → ${escapeMrkdwn(o.answer)}`)
    .join('\n');
}

/** Whole days since the review and whether that exceeds the cadence; null without a cadence. */
export function staleness(p: Persona, f: Freshness | undefined): { stale: boolean; days: number } | null {
  if (!f || f.reviewEveryDays <= 0) return null;
  const days = daysSinceReview(p, f.today);
  return { stale: days > f.reviewEveryDays, days };
}

/**
 * Keeps a message under Slack's aggregate block text limit (`msg_blocks_too_long` at ~12k): while over
 * budget, the longest section is shortened. Only ever bites on persona files written at the field limits.
 */
function fitText(blocks: Block[], budget = LIMITS.messageBlocksText - 300): Block[] {
  for (let guard = 0; guard < 50 && blocksTextLength(blocks) > budget; guard++) {
    let longest: { text: { text: string } } | null = null;
    for (const b of blocks) {
      const t = b.type === 'section' ? (b.text as { text: string } | undefined) : undefined;
      if (t && (!longest || t.text.length > longest.text.text.length))
        longest = b as unknown as { text: { text: string } };
    }
    if (!longest) break;
    const over = blocksTextLength(blocks) - budget;
    longest.text.text = truncate(longest.text.text, Math.max(200, longest.text.text.length - over - 10));
  }
  return blocks;
}

function identity(p: Persona): string {
  return (
    `*${e(p.role, 400)}*\n` +
    `${buyingRoleLabels[p.buying_role]} · ${seniorityLabels[p.seniority]} · ${e(p.department, 100)}\n` +
    `_Titles: ${e(p.titles.slice(0, 8).join(', '), 600)}${p.titles.length > 8 ? '…' : ''}_`
  );
}

function footer(p: Persona, o: PersonaCardOptions): string {
  const s = staleness(p, o.freshness);
  const age = s ? ` (${s.days} days ago)` : '';
  const v = o.version ? ` · personas v${o.version}` : '';
  const credit = o.sharedBy ? ` · shared by <@${o.sharedBy}>` : '';
  return `Owner <@${p.owner}> · as of ${p.last_reviewed}${age}${v}${credit}`;
}

/** The persona cheat sheet: compact (a 30-second read) or full (`o.full`). */
export function personaCard(p: Persona, o: PersonaCardOptions = {}): Message {
  const blocks: Block[] = [];
  const title = o.account ? `${p.name} · ${o.account.name}` : p.name;
  blocks.push({ type: 'header', text: { type: 'plain_text', text: truncate(title, 150), emoji: true } });
  blocks.push(section(identity(p)));

  const s = staleness(p, o.freshness);
  if (s?.stale) {
    blocks.push(
      context(
        `:warning: Not reviewed for ${s.days} days (last ${p.last_reviewed}); the ICP is reviewed every ${o.freshness?.reviewEveryDays} days. ` +
          `Treat it with care and ask <@${p.owner}> to review it.`,
      ),
    );
  }

  if (!o.full) {
    const care = [...p.goals.slice(0, 2)];
    const kpis = p.kpis.length ? `\n_Measured on: ${e(p.kpis.slice(0, 4).join(', '), 400)}_` : '';
    blocks.push(section(`:dart: *What they care about*\n${bullets(care)}${kpis}`));
    blocks.push(section(`*Top pains*\n${bullets(p.pains.slice(0, 3))}`));
    blocks.push(section(`*Objections and answers*\n${objectionLines(p, 3)}`));
    blocks.push(section(`:speech_balloon: *How to open (15 s)*\n${escapeMrkdwn(p.talk_track.fifteen_seconds)}`));
  } else {
    blocks.push(section(`:dart: *Goals*\n${bullets(p.goals)}`));
    if (p.kpis.length) blocks.push(section(`*KPIs they are measured on*\n${bullets(p.kpis)}`));
    blocks.push(section(`*Pains*\n${bullets(p.pains)}`));
    // Objections one block each: eight answers of 600 characters would not fit one section.
    blocks.push(section(`*Objections and answers* (${p.objections.length})`));
    for (const ob of p.objections) {
      blocks.push(section(`• _“${escapeMrkdwn(ob.objection)}”_\n      → ${escapeMrkdwn(ob.answer)}`));
    }
    blocks.push(section(`:mag: *Discovery questions*\n${bullets(p.discovery_questions)}`));
    blocks.push(section(`:speech_balloon: *15-second talk track*\n${escapeMrkdwn(p.talk_track.fifteen_seconds)}`));
    blocks.push(section(`*30-second talk track*\n${escapeMrkdwn(p.talk_track.thirty_seconds)}`));
    const reach = [
      p.channels.length ? `*Channels:* ${e(p.channels.join(', '), 1000)}` : null,
      p.information_sources.length ? `*Information sources:* ${e(p.information_sources.join('; '), 1500)}` : null,
    ].filter(Boolean);
    if (reach.length) blocks.push(section(reach.join('\n')));
    const dos = p.messaging.do.length ? `*Messaging: do*\n${bullets(p.messaging.do)}` : '';
    const donts = p.messaging.dont.length ? `*Messaging: don't*\n${bullets(p.messaging.dont)}` : '';
    if (dos || donts) blocks.push(section([dos, donts].filter(Boolean).join('\n')));
    blocks.push(section(`> _“${escapeMrkdwn(p.quote)}”_`));
  }
  blocks.push(context(footer(p, o)));

  if (o.interactive !== false) {
    const ref = { persona: p.id, ...(o.account?.ref ?? {}) };
    const buttons: Block[] = [
      {
        type: 'button',
        action_id: PersonaActionIds.more,
        text: { type: 'plain_text', text: o.full ? 'Less' : 'More' },
        value: encodeRef({ ...ref, full: !o.full }),
      },
      {
        type: 'button',
        action_id: PersonaActionIds.share,
        text: { type: 'plain_text', text: 'Share in channel' },
        value: encodeRef({ ...ref, ...(o.full ? { full: true } : {}) }),
      },
    ];
    if (o.account && o.canTailor) {
      buttons.push({
        type: 'button',
        action_id: PersonaActionIds.tailor,
        style: 'primary',
        text: { type: 'plain_text', text: 'Tailor to this account' },
        value: encodeRef(ref),
      });
    }
    blocks.push({ type: 'actions', block_id: 'icp_persona_actions', elements: buttons });
  }
  const fallback = `${truncate(p.name, ECHO_MAX)}: ${buyingRoleLabels[p.buying_role]}, ${truncate(p.role, ECHO_MAX)}`;
  return { text: fallbackText(fallback), blocks: fitText(blocks) };
}

function openButton(p: Persona, ref: Omit<PersonaRef, 'persona'> = {}, label = 'Open card'): Block {
  return {
    type: 'button',
    action_id: PersonaActionIds.open,
    text: { type: 'plain_text', text: label },
    value: encodeRef({ persona: p.id, ...ref }),
  };
}

function staleMark(p: Persona, f: Freshness | undefined): string {
  return staleness(p, f)?.stale ? ' :warning: _needs review_' : '';
}

/** One section per persona: name, buying role and the one line that matters, with an Open button. */
function personaRow(p: Persona, f: Freshness | undefined, lead = '', ref: Omit<PersonaRef, 'persona'> = {}): Block {
  return {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: truncate(`${lead}*${escapeMrkdwn(p.name)}*${staleMark(p, f)}\n${escapeMrkdwn(summaryLine(p))}`, 2900),
    },
    accessory: openButton(p, ref),
  };
}

const MAX_ROWS = 40;

/** All personas with one-line summaries (empty `/icp-persona`, or nothing matched). */
export function personaList(
  personas: readonly Persona[],
  o: { freshness?: Freshness; query?: string; version?: number; ref?: Omit<PersonaRef, 'persona'> } = {},
): Message {
  const blocks: Block[] = [];
  if (o.query !== undefined) {
    blocks.push(section(`:grey_question: No persona matches “${e(o.query, 200)}”. These are the personas on file:`));
  } else {
    blocks.push({ type: 'header', text: { type: 'plain_text', text: 'Buyer personas' } });
  }
  for (const p of personas.slice(0, MAX_ROWS)) blocks.push(personaRow(p, o.freshness, '', o.ref));
  blocks.push(
    context(
      `Try \`/icp-persona cfo\`, \`/icp-persona for acme.com\` or \`/icp-persona help\`${o.version ? ` · personas v${o.version}` : ''}`,
    ),
  );
  const text =
    o.query !== undefined ? `No persona matches “${truncate(o.query, ECHO_MAX)}”` : `${personas.length} buyer personas`;
  return { text: fallbackText(text), blocks };
}

/** Several personas fit the query: one button each, best first. */
export function personaPicker(
  query: string,
  personas: readonly Persona[],
  f?: Freshness,
  ref: Omit<PersonaRef, 'persona'> = {},
): Message {
  const blocks: Block[] = [section(`Several personas match “${e(query, 200)}”. Which one?`)];
  for (const p of personas) blocks.push(personaRow(p, f, '', ref));
  return { text: fallbackText(`Several personas match “${truncate(query, ECHO_MAX)}”`), blocks };
}

const tierIcon: Record<Tier, string> = {
  tier1: ':large_green_circle:',
  tier2: ':large_blue_circle:',
  tier3: ':white_circle:',
  no_fit: ':no_entry:',
};

function accountLine(a: AccountFacts): string {
  const bits = [
    a.domain,
    a.industry,
    a.segment ? `segment ${a.segment}` : null,
    a.employees != null ? `${a.employees.toLocaleString('en-US')} employees` : null,
    a.country,
  ].filter((b): b is string => Boolean(b));
  return (
    `${tierIcon[a.tier]} *${tierLabels[a.tier]}* · score *${a.score}*/100  \`${bar(a.score / 100)}\`` +
    (bits.length ? `\n${e(bits.join(' · '), 600)}` : '')
  );
}

/** A segment tag or industry as shown: from the personas file or CRM data, so escaped; "revops_purchase" → "revops purchase". */
const tag = (s: string | null) => (s ? escapeMrkdwn(s.replace(/_/g, ' ')) : '?');

const basisText: Record<Committee['basis'], (seg: string | null) => string> = {
  segment: (s) => `committee for the account's segment (${tag(s)})`,
  industry: (s) => `committee picked by the account's industry (${tag(s)})`,
  default: (s) => `no persona segment matched the account, so the default committee (${tag(s)}) is shown`,
  tier_only: () => 'every persona of this tier',
  none: () => 'no committee',
};

/** The buying committee of an account in engagement order, each member with a button to the full card. */
export function committeeCard(
  account: AccountFacts,
  committee: Committee,
  o: { ref: { account?: number; check?: number }; freshness?: Freshness; version?: number },
): Message {
  const blocks: Block[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`Buying committee: ${account.name}`, 150), emoji: true },
    },
    section(accountLine(account)),
  ];
  if (committee.members.length === 0) {
    blocks.push(
      section(`:no_entry: ${escapeMrkdwn(committee.emptyReason ?? 'No buying committee for this account.')}`),
    );
    return { text: fallbackText(`${truncate(account.name, ECHO_MAX)}: no buying committee`), blocks };
  }
  blocks.push(
    context(`:busts_in_silhouette: In engagement order: ${basisText[committee.basis](committee.matchedSegment)}.`),
  );
  committee.members.slice(0, MAX_ROWS).forEach((m, i) => {
    blocks.push(personaRow(m.persona, o.freshness, `${i + 1}. `, o.ref));
  });
  blocks.push(context(`ICP v${account.icpVersion}${o.version ? ` · personas v${o.version}` : ''}`));
  const names = committee.members.map((m) => truncate(m.persona.name, ECHO_MAX)).join(', ');
  return { text: fallbackText(`${truncate(account.name, ECHO_MAX)} (${tierLabels[account.tier]}): ${names}`), blocks };
}

/** Several accounts match `/icp-persona for …`: ask which, like `/icp-check`. */
export function companyPicker(query: string, candidates: readonly AccountSummary[], reason: string): Message {
  const blocks: Block[] = [section(`Several companies match “${e(query, 200)}”. ${e(reason, 400)} Which one?`)];
  for (const c of candidates.slice(0, 10)) {
    const hint = [c.domain, c.industry, c.country].filter(Boolean).join(' · ');
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(`*${escapeMrkdwn(c.name)}*\n${hint ? escapeMrkdwn(hint) : '_no details on file_'}`, 2900),
      },
      accessory: {
        type: 'button',
        action_id: `${PersonaActionIds.pickCompany}_${c.id}`,
        text: { type: 'plain_text', text: 'Committee' },
        value: String(c.id),
      },
    });
  }
  return { text: fallbackText(`Several companies match “${truncate(query, ECHO_MAX)}”`), blocks };
}

/** The company is not in the CRM data: say so, never guess a committee. */
export function unknownCompany(query: string, suggestions: readonly AccountSummary[]): Message {
  const blocks: Block[] = [
    section(
      `:grey_question: I couldn’t find *${e(query, 200)}* in your CRM data, so I won’t guess its buying committee. ` +
        'Check it with `/icp-check` first, or import the account.',
    ),
  ];
  if (suggestions.length) {
    blocks.push(
      section(
        `*Did you mean:* ${e(
          suggestions
            .slice(0, 5)
            .map((s) => s.name)
            .join(', '),
          1000,
        )}`,
      ),
    );
  }
  return { text: fallbackText(`${truncate(query, ECHO_MAX)} is not in your CRM data`), blocks };
}

/** Model output for one persona at one account (already validated against the zod schema). */
export interface TailoredNotes {
  talking_points: string[];
  likely_objections: { objection: string; answer: string }[];
}

/**
 * The tailored notes. Facts (tier, score, the matched criteria, the persona's fields) come from our data;
 * the model's text is escaped, shown only inside the sections labelled AI-generated, and never decides a fact.
 */
export function tailoredCard(p: Persona, account: AccountFacts, notes: TailoredNotes, ref: PersonaRef): Message {
  const strengths = account.lines.filter((l) => l.status === 'match' || l.status === 'partial').slice(0, 4);
  const gaps = account.lines.filter((l) => l.status === 'miss' || l.status === 'unknown').slice(0, 3);
  const lineText = (ls: CriterionLine[]) =>
    ls.map((l) => `${escapeMrkdwn(l.label)}${l.value ? ` (${e(l.value, 80)})` : ''}`).join(', ');
  const blocks: Block[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`${p.name} at ${account.name}`, 150), emoji: true },
    },
    section(
      `*From your data*\n${accountLine(account)}` +
        (strengths.length ? `\nFits: ${lineText(strengths)}` : '') +
        (gaps.length ? `\nGaps or unknown: ${lineText(gaps)}` : '') +
        `\nPersona: ${buyingRoleLabels[p.buying_role]} · ${e(p.role, 300)}`,
    ),
    { type: 'divider' },
    section(
      `:sparkles: *AI-generated talking points* (check before you use them)\n${notes.talking_points
        .map((t, i) => `${i + 1}. ${e(t, 300)}`)
        .join('\n')}`,
    ),
    section(
      `:sparkles: *AI-generated likely objections*\n${notes.likely_objections
        .map((o) => `• _“${e(o.objection, 300)}”_\n      → ${e(o.answer, 600)}`)
        .join('\n')}`,
    ),
    context(
      'AI-generated from the stored account facts, its ICP score lines and the persona. Tier, score and persona come from your data, not the model.',
    ),
    {
      type: 'actions',
      block_id: 'icp_persona_tailored_actions',
      elements: [
        openButton(
          p,
          { ...(ref.account ? { account: ref.account } : {}), ...(ref.check ? { check: ref.check } : {}) },
          'Persona card',
        ),
      ],
    },
  ];
  return {
    text: fallbackText(
      `${truncate(p.name, ECHO_MAX)} at ${truncate(account.name, ECHO_MAX)}: AI-generated talking points`,
    ),
    blocks,
  };
}

/** Usage with examples. */
export function personaHelp(): Message {
  return {
    text: 'How to use /icp-persona',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'How to use /icp-persona' } },
      section(
        [
          'The cheat sheet for a buyer before a call: who they are, what they care about, how to open.',
          '• `/icp-persona`: every persona with one line each',
          '• `/icp-persona cfo` · `/icp-persona vp sales` · `/icp-persona revops`: by name, role or title',
          '• `/icp-persona for acme.com`: the buying committee for that account, in engagement order',
          '• `/icp-persona cfo for acme.com`: one persona with the account, ready to tailor',
          'On a card: *More* for the full sheet, *Share in channel*, and *Tailor to this account* when AI is on.',
        ].join('\n'),
      ),
    ],
  };
}
