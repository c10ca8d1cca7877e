/**
 * Approving or dismissing a suggested ICP: the review modal (whole diff, reasons and the proposed file, a
 * note, "Apply as vN"), the views while it applies and once applied, the stale-version answer with
 * Recompute, and the dismiss modal. Pure builders, validated against Block Kit in tests.
 */
import type { LearnOutcome } from '../../learn/suggest.ts';
import { escapeMrkdwn, truncate } from '../mrkdwn.ts';
import {
  actions,
  button,
  capBlocks,
  context,
  LIMITS,
  mention,
  modalText,
  plainText,
  privateMetadata,
  section,
  sections,
} from './kit.ts';
import { ReviewActionIds, ReviewCallbackIds, ReviewInputIds } from './review-ids.ts';
import { suggestValue } from './suggestion.ts';
import type { Block, Message, ModalView } from './types.ts';

/** What the apply and dismiss modals carry to their submission: no YAML, only the reference and where to confirm. */
export interface SuggestionMetadata {
  id: number;
  base: number;
  /** The ephemeral suggestion the modal came from, replaced by the confirmation. */
  responseUrl?: string;
}

export function parseSuggestionMetadata(raw: string | undefined): SuggestionMetadata | null {
  try {
    const m = JSON.parse(raw || '{}') as Partial<SuggestionMetadata>;
    if (!Number.isInteger(m.id) || !Number.isInteger(m.base)) return null;
    return {
      id: m.id!,
      base: m.base!,
      ...(typeof m.responseUrl === 'string' && /^https?:\/\//.test(m.responseUrl)
        ? { responseUrl: m.responseUrl }
        : {}),
    };
  } catch {
    return null;
  }
}

const esc = (s: string, max = 300) => escapeMrkdwn(truncate(s.replace(/\s+/g, ' ').trim(), max));
const who = (owners: readonly string[]) =>
  owners.length === 0 ? 'an ICP owner (none are listed in the ICP file)' : owners.map(mention).join(' or ');

