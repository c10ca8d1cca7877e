/**
 * Pure Block Kit builders for `/icp-check` answers. No Slack client, no database: data in, JSON out,
 * so every message can be validated against the Block Kit schema in tests.
 */

import { countryName } from '../../icp/geo.ts';
import { type CriterionLine, type ScoreResult, type Tier, tierLabels, tierText } from '../../icp/types.ts';
import type { AccountSummary } from '../../lookup/resolve.ts';
import type { CheckOutcome } from '../../usecases/check-company.ts';
import { bar, ECHO_MAX, escapeMrkdwn, fallbackText, truncate } from '../mrkdwn.ts';
import { actions, button, context, divider, header, LIMITS, mention, section, sections } from './kit.ts';
import type { Block, Message } from './types.ts';

export const ActionIds = {
  share: 'icp_share_action',
  addDetails: 'icp_add_details_action',
  wrongTier: 'icp_wrong_tier_action',
  personas: 'icp_personas_action',
  pickCandidate: 'icp_pick_candidate_action',
  addUnknown: 'icp_add_unknown_action',
} as const;

const statusIcon: Record<CriterionLine['status'], string> = {
  match: ':white_check_mark:',
  partial: ':large_yellow_circle:',
  miss: ':x:',
  unknown: ':grey_question:',
};

const tierIcon: Record<Tier, string> = {
  tier1: ':large_green_circle:',
  tier2: ':large_blue_circle:',
  tier3: ':white_circle:',
  no_fit: ':no_entry:',
};

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** One mrkdwn line per criterion: icon, label, value seen, points, and the rule in words. */
export function criterionLine(line: CriterionLine): string {
  const value = line.value === null ? '_unknown_' : escapeMrkdwn(truncate(line.value, 120));
  const origin = line.origin === 'ai' ? ' :sparkles:' : line.origin === 'inline' ? ' :pencil2:' : '';
  return (
    `${statusIcon[line.status]} *${escapeMrkdwn(line.label)}*: ${value}${origin} · ${fmt(line.earned)}/${fmt(line.possible)} pts\n` +
    `      _${escapeMrkdwn(truncate(line.rule, 200))}_`
  );
}

const tierRank: Record<Tier, number> = { no_fit: 0, tier3: 1, tier2: 2, tier1: 3 };

function tierRange(result: ScoreResult): string {
  if (result.range.min === result.range.max) return '';
  // Worst to best, matching the score range's low-to-high order.
  const tiers = [...result.possibleTiers].sort((a, b) => tierRank[a] - tierRank[b]).map((t) => tierLabels[t]);
  const tierText = tiers.length > 1 ? ` (${tiers[0]} to ${tiers[tiers.length - 1]})` : '';
  return ` With them known the score could be ${result.range.min}–${result.range.max}${tierText}.`;
}

export interface CardContext {
  /** Shown on shared cards: who asked. */
  sharedBy?: string;
  /** Whether to show action buttons (a shared card keeps only Personas). */
  interactive?: boolean;
  /** false: no buttons at all (the card inside the Home tab's "Check a company" modal). */
  buttons?: boolean;
}

/** Missing fields named as the ICP labels them (a field read by two criteria is listed once). */
function missingLabels(result: ScoreResult): string[] {
  const labels = new Map<string, string>();
  for (const l of result.lines) if (l.status === 'unknown' && !labels.has(l.field)) labels.set(l.field, l.label);
  return result.missingFields.map((f) => escapeMrkdwn(labels.get(f) ?? f));
}

/**
 * The tier as the card states it: the tier, or, when the unknown data could move the account across a tier
 * line, "Tier unknown: Not a fit to Tier 1, 41% of the data known" (never "Not a fit" for lack of data).
 */
export function tierHeadline(r: ScoreResult): string {
  return r.tierRange
    ? `${tierText(r.tier, r.tierRange)}, ${Math.round(r.coverage * 100)}% of the data known`
    : tierLabels[r.tier];
}

