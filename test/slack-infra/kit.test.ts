import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  actions,
  button,
  capBlocks,
  clip,
  context,
  fields,
  header,
  input,
  mention,
  modalText,
  option,
  placeholder,
  privateMetadata,
  section,
  sections,
} from '../../src/slack/blocks/kit.ts';
import type { Block } from '../../src/slack/blocks/types.ts';
import { isSlackUserId } from '../../src/slack/ids.ts';
import { LIMITS } from '../../src/slack/limits.ts';
import { escapeMrkdwn } from '../../src/slack/mrkdwn.ts';
import { assertValidHome, assertValidMessage, assertValidModal } from '../helpers/blockkit.ts';

const graphemes = (s: string) =>
  [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(s)].map((g) => g.segment);

// Text with everything that can be cut badly: emoji with modifiers and ZWJ, flags, combining accents, entities.
const hardText = fc
  .array(
    fc.constantFrom('a', 'é', 'e\u0301', '😀', '👩‍👩‍👧', '🇸🇪', '👍🏽', '&', '<', '>', ' ', '\n', '*', 'x'.repeat(40)),
    { maxLength: 400 },
  )
  .map((parts) => parts.join(''));

describe('Block Kit kit', () => {
  it('clips between graphemes: never inside an emoji, a flag or a letter with its accent', () => {
    fc.assert(
      fc.property(hardText, fc.integer({ min: 2, max: 300 }), (text, max) => {
        const out = clip(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        if (out === text) return;
        expect(out.endsWith('…')).toBe(true);
        const kept = out.slice(0, -1);
        // The kept part is a whole number of the original's graphemes.
        expect(graphemes(text).slice(0, graphemes(kept).length).join('')).toBe(kept);
      }),
    );
    expect(clip(`ab👩‍👩‍👧cd`, 5)).toBe('ab…');
    expect(clip('abe\u0301f', 4)).toBe('ab…');
  });

  it('never leaves half an escape sequence such as &amp; behind', () => {
    fc.assert(
      fc.property(hardText, fc.integer({ min: 2, max: 300 }), (raw, max) => {
        const out = clip(escapeMrkdwn(raw), max).replace(/…$/, '');
        // Every & that is left starts a whole entity.
        expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
      }),
    );
    expect(clip('a &amp; b', 5)).toBe('a …');
  });

  it('never exceeds a limit, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 6000 }),
        fc.array(fc.string({ maxLength: 3000 }), { maxLength: 14 }),
        (t, many) => {
          const s = section(`x${t}`, { fields: many.map((f) => `f${f}`) });
          expect((s.text as { text: string }).text.length).toBeLessThanOrEqual(LIMITS.sectionText);
          const fs = s.fields as { text: string }[];
          expect(fs.length).toBeLessThanOrEqual(LIMITS.sectionFields);
          for (const f of fs) expect(f.text.length).toBeLessThanOrEqual(LIMITS.sectionFieldText);
          expect((header(`h${t}`).text as { text: string }).text.length).toBeLessThanOrEqual(LIMITS.headerText);
          const b = button(`b${t}`, 'x_action', { value: `v${t}${t}` });
          expect((b.text as { text: string }).text.length).toBeLessThanOrEqual(LIMITS.buttonText);
          expect((b.value as string).length).toBeLessThanOrEqual(LIMITS.buttonValue);
          const c = context(...many.map((m) => `c${m}${t}`));
          expect((c.elements as unknown[]).length).toBeLessThanOrEqual(LIMITS.contextElements);
          expect(option(`o${t}`, 'v').text.text.length).toBeLessThanOrEqual(LIMITS.optionText);
          expect(placeholder(`p${t}`).text.length).toBeLessThanOrEqual(LIMITS.placeholder);
          expect(modalText(`m${t}`).text.length).toBeLessThanOrEqual(LIMITS.modalTitle);
        },
      ),
      { numRuns: 50 },
    );
    expect(fields(Array.from({ length: 30 }, (_, i) => `f${i}`))).toHaveLength(LIMITS.sectionFields);
    expect(actions(Array.from({ length: 30 }, (_, i) => button('b', `a${i}`))).elements).toHaveLength(
      LIMITS.actionsElements,
    );
  });

  it('refuses what cannot be clipped without changing its meaning', () => {
    expect(() => option('ok', 'v'.repeat(LIMITS.optionValue + 1))).toThrow(RangeError);
    expect(() => privateMetadata({ s: 'x'.repeat(LIMITS.privateMetadata) })).toThrow(RangeError);
    expect(() => button('Open', 'open_action', { url: `https://example.com/${'x'.repeat(LIMITS.buttonUrl)}` })).toThrow(
      RangeError,
    );
    expect(JSON.parse(privateMetadata({ checkId: 7 }))).toEqual({ checkId: 7 });
  });

  it('packs lines into as few sections as fit, clipping a line longer than one section', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `${i} ${'y'.repeat(95)}`);
    const packed = sections(lines);
    const texts = packed.map((b) => (b.text as { text: string }).text);
    // As few as fit: no section could have taken the next one's first line.
    texts.slice(1).forEach((t, i) => {
      expect(texts[i]!.length + 1 + t.split('\n')[0]!.length).toBeGreaterThan(LIMITS.sectionText);
    });
    expect(packed.map((b) => (b.text as { text: string }).text).join('\n')).toBe(lines.join('\n'));
    for (const b of packed) expect((b.text as { text: string }).text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    expect(sections(lines, 2)).toHaveLength(2);
    const [one] = sections(['z'.repeat(10_000)]);
    expect((one!.text as { text: string }).text).toHaveLength(LIMITS.sectionText);
  });

  it('caps blocks per surface', () => {
    const many: Block[] = Array.from({ length: 150 }, (_, i) => section(`${i}`));
    expect(capBlocks(many, 'message')).toHaveLength(LIMITS.messageBlocks);
    expect(capBlocks(many, 'modal')).toHaveLength(LIMITS.viewBlocks);
    expect(capBlocks(many, 'home')).toHaveLength(LIMITS.viewBlocks);
  });

  it('mentions real user ids only; anything else is escaped text', () => {
    expect(mention('U012AB3CD')).toBe('<@U012AB3CD>');
    expect(mention('W0ABCDEFGH1')).toBe('<@W0ABCDEFGH1>');
    expect(mention('cli')).toBe('cli');
    expect(mention('<!here>')).toBe('&lt;!here&gt;');
    expect(isSlackUserId('U1')).toBe(false);
    expect(isSlackUserId('u012ab3cd')).toBe(false);
  });

  it('builds messages, modals and Home tabs that validate, even from oversized input', () => {
    const huge = `${'&<>👩‍👩‍👧 '.repeat(2000)}`;
    const blocks = [
      header(huge),
      section(escapeMrkdwn(huge), { accessory: button(huge, 'kit_open_action', { value: huge }) }),
      section(null, { fields: Array.from({ length: 12 }, () => escapeMrkdwn(huge)) }),
      context(escapeMrkdwn(huge)),
      actions([button(huge, 'kit_a_action', { value: '1', style: 'primary' }), button('B', 'kit_b_action')]),
    ];
    assertValidMessage({ text: 'kit', blocks: blocks.slice(0, 2) });
    assertValidHome({ type: 'home', blocks: capBlocks([...blocks, ...sections(Array(200).fill(huge))], 'home') });
    assertValidModal({
      type: 'modal',
      callback_id: 'kit_modal',
      title: modalText(huge),
      submit: modalText(huge),
      close: modalText('Cancel'),
      private_metadata: privateMetadata({ a: 1 }),
      blocks: [
        input(
          huge,
          {
            type: 'static_select',
            action_id: 'kit_select',
            placeholder: placeholder(huge),
            options: [option(huge, 'a'), option('B', 'b')],
          },
          { blockId: 'kit_block', hint: huge, optional: true },
        ),
        ...blocks,
      ],
    });
  });
});
