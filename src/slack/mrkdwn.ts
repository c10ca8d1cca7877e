/**
 * Text helpers for Slack mrkdwn and plain_text. Pure: no Slack client, no I/O.
 *
 * Slack parses `<…>` in mrkdwn as links and mentions (`<!channel>`, `<@U123>`, `<https://x|label>`) and
 * asks apps to escape only `&`, `<` and `>` (docs.slack.dev "Formatting text for app surfaces" →
 * "Escaping text"; see /work/shared/slack/PLATFORM.md). Anything a user or a data file supplied goes
 * through `escapeMrkdwn` before it is placed in a mrkdwn string.
 */

import { clipText } from '../text.ts';
import { LIMITS } from './limits.ts';

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Escapes `&`, `<`, `>` so user or data text cannot forge mentions (`<!channel>`) or links. Not idempotent. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => ENTITY[c] ?? c);
}

// Slack has no backslash escape for formatting characters. A zero-width space in front of the marker
// keeps it from opening or closing bold/italic/strike/code, while the visible text stays the same.
const ZWSP = '\u200b';

/**
 * `escapeMrkdwn` plus defusing of the formatting markers `*`, `_`, `~` and backtick, for text that
 * must be shown literally (names like `*ACME*_corp`). The markers stay visible; each is preceded by a
 * zero-width space so Slack does not treat it as formatting.
 */
export function escapeMrkdwnStrict(text: string): string {
  return escapeMrkdwn(text).replace(/[*_~`]/g, (c) => ZWSP + c);
}

const ELLIPSIS = '…';

/**
 * Shortens `text` to at most `max` UTF-16 code units (the unit Slack's length limits are checked in),
 * ending with '…' when cut. Cuts between grapheme clusters (never inside an emoji, a flag or a letter with
 * its accent) and never inside an `&amp;` / `&lt;` / `&gt;` entity, so an escaped string stays valid.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  if (max === 1) return ELLIPSIS;
  let cut = clipText(text, max - ELLIPSIS.length).length;
  // Do not keep the front half of an entity: look back for a '&' not yet closed by ';'.
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp !== -1 && cut - amp < 5) {
    const semi = text.indexOf(';', amp);
    if (semi === -1 || semi >= cut) {
      if (/^&(amp|lt|gt);/.test(text.slice(amp, amp + 5))) cut = amp;
    }
  }
  return text.slice(0, cut) + ELLIPSIS;
}

/** How much of a user's input a message repeats back (a name, a query): enough to recognise it. */
export const ECHO_MAX = 100;

/** User input as repeated back inside a sentence: cut to `max` before escaping, so 1 MB never comes back. */
export function echo(input: string, max = ECHO_MAX): string {
  return escapeMrkdwn(truncate(input, max));
}

/** Slack shows a message's fallback `text` in notifications; a few hundred characters is all that is seen. */
export const FALLBACK_MAX = 500;

/**
 * A message's fallback `text` from raw (unescaped) text. Slack parses it as mrkdwn in notifications, so it
 * is escaped exactly like block text (no `<!here>` or `<@U…>` from a name), and capped.
 */
export function fallbackText(raw: string, max = FALLBACK_MAX): string {
  return truncate(escapeMrkdwn(raw), max);
}

export interface PlainTextObject {
  type: 'plain_text';
  text: string;
  emoji: boolean;
}

export interface MrkdwnTextObject {
  type: 'mrkdwn';
  text: string;
}

/**
 * A plain_text object truncated to `max` (default: the text object limit). Slack rejects an empty
 * text object, so blank text becomes a single dash. plain_text is not parsed for mentions: no escaping.
 */
export function plain(text: string, max: number = LIMITS.text): PlainTextObject {
  const t = text.trim() === '' ? '-' : text;
  return { type: 'plain_text', text: truncate(t, max), emoji: true };
}

/** A mrkdwn object truncated to `max` (default: the text object limit). The caller escapes untrusted parts first. */
export function mrkdwn(text: string, max: number = LIMITS.text): MrkdwnTextObject {
  const t = text.trim() === '' ? '-' : text;
  return { type: 'mrkdwn', text: truncate(t, max) };
}

/** A compact progress bar such as '▰▰▰▰▰▰▱▱▱▱' for a fraction in [0, 1] (clamped; NaN counts as 0). */
export function bar(fraction: number, width = 10): string {
  const w = Math.max(0, Math.floor(width));
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.round(f * w);
  return '▰'.repeat(filled) + '▱'.repeat(w - filled);
}

const DASH = '–';

/** `1234.5` → '1,234.5'. `decimals` caps the fraction digits (default 1); `compact` gives '1.2K'. */
export function formatNumber(n: number, options: { decimals?: number; compact?: boolean } = {}): string {
  if (!Number.isFinite(n)) return DASH;
  return new Intl.NumberFormat('en-US', {
    maximumFractionDigits: options.decimals ?? 1,
    notation: options.compact ? 'compact' : 'standard',
  }).format(n);
}

/** A fraction as a percentage: `0.4567` → '46%', with `decimals` = 1 → '45.7%'. */
export function formatPercent(fraction: number, decimals = 0): string {
  if (!Number.isFinite(fraction)) return DASH;
  return new Intl.NumberFormat('en-US', {
    style: 'percent',
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  }).format(fraction);
}
