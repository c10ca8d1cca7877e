import { describe, expect, it } from 'vitest';
import { HomeCheckIds, homeCheckModal, parseHomeCheck } from '../../src/slack/blocks/home-check.ts';
import { assertValidModal } from '../helpers/blockkit.ts';

const values = (value: string | null) => ({ [HomeCheckIds.block]: { [HomeCheckIds.input]: { value } } });

describe('the Home tab’s “Check a company” modal (pure builder)', () => {
  it('starts with one empty input and a Check button', () => {
    const view = homeCheckModal();
    assertValidModal(view);
    expect(view.blocks).toHaveLength(1);
    expect(view.submit?.text).toBe('Check');
  });

  it('keeps within Slack’s 100 blocks and input limits, whatever the result and the query', () => {
    const result = Array.from({ length: 150 }, (_, i) => ({
      type: 'section',
      text: { type: 'mrkdwn', text: `line ${i}` },
    }));
    const view = homeCheckModal({ query: 'x'.repeat(5000), result });
    assertValidModal(view);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const input = view.blocks[0] as unknown as { element: { initial_value: string; max_length: number } };
    expect(input.element.initial_value.length).toBeLessThanOrEqual(input.element.max_length);
    expect(view.submit?.text).toBe('Check another');
  });

  it('escapes the query where it is shown as mrkdwn', () => {
    const view = homeCheckModal({ query: '<!here> *bold*', result: [{ type: 'divider' }] });
    const line = JSON.stringify(view.blocks.at(-1));
    expect(line).toContain('&lt;!here&gt;');
    expect(line).not.toContain('<!here>');
  });

  it('parses the input, trimmed, and turns an empty one into a field error', () => {
    expect(parseHomeCheck(values('  acme.com  '))).toEqual({ ok: true, text: 'acme.com' });
    for (const v of [values(''), values('   '), values(null), undefined]) {
      expect(parseHomeCheck(v)).toEqual({ ok: false, errors: { [HomeCheckIds.block]: expect.any(String) } });
    }
  });
});
