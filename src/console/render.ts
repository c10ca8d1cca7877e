/**
 * Renders Block Kit as readable terminal text for the local console: the same blocks the bot sends
 * to Slack, with buttons numbered so they can be pressed by typing `click N`.
 */

export interface RenderedButton {
  n: number;
  actionId: string;
  blockId: string | undefined;
  value: string | undefined;
  label: string;
}

export interface RenderedInput {
  blockId: string;
  actionId: string;
  label: string;
  optional: boolean;
  kind: string;
  options: { label: string; value: string }[];
  /** The element's initial value (what Slack submits when the field is left as it is). */
  initial: string | undefined;
}

/** An input element's initial value, whatever its kind calls it. */
function initialOf(el: Record<string, unknown>): string | undefined {
  for (const k of [
    'initial_value',
    'initial_time',
    'initial_date',
    'initial_conversation',
    'initial_channel',
    'initial_user',
  ]) {
    if (typeof el[k] === 'string') return el[k] as string;
  }
  return (el.initial_option as { value?: string } | undefined)?.value;
}

const emoji: Record<string, string> = {
  white_check_mark: '✅',
  white_large_square: '⬜',
  x: '❌',
  large_yellow_circle: '🟡',
  grey_question: '❔',
  large_green_circle: '🟢',
  large_blue_circle: '🔵',
  white_circle: '⚪',
  no_entry: '⛔',
  warning: '⚠️',
  sparkles: '✨',
  pencil2: '✏️',
  mag: '🔍',
  hourglass_flowing_sand: '⏳',
  information_source: 'ℹ️',
  memo: '📝',
  rotating_light: '🚨',
  alarm_clock: '⏰',
  chart_with_downwards_trend: '📉',
  chart_with_upwards_trend: '📈',
  bust_in_silhouette: '👤',
  busts_in_silhouette: '👥',
  speech_balloon: '💬',
  bulb: '💡',
  dart: '🎯',
  calendar: '📅',
};

/** mrkdwn → terminal text: entities decoded, mentions and links made readable, emoji codes drawn. */
export function mrkdwnToText(text: string): string {
  return text
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<#([A-Z0-9]+)(\|([^>]*))?>/g, (_m, id, _b, name) => `#${name ?? id}`)
    .replace(/<!([a-z]+)>/g, '@$1')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/:([a-z0-9_+-]+):/g, (m, name: string) => emoji[name] ?? m)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

type AnyBlock = Record<string, unknown> & { type: string };
type TextObj = { type?: string; text?: string } | undefined;

const textOf = (t: TextObj) => (t?.text ? (t.type === 'mrkdwn' ? mrkdwnToText(t.text) : t.text) : '');

export interface RenderResult {
  text: string;
  buttons: RenderedButton[];
  inputs: RenderedInput[];
}

/** Renders a list of blocks (message, modal or Home). Button numbers continue from `startAt`. */
export function renderBlocks(blocks: readonly AnyBlock[], startAt = 1): RenderResult {
  const lines: string[] = [];
  const buttons: RenderedButton[] = [];
  const inputs: RenderedInput[] = [];
  const addButton = (el: Record<string, unknown>, blockId: string | undefined) => {
    const n = startAt + buttons.length;
    const label = textOf(el.text as TextObj);
    buttons.push({
      n,
      actionId: String(el.action_id ?? ''),
      blockId,
      value: el.value as string | undefined,
      label,
    });
    return `[${n}: ${label}]`;
  };
  for (const b of blocks) {
    const blockId = b.block_id as string | undefined;
    switch (b.type) {
      case 'header':
        lines.push('', `━━ ${textOf(b.text as TextObj)} ━━`);
        break;
      case 'section': {
        const t = textOf(b.text as TextObj);
        if (t) lines.push(t);
        const fields = (b.fields as TextObj[] | undefined) ?? [];
        for (const f of fields) lines.push(`  ${textOf(f)}`);
        const acc = b.accessory as Record<string, unknown> | undefined;
        if (acc?.type === 'button') lines.push(`  ${addButton(acc, blockId)}`);
        else if (acc?.type === 'image') lines.push(`  (image: ${String(acc.alt_text ?? '')})`);
        break;
      }
      case 'context':
        lines.push(
          `  ${((b.elements as TextObj[] | undefined) ?? [])
            .map((e) => textOf(e))
            .filter(Boolean)
            .join(' · ')}`,
        );
        break;
      case 'divider':
        lines.push('────────────────────────────────────────');
        break;
      case 'actions': {
        const els = (b.elements as Record<string, unknown>[] | undefined) ?? [];
        lines.push(els.map((e) => (e.type === 'button' ? addButton(e, blockId) : `(${String(e.type)})`)).join('  '));
        break;
      }
      case 'image':
        lines.push(`(image: ${String(b.alt_text ?? '')}${b.image_url ? ` ${String(b.image_url)}` : ''})`);
        break;
      case 'input': {
        const el = (b.element as Record<string, unknown>) ?? {};
        const options = ((el.options as { text: TextObj; value: string }[] | undefined) ?? []).map((o) => ({
          label: textOf(o.text),
          value: o.value,
        }));
        const input: RenderedInput = {
          blockId: String(blockId ?? ''),
          actionId: String(el.action_id ?? ''),
          label: textOf(b.label as TextObj),
          optional: Boolean(b.optional),
          kind: String(el.type ?? 'plain_text_input'),
          options,
          initial: initialOf(el),
        };
        inputs.push(input);
        lines.push(
          `▸ ${input.label}${input.optional ? ' (optional)' : ''}${options.length ? `: ${options.map((o) => o.label).join(' / ')}` : ''}`,
        );
        break;
      }
      default:
        lines.push(`(${b.type} block)`);
    }
  }
  return { text: lines.join('\n'), buttons, inputs };
}
