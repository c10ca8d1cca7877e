/**
 * Block Kit limits (from /work/shared/slack/PLATFORM.md, checked against Slack's Block Kit reference) and
 * a pure checker that builders and tests use before anything is sent. Slack answers an oversize payload
 * with `invalid_blocks` or `msg_blocks_too_long` and posts nothing, so we check first.
 */
import type { types } from '@slack/bolt';

type View = types.View;

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  /** Any text object (plain_text or mrkdwn) where no tighter limit applies. */
  text: 3000,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  callbackId: 255,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  plainTextInput: 3000,
  optionText: 75,
  optionValue: 150,
  /** static_select options; radio buttons and checkboxes allow 10. */
  selectOptions: 100,
  radioOptions: 10,
  modalTitle: 24,
  modalButtonText: 24,
  privateMetadata: 3000,
  /** `msg_blocks_too_long` shows up at about 12-13k characters of block text (bolt-js issues 2509, 2867). */
  messageBlocksText: 12_000,
  /** Message `text` is truncated above this. */
  messageText: 40_000,
  /** Slack documents at most one table block and two data visualisation blocks per message. */
  tablesPerMessage: 1,
  dataVisualizationsPerMessage: 2,
  viewStack: 3,
} as const;

export type Surface = 'message' | 'modal' | 'home';

export interface MessagePayload {
  text?: string;
  blocks?: unknown[];
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function textOf(v: unknown): string | undefined {
  return isObj(v) && typeof v.text === 'string' ? v.text : undefined;
}

/** Sum of the lengths of every `text` string inside the blocks (text objects, markdown, rich text leaves). */
export function blocksTextLength(blocks: readonly unknown[]): number {
  let total = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
    } else if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') total += x.length;
        else walk(x);
      }
    }
  };
  walk(blocks);
  return total;
}

/** Interactive elements of a block: actions/context elements, a section accessory, an input element. */
function elementsOf(block: Obj): Obj[] {
  const out: Obj[] = [];
  if (Array.isArray(block.elements)) for (const e of block.elements) if (isObj(e)) out.push(e);
  if (isObj(block.accessory)) out.push(block.accessory);
  if (isObj(block.element)) out.push(block.element);
  return out;
}

function checkLength(problems: string[], where: string, value: string | undefined, max: number): void {
  if (value !== undefined && value.length > max) problems.push(`${where} is ${value.length} chars (max ${max})`);
}

function checkBlock(problems: string[], block: unknown, i: number, blockIds: Map<string, number>): void {
  const at = `blocks[${i}]`;
  if (!isObj(block) || typeof block.type !== 'string') {
    problems.push(`${at} is not a block (no type)`);
    return;
  }
  if (typeof block.block_id === 'string') {
    checkLength(problems, `${at}.block_id`, block.block_id, LIMITS.blockId);
    const seen = blockIds.get(block.block_id);
    if (seen !== undefined) problems.push(`${at}.block_id "${block.block_id}" repeats blocks[${seen}].block_id`);
    else blockIds.set(block.block_id, i);
  }
  if (block.type === 'section') {
    checkLength(problems, `${at}.text`, textOf(block.text), LIMITS.sectionText);
    if (Array.isArray(block.fields)) {
      if (block.fields.length > LIMITS.sectionFields) {
        problems.push(`${at}.fields has ${block.fields.length} fields (max ${LIMITS.sectionFields})`);
      }
      block.fields.forEach((f, j) => {
        checkLength(problems, `${at}.fields[${j}]`, textOf(f), LIMITS.sectionFieldText);
      });
    }
    if (block.text === undefined && block.fields === undefined) problems.push(`${at} (section) needs text or fields`);
  }
  if (block.type === 'header') checkLength(problems, `${at}.text`, textOf(block.text), LIMITS.headerText);
  // Whitespace-only text objects pass a minLength check but Slack rejects them.
  for (const key of ['text', 'label', 'title'] as const) {
    const t = textOf(block[key]);
    if (t !== undefined && t.trim() === '') problems.push(`${at}.${key} is blank`);
  }
  const actionIds = new Map<string, number>();
  elementsOf(block).forEach((el, j) => {
    const where = `${at} element ${j}`;
    if (typeof el.action_id === 'string') {
      checkLength(problems, `${where} action_id`, el.action_id, LIMITS.actionId);
      const seen = actionIds.get(el.action_id);
      if (seen !== undefined)
        problems.push(`${where} action_id "${el.action_id}" repeats element ${seen} in the same block`);
      else actionIds.set(el.action_id, j);
    }
    if (el.type === 'button') {
      const t = textOf(el.text);
      checkLength(problems, `${where} button text`, t, LIMITS.buttonText);
      if (t !== undefined && t.trim() === '') problems.push(`${where} button text is blank`);
      if (typeof el.value === 'string') checkLength(problems, `${where} button value`, el.value, LIMITS.buttonValue);
      if (typeof el.url === 'string') checkLength(problems, `${where} button url`, el.url, LIMITS.buttonUrl);
    }
    if (el.type === 'plain_text_input') {
      const max = typeof el.max_length === 'number' ? el.max_length : LIMITS.plainTextInput;
      if (typeof el.initial_value === 'string') checkLength(problems, `${where} initial_value`, el.initial_value, max);
      if (typeof el.max_length === 'number' && el.max_length > LIMITS.plainTextInput)
        problems.push(`${where} max_length above ${LIMITS.plainTextInput}`);
    }
  });
}

