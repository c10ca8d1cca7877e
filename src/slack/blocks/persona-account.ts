/**
 * The persona builders that involve an account: the buying committee, the company picker of
 * `/icp-persona for …`, the unknown company, and the AI-tailored notes. Pure: data in, JSON out.
 */
import { type CriterionLine, type Tier, tierLabels } from '../../icp/types.ts';
import type { AccountSummary } from '../../lookup/resolve.ts';
import type { Committee } from '../../personas/committee.ts';
import { buyingRoleLabels, type Persona } from '../../personas/spec.ts';
import { bar, ECHO_MAX, escapeMrkdwn, fallbackText, truncate } from '../mrkdwn.ts';
import { actions, button, context, divider, header, section } from './kit.ts';
import {
  type AccountFacts,
  e,
  type Freshness,
  MAX_ROWS,
  openButton,
  PersonaActionIds,
  type PersonaRef,
  personaRow,
} from './persona-parts.ts';
import type { Block, Message } from './types.ts';

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
  const blocks: Block[] = [header(`Buying committee: ${account.name}`), section(accountLine(account))];
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
    blocks.push(
      section(`*${escapeMrkdwn(c.name)}*\n${hint ? escapeMrkdwn(hint) : '_no details on file_'}`, {
        accessory: button('Committee', `${PersonaActionIds.pickCompany}_${c.id}`, { value: String(c.id) }),
      }),
    );
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
    header(`${p.name} at ${account.name}`),
    section(
      `*From your data*\n${accountLine(account)}` +
        (strengths.length ? `\nFits: ${lineText(strengths)}` : '') +
        (gaps.length ? `\nGaps or unknown: ${lineText(gaps)}` : '') +
        `\nPersona: ${buyingRoleLabels[p.buying_role]} · ${e(p.role, 300)}`,
    ),
    divider(),
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
    actions(
      [
        openButton(
          p,
          { ...(ref.account ? { account: ref.account } : {}), ...(ref.check ? { check: ref.check } : {}) },
          'Persona card',
        ),
      ],
      'icp_persona_tailored_actions',
    ),
  ];
  return {
    text: fallbackText(
      `${truncate(p.name, ECHO_MAX)} at ${truncate(account.name, ECHO_MAX)}: AI-generated talking points`,
    ),
    blocks,
  };
}