/** Fallback text for notifications and screen readers. */
export function checkFallbackText(outcome: Extract<CheckOutcome, { kind: 'scored' }>): string {
  const r = outcome.result;
  const excl = r.exclusions[0] ? ` (excluded: ${r.exclusions[0].label})` : '';
  const known = r.tierRange ? ' on the known data' : '';
  // Fallback text is read as mrkdwn (notifications): escape what came from users or data.
  return fallbackText(
    `${truncate(outcome.company.name, ECHO_MAX)}: ${tierHeadline(r)}, score ${r.score}/100${known}${excl}`,
  );
}

/** The explained score card. */
export function checkCard(outcome: Extract<CheckOutcome, { kind: 'scored' }>, ctx: CardContext = {}): Message {
  const { company, result } = outcome;
  const blocks: Block[] = [];
  blocks.push(header(`ICP check: ${company.name}`));

  const identity = [
    company.domain ? escapeMrkdwn(company.domain) : null,
    company.known ? 'in your CRM data' : 'not in your CRM data: scored from the details given',
  ]
    .filter(Boolean)
    .join(' · ');
  blocks.push(
    section(
      (result.tierRange
        ? `:grey_question: *${tierHeadline(result)}* · score *${result.score}*/100 on the known data, up to ${result.range.max}  \`${bar(result.score / 100)}\`\n`
        : `${tierIcon[result.tier]} *${tierLabels[result.tier]}* · score *${result.score}*/100  \`${bar(result.score / 100)}\`\n`) +
        identity,
    ),
  );

  for (const ex of result.exclusions.slice(0, 3)) {
    blocks.push(
      section(
        `:no_entry: *Excluded: ${escapeMrkdwn(ex.label)}* (${escapeMrkdwn(ex.field)} = ${escapeMrkdwn(ex.value)})\n${escapeMrkdwn(ex.reason)}`,
      ),
    );
  }

  const notes = [...outcome.warnings, ...(outcome.aiNote ? [outcome.aiNote] : [])];
  if (notes.length > 0) {
    blocks.push(context(...notes.slice(0, 5).map((n) => `:warning: ${escapeMrkdwn(n)}`)));
  }

  blocks.push(divider());
  blocks.push(...sections(result.lines.map(criterionLine)));

  const coverage = Math.round(result.coverage * 100);
  const missing =
    result.missingFields.length > 0 ? ` Missing: ${missingLabels(result).join(', ')}.${tierRange(result)}` : '';
  const unchecked =
    result.uncheckedExclusions.length > 0
      ? ` Not checked for lack of data: ${result.uncheckedExclusions.map((u) => escapeMrkdwn(u.label)).join(', ')}.`
      : '';
  blocks.push(context(`*Data coverage ${coverage}%*.${missing}${unchecked}`));

  const legend = Object.values(outcome.origins).includes('ai')
    ? ' · :sparkles: AI-extracted from your description'
    : '';
  const typed = Object.values(outcome.origins).includes('inline') ? ' · :pencil2: typed by you' : '';
  const credit = ctx.sharedBy ? ` · checked by ${mention(ctx.sharedBy)}` : '';
  blocks.push(
    context(
      `ICP v${result.icpVersion} “${escapeMrkdwn(outcome.icpName)}” · check #${outcome.checkId}${typed}${legend}${credit}`,
    ),
  );

  const value = String(outcome.checkId);
  const buttons: Block[] = [];
  if (ctx.interactive !== false) {
    buttons.push(button('Share in channel', ActionIds.share, { value }));
    if (result.missingFields.length > 0) {
      buttons.push(button('Add missing details', ActionIds.addDetails, { value }));
    }
    buttons.push(button('Wrong tier?', ActionIds.wrongTier, { value }));
  }
  if (result.tier !== 'no_fit') {
    buttons.push(button('Personas', ActionIds.personas, { value }));
  }
  if (buttons.length > 0 && ctx.buttons !== false) {
    blocks.push(actions(buttons, 'icp_check_actions'));
  }
  return { text: checkFallbackText(outcome), blocks };
}

