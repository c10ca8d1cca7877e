/**
 * Pure Block Kit builders for `/icp-persona`: the persona cheat sheet (compact and full), the "which one?"
 * picker, the list and the usage. The account-side cards (committee, tailored notes) are in
 * persona-account.ts, the shared ids and rows in persona-parts.ts; both are re-exported here.
 * Every persona field comes from a file someone edited, so all of it is escaped before it enters mrkdwn.
 */
import { buyingRoleLabels, type Persona, seniorityLabels } from '../../personas/spec.ts';
import { blocksTextLength, LIMITS } from '../limits.ts';
import { ECHO_MAX, escapeMrkdwn, fallbackText, truncate } from '../mrkdwn.ts';
import { actions, button, context, header, mention, section } from './kit.ts';
import {
  e,
  encodeRef,
  type Freshness,
  MAX_ROWS,
  PersonaActionIds,
  type PersonaCardOptions,
  type PersonaRef,
  personaRow,
  staleness,
} from './persona-parts.ts';
import type { Block, Message } from './types.ts';

export { committeeCard, companyPicker, type TailoredNotes, tailoredCard, unknownCompany } from './persona-account.ts';
export {
  type AccountFacts,
  decodeRef,
  encodeRef,
  type Freshness,
  PersonaActionIds,
  type PersonaCardOptions,
  type PersonaRef,
  staleness,
} from './persona-parts.ts';

const bullets = (items: readonly string[]) => items.map((i) => `• ${escapeMrkdwn(i)}`).join('\n');

function objectionLines(p: Persona, n: number): string {
  return p.objections
    .slice(0, n)
    .map((o) => `• _“${escapeMrkdwn(o.objection)}”_\n      → ${escapeMrkdwn(o.answer)}`)
    .join('\n');
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
  const credit = o.sharedBy ? ` · shared by ${mention(o.sharedBy)}` : '';
  return `Owner ${mention(p.owner)} · as of ${p.last_reviewed}${age}${v}${credit}`;
}

/** The persona cheat sheet: compact (a 30-second read) or full (`o.full`). */
export function personaCard(p: Persona, o: PersonaCardOptions = {}): Message {
  const blocks: Block[] = [];
  const title = o.account ? `${p.name} · ${o.account.name}` : p.name;
  blocks.push(header(title));
  blocks.push(section(identity(p)));

  const s = staleness(p, o.freshness);
  if (s?.stale) {
    blocks.push(
      context(
        `:warning: Not reviewed for ${s.days} days (last ${p.last_reviewed}); the ICP is reviewed every ${o.freshness?.reviewEveryDays} days. ` +
          `Treat it with care and ask ${mention(p.owner)} to review it.`,
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
      button(o.full ? 'Less' : 'More', PersonaActionIds.more, { value: encodeRef({ ...ref, full: !o.full }) }),
      button('Share in channel', PersonaActionIds.share, {
        value: encodeRef({ ...ref, ...(o.full ? { full: true } : {}) }),
      }),
    ];
    if (o.account && o.canTailor) {
      buttons.push(
        button('Tailor to this account', PersonaActionIds.tailor, { value: encodeRef(ref), style: 'primary' }),
      );
    }
    blocks.push(actions(buttons, 'icp_persona_actions'));
  }
  const fallback = `${truncate(p.name, ECHO_MAX)}: ${buyingRoleLabels[p.buying_role]}, ${truncate(p.role, ECHO_MAX)}`;
  return { text: fallbackText(fallback), blocks: fitText(blocks) };
}

/** All personas with one-line summaries (empty `/icp-persona`, or nothing matched). */
export function personaList(
  personas: readonly Persona[],
  o: { freshness?: Freshness; query?: string; version?: number; ref?: Omit<PersonaRef, 'persona'> } = {},
): Message {
  const blocks: Block[] = [];
  if (o.query !== undefined) {
    blocks.push(section(`:grey_question: No persona matches “${e(o.query, 200)}”. These are the personas on file:`));
  } else {
    blocks.push(header('Buyer personas'));
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

/** Usage with examples. */
export function personaHelp(): Message {
  return {
    text: 'How to use /icp-persona',
    blocks: [
      header('How to use /icp-persona'),
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
