/**
 * "Check a company" from the App Home tab: a modal with one input, and the answer shown in the same
 * modal under it, so a rep can check one company after another without leaving Home. Builder and
 * submission parser live together so the block ids cannot drift apart. Pure: data in, JSON out.
 */
import { escapeMrkdwn, truncate } from '../mrkdwn.ts';
import { button, context, divider, input, LIMITS, modalText, placeholder } from './kit.ts';
import type { Block, ModalView } from './types.ts';

export const HomeCheckIds = {
  /** The Home tab button that opens the modal. */
  open: 'icp_home_check_action',
  /** A recent check's button in the Home tab: shows that check's card again. */
  viewCheck: 'icp_home_view_check_action',
  callback: 'icp_home_check_modal',
  block: 'company_block',
  input: 'company_input',
} as const;

/** What a user may type: as much as a slash command's text is worth reading. */
const MAX_QUERY = 500;
/** The answer's share of a modal's blocks: the input and our own lines take a few. */
const MAX_RESULT_BLOCKS = LIMITS.viewBlocks - 6;

/** The Home tab's "Check a company" button. */
export function homeCheckButton(): Block {
  return button('Check a company', HomeCheckIds.open, { style: 'primary' });
}

/** The button next to one of the user's recent checks in the Home tab. */
export function viewCheckButton(checkId: number): Block {
  return button('View', HomeCheckIds.viewCheck, { value: String(checkId) });
}

/**
 * The modal: the company input (holding `query` when given) and, once checked, the answer's blocks
 * under it. `result` comes from the same builders as the /icp-check answer, without the buttons that
 * need a message (share, add details, wrong tier).
 */
export function homeCheckModal(o: { query?: string; result?: Block[] } = {}): ModalView {
  const blocks: Block[] = [
    input(
      'Company',
      {
        type: 'plain_text_input',
        action_id: HomeCheckIds.input,
        max_length: MAX_QUERY,
        placeholder: placeholder('acme.com, Acme Inc, or Acme employees=120 country=SE'),
        ...(o.query ? { initial_value: truncate(o.query, MAX_QUERY) } : {}),
      },
      {
        blockId: HomeCheckIds.block,
        hint: 'A domain is the most reliable. Add details as key=value: employees, revenue, country, industry, stack, funding, growth, model.',
      },
    ),
  ];
  if (o.result && o.result.length > 0) {
    blocks.push(divider(), ...o.result.slice(0, MAX_RESULT_BLOCKS));
    if (o.query) {
      blocks.push(
        context(
          `To share it, add details or flag a wrong tier, run \`/icp-check ${escapeMrkdwn(truncate(o.query, 200))}\` in a channel.`,
        ),
      );
    }
  }
  return {
    type: 'modal',
    callback_id: HomeCheckIds.callback,
    title: modalText('Check a company'),
    submit: modalText(o.result ? 'Check another' : 'Check'),
    close: modalText(o.result ? 'Done' : 'Cancel'),
    blocks,
  };
}

type StateValues = Record<string, Record<string, { value?: string | null } | undefined> | undefined>;

/** The text typed in the modal's input ('' when empty or absent). */
export function homeCheckQuery(values: StateValues | undefined): string {
  return (values?.[HomeCheckIds.block]?.[HomeCheckIds.input]?.value ?? '').trim().slice(0, MAX_QUERY);
}

/** The submission: the text to check, or a field error for an empty input. */
export function parseHomeCheck(
  values: StateValues | undefined,
): { ok: true; text: string } | { ok: false; errors: Record<string, string> } {
  const text = homeCheckQuery(values);
  if (text === '') return { ok: false, errors: { [HomeCheckIds.block]: 'Type a company name, domain or URL.' } };
  return { ok: true, text };
}
