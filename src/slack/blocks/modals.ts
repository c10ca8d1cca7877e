/**
 * Modals of the check flow: "Add missing details" (inputs for exactly the unknown fields) and
 * "Wrong tier?" (reason + note). Builders and the matching submission parsers live together so the
 * block ids cannot drift apart.
 */
import { parseHumanNumber } from '../../check/parse.ts';
import { normalizeCountry } from '../../icp/geo.ts';
import type { FactValue } from '../../icp/types.ts';
import { truncate } from '../mrkdwn.ts';
import { context, input, LIMITS, modalText, option, placeholder, privateMetadata } from './kit.ts';
import type { Block, ModalView } from './types.ts';

export const CallbackIds = {
  details: 'icp_details_modal',
  wrongTier: 'icp_wrong_tier_modal',
} as const;

type FieldKind = 'integer' | 'number' | 'country' | 'list' | 'boolean' | 'text';

const fieldKinds: Record<string, FieldKind> = {
  employees: 'integer',
  revenue: 'number',
  growth: 'number',
  country: 'country',
  tech_stack: 'list',
  recent_funding: 'boolean',
  hiring_spike: 'boolean',
  multi_region: 'boolean',
};

const hints: Record<string, string> = {
  employees: 'Head-count, e.g. 120',
  revenue: 'Annual revenue, e.g. 12000000 or 12M',
  growth: 'Year-over-year growth in %, e.g. 40',
  country: 'Headquarters country, e.g. Sweden or SE',
  tech_stack: 'Comma-separated, e.g. HubSpot, Slack',
};

export interface DetailsField {
  field: string;
  label: string;
}

export interface DetailsMetadata {
  /** The check being completed (null for a company that is not in the CRM). */
  checkId: number | null;
  /** The company name typed, for unknown companies. */
  name?: string;
  channelId?: string;
  responseUrl?: string;
}

function inputElement(field: string): Block {
  const kind = fieldKinds[field] ?? 'text';
  const action_id = `value_input`;
  if (kind === 'boolean') {
    return {
      type: 'static_select',
      action_id,
      placeholder: placeholder('Choose'),
      options: [option('Yes', 'yes'), option('No', 'no')],
    };
  }
  return {
    type: 'plain_text_input',
    action_id,
    max_length: 200,
    ...(hints[field] ? { placeholder: placeholder(hints[field]) } : {}),
  };
}

/** Block id of one field's input: the fact key with a suffix (kept ≤ 255 chars). */
const blockIdFor = (field: string) => truncate(`${field}_block`, LIMITS.blockId);

/** A modal with one optional input per unknown field; submitting re-scores with those values. */
export function detailsModal(fields: DetailsField[], meta: DetailsMetadata, title = 'Add missing details'): ModalView {
  const blocks: Block[] = [context('Values you enter are used for this check only; they do not change your CRM data.')];
  for (const f of fields.slice(0, 40)) {
    blocks.push(input(f.label, inputElement(f.field), { blockId: blockIdFor(f.field), optional: true }));
  }
  return {
    type: 'modal',
    callback_id: CallbackIds.details,
    title: modalText(title),
    submit: modalText('Score it'),
    close: modalText('Cancel'),
    private_metadata: privateMetadata(meta),
    blocks,
  };
}

type StateValues = Record<
  string,
  Record<string, { type?: string; value?: string | null; selected_option?: { value: string } | null }>
>;

/**
 * Reads the details modal. Returns the typed values, or field errors keyed by block id (Slack shows
 * them under the inputs and keeps the modal open).
 */
export function parseDetailsSubmission(
  values: StateValues,
): { ok: true; values: Record<string, FactValue> } | { ok: false; errors: Record<string, string> } {
  const out: Record<string, FactValue> = {};
  const errors: Record<string, string> = {};
  for (const [blockId, actions] of Object.entries(values)) {
    if (!blockId.endsWith('_block')) continue;
    const field = blockId.slice(0, -'_block'.length);
    const a = actions.value_input;
    if (!a) continue;
    const raw = a.selected_option?.value ?? a.value ?? '';
    const text = raw.trim();
    if (text === '') continue;
    const kind = fieldKinds[field] ?? 'text';
    switch (kind) {
      case 'integer':
      case 'number': {
        const n = parseHumanNumber(text);
        if (n === null || n < 0) errors[blockId] = 'Enter a number, like 120, 5k or 2.5M.';
        else if (kind === 'integer' && !Number.isInteger(n)) errors[blockId] = 'Enter a whole number.';
        else out[field] = n;
        break;
      }
      case 'country': {
        const c = normalizeCountry(text);
        if (!c) errors[blockId] = 'I don’t recognise that country. Try its English name or a code like SE.';
        else out[field] = c;
        break;
      }
      case 'list':
        out[field] = text
          .split(/[,;+]/)
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case 'boolean':
        out[field] = text === 'yes';
        break;
      default:
        out[field] = text;
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, values: out };
}

export const wrongTierReasons = [
  { value: 'should_be_higher', label: 'Should be a higher tier' },
  { value: 'should_be_lower', label: 'Should be a lower tier' },
  { value: 'should_be_excluded', label: 'Should be excluded' },
  { value: 'wrongly_excluded', label: 'Wrongly excluded' },
  { value: 'wrong_company', label: 'Wrong company matched' },
  { value: 'data_wrong', label: 'The data on file is wrong' },
] as const;

export function wrongTierModal(meta: { checkId: number; company: string; tier: string }): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackIds.wrongTier,
    title: modalText('Wrong tier?'),
    submit: modalText('Send feedback'),
    close: modalText('Cancel'),
    private_metadata: privateMetadata({ checkId: meta.checkId }),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'plain_text',
          text: truncate(
            `${meta.company} was scored ${meta.tier}. Your feedback goes to the ICP owners and shows in the next review.`,
            LIMITS.sectionText,
          ),
        },
      },
      input(
        'What is wrong?',
        {
          type: 'radio_buttons',
          action_id: 'reason_input',
          options: wrongTierReasons.slice(0, LIMITS.radioOptions).map((r) => option(r.label, r.value)),
        },
        { blockId: 'reason_block' },
      ),
      input(
        'Anything the owners should know?',
        { type: 'plain_text_input', action_id: 'note_input', multiline: true, max_length: 1000 },
        { blockId: 'note_block', optional: true },
      ),
    ],
  };
}

export function parseWrongTierSubmission(
  values: StateValues,
): { ok: true; reason: string; note: string | null } | { ok: false; errors: Record<string, string> } {
  const reason = values.reason_block?.reason_input?.selected_option?.value;
  if (!reason || !wrongTierReasons.some((r) => r.value === reason)) {
    return { ok: false, errors: { reason_block: 'Pick what is wrong.' } };
  }
  const note = values.note_block?.note_input?.value?.trim() || null;
  return { ok: true, reason, note };
}
