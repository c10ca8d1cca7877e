import { describe, expect, it } from 'vitest';
import { checkSurfaceLimits, LIMITS } from '../../src/slack/limits.ts';
import {
  assertValidHome,
  assertValidMessage,
  assertValidModal,
  messageProblems,
  modalProblems,
  validateBlocks,
} from '../helpers/blockkit.ts';

const section = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'section',
  text: { type: 'mrkdwn', text },
  ...extra,
});
const button = (action_id: string, text = 'Go') => ({
  type: 'button',
  action_id,
  text: { type: 'plain_text', text },
  value: 'v',
});

const goodMessage = {
  text: 'ICP check for Acme',
  blocks: [
    { type: 'header', text: { type: 'plain_text', text: 'Acme Corp' } },
    section('*Score* 82/100', { block_id: 'score_block' }),
    { type: 'divider' },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Industry*\nSaaS' },
        { type: 'mrkdwn', text: '*Region*\nEMEA' },
      ],
    },
    {
      type: 'actions',
      block_id: 'actions_block',
      elements: [button('icp_rescore_action'), button('icp_explain_action')],
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'Scored just now' }] },
  ],
};

describe('Block Kit validation', () => {
  it('accepts a known-good message', () => {
    expect(messageProblems(goodMessage)).toEqual([]);
    expect(() => assertValidMessage(goodMessage)).not.toThrow();
  });

  it('rejects a section with 3001 characters, naming the JSON path', () => {
    const msg = { text: 'x', blocks: [section('a'.repeat(3001))] };
    expect(() => assertValidMessage(msg)).toThrow(/\/blocks\/0\/text\/text: must NOT have more than 3000 characters/);
  });

  it('rejects 51 blocks in a message but allows them in a modal', () => {
    const blocks = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(() => assertValidMessage({ text: 'x', blocks })).toThrow(/51 blocks \(max 50 per message\)/);
    expect(() => assertValidModal({ type: 'modal', title: { type: 'plain_text', text: 'Ok' }, blocks })).not.toThrow();
  });

  it('rejects a message without fallback text', () => {
    expect(() => assertValidMessage({ blocks: goodMessage.blocks })).toThrow(/no fallback text/);
    expect(() => assertValidMessage({ text: '  ', blocks: goodMessage.blocks })).toThrow(/no fallback text/);
  });

  it('rejects a modal title of 25 characters', () => {
    const view = { type: 'modal', title: { type: 'plain_text', text: 'x'.repeat(25) }, blocks: [section('hi')] };
    const problems = modalProblems(view);
    expect(problems).toContain('/title/text: must NOT have more than 24 characters');
    expect(problems).toContain('modal title is 25 chars (max 24)');
  });

  it('rejects duplicate action_ids in a block and duplicate block_ids in a surface', () => {
    const msg = {
      text: 'x',
      blocks: [
        { type: 'actions', elements: [button('same_action'), button('same_action')] },
        section('a', { block_id: 'dup_block' }),
        section('b', { block_id: 'dup_block' }),
      ],
    };
    const problems = messageProblems(msg);
    expect(problems.some((p) => p.includes('action_id "same_action" repeats'))).toBe(true);
    expect(problems.some((p) => p.includes('block_id "dup_block" repeats'))).toBe(true);
  });

  it('rejects a message whose blocks carry more than 12,000 characters of text', () => {
    const blocks = Array.from({ length: 5 }, () => section('a'.repeat(2500)));
    expect(messageProblems({ text: 'x', blocks })).toEqual([
      `blocks carry 12500 chars of text (keep under ${LIMITS.messageBlocksText}: msg_blocks_too_long)`,
    ]);
  });

  it('validates modal and home envelopes', () => {
    const modal = {
      type: 'modal',
      callback_id: 'icp_edit_view',
      title: { type: 'plain_text', text: 'Edit ICP' },
      submit: { type: 'plain_text', text: 'Save' },
      private_metadata: JSON.stringify({ v: 1 }),
      blocks: [
        {
          type: 'input',
          block_id: 'name_block',
          label: { type: 'plain_text', text: 'Name' },
          element: { type: 'plain_text_input', action_id: 'name_input' },
        },
      ],
    };
    expect(() => assertValidModal(modal)).not.toThrow();
    const { submit: _submit, ...noSubmit } = modal;
    expect(() => assertValidModal(noSubmit)).toThrow(/submit/);
    expect(() => assertValidModal({ ...modal, private_metadata: 'x'.repeat(3001) })).toThrow(/private_metadata/);
    expect(() => assertValidHome({ type: 'home', blocks: [section('Welcome')] })).not.toThrow();
    expect(() => assertValidHome({ type: 'home', blocks: [section('Welcome')], title: 'x' })).toThrow(/title/);
  });

  it('reports unknown block types and bad elements with their path', () => {
    expect(validateBlocks([{ type: 'sectoin' }])).toEqual(['/blocks/0: unknown block type "sectoin"']);
    const problems = validateBlocks([{ type: 'actions', elements: [button('a', 'x'.repeat(76))] }]);
    expect(problems.some((p) => p.startsWith('/blocks/0/elements/0/text/text: must NOT have more than 75'))).toBe(true);
  });

  it('checkSurfaceLimits needs no schema and is empty for a fine payload', () => {
    expect(checkSurfaceLimits('message', goodMessage)).toEqual([]);
    expect(checkSurfaceLimits('home', { type: 'home', blocks: [] })).toEqual(['home has no blocks']);
    expect(checkSurfaceLimits('message', { text: 'x', blocks: [section('  ')] })).toEqual(['blocks[0].text is blank']);
  });
});
