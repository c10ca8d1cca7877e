/** Answers typed at the terminal turned into the state values Slack would submit for a modal's inputs. */
import { isSlackChannelId } from '../slack/ids.ts';
import { CHANNEL } from './local-slack.ts';
import type { RenderedInput } from './render.ts';

/** How the console asks for a field whose answer is not free text. */
export function hintFor(input: RenderedInput): string {
  const now = input.initial ? `, Enter keeps ${input.initial}` : '';
  if (input.kind === 'conversations_select' || input.kind === 'channels_select')
    return ` (#local or a channel id${now})`;
  if (input.kind === 'timepicker') return ` (HH:MM${now})`;
  if (input.kind === 'datepicker') return ` (YYYY-MM-DD${now})`;
  if (input.options.length > 0 && input.initial) return ` (Enter keeps ${input.initial})`;
  return '';
}

/**
 * The state value Slack would submit for a typed answer, shaped by the element's kind (a timepicker
 * submits `selected_time`, a conversations select `selected_conversation`, …). An empty answer keeps
 * the element's initial value, as leaving a field untouched does in Slack.
 */
export function inputValue(input: RenderedInput, typed: string): Record<string, unknown> {
  const answer = typed === '' ? (input.initial ?? '') : typed;
  const type = input.kind;
  if (input.options.length > 0) {
    const chosen = input.options.find(
      (o) =>
        o.label.toLowerCase() === answer.toLowerCase() ||
        o.value === answer ||
        String(input.options.indexOf(o) + 1) === answer,
    );
    return {
      type,
      selected_option: chosen ? { value: chosen.value, text: { type: 'plain_text', text: chosen.label } } : null,
    };
  }
  const value = answer === '' ? null : answer;
  switch (type) {
    case 'conversations_select':
      return { type, selected_conversation: channelId(answer) };
    case 'channels_select':
      return { type, selected_channel: channelId(answer) };
    case 'users_select':
      return { type, selected_user: value };
    case 'timepicker':
      // '9:00' is what people type; Slack's picker always submits two-digit hours.
      return { type, selected_time: value && /^\d:\d\d$/.test(value) ? `0${value}` : value };
    case 'datepicker':
      return { type, selected_date: value };
    default:
      return { type, value };
  }
}

/** The console has one channel, #local; a typed channel id is taken as it is. */
function channelId(answer: string): string | null {
  if (/^#?local$/i.test(answer)) return CHANNEL;
  return isSlackChannelId(answer) ? answer : null;
}
