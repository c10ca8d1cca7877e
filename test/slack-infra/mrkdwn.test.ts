import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bar,
  escapeMrkdwn,
  escapeMrkdwnStrict,
  formatNumber,
  formatPercent,
  mrkdwn,
  plain,
  truncate,
} from '../../src/slack/mrkdwn.ts';

describe('mrkdwn helpers', () => {
  it('escapes &, < and > so mentions and links cannot be forged', () => {
    expect(escapeMrkdwn('<!channel> & <https://evil|click>')).toBe('&lt;!channel&gt; &amp; &lt;https://evil|click&gt;');
    expect(escapeMrkdwn('*bold* _it_')).toBe('*bold* _it_');
  });

  it('strict escaping also defuses formatting markers but keeps them visible', () => {
    const out = escapeMrkdwnStrict('*ACME* <b>');
    expect(out).toBe('\u200b*ACME\u200b* &lt;b&gt;');
    expect(out.replaceAll('\u200b', '')).toBe('*ACME* &lt;b&gt;');
  });

  it('truncates with an ellipsis within the limit', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hello world', 6)).toBe('hello…');
    expect(truncate('hello world', 6)).toHaveLength(6);
    expect(truncate('abc', 0)).toBe('');
    expect(truncate('abc', 1)).toBe('…');
  });

  it('never splits a surrogate pair or an escaped entity', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate(escapeMrkdwn('ab & cd'), 6)).toBe('ab …');
    expect(truncate(escapeMrkdwn('ab<cd'), 6)).toBe('ab…');
    expect(truncate(escapeMrkdwn('ab<cdef'), 7)).toBe('ab&lt;…');
  });

  it('builds text objects that are never empty', () => {
    expect(plain('Hi')).toEqual({ type: 'plain_text', text: 'Hi', emoji: true });
    expect(plain('')).toEqual({ type: 'plain_text', text: '-', emoji: true });
    expect(plain('x'.repeat(30), 24).text).toHaveLength(24);
    expect(mrkdwn('*a*')).toEqual({ type: 'mrkdwn', text: '*a*' });
  });

  it('draws a bar and formats numbers', () => {
    expect(bar(0.6)).toBe('▰▰▰▰▰▰▱▱▱▱');
    expect(bar(2, 4)).toBe('▰▰▰▰');
    expect(bar(Number.NaN, 3)).toBe('▱▱▱');
    expect(formatNumber(1234.56)).toBe('1,234.6');
    expect(formatNumber(1234, { compact: true })).toBe('1.2K');
    expect(formatNumber(Number.NaN)).toBe('–');
    expect(formatPercent(0.4567)).toBe('46%');
    expect(formatPercent(0.4567, 1)).toBe('45.7%');
  });

  it('truncate keeps escaped text within max and well formed for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 0, max: 80 }), (raw, max) => {
        const out = truncate(escapeMrkdwn(raw), max);
        expect(out.length).toBeLessThanOrEqual(Math.max(max, 0));
        expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(out)).toBe(false);
        expect(/&(?!amp;|lt;|gt;)/.test(out)).toBe(false);
        expect(/[<>]/.test(out)).toBe(false);
      }),
    );
  });
});
