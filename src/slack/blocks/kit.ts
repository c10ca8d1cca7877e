/**
 * The one Block Kit kit every builder uses: each function clips what it is given to Slack's limit for that
 * place, read from the one table in src/slack/limits.ts, so no builder writes a number of its own. Text
 * is clipped by grapheme and never inside an `&amp;` entity (src/slack/mrkdwn.ts `truncate`). Callers
 * escape untrusted text before it goes into mrkdwn; the kit only bounds it.
 */
import { LIMITS } from '../limits.ts';
import { type MrkdwnTextObject, mrkdwn, type PlainTextObject, plain, truncate } from '../mrkdwn.ts';
import type { Block } from './types.ts';

export { mention } from '../ids.ts';
export { LIMITS } from '../limits.ts';

/** Shortens text to `max` code units with '…' (by grapheme, never inside an entity). */
export const clip = truncate;

/** A plain_text object within `max` (default: any text object's limit). */
export const plainText = (text: string, max: number = LIMITS.text): PlainTextObject => plain(text, max);

/** A mrkdwn text object within `max` (default: any text object's limit). */
export const mrkdwnText = (text: string, max: number = LIMITS.text): MrkdwnTextObject => mrkdwn(text, max);

interface SectionOptions {
  blockId?: string;
  accessory?: Block;
  /** Two-column fields under (or instead of) the text; see `fields`. */
  fields?: readonly string[];
}

/** A mrkdwn section: text within the section limit, fields within theirs, an optional accessory. */
export function section(text: string | null, opts: SectionOptions = {}): Block {
  return {
    type: 'section',
    ...(opts.blockId ? { block_id: opts.blockId } : {}),
    ...(text !== null ? { text: mrkdwnText(text, LIMITS.sectionText) } : {}),
    ...(opts.fields ? { fields: fields(opts.fields) } : {}),
    ...(opts.accessory ? { accessory: opts.accessory } : {}),
  };
}

/** Section fields (mrkdwn): at most the number Slack allows, each within the field limit. */
export function fields(texts: readonly string[]): MrkdwnTextObject[] {
  return texts.slice(0, LIMITS.sectionFields).map((t) => mrkdwnText(t, LIMITS.sectionFieldText));
}

/** A header (plain_text, emoji on) within the header limit. */
export function header(text: string): Block {
  return { type: 'header', text: plainText(text, LIMITS.headerText) };
}

/** A context block of mrkdwn lines: at most the number of elements Slack allows, each within its limit. */
export function context(...texts: string[]): Block {
  return {
    type: 'context',
    elements: texts.slice(0, LIMITS.contextElements).map((t) => mrkdwnText(t, LIMITS.contextText)),
  };
}

export const divider = (): Block => ({ type: 'divider' });

interface ButtonOptions {
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
  accessibilityLabel?: string;
}

/**
 * A button: text and value within their limits. Values are ids or a user's query (the unknown company's
 * name, clipped like any echo); a url is never clipped, since a cut url leads elsewhere.
 */
export function button(text: string, actionId: string, opts: ButtonOptions = {}): Block {
  if (opts.url !== undefined && opts.url.length > LIMITS.buttonUrl) {
    throw new RangeError(`button url of ${opts.url.length} chars (max ${LIMITS.buttonUrl})`);
  }
  return {
    type: 'button',
    action_id: actionId,
    text: plainText(text, LIMITS.buttonText),
    ...(opts.value !== undefined ? { value: clip(opts.value, LIMITS.buttonValue) } : {}),
    ...(opts.url !== undefined ? { url: opts.url } : {}),
    ...(opts.style ? { style: opts.style } : {}),
    ...(opts.accessibilityLabel ? { accessibility_label: clip(opts.accessibilityLabel, LIMITS.buttonText) } : {}),
  };
}

/** An actions block of at most the number of elements Slack allows. */
export function actions(elements: readonly Block[], blockId?: string): Block {
  return {
    type: 'actions',
    ...(blockId ? { block_id: blockId } : {}),
    elements: elements.slice(0, LIMITS.actionsElements),
  };
}

/** An option of a select, radio group or checkbox group: text and value within their limits. */
export function option(text: string, value: string): { text: PlainTextObject; value: string } {
  if (value.length > LIMITS.optionValue) {
    throw new RangeError(`option value of ${value.length} chars (max ${LIMITS.optionValue})`);
  }
  return { text: plainText(text, LIMITS.optionText), value };
}

/** A placeholder within its limit. */
export const placeholder = (text: string): PlainTextObject => plainText(text, LIMITS.placeholder);

interface InputOptions {
  blockId: string;
  optional?: boolean;
  hint?: string;
  dispatchAction?: boolean;
}

/** An input block: label and hint within their limits around one element. */
export function input(label: string, element: Block, opts: InputOptions): Block {
  return {
    type: 'input',
    block_id: opts.blockId,
    ...(opts.optional ? { optional: true } : {}),
    ...(opts.dispatchAction ? { dispatch_action: true } : {}),
    label: plainText(label, LIMITS.inputLabel),
    ...(opts.hint ? { hint: plainText(opts.hint, LIMITS.inputHint) } : {}),
    element,
  };
}

/**
 * Packs lines into as few mrkdwn sections as fit the section limit, one line after another; a single line
 * longer than a section is clipped; at most `maxBlocks` sections. The one packer for lists of any length
 * (criteria, candidates, personas, review history, a proposal's changes).
 */
export function sections(lines: readonly string[], maxBlocks = Number.POSITIVE_INFINITY): Block[] {
  const max = LIMITS.sectionText;
  const out: Block[] = [];
  let current = '';
  for (const l of lines) {
    if (current && current.length + l.length + 1 > max) {
      out.push(section(current));
      current = '';
    }
    current = current ? `${current}\n${l}` : clip(l, max);
  }
  if (current) out.push(section(current));
  return out.slice(0, maxBlocks);
}

/** Blocks within the count a surface allows (50 in a message, 100 in a modal or Home tab). */
export function capBlocks(blocks: Block[], surface: 'message' | 'modal' | 'home'): Block[] {
  return blocks.slice(0, surface === 'message' ? LIMITS.messageBlocks : LIMITS.viewBlocks);
}

/** A modal's title, submit or close text within the modal limit. */
export const modalText = (text: string): PlainTextObject => plainText(text, LIMITS.modalButtonText);

/** private_metadata as JSON, refused rather than cut (cut JSON does not parse back). */
export function privateMetadata(value: unknown): string {
  const s = JSON.stringify(value);
  if (s.length > LIMITS.privateMetadata) {
    throw new RangeError(`private_metadata of ${s.length} chars (max ${LIMITS.privateMetadata})`);
  }
  return s;
}