/**
 * Problems (empty when fine) that would make Slack reject or mangle a message, modal or Home tab:
 * block counts, aggregate block text of a message, the fallback `text`, modal title and button text,
 * private_metadata, unique block_ids per surface and unique action_ids per block, and the per-element
 * limits in `LIMITS`. Also covers what the vendored JSON schema does not enforce (50 blocks per message,
 * aggregate size, fallback text, id uniqueness, blank text, one table / two charts per message).
 */
export function checkSurfaceLimits(surface: Surface, payload: MessagePayload | View): string[] {
  const problems: string[] = [];
  const p = payload as Obj;
  const blocks = Array.isArray(p.blocks) ? (p.blocks as unknown[]) : [];
  if (p.blocks !== undefined && !Array.isArray(p.blocks)) problems.push('blocks is not an array');
  const maxBlocks = surface === 'message' ? LIMITS.messageBlocks : LIMITS.viewBlocks;
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks (max ${maxBlocks} per ${surface})`);

  const blockIds = new Map<string, number>();
  blocks.forEach((b, i) => {
    checkBlock(problems, b, i, blockIds);
  });

  if (surface === 'message') {
    // Notifications and screen readers use `text`; Slack warns when it is missing next to blocks.
    const text = typeof p.text === 'string' ? p.text : '';
    if (text.trim() === '') problems.push('message has no fallback text');
    checkLength(problems, 'message text', text, LIMITS.messageText);
    const total = blocksTextLength(blocks);
    if (total > LIMITS.messageBlocksText) {
      problems.push(
        `blocks carry ${total} chars of text (keep under ${LIMITS.messageBlocksText}: msg_blocks_too_long)`,
      );
    }
    const count = (type: string) => blocks.filter((b) => isObj(b) && b.type === type).length;
    if (count('table') > LIMITS.tablesPerMessage) problems.push(`more than ${LIMITS.tablesPerMessage} table block`);
    if (count('data_visualization') > LIMITS.dataVisualizationsPerMessage) {
      problems.push(`more than ${LIMITS.dataVisualizationsPerMessage} data_visualization blocks`);
    }
  } else {
    if (blocks.length === 0) problems.push(`${surface} has no blocks`);
    if (p.type !== surface) problems.push(`view type is ${JSON.stringify(p.type)}, expected "${surface}"`);
    if (typeof p.private_metadata === 'string') {
      checkLength(problems, 'private_metadata', p.private_metadata, LIMITS.privateMetadata);
    }
    if (typeof p.callback_id === 'string') checkLength(problems, 'callback_id', p.callback_id, LIMITS.callbackId);
  }
  if (surface === 'modal') {
    const title = textOf(p.title);
    if (title === undefined || title.trim() === '') problems.push('modal has no title');
    checkLength(problems, 'modal title', title, LIMITS.modalTitle);
    checkLength(problems, 'modal submit text', textOf(p.submit), LIMITS.modalButtonText);
    checkLength(problems, 'modal close text', textOf(p.close), LIMITS.modalButtonText);
    const hasInput = blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInput && p.submit === undefined) problems.push('modal with input blocks needs a submit button');
  }
  return problems;
}