function candidateHint(c: AccountSummary): string {
  const bits = [
    c.domain,
    c.industry,
    c.employees != null ? `${c.employees.toLocaleString('en-US')} employees` : null,
    c.country ? countryName(c.country) : null,
  ].filter((b): b is string => Boolean(b));
  return bits.length > 0 ? escapeMrkdwn(bits.join(' · ')) : '_no details on file_';
}

function candidateSection(c: AccountSummary): Block {
  return section(`*${escapeMrkdwn(c.name)}*\n${candidateHint(c)}`, {
    accessory: button('Check this one', `${ActionIds.pickCandidate}_${c.id}`, { value: String(c.id) }),
  });
}

/** Several accounts match: ask which one, never pick silently. */
export function ambiguousCard(query: string, candidates: AccountSummary[], reason: string): Message {
  const shown = candidates.slice(0, 10);
  return {
    text: fallbackText(`Several companies match “${truncate(query, ECHO_MAX)}”: which one did you mean?`),
    blocks: [
      section(
        `:mag: Several companies match *${escapeMrkdwn(query)}*. Which one did you mean?\n_${escapeMrkdwn(reason)}_`,
      ),
      ...shown.map(candidateSection),
      ...(candidates.length > shown.length
        ? [context(`${candidates.length - shown.length} more not shown: add the domain to narrow it down.`)]
        : []),
    ],
  };
}

/**
 * Nothing matches: say so, offer suggestions and the details modal. With `payloadValue` null (inside
 * a modal, where the details modal cannot open) there is no button: details are typed after the name.
 */
export function unknownCard(
  name: string,
  suggestions: AccountSummary[],
  warnings: string[],
  aiNote: string | null,
  payloadValue: string | null,
): Message {
  const example = `${escapeMrkdwn(truncate(name, 60))} employees=120 industry=saas country=SE`;
  const blocks: Block[] = [
    section(
      `:grey_question: I couldn’t find *${escapeMrkdwn(name)}* in your CRM data, so I won’t guess.\n` +
        (payloadValue === null
          ? `Type its details after the name to score it: \`${example}\``
          : `Add its details to score it, or type them inline: \`/icp-check ${example}\``),
      payloadValue === null ? {} : { accessory: button('Add details', ActionIds.addUnknown, { value: payloadValue }) },
    ),
  ];
  const notes = [...warnings, ...(aiNote ? [aiNote] : [])];
  if (notes.length > 0) {
    blocks.push(context(...notes.slice(0, 5).map((n) => escapeMrkdwn(n))));
  }
  if (suggestions.length > 0) {
    blocks.push(section('*Did you mean one of these?*'));
    blocks.push(...suggestions.slice(0, 5).map(candidateSection));
  }
  return { text: fallbackText(`${truncate(name, ECHO_MAX)} is not in your CRM data`), blocks };
}

/** A picked account that is not (or no longer) in the workspace's data: say so, never an empty card. */
export function accountGone(): Message {
  return notice(
    'That account is gone: it is no longer in this workspace’s CRM data. Check another with `/icp-check <company>`.',
  );
}

/** Usage with examples. */
export function checkHelp(): Message {
  return {
    text: 'How to use /icp-check',
    blocks: [
      header('How to use /icp-check'),
      section(
        [
          'Score a company against your ICP, with every point explained.',
          '• `/icp-check acme.com`: by domain or URL (most reliable)',
          '• `/icp-check Acme Robotics`: by name; I ask when several companies match',
          '• `/icp-check Acme employees=120 industry=fintech country=SE`: add or override details for this check',
          '• `/icp-check Acme, 120-person Swedish fintech on Salesforce, Series B`: a description (read by AI when it is switched on)',
          'Keys: `employees` `revenue` `country` `industry` `stack` `funding` `growth` `model`',
        ].join('\n'),
      ),
    ],
  };
}

/** A short message (errors, confirmations), always with fallback text. */
export function notice(text: string, emoji = ':information_source:'): Message {
  return {
    text: fallbackText(text, LIMITS.text),
    blocks: [section(`${emoji} ${escapeMrkdwn(text)}`)],
  };
}