/** The proposed file in code blocks of at most `max` characters each, escaped; at most `maxBlocks` blocks. */
export function yamlSections(yaml: string, maxBlocks = 30, max = 2800): Block[] {
  // Escaped like any mrkdwn (labels come from CRM data); a ``` inside would close the code block.
  const lines = escapeMrkdwn(yaml.replace(/```/g, '`\u200b``')).split('\n');
  const chunks: string[] = [];
  let cur = '';
  for (const l of lines) {
    const line = truncate(l, max);
    if (cur && cur.length + line.length + 1 > max) {
      chunks.push(cur);
      cur = '';
    }
    cur = cur ? `${cur}\n${line}` : line;
  }
  if (cur) chunks.push(cur);
  const shown = chunks.slice(0, maxBlocks).map((c) => section(`\`\`\`${c}\`\`\``));
  if (chunks.length > maxBlocks) {
    shown.push(context('The file is longer than a modal can show: `npm run icp -- suggest --json` prints it whole.'));
  }
  return shown;
}

export interface ApplyModalData {
  ref: SuggestionMetadata;
  currentVersion: number;
  outcome: LearnOutcome;
  summary: string;
  diff: readonly string[];
  reasons: readonly string[];
  yaml: string;
  owners: readonly string[];
  canApply: boolean;
}

/** ICP changed since the proposal was computed: nothing is applied; Recompute computes it against the current version. */
export function staleBlocks(base: number, current: number | null, outcome: LearnOutcome): Block[] {
  return [
    section(
      `:warning: *The ICP changed since this proposal was computed.* It was computed against version ${base}; the current version is ${current ?? 'unknown'}. Nothing was applied, so that change is kept.`,
    ),
    section('Recompute the suggestion against the current ICP to see what the data proposes now.'),
    actions(
      [button('Recompute', ReviewActionIds.suggest, { value: suggestValue(outcome, true), style: 'primary' })],
      'icp_suggest_stale_actions',
    ),
  ];
}

/** Review & apply: the whole proposal, then (owners) a note and "Apply as vN"; read-only for everyone else. */
export function applyModal(d: ApplyModalData): ModalView {
  const base: ModalView = {
    type: 'modal',
    callback_id: ReviewCallbackIds.suggestApply,
    title: modalText('Review & apply'),
    close: modalText(d.canApply ? 'Cancel' : 'Close'),
    private_metadata: privateMetadata(d.ref),
    blocks: [],
  };
  if (d.currentVersion !== d.ref.base) {
    return { ...base, title: modalText('ICP changed'), blocks: staleBlocks(d.ref.base, d.currentVersion, d.outcome) };
  }
  const blocks: Block[] = [
    section(esc(d.summary, LIMITS.sectionText)),
    ...sections([`*What changes against ICP v${d.ref.base}:*`, ...d.diff.map((l) => `• ${esc(l)}`)], 15),
    ...sections(['*Why:*', ...d.reasons.map((l) => `• ${esc(l)}`)], 10),
    section('*The proposed ICP file:*'),
    ...yamlSections(d.yaml),
  ];
  if (!d.canApply) {
    blocks.push(context(`:lock: Only ${who(d.owners)} can apply it (the owners listed in the ICP file).`));
    return { ...base, blocks: capBlocks(blocks, 'modal') };
  }
  const next = d.ref.base + 1;
  blocks.push(
    context(
      `Applying makes this ICP version ${next}, approved by you; every account is rescored and it counts as an ICP review. To undo it later: \`npm run icp -- rollback ${d.ref.base}\`.`,
    ),
    {
      type: 'input',
      block_id: ReviewInputIds.applyNote.block,
      optional: true,
      label: plainText('Why apply it? (stored with the review)', LIMITS.inputLabel),
      element: {
        type: 'plain_text_input',
        action_id: ReviewInputIds.applyNote.action,
        multiline: true,
        max_length: 2000,
      },
    },
  );
  // Kept under 100 blocks: the YAML is cut first (its context line says where to read it whole).
  const fitted =
    blocks.length > LIMITS.viewBlocks ? [...blocks.slice(0, LIMITS.viewBlocks - 3), ...blocks.slice(-2)] : blocks;
  return { ...base, submit: modalText(`Apply as v${next}`), blocks: fitted };
}

type StateValues = Record<string, Record<string, { value?: string | null }>>;

const text = (values: StateValues, ids: { block: string; action: string }) => {
  const v = values[ids.block]?.[ids.action]?.value?.trim() ?? '';
  return v === '' ? null : v.slice(0, 2000);
};

export const parseApplyNote = (values: StateValues) => text(values, ReviewInputIds.applyNote);
export const parseDismissReason = (values: StateValues) => text(values, ReviewInputIds.dismissReason);

/** Shown while the ICP is applied and every account rescored. */
export function applyingModal(): ModalView {
  return {
    type: 'modal',
    callback_id: ReviewCallbackIds.suggestApply,
    title: modalText('Applying…'),
    close: modalText('Close'),
    blocks: [section(':hourglass_flowing_sand: Applying the ICP and rescoring every account…')],
  };
}

export interface AppliedData {
  version: number;
  previous: number;
  by: string;
  changes: readonly string[];
  rescored: { accounts: number; byTier: Record<string, number> };
}

const tierNames: [string, string][] = [
  ['tier1', 'Tier 1'],
  ['tier2', 'Tier 2'],
  ['tier3', 'Tier 3'],
  ['no_fit', 'Not a fit'],
  ['unknown', 'tier unknown'],
];

/** The confirmation: new version, who approved it, the rescore, and how to roll back. */
export function appliedMessage(d: AppliedData): Message {
  const tiers = tierNames
    .filter(([k]) => (d.rescored.byTier[k] ?? 0) > 0)
    .map(([k, label]) => `${label} ${(d.rescored.byTier[k] ?? 0).toLocaleString('en-US')}`)
    .join(' · ');
  const head = `:white_check_mark: *Applied as ICP version ${d.version}*, approved by ${mention(d.by)} (replaces version ${d.previous}). Rescored ${d.rescored.accounts.toLocaleString('en-US')} accounts${tiers ? `: ${tiers}` : ''}. Recorded as an ICP review.`;
  const rollback = `To roll back: \`npm run icp -- rollback ${d.previous}\` restores version ${d.previous} as a new version (history is kept).`;
  return {
    text: `Applied as ICP version ${d.version} (was ${d.previous}). To roll back: npm run icp -- rollback ${d.previous}`,
    blocks: [
      section(head),
      ...sections(
        d.changes.slice(0, 30).map((c) => `• ${esc(c)}`),
        3,
      ),
      context(rollback),
    ],
  };
}

/** A message's blocks in a closable modal (the applied confirmation, the stale answer). */
export function resultModal(title: string, blocks: Block[]): ModalView {
  return {
    type: 'modal',
    callback_id: ReviewCallbackIds.suggestApply,
    title: modalText(title),
    close: modalText('Close'),
    blocks: capBlocks(blocks, 'modal'),
  };
}

export function staleMessage(base: number, current: number | null, outcome: LearnOutcome): Message {
  return {
    text: `The ICP changed since this proposal was computed (v${base}, now v${current ?? '?'}); nothing was applied.`,
    blocks: staleBlocks(base, current, outcome),
  };
}

/** Dismiss: an optional reason, remembered with the dismissal. */
export function dismissModal(ref: SuggestionMetadata): ModalView {
  return {
    type: 'modal',
    callback_id: ReviewCallbackIds.suggestDismiss,
    title: modalText('Dismiss proposal'),
    submit: modalText('Dismiss'),
    close: modalText('Cancel'),
    private_metadata: privateMetadata(ref),
    blocks: [
      section(
        'The same proposal will not be offered again in this workspace until new data changes it. Anyone can still see it with *Show it anyway*.',
      ),
      {
        type: 'input',
        block_id: ReviewInputIds.dismissReason.block,
        optional: true,
        label: plainText('Why not? (optional)', LIMITS.inputLabel),
        element: {
          type: 'plain_text_input',
          action_id: ReviewInputIds.dismissReason.action,
          multiline: true,
          max_length: 500,
        },
      },
    ],
  };
}

export function dismissedMessage(by: string, reason: string | null): Message {
  return {
    text: 'ICP proposal dismissed: it will not be offered again until the data changes it.',
    blocks: [
      section(
        `:no_bell: Proposal dismissed by ${mention(by)}${reason ? ` (“${esc(reason, 500)}”)` : ''}. It will not be offered again until new data changes it.`,
      ),
    ],
  };
}
